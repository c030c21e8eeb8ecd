"""Finance types: invoices and their lines, payments, the chart of accounts and the journal."""

from datetime import date, datetime
from decimal import Decimal
from typing import Optional

import strawberry
from strawberry import UNSET

from models import finance
from models.base import today
from models.finance import AccountKind, InvoiceStatus, PaymentDirection
from resolvers.listing import SortKey
from schema.connection import Connection
from schema.crm import Customer
from schema.errors import UserError
from schema.fields import to_many, to_one
from schema.filters import (
    DateFilter,
    DateTimeFilter,
    DecimalFilter,
    EnumFilter,
    IDFilter,
    IntFilter,
    SortDirection,
    StringFilter,
)
from schema.inventory import ERRORS, OBJECT_ON_SUCCESS
from schema.purchasing import PurchaseOrder
from schema.sales import SalesOrder
from schema.system import AuditEvent, history_of

strawberry.enum(InvoiceStatus, description="Invoice status: draft, issued, paid or cancelled.")
strawberry.enum(PaymentDirection, description="INCOMING from a customer, OUTGOING to a supplier.")
strawberry.enum(AccountKind, description="What an account records: asset, liability, equity, income or expense.")

invoices = finance.Invoice.__table__
invoice_lines = finance.InvoiceLine.__table__
payments = finance.Payment.__table__
accounts = finance.Account.__table__
journal_entries = finance.JournalEntry.__table__
journal_lines = finance.JournalLine.__table__


def _optional(description: str):
    return strawberry.field(default=UNSET, description=description)


# --- object types ----------------------------------------------------------------------------------------------


@strawberry.type(description="A bill we send a customer.")
class Invoice:
    id: strawberry.ID = strawberry.field(description="Unique id.")
    version: int = strawberry.field(description="Increases on every change; send it back to update or delete.")
    created_at: datetime = strawberry.field(description="When the invoice was created (UTC).")
    updated_at: datetime = strawberry.field(description="When the invoice last changed (UTC).")
    history: Connection[AuditEvent] | None = history_of(finance.Invoice)
    number: str = strawberry.field(description="Unique number, e.g. INV-000031; generated when not given.")
    status: InvoiceStatus = strawberry.field(description="Draft, issued, paid or cancelled.")
    issue_date: date | None = strawberry.field(description="When the invoice was issued.")
    due_date: date | None = strawberry.field(description="When payment is due.")
    tax_rate: Decimal = strawberry.field(description="Tax rate applied to the lines, 0 to 100 percent.")
    net_amount: Decimal = strawberry.field(description="The lines' amounts added up, before tax.")
    tax_amount: Decimal = strawberry.field(description="Tax: the rate applied to the net amount, in cents.")
    total_amount: Decimal = strawberry.field(description="Net plus tax: what the customer owes for this invoice.")
    paid_amount: Decimal = strawberry.field(description="What payments against this invoice add up to.")

    @strawberry.field(description="What is still owed: total less paid once issued; 0 for drafts and cancelled ones.")
    def open_amount(self) -> Decimal:
        if self.status is not InvoiceStatus.ISSUED:
            return Decimal("0.00")
        return self.total_amount - self.paid_amount

    @strawberry.field(description="Issued, not fully paid, and past its due date (today, UTC).")
    def overdue(self) -> bool:
        return self.status is InvoiceStatus.ISSUED and self.due_date is not None and self.due_date < today()

    customer: Customer | None = to_one(invoices.c.customer_id, description="The customer billed.")
    sales_order: SalesOrder | None = to_one(invoices.c.sales_order_id, description="The sales order invoiced.")
    lines: list["InvoiceLine"] | None = to_many(
        invoice_lines.c.invoice_id,
        order=(SortKey(invoice_lines.c.line_no), SortKey(invoice_lines.c.id)),
        description="What is billed, by line number.",
    )
    payments: list["Payment"] | None = to_many(
        payments.c.invoice_id,
        order=(SortKey(payments.c.paid_at), SortKey(payments.c.id)),
        description="Payments received against this invoice, oldest first.",
    )


