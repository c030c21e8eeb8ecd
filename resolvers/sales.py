"""Sales orders: draft -> confirmed (credit limit) -> shipped (stock out, cost of goods posted) -> invoiced (the
invoice created); a draft or confirmed order may be cancelled. Each step is one transaction, whoever takes it: a
GraphQL verb, a generic update of `status`, or a sheet's Status column all run `move_sales_order`.
"""

from collections.abc import Mapping
from decimal import Decimal
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from models.crm import Customer
from models.finance import Invoice, InvoiceLine, InvoiceStatus
from models.inventory import Product, StockMoveKind
from models.inventory import StockMove as StockMoveModel
from models.sales import SalesOrder, SalesOrderLine, SalesOrderStatus
from resolvers import crm, crud, ledger
from resolvers.documents import money, net_unit_price, only_draft_documents, recompute_totals
from resolvers.errors import ErrorCode, Refused, UserError
from resolvers.permissions import Actor
from resolvers.workflow import after_write, delete_rule, row_rule, state_field, workflow_step

DRAFT, CONFIRMED, SHIPPED, INVOICED, CANCELLED = (
    SalesOrderStatus.DRAFT,
    SalesOrderStatus.CONFIRMED,
    SalesOrderStatus.SHIPPED,
    SalesOrderStatus.INVOICED,
    SalesOrderStatus.CANCELLED,
)
#: The arrows of the workflow: from a status, the statuses an order can move to.
NEXT = {
    DRAFT: (CONFIRMED, CANCELLED),
    CONFIRMED: (SHIPPED, CANCELLED),
    SHIPPED: (INVOICED,),
    INVOICED: (),
    CANCELLED: (),
}

orders = SalesOrder.__table__
order_lines = SalesOrderLine.__table__
invoices = Invoice.__table__


def _lines(session: Session, order_id: int) -> list[sa.Row]:
    return list(session.execute(sa.select(order_lines).where(order_lines.c.order_id == order_id).order_by("line_no")))


@state_field(SalesOrder, "status")
def move_sales_order(
    session: Session, order: Any, before: Mapping[str, Any] | None, status: SalesOrderStatus, actor: Actor
) -> None:
    if workflow_step(SalesOrder, order, before, status, arrows=NEXT) is None:
        return
    if status is CONFIRMED:
        _confirm(session, order, actor)
    elif status is SHIPPED:
        _ship(session, order, actor)
    elif status is INVOICED:
        _invoice(session, order, actor)


def exposure(session: Session, customer_id: int, *, excluding_order: int | None = None) -> Decimal:
    """What a customer owes or has on order: open invoices plus confirmed and shipped orders not yet invoiced."""
    owed = sa.select(sa.func.coalesce(sa.func.sum(invoices.c.total_amount - invoices.c.paid_amount), 0)).where(
        invoices.c.customer_id == customer_id, invoices.c.status == InvoiceStatus.ISSUED.value
    )
    on_order = sa.select(sa.func.coalesce(sa.func.sum(orders.c.total_amount), 0)).where(
        orders.c.customer_id == customer_id,
        orders.c.status.in_([CONFIRMED.value, SHIPPED.value]),
        orders.c.id != (excluding_order or 0),
    )
    (owed_amount, on_order_amount) = session.execute(
        sa.select(owed.scalar_subquery(), on_order.scalar_subquery())
    ).one()
    return ledger.cents(Decimal(owed_amount) + Decimal(on_order_amount))


def _confirm(session: Session, order: Any, actor: Actor) -> None:
    """Confirm a draft with lines, within the customer's credit limit (0 means no limit)."""
    if not _lines(session, order.id):
        raise Refused.one(f"sales order {order.number} has no lines to confirm", ErrorCode.INVALID_STATE, "status")
    customers = Customer.__table__
    customer = session.execute(sa.select(customers).where(customers.c.id == order.customer_id)).one()
    if customer.credit_limit > 0:
        current = exposure(session, customer.id, excluding_order=order.id)
        if current + order.total_amount > customer.credit_limit:
            raise Refused.one(
                f"{customer.code} would owe {money(current + order.total_amount)} with this order"
                f" ({money(current)} open plus {money(order.total_amount)}), over the credit limit of"
                f" {money(customer.credit_limit)}",
                ErrorCode.INVALID_STATE,
                "status",
            )
    crm.on_timeline(
        session,
        customer_id=order.customer_id,
        subject=f"Order {order.number} confirmed: {money(order.total_amount)}",
        actor=actor,
    )


