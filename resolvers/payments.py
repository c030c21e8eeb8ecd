"""Payments: money received against an issued invoice, or paid against what a purchase order has delivered.

A payment never exceeds what is owed (the whole batch counted together); recording one posts cash against the
receivable or the payable, adds to the document's paid amount, marks a fully paid invoice paid and notes the
receipt on the customer's timeline. Payments are never changed or deleted.
"""

from collections import defaultdict
from decimal import Decimal
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from models.finance import Invoice, InvoiceStatus, Payment, PaymentDirection
from models.purchasing import PurchaseOrder, PurchaseOrderStatus
from resolvers import crm, crud, ledger
from resolvers.documents import money
from resolvers.errors import ErrorCode, UserError
from resolvers.permissions import Actor
from resolvers.workflow import after_write, row_rule

invoices = Invoice.__table__
purchase_orders = PurchaseOrder.__table__
PAYABLE_STATES = {PurchaseOrderStatus.ORDERED, PurchaseOrderStatus.RECEIVED}


def _documents(session: Session, table: sa.Table, ids: set[int], owed: sa.ColumnElement) -> dict[int, sa.Row]:
    if not ids:
        return {}
    query = sa.select(table.c.id, table.c.number, table.c.status, owed.label("owed")).where(table.c.id.in_(ids))
    return {row.id: row for row in session.execute(query.with_for_update())}


@row_rule(Payment)
def pay_no_more_than_owed(session: Session, payments: list[Any], actor: Actor) -> list[UserError]:
    """Invoices must be issued, purchase orders ordered; a batch's payments together cover at most what is owed."""
    owed_invoices = _documents(
        session,
        invoices,
        {p.invoice_id for p in payments if p.invoice_id},
        invoices.c.total_amount - invoices.c.paid_amount,
    )
    owed_orders = _documents(
        session,
        purchase_orders,
        {p.purchase_order_id for p in payments if p.purchase_order_id},
        purchase_orders.c.received_amount - purchase_orders.c.paid_amount,
    )
    paying: dict[tuple[str, int], Decimal] = defaultdict(Decimal)
    errors = []
    for index, payment in enumerate(payments):
        if payment.direction is PaymentDirection.INCOMING and payment.invoice_id:
            document, field, key = owed_invoices.get(payment.invoice_id), "invoice_id", ("invoice", payment.invoice_id)
            if document is not None and document.status is not InvoiceStatus.ISSUED:
                message = f"invoice {document.number} is {document.status.value}; only an issued invoice is paid"
                errors.append(UserError(message, ErrorCode.INVALID_STATE, (field,), index))
                continue
        elif payment.direction is PaymentDirection.OUTGOING and payment.purchase_order_id:
            document, field = owed_orders.get(payment.purchase_order_id), "purchase_order_id"
            key = ("purchase order", payment.purchase_order_id)
            if document is not None and document.status not in PAYABLE_STATES:
                message = f"purchase order {document.number} is {document.status.value}; nothing is owed on it"
                errors.append(UserError(message, ErrorCode.INVALID_STATE, (field,), index))
                continue
        else:
            continue  # the direction rule (resolvers/finance.py) names what is missing
        if document is None:
            continue
        paying[key] += payment.amount
        if paying[key] > document.owed:
            earlier = paying[key] - payment.amount
            still = document.owed - earlier
            message = (
                f"{money(payment.amount)} is more than the {money(max(still, ledger.ZERO))} still owed on"
                f" {key[0]} {document.number}"
            )
            errors.append(UserError(message, ErrorCode.VALIDATION, ("amount",), index))
    return errors


@after_write(Payment)
def post_payments(session: Session, payments: list[Any], actor: Actor) -> None:
    """Post each payment; add it to its document; a covered invoice becomes paid; receipts go on the timeline."""
    consequence = actor.for_consequences()
    incoming = [p for p in payments if p.direction is PaymentDirection.INCOMING]
    outgoing = [p for p in payments if p.direction is PaymentDirection.OUTGOING]
    numbers = _numbers(session, incoming, outgoing)
    for payment in payments:
        if payment.direction is PaymentDirection.INCOMING:
            number, debit, credit = numbers[("invoice", payment.invoice_id)], ledger.CASH, ledger.RECEIVABLES
            memo = f"Payment received for {number}"
        else:
            number, debit, credit = numbers[("purchase order", payment.purchase_order_id)], ledger.PAYABLES, ledger.CASH
            memo = f"Payment made for {number}"
        postings = ledger.transfer(payment.amount, debit=debit, credit=credit)
        ledger.post(session, postings, memo=memo, source=number, actor=actor, posted_at=payment.paid_at)
    _add_paid(session, Invoice, incoming, "invoice_id", consequence)
    _add_paid(session, PurchaseOrder, outgoing, "purchase_order_id", consequence)
    for payment in incoming:
        number = numbers[("invoice", payment.invoice_id)]
        customer_id = numbers[("customer", payment.invoice_id)]
        crm.on_timeline(
            session,
            customer_id=customer_id,
            subject=f"Payment of {money(payment.amount)} received for invoice {number}",
            actor=actor,
            occurred_at=payment.paid_at,
        )


def _numbers(session: Session, incoming: list[Any], outgoing: list[Any]) -> dict[tuple[str, int], Any]:
    found: dict[tuple[str, int], Any] = {}
    invoice_ids = {p.invoice_id for p in incoming}
    if invoice_ids:
        query = sa.select(invoices.c.id, invoices.c.number, invoices.c.customer_id).where(
            invoices.c.id.in_(invoice_ids)
        )
        for id, number, customer_id in session.execute(query):
            found[("invoice", id)] = number
            found[("customer", id)] = customer_id
    order_ids = {p.purchase_order_id for p in outgoing}
    if order_ids:
        query = sa.select(purchase_orders.c.id, purchase_orders.c.number).where(purchase_orders.c.id.in_(order_ids))
        found.update({("purchase order", id): number for id, number in session.execute(query)})
    return found


def _add_paid(session: Session, model: type, payments: list[Any], key: str, actor: Actor) -> None:
    """Add the payments to their documents' paid amounts through the write path (so a covered invoice's
    transition to paid runs, and the change is audited)."""
    if not payments:
        return
    paid: dict[int, Decimal] = defaultdict(Decimal)
    for payment in payments:
        paid[getattr(payment, key)] += payment.amount
    table = model.__table__
    query = sa.select(table.c.id, table.c.paid_amount, table.c.total_amount).where(table.c.id.in_(paid))
    current = {id: (paid_amount, total) for id, paid_amount, total in session.execute(query)}
    patches = []
    for id, amount in paid.items():
        paid_amount, total = current[id]
        values: dict[str, Any] = {"paid_amount": paid_amount + amount}
        if model is Invoice and values["paid_amount"] >= total:
            values["status"] = InvoiceStatus.PAID
        patches.append(crud.Patch(id, values))
    crud.update_many(session, model, patches, actor=actor, action="pay")
