"""Stock: levels derived from the stock-move ledger, and the rule every move obeys, whoever records it.

A move's value is its quantity at a cost: goods coming in at the cost given (a purchase line's cost), goods going
out at the average cost of what the warehouse holds, so that the inventory account always equals the sum of the
moves' values. Stock never goes below zero in a warehouse that doesn't allow it: the products moved are locked
first (PostgreSQL), so two shipments of the last units can't both see them.

Moves typed by people (the API, a sheet) are adjustments, posted against the inventory-adjustments account;
receipts, shipments and production come from the documents that cause them, which post their own entries.
"""

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from models.inventory import Product, StockMove, StockMoveKind, Warehouse
from models.sales import SalesOrder, SalesOrderLine, SalesOrderStatus
from resolvers.errors import ErrorCode, Refused, UserError
from resolvers.ledger import INVENTORY, INVENTORY_ADJUSTMENTS, ZERO, cents, post, transfer
from resolvers.permissions import Actor
from resolvers.workflow import after_write, row_rule

QUANTITY_ZERO = Decimal("0.000")

moves = StockMove.__table__
products = Product.__table__
warehouses = Warehouse.__table__

Place = tuple[int, int]  # (product id, warehouse id)


@dataclass(frozen=True)
class StockLevel:
    product_id: int
    warehouse_id: int
    on_hand: Decimal
    reserved: Decimal
    value: Decimal

    @property
    def available(self) -> Decimal:
        return self.on_hand - self.reserved


def _lock_products(session: Session, product_ids: Iterable[int]) -> None:
    """Serialise writers of these products' stock until the transaction ends (in id order: no deadlocks)."""
    ids = sorted(set(product_ids))
    if ids and session.get_bind().dialect.name == "postgresql":
        session.execute(
            sa.select(products.c.id).where(products.c.id.in_(ids)).order_by(products.c.id).with_for_update()
        )


def holdings(session: Session, product_ids: Iterable[int]) -> dict[Place, tuple[Decimal, Decimal]]:
    """(quantity, value) on hand per (product, warehouse) for these products: one query."""
    ids = set(product_ids)
    if not ids:
        return {}
    rows = session.execute(holdings_query(ids))
    return {(product, warehouse): (quantity, value) for product, warehouse, quantity, value in rows}


def holdings_query(product_ids: Iterable[int] | None = None, warehouse_ids: Iterable[int] | None = None) -> sa.Select:
    """(product id, warehouse id, quantity, value) on hand, summed from the ledger."""
    query = sa.select(
        moves.c.product_id, moves.c.warehouse_id, sa.func.sum(moves.c.quantity), sa.func.sum(moves.c.value)
    ).group_by(moves.c.product_id, moves.c.warehouse_id)
    if product_ids is not None:
        query = query.where(moves.c.product_id.in_(set(product_ids)))
    if warehouse_ids is not None:
        query = query.where(moves.c.warehouse_id.in_(set(warehouse_ids)))
    return query


def reservations_query(
    product_ids: Iterable[int] | None = None, warehouse_ids: Iterable[int] | None = None
) -> sa.Select:
    """(product id, warehouse id, quantity) confirmed on sales orders and not yet shipped."""
    lines = SalesOrderLine.__table__
    orders = SalesOrder.__table__
    query = (
        sa.select(lines.c.product_id, orders.c.warehouse_id, sa.func.sum(lines.c.quantity))
        .join(orders, orders.c.id == lines.c.order_id)
        .where(orders.c.status == SalesOrderStatus.CONFIRMED.value)
        .group_by(lines.c.product_id, orders.c.warehouse_id)
    )
    if product_ids is not None:
        query = query.where(lines.c.product_id.in_(set(product_ids)))
    if warehouse_ids is not None:
        query = query.where(orders.c.warehouse_id.in_(set(warehouse_ids)))
    return query


def levels(held: Iterable[Sequence[Any]], reserved: Iterable[Sequence[Any]]) -> list[StockLevel]:
    """Stock levels from the rows of the two queries above, by product then warehouse.

    A product appears in a warehouse once it has moved there or is reserved there.
    """
    on_hand = {(product, warehouse): (quantity, value) for product, warehouse, quantity, value in held}
    booked = {(product, warehouse): quantity for product, warehouse, quantity in reserved}
    found = []
    for place in sorted(on_hand.keys() | booked.keys()):
        quantity, value = on_hand.get(place, (QUANTITY_ZERO, ZERO))
        found.append(StockLevel(*place, on_hand=quantity, reserved=booked.get(place, QUANTITY_ZERO), value=value))
    return found