@strawberry.type(description="One billed item on an invoice.")
class InvoiceLine:
    id: strawberry.ID = strawberry.field(description="Unique id.")
    version: int = strawberry.field(description="Increases on every change; send it back to update or delete.")
    created_at: datetime = strawberry.field(description="When the line was created (UTC).")
    updated_at: datetime = strawberry.field(description="When the line last changed (UTC).")
    history: Connection[AuditEvent] | None = history_of(finance.InvoiceLine)
    line_no: int = strawberry.field(description="Line number, unique within the invoice.")
    description: str = strawberry.field(description="What is billed.")
    quantity: Decimal = strawberry.field(description="Units billed, more than 0.")
    unit_price: Decimal = strawberry.field(description="Price per unit before tax.")
    invoice: Invoice | None = to_one(invoice_lines.c.invoice_id, description="The invoice.")


@strawberry.type(description="Money received against an invoice, or paid against a purchase order.")
class Payment:
    id: strawberry.ID = strawberry.field(description="Unique id.")
    version: int = strawberry.field(description="Increases on every change; send it back to update or delete.")
    created_at: datetime = strawberry.field(description="When the payment was recorded (UTC).")
    updated_at: datetime = strawberry.field(description="When the payment last changed (UTC).")
    history: Connection[AuditEvent] | None = history_of(finance.Payment)
    direction: PaymentDirection = strawberry.field(description="INCOMING (invoice) or OUTGOING (purchase order).")
    amount: Decimal = strawberry.field(description="Amount paid, more than 0.")
    paid_at: datetime = strawberry.field(description="When the money moved (UTC).")
    method: str | None = strawberry.field(description="How it was paid, e.g. bank transfer or card.")
    reference: str | None = strawberry.field(description="Bank or card reference.")
    invoice: Invoice | None = to_one(payments.c.invoice_id, description="The invoice paid (incoming payments).")
    purchase_order: PurchaseOrder | None = to_one(
        payments.c.purchase_order_id, description="The purchase order paid (outgoing payments)."
    )


@strawberry.type(description="An account of the chart of accounts, e.g. 1000 Cash.")
class Account:
    id: strawberry.ID = strawberry.field(description="Unique id.")
    version: int = strawberry.field(description="Increases on every change; send it back to update or delete.")
    created_at: datetime = strawberry.field(description="When the account was created (UTC).")
    updated_at: datetime = strawberry.field(description="When the account last changed (UTC).")
    history: Connection[AuditEvent] | None = history_of(finance.Account)
    code: str = strawberry.field(description="Unique account code, e.g. 1100.")
    name: str = strawberry.field(description="Account name, e.g. Accounts receivable.")
    kind: AccountKind = strawberry.field(description="Asset, liability, equity, income or expense.")


@strawberry.type(description="One balanced posting to the ledger; never changed once written.")
class JournalEntry:
    id: strawberry.ID = strawberry.field(description="Unique id.")
    version: int = strawberry.field(description="Always 1: journal entries are never changed.")
    created_at: datetime = strawberry.field(description="When the entry was recorded (UTC).")
    updated_at: datetime = strawberry.field(description="Same as createdAt: journal entries are never changed.")
    history: Connection[AuditEvent] | None = history_of(finance.JournalEntry)
    number: str = strawberry.field(description="Unique number, e.g. JE-000512.")
    posted_at: datetime = strawberry.field(description="When the entry was posted (UTC).")
    memo: str | None = strawberry.field(description="What the entry records.")
    source: str | None = strawberry.field(description="The document that caused it, e.g. INV-000031.")
    lines: list["JournalLine"] | None = to_many(
        journal_lines.c.entry_id,
        order=(SortKey(journal_lines.c.id),),
        description="Debits and credits of this entry, in the order written.",
    )


