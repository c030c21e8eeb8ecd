"""The general ledger: every posting is one balanced journal entry, written by the operation that causes it.

Operations describe a posting as `Posting`s (an account code with a debit or a credit) and call `post`, which checks
that debits equal credits and writes the entry and its lines through the one write path (numbered, audited).
Entries are never changed: `reverse` posts the mirror image.
"""

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from decimal import ROUND_HALF_UP, Decimal
from types import SimpleNamespace

import sqlalchemy as sa
from sqlalchemy.orm import Session

from models.finance import Account, JournalEntry, JournalLine
from resolvers import crud
from resolvers.errors import ErrorCode, Refused, UserError
from resolvers.permissions import Actor, check_write

CASH = "1000"
RECEIVABLES = "1100"
INVENTORY = "1200"
PAYABLES = "2000"
TAX_PAYABLE = "2100"
SALES_REVENUE = "4000"
COST_OF_GOODS_SOLD = "5000"
INVENTORY_ADJUSTMENTS = "5100"

CENT = Decimal("0.01")
ZERO = Decimal("0.00")


def cents(amount: Decimal) -> Decimal:
    """Round money to cents, halves away from zero (as invoices are rounded everywhere)."""
    return Decimal(amount).quantize(CENT, rounding=ROUND_HALF_UP)


@dataclass(frozen=True)
class Posting:
    """One side of an entry: `amount` debited to `account` (a negative amount is a credit)."""

    account: str
    amount: Decimal
    memo: str | None = None


def transfer(amount: Decimal, *, debit: str, credit: str, memo: str | None = None) -> list[Posting]:
    """Debit one account and credit another with the same amount (a negative amount swaps the sides)."""
    return [Posting(debit, amount, memo), Posting(credit, -amount, memo)]


def account_ids(session: Session, codes: Sequence[str]) -> dict[str, int]:
    """Account ids by code (one query); a code not in the chart of accounts is refused."""
    table = Account.__table__
    found = dict(session.execute(sa.select(table.c.code, table.c.id).where(table.c.code.in_(set(codes)))).all())
    missing = sorted(set(codes) - found.keys())
    if missing:
        raise Refused.one(f"no account with code {', '.join(missing)} in the chart of accounts", field="account")
    return found


def post(
    session: Session,
    postings: Sequence[Posting],
    *,
    memo: str,
    source: str | None,
    actor: Actor,
    posted_at: datetime | None = None,
) -> SimpleNamespace | None:
    """Write one balanced journal entry (None when every amount is zero: nothing to post)."""
    postings = [posting for posting in postings if posting.amount != 0]
    if not postings:
        return None
    debits = sum((p.amount for p in postings if p.amount > 0), ZERO)
    credits = sum((-p.amount for p in postings if p.amount < 0), ZERO)
    if debits != credits:
        raise Refused.one(f"debits ({debits}) and credits ({credits}) must be equal", field="lines")
    accounts = account_ids(session, [posting.account for posting in postings])
    consequence = actor.for_consequences()
    header = {"memo": memo, "source": source}
    if posted_at is not None:
        header["posted_at"] = posted_at
    (entry,) = crud.create_many(session, JournalEntry, [header], actor=consequence, action="post")
    lines = [
        {
            "entry_id": entry.id,
            "account_id": accounts[posting.account],
            "debit": posting.amount if posting.amount > 0 else ZERO,
            "credit": -posting.amount if posting.amount < 0 else ZERO,
            "memo": posting.memo,
        }
        for posting in postings
    ]
    crud.create_many(session, JournalLine, lines, actor=consequence, action="post")
    return entry


@dataclass(frozen=True)
class ManualLine:
    """A line of a journal entry typed by an accountant."""

    account: str
    debit: Decimal = ZERO
    credit: Decimal = ZERO
    memo: str | None = None


def post_manual_entry(session: Session, *, lines: Sequence[ManualLine], memo: str, actor: Actor) -> SimpleNamespace:
    """An accountant's own entry (an accrual, a correction): at least two lines, each a debit or a credit."""
    check_write(actor, JournalEntry)
    errors = []
    for index, line in enumerate(lines):
        if line.debit < 0 or line.credit < 0:
            errors.append(UserError("debits and credits are not negative", field=("lines", str(index))))
        elif (line.debit > 0) == (line.credit > 0):
            errors.append(UserError("each line is a debit or a credit", field=("lines", str(index))))
        elif cents(line.debit) != line.debit or cents(line.credit) != line.credit:
            errors.append(UserError("amounts have at most two decimals", field=("lines", str(index))))
    if len(lines) < 2:
        errors.append(UserError("a journal entry needs at least two lines", field=("lines",)))
    if not memo.strip():
        errors.append(UserError("say what the entry is for", field=("memo",)))
    accounts = Account.__table__
    codes = {line.account for line in lines}
    known = set(session.scalars(sa.select(accounts.c.code).where(accounts.c.code.in_(codes))))
    errors += [
        UserError(
            f"no account with code {line.account} in the chart of accounts", field=("lines", str(index), "account_code")
        )
        for index, line in enumerate(lines)
        if line.account not in known
    ]
    if errors:
        raise Refused(errors)
    postings = [Posting(line.account, line.debit - line.credit, line.memo) for line in lines]
    entry = post(session, postings, memo=memo.strip(), source=None, actor=actor)
    assert entry is not None  # every line has a non-zero amount
    return entry


def reverse(session: Session, *, id: int, actor: Actor, memo: str | None = None) -> SimpleNamespace:
    """Post the mirror image of an entry (the only way to undo a posting); an entry is reversed at most once."""
    check_write(actor, JournalEntry)
    crud.get(session, JournalEntry, id)  # NOT_FOUND, as for any id
    entries = JournalEntry.__table__
    # Locked until the transaction ends (PostgreSQL): two people reversing it at once can't both find it unreversed.
    entry = session.execute(sa.select(entries).where(entries.c.id == id).with_for_update()).one()
    reversal_source = f"reversal of {entry.number}"
    already = session.execute(sa.select(entries.c.number).where(entries.c.source == reversal_source)).scalar()
    if already is not None:
        raise Refused.one(f"{entry.number} was already reversed by {already}", ErrorCode.INVALID_STATE)
    lines = JournalLine.__table__
    accounts = Account.__table__
    query = (
        sa.select(accounts.c.code, lines.c.debit, lines.c.credit, lines.c.memo)
        .join(accounts, accounts.c.id == lines.c.account_id)
        .where(lines.c.entry_id == entry.id)
        .order_by(lines.c.id)
    )
    postings = [Posting(code, credit - debit, line_memo) for code, debit, credit, line_memo in session.execute(query)]
    reversal = post(
        session, postings, memo=memo or f"Reverses {entry.number}: {entry.memo or ''}".strip(), source=reversal_source,
        actor=actor,
    )  # fmt: skip
    if reversal is None:
        raise Refused.one(f"{entry.number} has no lines to reverse", ErrorCode.INVALID_STATE)
    return reversal