def stock_levels(
    session: Session, product_ids: Sequence[int] | None = None, warehouse_ids: Sequence[int] | None = None
) -> list[StockLevel]:
    """On-hand, reserved and available quantities per product and warehouse (two queries)."""
    held = session.execute(holdings_query(product_ids, warehouse_ids))
    return levels(held, session.execute(reservations_query(product_ids, warehouse_ids)))


def _describe(quantity: Decimal) -> str:
    """12.000 -> '12', 1.500 -> '1.5'."""
    return format(quantity.normalize(), "f")


@row_rule(StockMove)
def value_moves_and_keep_stock(session: Session, batch: list[Any], actor: Actor) -> list[UserError]:
    """Cost and value every move, in order; refuse a move that takes more than a warehouse holds (unless allowed).

    Goods out leave at the average cost of what the warehouse holds (all of it: its whole value); goods in come at
    the move's unit cost, or at the value the operation recording them set (production: what the components cost).
    """
    product_ids = {move.product_id for move in batch}
    _lock_products(session, product_ids)
    held = holdings(session, product_ids)
    warehouse_ids = {move.warehouse_id for move in batch}
    query = sa.select(warehouses.c.id, warehouses.c.code, warehouses.c.allow_negative)
    warehouse_rows = {row.id: row for row in session.execute(query.where(warehouses.c.id.in_(warehouse_ids)))}
    query = sa.select(products.c.id, products.c.sku, products.c.unit, products.c.unit_cost)
    product_rows = {row.id: row for row in session.execute(query.where(products.c.id.in_(product_ids)))}
    errors = []
    for index, move in enumerate(batch):
        place = (move.product_id, move.warehouse_id)
        quantity, value = held.get(place, (QUANTITY_ZERO, ZERO))
        product, warehouse = product_rows[move.product_id], warehouse_rows[move.warehouse_id]
        if move.quantity > 0:
            move.value = move.value if actor.consequence and move.value else cents(move.quantity * move.unit_cost)
        else:
            left = quantity + move.quantity
            if left < 0 and not warehouse.allow_negative:
                there, needed = _describe(max(quantity, QUANTITY_ZERO)), _describe(-move.quantity)
                message = f"only {there} {product.unit} of {product.sku} in {warehouse.code}; {needed} needed"
                errors.append(UserError(message, ErrorCode.INVALID_STATE, ("quantity",), index))
                continue
            average = cents(value / quantity) if quantity > 0 else product.unit_cost
            # Where a warehouse allows negative stock, goods out before goods in leave at the product's cost, and the
            # holding's value can stay below zero once goods come in at a lower one: what it holds then costs nothing.
            move.unit_cost = max(average, ZERO)
            move.value = -value if left == 0 else cents(move.quantity * move.unit_cost)
        held[place] = (quantity + move.quantity, value + move.value)
    return errors


@after_write(StockMove)
def post_adjustments(session: Session, written: list[Any], actor: Actor) -> None:
    """Moves people record are adjustments (a count, a breakage), posted against inventory adjustments."""
    if actor.consequence:
        return  # the document that moved the goods posts them
    errors = [
        UserError(
            f"a {move.kind.value.replace('_', ' ')} comes from its document (a purchase order, a sales order, a work"
            " order); record stock counts and breakages as adjustments",
            ErrorCode.VALIDATION,
            ("kind",),
            index,
        )
        for index, move in enumerate(written)
        if move.kind is not StockMoveKind.ADJUSTMENT
    ]
    if errors:
        raise Refused(errors)
    total = sum((move.value for move in written), ZERO)
    references = sorted({move.reference for move in written if move.reference})
    memo = "Stock adjustment" + (f": {', '.join(references)}"[:480] if references else "")
    post(session, transfer(total, debit=INVENTORY, credit=INVENTORY_ADJUSTMENTS), memo=memo, source=None, actor=actor)