@strawberry.type(description="A debit or a credit to one account, part of a journal entry.")
class JournalLine:
    id: strawberry.ID = strawberry.field(description="Unique id.")
    version: int = strawberry.field(description="Always 1: journal lines are never changed.")
    created_at: datetime = strawberry.field(description="When the line was recorded (UTC).")
    updated_at: datetime = strawberry.field(description="Same as createdAt: journal lines are never changed.")
    history: Connection[AuditEvent] | None = history_of(finance.JournalLine)
    debit: Decimal = strawberry.field(description="Amount debited; 0 when the line is a credit.")
    credit: Decimal = strawberry.field(description="Amount credited; 0 when the line is a debit.")
    memo: str | None = strawberry.field(description="Note on the line.")
    entry: JournalEntry | None = to_one(journal_lines.c.entry_id, description="The journal entry.")
    account: Account | None = to_one(journal_lines.c.account_id, description="The account debited or credited.")


# --- filters ---------------------------------------------------------------------------------------------------


@strawberry.input(description="Conditions on an invoice status.")
class InvoiceStatusFilter(EnumFilter[InvoiceStatus]):
    pass


@strawberry.input(description="Conditions on a payment direction.")
class PaymentDirectionFilter(EnumFilter[PaymentDirection]):
    pass


@strawberry.input(description="Conditions on an account kind.")
class AccountKindFilter(EnumFilter[AccountKind]):
    pass


@strawberry.input(description="Conditions on invoices; all given conditions must hold.")
class InvoiceFilter:
    id: IDFilter | None = _optional("By id.")
    number: StringFilter | None = _optional("By number.")
    status: InvoiceStatusFilter | None = _optional("By status.")
    issue_date: DateFilter | None = _optional("By issue date.")
    due_date: DateFilter | None = _optional("By due date.")
    customer_code: StringFilter | None = _optional("By the customer's code.")
    sales_order_number: StringFilter | None = _optional("By the sales order's number.")
    created_at: DateTimeFilter | None = _optional("By creation time.")
    updated_at: DateTimeFilter | None = _optional("By last change.")
    and_: list["InvoiceFilter"] | None = strawberry.field(default=UNSET, name="and", description="All must hold.")
    or_: list["InvoiceFilter"] | None = strawberry.field(default=UNSET, name="or", description="Any may hold.")
    not_: Optional["InvoiceFilter"] = strawberry.field(default=UNSET, name="not", description="Must not hold.")


@strawberry.input(description="Conditions on invoice lines; all given conditions must hold.")
class InvoiceLineFilter:
    id: IDFilter | None = _optional("By id.")
    line_no: IntFilter | None = _optional("By line number.")
    description: StringFilter | None = _optional("By description.")
    invoice_number: StringFilter | None = _optional("By the invoice's number.")
    created_at: DateTimeFilter | None = _optional("By creation time.")
    updated_at: DateTimeFilter | None = _optional("By last change.")
    and_: list["InvoiceLineFilter"] | None = strawberry.field(default=UNSET, name="and", description="All must hold.")
    or_: list["InvoiceLineFilter"] | None = strawberry.field(default=UNSET, name="or", description="Any may hold.")
    not_: Optional["InvoiceLineFilter"] = strawberry.field(default=UNSET, name="not", description="Must not hold.")


@strawberry.input(description="Conditions on payments; all given conditions must hold.")
class PaymentFilter:
    id: IDFilter | None = _optional("By id.")
    direction: PaymentDirectionFilter | None = _optional("By direction.")
    amount: DecimalFilter | None = _optional("By amount.")
    paid_at: DateTimeFilter | None = _optional("By when the money moved.")
    method: StringFilter | None = _optional("By payment method.")
    invoice_number: StringFilter | None = _optional("By the invoice's number.")
    purchase_order_number: StringFilter | None = _optional("By the purchase order's number.")
    created_at: DateTimeFilter | None = _optional("By creation time.")
    updated_at: DateTimeFilter | None = _optional("By last change.")
    and_: list["PaymentFilter"] | None = strawberry.field(default=UNSET, name="and", description="All must hold.")
    or_: list["PaymentFilter"] | None = strawberry.field(default=UNSET, name="or", description="Any may hold.")
    not_: Optional["PaymentFilter"] = strawberry.field(default=UNSET, name="not", description="Must not hold.")


