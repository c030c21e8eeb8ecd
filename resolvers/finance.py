"""Finance rules that relate fields of one row: which document a payment settles, which side a journal line is on.

The database holds the same rules as CHECK constraints; these say which field is wrong, in words, before any write.
"""

from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from models.finance import Account, JournalLine, Payment, PaymentDirection
from resolvers import ledger
from resolvers.errors import ErrorCode, UserError
from resolvers.permissions import Actor
from resolvers.workflow import delete_rule, row_rule

accounts = Account.__table__


@row_rule(Payment)
def payment_settles_one_document(session: Session, payments: list[Any], actor: Actor) -> list[UserError]:
    """An incoming payment settles an invoice; an outgoing one a purchase order; never both."""
    errors = []
    for index, payment in enumerate(payments):
        if payment.direction is PaymentDirection.INCOMING:
            if payment.invoice_id is None:
                errors.append(UserError("an incoming payment needs an invoice", field=("invoice_id",), row=index))
            if payment.purchase_order_id is not None:
                message = "an incoming payment settles an invoice, not a purchase order"
                errors.append(UserError(message, field=("purchase_order_id",), row=index))
        elif payment.direction is PaymentDirection.OUTGOING:
            if payment.purchase_order_id is None:
                message = "an outgoing payment needs a purchase order"
                errors.append(UserError(message, field=("purchase_order_id",), row=index))
            if payment.invoice_id is not None:
                message = "an outgoing payment settles a purchase order, not an invoice"
                errors.append(UserError(message, field=("invoice_id",), row=index))
    return errors


@row_rule(JournalLine)
def journal_line_is_a_debit_or_a_credit(session: Session, lines: list[Any], actor: Actor) -> list[UserError]:
    """Exactly one of debit and credit is positive."""
    errors = []
    for index, line in enumerate(lines):
        if line.debit > 0 and line.credit > 0:
            message = "a journal line is a debit or a credit, not both; write two lines"
            errors.append(UserError(message, field=("credit",), row=index))
        elif line.debit == 0 and line.credit == 0:
            errors.append(UserError("a journal line needs a debit or a credit", field=("debit",), row=index))
    return errors


#: The accounts operations post to, by code (resolvers/ledger.py): renaming their codes or deleting them would
#: leave invoices, payments and shipments nowhere to post.
POSTING_ACCOUNTS = frozenset(
    {
        ledger.CASH,
        ledger.RECEIVABLES,
        ledger.INVENTORY,
        ledger.PAYABLES,
        ledger.TAX_PAYABLE,
        ledger.SALES_REVENUE,
        ledger.COST_OF_GOODS_SOLD,
        ledger.INVENTORY_ADJUSTMENTS,
    }
)


def _posting_account_codes(session: Session, ids: set[int]) -> dict[int, str]:
    query = sa.select(accounts.c.id, accounts.c.code).where(
        accounts.c.id.in_(ids), accounts.c.code.in_(POSTING_ACCOUNTS)
    )
    return dict(session.execute(query).all())


@row_rule(Account)
def posting_accounts_keep_their_codes(session: Session, rows: list[Any], actor: Actor) -> list[UserError]:
    stored = _posting_account_codes(session, {row.id for row in rows if getattr(row, "id", None)})
    return [
        UserError(
            f"account {stored[row.id]} is posted to by Onebook's operations; its code can't change",
            field=("code",),
            row=index,
        )
        for index, row in enumerate(rows)
        if row.id in stored and row.code != stored[row.id]
    ]


@delete_rule(Account)
def posting_accounts_stay(session: Session, rows: list[Any], actor: Actor) -> list[UserError]:
    return [
        UserError(
            f"account {row.code} is posted to by Onebook's operations; it can't be deleted",
            ErrorCode.INVALID_STATE,
            ("id",),
            index,
        )
        for index, row in enumerate(rows)
        if row.code in POSTING_ACCOUNTS
    ]
