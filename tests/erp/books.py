"""Reading the books in tests: the whole database as data (to show a refused operation changed nothing), the trial
balance, and balances by account code."""

from decimal import Decimal
from typing import Any

import sqlalchemy as sa

from models import Base
from models.finance import Account, JournalLine
from models.inventory import StockMove

#: Tables whose rows say nothing about the business (who called, which counter is next).
NOT_COMPARED = {"api_tokens", "users", "alembic_version", "document_counters"}


def snapshot(engine: sa.Engine) -> dict[str, list[tuple[Any, ...]]]:
    """Every business table's rows, in id order: equal snapshots mean nothing was written."""
    found = {}
    with engine.connect() as connection:
        for table in Base.metadata.sorted_tables:
            if table.name in NOT_COMPARED:
                continue
            order = table.c.id if "id" in table.c else next(iter(table.primary_key.columns))
            found[table.name] = [tuple(row) for row in connection.execute(sa.select(table).order_by(order))]
    return found


def balances(engine: sa.Engine) -> dict[str, Decimal]:
    """Debits less credits per account code (accounts without lines left out)."""
    lines, accounts = JournalLine.__table__, Account.__table__
    query = (
        sa.select(accounts.c.code, sa.func.sum(lines.c.debit), sa.func.sum(lines.c.credit))
        .join(accounts, accounts.c.id == lines.c.account_id)
        .group_by(accounts.c.code)
    )
    with engine.connect() as connection:
        return {code: Decimal(debit) - Decimal(credit) for code, debit, credit in connection.execute(query)}


def trial_balance(engine: sa.Engine) -> Decimal:
    """All debits less all credits: zero when every entry balances."""
    return sum(balances(engine).values(), Decimal("0.00"))


def on_hand(engine: sa.Engine, product_id: int, warehouse_id: int) -> Decimal:
    moves = StockMove.__table__
    query = sa.select(sa.func.coalesce(sa.func.sum(moves.c.quantity), 0)).where(
        moves.c.product_id == product_id, moves.c.warehouse_id == warehouse_id
    )
    with engine.connect() as connection:
        return Decimal(connection.scalar(query))
