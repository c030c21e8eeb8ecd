"""Invoices: draft -> issued (receivable, revenue and tax posted) -> paid once payments cover it; a draft may be
cancelled. A draft's amounts follow its lines and tax rate; an issued invoice no longer changes (its due date may).
"""

from collections.abc import Mapping
from dataclasses import replace
from datetime import timedelta
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from models.base import today
from models.finance import Invoice, InvoiceLine, InvoiceStatus
from resolvers import crm, ledger
from resolvers.documents import line_totals, money, only_draft_documents
from resolvers.errors import ErrorCode, Refused
from resolvers.permissions import Actor
from resolvers.workflow import after_write, delete_rule, row_rule, state_field, workflow_step

DRAFT, ISSUED, PAID, CANCELLED = InvoiceStatus.DRAFT, InvoiceStatus.ISSUED, InvoiceStatus.PAID, InvoiceStatus.CANCELLED
NEXT = {DRAFT: (ISSUED, CANCELLED), ISSUED: (PAID,), PAID: (), CANCELLED: ()}
#: Days to pay when an invoice is issued without a due date.
PAYMENT_TERMS_DAYS = 30

invoices = Invoice.__table__


def set_amounts(invoice: Any, net: Any) -> None:
    """Net, tax (the rate applied to the net, in cents) and total."""
    invoice.net_amount = net
    invoice.tax_amount = ledger.cents(net * invoice.tax_rate / 100)
    invoice.total_amount = invoice.net_amount + invoice.tax_amount


@state_field(Invoice, "status")
def move_invoice(
    session: Session, invoice: Any, before: Mapping[str, Any] | None, status: InvoiceStatus, actor: Actor
) -> None:
    if before is not None and before["status"] is DRAFT:
        set_amounts(invoice, line_totals(session, InvoiceLine, {invoice.id})[invoice.id])
    try:
        if workflow_step(Invoice, invoice, before, status, arrows=NEXT, may_change={"due_date"}) is None:
            return
    except Refused as refused:
        if status is not CANCELLED or before is None:
            raise
        hint = " (an issued invoice is corrected by reversing its journal entry)"
        raise Refused([replace(error, message=error.message + hint) for error in refused.errors]) from None
    if status is ISSUED:
        _issue(session, invoice, actor)
    elif status is PAID and invoice.paid_amount < invoice.total_amount:
        raise Refused.one(
            f"invoice {invoice.number} is paid when payments cover it: {money(invoice.paid_amount)} of"
            f" {money(invoice.total_amount)} received",
            ErrorCode.INVALID_STATE,
            "status",
        )


def _issue(session: Session, invoice: Any, actor: Actor) -> None:
    """Post the receivable against revenue and tax; date the invoice and give it its terms."""
    if invoice.total_amount <= 0:
        raise Refused.one(f"invoice {invoice.number} has nothing to bill yet", ErrorCode.INVALID_STATE, "status")
    invoice.issue_date = invoice.issue_date or today()
    invoice.due_date = invoice.due_date or invoice.issue_date + timedelta(days=PAYMENT_TERMS_DAYS)
    postings = [
        ledger.Posting(ledger.RECEIVABLES, invoice.total_amount),
        ledger.Posting(ledger.SALES_REVENUE, -invoice.net_amount),
        ledger.Posting(ledger.TAX_PAYABLE, -invoice.tax_amount),
    ]
    ledger.post(session, postings, memo=f"Invoice {invoice.number} issued", source=invoice.number, actor=actor)
    crm.on_timeline(
        session,
        customer_id=invoice.customer_id,
        subject=f"Invoice {invoice.number} issued: {money(invoice.total_amount)}, due {invoice.due_date.isoformat()}",
        actor=actor,
    )


lines_of_drafts = only_draft_documents(Invoice, "invoice_id", DRAFT)
row_rule(InvoiceLine)(lines_of_drafts)
delete_rule(InvoiceLine)(lines_of_drafts)


@after_write(InvoiceLine)
def keep_invoice_amounts(session: Session, lines: list[Any], actor: Actor) -> None:
    """A draft's net, tax and total follow its lines (one query for the lines, one for the rates, one update)."""
    ids = {line.invoice_id for line in lines}
    totals = line_totals(session, InvoiceLine, ids)
    rates = dict(session.execute(sa.select(invoices.c.id, invoices.c.tax_rate).where(invoices.c.id.in_(ids))).all())
    rows = []
    for id, net in totals.items():
        tax = ledger.cents(net * rates[id] / 100)
        rows.append({"invoice_id": id, "net": net, "tax": tax, "total": net + tax})
    session.execute(
        invoices.update()
        .where(invoices.c.id == sa.bindparam("invoice_id"))
        .values(net_amount=sa.bindparam("net"), tax_amount=sa.bindparam("tax"), total_amount=sa.bindparam("total")),
        rows,
    )
