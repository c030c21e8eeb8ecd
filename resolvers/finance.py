"""Finance rules that relate fields of one row: which document a payment settles, which side a journal line is on.

The database holds the same rules as CHECK constraints; these say which field is wrong, in words, before any write.
"""

from typing import Any

from sqlalchemy.orm import Session

from models.finance import JournalLine, Payment, PaymentDirection
from resolvers.errors import UserError
from resolvers.permissions import Actor
from resolvers.workflow import row_rule


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