@strawberry.input(description="Conditions on accounts; all given conditions must hold.")
class AccountFilter:
    id: IDFilter | None = _optional("By id.")
    code: StringFilter | None = _optional("By code.")
    name: StringFilter | None = _optional("By name.")
    kind: AccountKindFilter | None = _optional("By kind.")
    and_: list["AccountFilter"] | None = strawberry.field(default=UNSET, name="and", description="All must hold.")
    or_: list["AccountFilter"] | None = strawberry.field(default=UNSET, name="or", description="Any may hold.")
    not_: Optional["AccountFilter"] = strawberry.field(default=UNSET, name="not", description="Must not hold.")


@strawberry.input(description="Conditions on journal entries; all given conditions must hold.")
class JournalEntryFilter:
    id: IDFilter | None = _optional("By id.")
    number: StringFilter | None = _optional("By number.")
    posted_at: DateTimeFilter | None = _optional("By posting time.")
    memo: StringFilter | None = _optional("By memo.")
    source: StringFilter | None = _optional("By source document.")
    and_: list["JournalEntryFilter"] | None = strawberry.field(default=UNSET, name="and", description="All must hold.")
    or_: list["JournalEntryFilter"] | None = strawberry.field(default=UNSET, name="or", description="Any may hold.")
    not_: Optional["JournalEntryFilter"] = strawberry.field(default=UNSET, name="not", description="Must not hold.")


@strawberry.input(description="Conditions on journal lines; all given conditions must hold.")
class JournalLineFilter:
    id: IDFilter | None = _optional("By id.")
    debit: DecimalFilter | None = _optional("By debit.")
    credit: DecimalFilter | None = _optional("By credit.")
    entry_number: StringFilter | None = _optional("By the journal entry's number.")
    account_code: StringFilter | None = _optional("By the account's code.")
    and_: list["JournalLineFilter"] | None = strawberry.field(default=UNSET, name="and", description="All must hold.")
    or_: list["JournalLineFilter"] | None = strawberry.field(default=UNSET, name="or", description="Any may hold.")
    not_: Optional["JournalLineFilter"] = strawberry.field(default=UNSET, name="not", description="Must not hold.")


# --- ordering --------------------------------------------------------------------------------------------------


@strawberry.input(one_of=True, description="One sort key for invoices.")
class InvoiceOrderBy:
    number: SortDirection | None = _optional("By number.")
    status: SortDirection | None = _optional("By status.")
    issue_date: SortDirection | None = _optional("By issue date.")
    due_date: SortDirection | None = _optional("By due date.")
    created_at: SortDirection | None = _optional("By creation time.")
    updated_at: SortDirection | None = _optional("By last change.")


@strawberry.input(one_of=True, description="One sort key for invoice lines.")
class InvoiceLineOrderBy:
    line_no: SortDirection | None = _optional("By line number.")
    created_at: SortDirection | None = _optional("By creation time.")


@strawberry.input(one_of=True, description="One sort key for payments.")
class PaymentOrderBy:
    paid_at: SortDirection | None = _optional("By when the money moved.")
    amount: SortDirection | None = _optional("By amount.")
    created_at: SortDirection | None = _optional("By creation time.")


@strawberry.input(one_of=True, description="One sort key for accounts.")
class AccountOrderBy:
    code: SortDirection | None = _optional("By code.")
    name: SortDirection | None = _optional("By name.")
    kind: SortDirection | None = _optional("By kind.")


@strawberry.input(one_of=True, description="One sort key for journal entries.")
class JournalEntryOrderBy:
    number: SortDirection | None = _optional("By number.")
    posted_at: SortDirection | None = _optional("By posting time.")


@strawberry.input(one_of=True, description="One sort key for journal lines.")
class JournalLineOrderBy:
    debit: SortDirection | None = _optional("By debit.")
    credit: SortDirection | None = _optional("By credit.")
    created_at: SortDirection | None = _optional("By creation time.")


# --- inputs ----------------------------------------------------------------------------------------------------


