"""Work orders: planned -> in progress -> done; planned or in progress may be cancelled. Completing one consumes
the bill of materials' components times the quantity and produces the product, at what the components cost; it is
refused, with the short components named, when the warehouse doesn't hold enough.
"""

from collections.abc import Mapping
from decimal import ROUND_UP, Decimal
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from models.inventory import Product, StockMove, StockMoveKind
from models.manufacturing import BillOfMaterials, BomLine, WorkOrder, WorkOrderStatus
from resolvers import crud, ledger
from resolvers.errors import ErrorCode, Refused, UserError
from resolvers.permissions import Actor
from resolvers.workflow import delete_rule, state_field, workflow_step

PLANNED, IN_PROGRESS, DONE, CANCELLED = (
    WorkOrderStatus.PLANNED,
    WorkOrderStatus.IN_PROGRESS,
    WorkOrderStatus.DONE,
    WorkOrderStatus.CANCELLED,
)
NEXT = {PLANNED: (IN_PROGRESS, CANCELLED), IN_PROGRESS: (DONE, CANCELLED), DONE: (), CANCELLED: ()}
#: The stock ledger counts in thousandths (models.base.Quantity).
THOUSANDTH = Decimal("0.001")


def consumption(per_unit: Decimal, quantity: Decimal) -> Decimal:
    """What making `quantity` units uses of a component, rounded up to a thousandth: never less than needed, never
    nothing (0.5 l of paint a table, for 0.333 tables: 0.167 l)."""
    return (per_unit * quantity).quantize(THOUSANDTH, rounding=ROUND_UP)


@state_field(WorkOrder, "status")
def move_work_order(
    session: Session, order: Any, before: Mapping[str, Any] | None, status: WorkOrderStatus, actor: Actor
) -> None:
    if workflow_step(WorkOrder, order, before, status, arrows=NEXT, may_change={"due_date"}) is None:
        return
    if status is IN_PROGRESS:
        _components(session, order)  # refuses a product nobody said how to make
    elif status is DONE:
        _complete(session, order, actor)


def _components(session: Session, order: Any) -> list[sa.Row]:
    boms, lines = BillOfMaterials.__table__, BomLine.__table__
    query = (
        sa.select(lines.c.component_id, lines.c.quantity_per_unit)
        .join(boms, boms.c.id == lines.c.bom_id)
        .where(boms.c.product_id == order.product_id)
        .order_by(lines.c.id)
    )
    components = list(session.execute(query))
    if not components:
        products = Product.__table__
        sku = session.execute(sa.select(products.c.sku).where(products.c.id == order.product_id)).scalar_one()
        raise Refused.one(
            f"{sku} has no bill of materials with components; add one before making it",
            ErrorCode.INVALID_STATE,
            "status",
        )
    return components


def _complete(session: Session, order: Any, actor: Actor) -> None:
    """Consume the components and produce the product, in one batch of moves (the components' value moves to it)."""
    consumed = [
        {
            "product_id": component_id,
            "warehouse_id": order.warehouse_id,
            "quantity": -consumption(per_unit, order.quantity),
            "kind": StockMoveKind.PRODUCTION_OUT,
            "reference": order.number,
        }
        for component_id, per_unit in _components(session, order)
    ]
    consequence = actor.for_consequences()
    try:
        used = crud.create_many(session, StockMove, consumed, actor=consequence, action="produce")
    except Refused as refused:  # name every short component against the status the user set
        raise Refused([UserError(e.message, e.code, ("status",)) for e in refused.errors]) from None
    cost = -sum((move.value for move in used), ledger.ZERO)
    produced = {
        "product_id": order.product_id,
        "warehouse_id": order.warehouse_id,
        "quantity": order.quantity,
        "unit_cost": ledger.cents(cost / order.quantity),
        "value": cost,
        "kind": StockMoveKind.PRODUCTION_IN,
        "reference": order.number,
    }
    crud.create_many(session, StockMove, [produced], actor=consequence, action="produce")


@delete_rule(WorkOrder)
def only_unstarted_work_orders_are_deleted(session: Session, orders: list[Any], actor: Actor) -> list[UserError]:
    """A started work order is cancelled, a done one stays: its stock moves name it (nothing else refers to it)."""
    return [
        UserError(
            f"work order {order.number} is {order.status.value.replace('_', ' ')}; only a planned or cancelled"
            " work order can be deleted",
            ErrorCode.INVALID_STATE,
            ("id",),
            index,
        )
        for index, order in enumerate(orders)
        if order.status in (IN_PROGRESS, DONE)
    ]