def _ship(session: Session, order: Any, actor: Actor) -> None:
    """Move the goods out of the order's warehouse and post their cost."""
    lines = _lines(session, order.id)
    shipment = [
        {
            "product_id": line.product_id,
            "warehouse_id": order.warehouse_id,
            "quantity": -line.quantity,
            "kind": StockMoveKind.SHIPMENT,
            "reference": order.number,
        }
        for line in lines
    ]
    try:
        moved = crud.create_many(session, StockMoveModel, shipment, actor=actor.for_consequences(), action="ship")
    except Refused as refused:  # a short line: the order's status is what failed, so name it, with the reason
        raise Refused([UserError(e.message, e.code, ("status",)) for e in refused.errors]) from None
    cost = -sum((move.value for move in moved), ledger.ZERO)
    ledger.post(
        session,
        ledger.transfer(cost, debit=ledger.COST_OF_GOODS_SOLD, credit=ledger.INVENTORY),
        memo=f"Cost of goods shipped on {order.number}",
        source=order.number,
        actor=actor,
    )
    crm.on_timeline(session, customer_id=order.customer_id, subject=f"Order {order.number} shipped", actor=actor)


def _invoice(session: Session, order: Any, actor: Actor) -> None:
    """Create the order's invoice as a draft (finance issues it), one invoice line per order line."""
    existing = session.execute(
        sa.select(invoices.c.number).where(
            invoices.c.sales_order_id == order.id, invoices.c.status != InvoiceStatus.CANCELLED.value
        )
    ).scalar()
    if existing is not None:
        raise Refused.one(f"sales order {order.number} is already billed by {existing}", ErrorCode.INVALID_STATE)
    consequence = actor.for_consequences()
    (invoice,) = crud.create_many(
        session,
        Invoice,
        [{"customer_id": order.customer_id, "sales_order_id": order.id, "status": InvoiceStatus.DRAFT}],
        actor=consequence,
        action="invoice",
    )
    products = Product.__table__
    lines = session.execute(
        sa.select(order_lines, products.c.sku, products.c.name.label("product_name"))
        .join(products, products.c.id == order_lines.c.product_id)
        .where(order_lines.c.order_id == order.id)
        .order_by(order_lines.c.line_no)
    ).all()
    billed = [
        {
            "invoice_id": invoice.id,
            "line_no": line.line_no,
            "description": f"{line.product_name} ({line.sku})"[:300],
            "quantity": line.quantity,
            "unit_price": net_unit_price(line.unit_price, line.discount_percent),
        }
        for line in lines
    ]
    crud.create_many(session, InvoiceLine, billed, actor=consequence, action="invoice")


def invoice_of(session: Session, order_id: int) -> int | None:
    """The id of the order's (not cancelled) invoice."""
    query = sa.select(invoices.c.id).where(
        invoices.c.sales_order_id == order_id, invoices.c.status != InvoiceStatus.CANCELLED.value
    )
    return session.execute(query).scalar()


# --- lines: editable while their order is a draft; the order's total follows them -------------------------------

lines_of_drafts = only_draft_documents(SalesOrder, "order_id", DRAFT)
row_rule(SalesOrderLine)(lines_of_drafts)
delete_rule(SalesOrderLine)(lines_of_drafts)


@after_write(SalesOrderLine)
def keep_order_totals(session: Session, lines: list[Any], actor: Actor) -> None:
    recompute_totals(session, SalesOrder, SalesOrderLine, {line.order_id for line in lines})
