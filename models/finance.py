"""Finance: invoices and payments, the chart of accounts and the journal every posting goes to."""

import enum
from datetime import date, datetime
from decimal import Decimal

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from models.base import Base, Percent, Quantity, Record, enum_column_type, utcnow
from models.crm import Customer
from models.purchasing import PurchaseOrder
from models.sales import SalesOrder


class InvoiceStatus(enum.Enum):
    DRAFT = "draft"
    ISSUED = "issued"
    PAID = "paid"
    CANCELLED = "cancelled"


class PaymentDirection(enum.Enum):
    INCOMING = "incoming"
    OUTGOING = "outgoing"


class AccountKind(enum.Enum):
    ASSET = "asset"
    LIABILITY = "liability"
    EQUITY = "equity"
    INCOME = "income"
    EXPENSE = "expense"


POSTED_BY_OPERATIONS = (
    "posted by the operations that cause them (invoices, payments, shipments, receipts) or by postJournalEntry"
)


class Invoice(Record, Base):
    __tablename__ = "invoices"
    __natural_key__ = ("number",)
    __number_prefix__ = "INV"
    __table_args__ = (sa.CheckConstraint("tax_rate >= 0 AND tax_rate <= 100", name="tax_rate_percent"),)

    number: Mapped[str] = mapped_column(sa.String(32), unique=True)
    customer_id: Mapped[int] = mapped_column(sa.ForeignKey("customers.id"), index=True)
    sales_order_id: Mapped[int | None] = mapped_column(sa.ForeignKey("sales_orders.id"), index=True)
    status: Mapped[InvoiceStatus] = mapped_column(
        enum_column_type(InvoiceStatus), default=InvoiceStatus.DRAFT, index=True
    )
    issue_date: Mapped[date | None]
    due_date: Mapped[date | None] = mapped_column(index=True)
    tax_rate: Mapped[Decimal] = mapped_column(Percent(), default=Decimal("0.00"), info={"min": 0, "max": 100})
    #: Kept by Onebook from the lines and the tax rate, and from the payments received.
    net_amount: Mapped[Decimal] = mapped_column(default=Decimal("0.00"), info={"derived": True})
    tax_amount: Mapped[Decimal] = mapped_column(default=Decimal("0.00"), info={"derived": True})
    total_amount: Mapped[Decimal] = mapped_column(default=Decimal("0.00"), info={"derived": True})
    paid_amount: Mapped[Decimal] = mapped_column(default=Decimal("0.00"), info={"derived": True})

    customer: Mapped[Customer] = relationship()
    sales_order: Mapped[SalesOrder | None] = relationship()


class InvoiceLine(Record, Base):
    __tablename__ = "invoice_lines"
    __natural_key__ = ("invoice", "line_no")
    __table_args__ = (
        sa.UniqueConstraint("invoice_id", "line_no"),
        sa.CheckConstraint("line_no > 0", name="line_no_positive"),
        sa.CheckConstraint("quantity > 0", name="quantity_positive"),
        sa.CheckConstraint("unit_price >= 0", name="unit_price_not_negative"),
    )

    invoice_id: Mapped[int] = mapped_column(sa.ForeignKey("invoices.id"), index=True)
    line_no: Mapped[int] = mapped_column(info={"min": 1})
    description: Mapped[str] = mapped_column(sa.String(300))
    quantity: Mapped[Decimal] = mapped_column(Quantity(), info={"above": 0})
    unit_price: Mapped[Decimal] = mapped_column(default=Decimal("0.00"), info={"min": 0})

    invoice: Mapped[Invoice] = relationship()


class Payment(Record, Base):
    """Money received against an invoice (incoming) or paid against a purchase order (outgoing)."""

    __tablename__ = "payments"
    #: Money that moved: a mistake is corrected by a payment the other way (or a journal entry), never by an edit.
    __append_only__ = True
    __table_args__ = (
        sa.CheckConstraint("amount > 0", name="amount_positive"),
        sa.CheckConstraint(
            "(direction = 'incoming' AND invoice_id IS NOT NULL AND purchase_order_id IS NULL)"
            " OR (direction = 'outgoing' AND purchase_order_id IS NOT NULL AND invoice_id IS NULL)",
            name="document_matches_direction",
        ),
    )

    direction: Mapped[PaymentDirection] = mapped_column(enum_column_type(PaymentDirection))
    invoice_id: Mapped[int | None] = mapped_column(sa.ForeignKey("invoices.id"), index=True)
    purchase_order_id: Mapped[int | None] = mapped_column(sa.ForeignKey("purchase_orders.id"), index=True)
    amount: Mapped[Decimal] = mapped_column(info={"above": 0})
    paid_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    method: Mapped[str | None] = mapped_column(sa.String(32))
    reference: Mapped[str | None] = mapped_column(sa.String(100))

    invoice: Mapped[Invoice | None] = relationship()
    purchase_order: Mapped[PurchaseOrder | None] = relationship()


class Account(Record, Base):
    __tablename__ = "accounts"
    __natural_key__ = ("code",)

    code: Mapped[str] = mapped_column(sa.String(16), unique=True)
    name: Mapped[str] = mapped_column(sa.String(200))
    kind: Mapped[AccountKind] = mapped_column(enum_column_type(AccountKind))


class JournalEntry(Record, Base):
    """One posting: its lines' debits and credits balance (checked by the operations that post)."""

    __tablename__ = "journal_entries"
    __natural_key__ = ("number",)
    __number_prefix__ = "JE"
    __append_only__ = True
    __operations_only__ = POSTED_BY_OPERATIONS

    number: Mapped[str] = mapped_column(sa.String(32), unique=True)
    posted_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    memo: Mapped[str | None] = mapped_column(sa.String(500))
    source: Mapped[str | None] = mapped_column(sa.String(100), index=True)


class JournalLine(Record, Base):
    __tablename__ = "journal_lines"
    __append_only__ = True
    __operations_only__ = POSTED_BY_OPERATIONS
    __table_args__ = (
        sa.CheckConstraint("debit >= 0", name="debit_not_negative"),
        sa.CheckConstraint("credit >= 0", name="credit_not_negative"),
        sa.CheckConstraint("(debit > 0 AND credit = 0) OR (credit > 0 AND debit = 0)", name="one_side"),
    )

    entry_id: Mapped[int] = mapped_column(sa.ForeignKey("journal_entries.id"), index=True)
    account_id: Mapped[int] = mapped_column(sa.ForeignKey("accounts.id"), index=True)
    debit: Mapped[Decimal] = mapped_column(default=Decimal("0.00"), info={"min": 0})
    credit: Mapped[Decimal] = mapped_column(default=Decimal("0.00"), info={"min": 0})
    memo: Mapped[str | None] = mapped_column(sa.String(300))

    entry: Mapped[JournalEntry] = relationship()
    account: Mapped[Account] = relationship()