@strawberry.input(description="A new invoice.")
class CreateInvoiceInput:
    customer_id: strawberry.ID = strawberry.field(description="Id of the customer billed.")
    number: str | None = _optional("Unique number; the next INV-number when omitted.")
    sales_order_id: strawberry.ID | None = _optional("Id of the sales order invoiced.")
    status: InvoiceStatus | None = _optional("DRAFT by default.")
    issue_date: date | None = _optional("When the invoice is issued.")
    due_date: date | None = _optional("When payment is due.")
    tax_rate: Decimal | None = _optional("Tax rate, 0 to 100 percent; 0 by default.")


@strawberry.input(description="Changes to an invoice; omitted fields stay as they are, null clears.")
class UpdateInvoiceInput:
    customer_id: strawberry.ID | None = _optional("Id of the customer billed.")
    number: str | None = _optional("Unique number.")
    sales_order_id: strawberry.ID | None = _optional("Id of the sales order invoiced.")
    status: InvoiceStatus | None = _optional("New status.")
    issue_date: date | None = _optional("When the invoice is issued.")
    due_date: date | None = _optional("When payment is due.")
    tax_rate: Decimal | None = _optional("Tax rate, 0 to 100 percent.")


@strawberry.input(description="A new line on an invoice.")
class CreateInvoiceLineInput:
    invoice_id: strawberry.ID = strawberry.field(description="Id of the invoice.")
    line_no: int = strawberry.field(description="Line number, 1 or more, unique within the invoice.")
    description: str = strawberry.field(description="What is billed.")
    quantity: Decimal = strawberry.field(description="Units billed, more than 0, up to three decimals.")
    unit_price: Decimal | None = _optional("Price per unit, not negative; 0 by default.")


@strawberry.input(description="Changes to an invoice line; omitted fields stay as they are.")
class UpdateInvoiceLineInput:
    line_no: int | None = _optional("Line number, unique within the invoice.")
    description: str | None = _optional("What is billed.")
    quantity: Decimal | None = _optional("Units billed, more than 0.")
    unit_price: Decimal | None = _optional("Price per unit, not negative.")


@strawberry.input(description="A payment received (INCOMING, against an invoice) or made (OUTGOING, against a PO).")
class CreatePaymentInput:
    direction: PaymentDirection = strawberry.field(description="INCOMING or OUTGOING.")
    amount: Decimal = strawberry.field(description="Amount paid, more than 0.")
    invoice_id: strawberry.ID | None = _optional("Id of the invoice paid; required for INCOMING.")
    purchase_order_id: strawberry.ID | None = _optional("Id of the purchase order paid; required for OUTGOING.")
    paid_at: datetime | None = _optional("When the money moved; now by default.")
    method: str | None = _optional("How it was paid.")
    reference: str | None = _optional("Bank or card reference.")


@strawberry.input(description="A new account in the chart of accounts.")
class CreateAccountInput:
    code: str = strawberry.field(description="Unique account code.")
    name: str = strawberry.field(description="Account name.")
    kind: AccountKind = strawberry.field(description="Asset, liability, equity, income or expense.")


@strawberry.input(description="Changes to an account; omitted fields stay as they are.")
class UpdateAccountInput:
    code: str | None = _optional("Unique account code.")
    name: str | None = _optional("Account name.")
    kind: AccountKind | None = _optional("Asset, liability, equity, income or expense.")


# --- payloads --------------------------------------------------------------------------------------------------


@strawberry.type(description="Result of an invoice mutation.")
class InvoicePayload:
    invoice: Invoice | None = strawberry.field(description=OBJECT_ON_SUCCESS)
    errors: list[UserError] = strawberry.field(description=ERRORS)


@strawberry.type(description="Result of an invoice line mutation.")
class InvoiceLinePayload:
    invoice_line: InvoiceLine | None = strawberry.field(description=OBJECT_ON_SUCCESS)
    errors: list[UserError] = strawberry.field(description=ERRORS)


@strawberry.type(description="Result of a payment mutation.")
class PaymentPayload:
    payment: Payment | None = strawberry.field(description=OBJECT_ON_SUCCESS)
    errors: list[UserError] = strawberry.field(description=ERRORS)


@strawberry.type(description="Result of an account mutation.")
class AccountPayload:
    account: Account | None = strawberry.field(description=OBJECT_ON_SUCCESS)
    errors: list[UserError] = strawberry.field(description=ERRORS)
