"""Purchase orders: draft -> ordered -> received; a draft, or an ordered order nothing has arrived for, may be
cancelled. Goods may arrive in parts (`receive_purchase_order`); each receipt moves stock in at the line's cost and
posts the payable. Setting the status to received (verb or sheet) receives whatever is still outstanding.
"""

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from models.inventory import StockMove, StockMoveKind
from models.purchasing import PurchaseOrder, PurchaseOrderLine, PurchaseOrderStatus
from resolvers import crud, ledger
from resolvers.documents import only_draft_documents, recompute_totals
from resolvers.errors import ErrorCode, Refused, UserError
from resolvers.permissions import Actor, can_move_to
from resolvers.workflow import after_write, delete_rule, refuse_step, row_rule, state_field, workflow_step

DRAFT, ORDERED, RECEIVED, CANCELLED = (
    PurchaseOrderStatus.DRAFT,
    PurchaseOrderStatus.ORDERED,
    PurchaseOrderStatus.RECEIVED,
    PurchaseOrderStatus.CANCELLED,
)
NEXT = {DRAFT: (ORDERED, CANCELLED), ORDERED: (RECEIVED, CANCELLED), RECEIVED: (), CANCELLED: ()}

order_lines = PurchaseOrderLine.__table__


@dataclass(frozen=True)
class Receipt:
    """Goods that arrived for one line of a purchase order."""

    line_no: int
    quantity: Decimal


@state_field(PurchaseOrder, "status")
def move_purchase_order(
    session: Session, order: Any, before: Mapping[str, Any] | None, status: PurchaseOrderStatus, actor: Actor
) -> None:
    if workflow_step(PurchaseOrder, order, before, status, arrows=NEXT, may_change={"expected_date"}) is None:
        return
    if status is ORDERED and not _lines(session, order.id):
        raise Refused.one(f"purchase order {order.number} has no lines to order", ErrorCode.INVALID_STATE, "status")
    if status is CANCELLED and any(line.received_quantity > 0 for line in _lines(session, order.id)):
        raise Refused.one(
            f"purchase order {order.number} has goods received; it can't be cancelled",
            ErrorCode.INVALID_STATE,
            "status",
        )
    if status is RECEIVED:
        outstanding = [
            Receipt(line.line_no, line.quantity - line.received_quantity)
            for line in _lines(session, order.id)
            if line.quantity > line.received_quantity
        ]
        order.received_amount += _receive(session, order, outstanding, actor)


def _lines(session: Session, order_id: int) -> list[sa.Row]:
    query = sa.select(order_lines).where(order_lines.c.order_id == order_id).order_by(order_lines.c.line_no)
    return list(session.execute(query.with_for_update()))


def _receive(session: Session, order: Any, receipts: Sequence[Receipt], actor: Actor) -> Decimal:
    """Move the goods in at their lines' cost, count them on the lines and post the payable; returns the value."""
    lines = {line.line_no: line for line in _lines(session, order.id)}
    errors = []
    received: dict[int, Decimal] = {}
    for index, receipt in enumerate(receipts):
        line = lines.get(receipt.line_no)
        if line is None:
            message = f"purchase order {order.number} has no line {receipt.line_no}"
            errors.append(UserError(message, ErrorCode.NOT_FOUND, ("lines", str(index), "lineNo")))
            continue
        if receipt.quantity <= 0:
            message = "a received quantity is more than 0"
            errors.append(UserError(message, ErrorCode.VALIDATION, ("lines", str(index), "quantity")))
            continue
        total = received.get(line.id, line.received_quantity) + receipt.quantity
        if total > line.quantity:
            message = (
                f"line {line.line_no} ordered {line.quantity:f}; {line.received_quantity:f} already received,"
                f" so at most {line.quantity - line.received_quantity:f} more can arrive"
            )
            errors.append(UserError(message, ErrorCode.VALIDATION, ("lines", str(index), "quantity")))
            continue
        received[line.id] = total
    if errors:
        raise Refused(errors)
    if not receipts:
        return ledger.ZERO
    consequence = actor.for_consequences()
    by_line_no = {line.line_no: line for line in lines.values()}
    moves = [
        {
            "product_id": by_line_no[receipt.line_no].product_id,
            "warehouse_id": order.warehouse_id,
            "quantity": receipt.quantity,
            "unit_cost": by_line_no[receipt.line_no].unit_cost,
            "kind": StockMoveKind.RECEIPT,
            "reference": order.number,
        }
        for receipt in receipts
    ]
    moved = crud.create_many(session, StockMove, moves, actor=consequence, action="receive")
    patches = [crud.Patch(id, {"received_quantity": quantity}) for id, quantity in received.items()]
    crud.update_many(session, PurchaseOrderLine, patches, actor=consequence, action="receive")
    value = sum((move.value for move in moved), ledger.ZERO)
    ledger.post(
        session,
        ledger.transfer(value, debit=ledger.INVENTORY, credit=ledger.PAYABLES),
        memo=f"Goods received on {order.number}",
        source=order.number,
        actor=actor,
    )
    return value


def receive_purchase_order(
    session: Session, *, id: int, receipts: Sequence[Receipt] | None, actor: Actor, version: int | None = None
) -> Any:
    """Receive goods for an ordered purchase order (the `receivePurchaseOrder` verb): the given lines' quantities,
    or everything outstanding. The order becomes received once every line has fully arrived."""
    if not can_move_to(actor.roles, PurchaseOrder, RECEIVED.value):
        raise Refused.one("you may not receive goods on purchase orders", ErrorCode.FORBIDDEN)
    crud.get(session, PurchaseOrder, id)  # NOT_FOUND, as for any id
    orders = PurchaseOrder.__table__
    order = session.execute(sa.select(orders).where(orders.c.id == id).with_for_update()).one()
    if version is not None and version != order.version:
        raise Refused.one(
            f"purchase order {order.number} was changed by someone else (version {order.version}, you sent {version});"
            " reload it and try again",
            ErrorCode.CONFLICT,
            "version",
        )
    # Checked for both forms: setting a received order's status to received again changes nothing (a sheet may),
    # but receiving goods on it is a mistake to report.
    if order.status is not ORDERED:
        raise refuse_step(PurchaseOrder, order.number, order.status, RECEIVED, NEXT[order.status])
    if receipts is None:
        return crud.update(session, PurchaseOrder, id, {"status": RECEIVED}, actor=actor, action="receive")
    if not receipts:
        raise Refused.one("say which lines arrived, or leave the lines out to receive everything", field="lines")
    value = _receive(session, order, receipts, actor)
    complete = all(line.received_quantity >= line.quantity for line in _lines(session, order.id))
    values: dict[str, Any] = {"received_amount": order.received_amount + value}
    if complete:
        values["status"] = RECEIVED
    return crud.update(session, PurchaseOrder, id, values, actor=actor.for_consequences(), action="receive")


lines_of_drafts = only_draft_documents(PurchaseOrder, "order_id", DRAFT)
row_rule(PurchaseOrderLine)(lines_of_drafts)
delete_rule(PurchaseOrderLine)(lines_of_drafts)


@after_write(PurchaseOrderLine)
def keep_order_totals(session: Session, lines: list[Any], actor: Actor) -> None:
    recompute_totals(session, PurchaseOrder, PurchaseOrderLine, {line.order_id for line in lines})
