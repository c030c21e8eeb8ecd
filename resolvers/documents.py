"""What sales orders, purchase orders and invoices share: line amounts in cents, totals kept from the lines, and
lines that only change while their document is a draft."""

import enum
from decimal import Decimal
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from models.base import Base
from resolvers import ledger
from resolvers.errors import ErrorCode, UserError
from resolvers.permissions import Actor
from resolvers.validation import label
from resolvers.workflow import RowRule


def net_unit_price(unit_price: Decimal, discount_percent: Decimal = Decimal(0)) -> Decimal:
    """The price per unit after a line's discount, in cents (the invoice bills it as is)."""
    return ledger.cents(unit_price * (100 - discount_percent) / 100)


def line_amount(quantity: Decimal, unit_price: Decimal, discount_percent: Decimal = Decimal(0)) -> Decimal:
    """What a line comes to: quantity times the net unit price, in cents."""
    return ledger.cents(quantity * net_unit_price(unit_price, discount_percent))


def money(amount: Decimal) -> str:
    """1234.5 -> '1,234.50', for messages and timeline entries."""
    return f"{amount:,.2f}"


def _parent_key(line_model: type[Base]) -> sa.Column:
    (foreign_key,) = [column for column in line_model.__table__.c if column.name in ("order_id", "invoice_id")]
    return foreign_key


def only_draft_documents(document: type[Base], foreign_key: str, draft: enum.Enum) -> RowRule:
    """A rule refusing lines (written or deleted) whose document is past its draft: one query per batch."""
    documents = document.__table__

    def rule(session: Session, lines: list[Any], actor: Actor) -> list[UserError]:
        if actor.consequence:
            return []  # the document's own operations (a receipt counting what came in) may
        parent_ids = {getattr(line, foreign_key) for line in lines}
        query = sa.select(documents.c.id, documents.c.number, documents.c.status).where(documents.c.id.in_(parent_ids))
        states = {id: (number, status) for id, number, status in session.execute(query)}
        errors = []
        for index, line in enumerate(lines):
            number, status = states.get(getattr(line, foreign_key), (None, draft))
            if status is not draft:
                message = (
                    f"{label(document)} {number} is {status.value.replace('_', ' ')}; only a draft's lines can change"
                )
                errors.append(UserError(message, ErrorCode.INVALID_STATE, (foreign_key,), index))
        return errors

    return rule


def line_totals(session: Session, line_model: type[Base], ids: set[int]) -> dict[int, Decimal]:
    """Each document's lines summed in cents (one query); documents without lines total zero."""
    lines = line_model.__table__
    key = _parent_key(line_model)
    price = lines.c.unit_price if "unit_price" in lines.c else lines.c.unit_cost
    discount = lines.c.discount_percent if "discount_percent" in lines.c else sa.literal(0)
    totals = dict.fromkeys(ids, ledger.ZERO)
    for parent_id, quantity, unit_price, discount_percent in session.execute(
        sa.select(key, lines.c.quantity, price, discount).where(key.in_(ids))
    ):
        totals[parent_id] += line_amount(quantity, unit_price, Decimal(discount_percent))
    return totals


def recompute_totals(session: Session, document: type[Base], line_model: type[Base], ids: set[int]) -> None:
    """Set each document's `total_amount` to the sum of its lines (two statements per batch)."""
    if not ids:
        return
    documents = document.__table__
    totals = line_totals(session, line_model, ids)
    session.execute(
        documents.update()
        .where(documents.c.id == sa.bindparam("document_id"))
        .values(total_amount=sa.bindparam("total")),
        [{"document_id": id, "total": total} for id, total in totals.items()],
    )
