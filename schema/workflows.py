"""Workflow verbs: each a domain operation in one transaction, the same code a sheet's Status column runs.

`confirmSalesOrder(id)` is the generic update `{status: CONFIRMED}` under a name people look for, audited as
`confirm`; verbs with more to say (`receivePurchaseOrder` with the lines that arrived) take it as arguments.
"""

import enum
from dataclasses import replace
from datetime import date, datetime
from decimal import Decimal
from typing import Annotated, Any

import strawberry
from sqlalchemy.orm import Session

from models.base import Base
from models.finance import Invoice, InvoiceStatus, JournalEntry, Payment, PaymentDirection
from models.manufacturing import WorkOrder, WorkOrderStatus
from models.purchasing import PurchaseOrder, PurchaseOrderStatus
from models.sales import SalesOrder, SalesOrderStatus
from resolvers import crud, ledger, purchasing, sales
from resolvers.errors import ErrorCode, Refused
from resolvers.permissions import check_write
from resolvers.validation import label
from schema import finance, manufacturing
from schema import purchasing as purchasing_types
from schema import sales as sales_types
from schema.errors import UserError
from schema.fields import VERSION, _context, parse_id, run_mutation
from schema.inventory import ERRORS, OBJECT_ON_SUCCESS

ID_ARGUMENT = strawberry.argument(description="Which document.")


def _only_arguments(refused: Refused, arguments: set[str]) -> Refused:
    """A verb's errors name its arguments; a refusal about the document's state (its `status`) names none."""
    errors = [
        error if error.field and error.field[0] in arguments else replace(error, field=None) for error in refused.errors
    ]
    return Refused(errors)


def _step(
    session: Session, model: type[Base], id: int, state: enum.Enum, *, actor: Any, version: int | None, action: str
) -> Any:
    """Move one document into `state`; asked of a verb, a step to where the document already is is refused."""
    try:
        check_write(actor, model, state_changes=True)  # before reading: a caller without access learns nothing
        current = crud.get(session, model, id)
        if current.status is state:
            message = f"{label(model)} {current.number} is already {state.value.replace('_', ' ')}"
            raise Refused.one(message, ErrorCode.INVALID_STATE)
        return crud.update(session, model, id, {"status": state}, actor=actor, version=version, action=action)
    except Refused as refused:
        raise _only_arguments(refused, {"id", "version"}) from None


def state_verb(model: type[Base], state: enum.Enum, payload: type, *, action: str, description: str) -> Any:
    """A mutation `verb(id, version)` moving a document into `state` through the one write path."""

    async def resolve(
        info: strawberry.Info, id: Annotated[strawberry.ID, ID_ARGUMENT], version: Annotated[int | None, VERSION] = None
    ) -> payload:  # type: ignore[valid-type]
        actor = _context(info).actor

        def operation(session: Session) -> Any:
            return _step(session, model, parse_id(model, id), state, actor=actor, version=version, action=action)

        return await run_mutation(info, payload, operation)

    return strawberry.mutation(resolver=resolve, description=description)


@strawberry.input(description="Goods that arrived for one line of a purchase order.")
class ReceiptLineInput:
    line_no: int = strawberry.field(description="The line's number on the order.")
    quantity: Decimal = strawberry.field(description="Units that arrived, more than 0; at most what is outstanding.")


@strawberry.input(description="One line of a journal entry: a debit or a credit to an account.")
class JournalLineInput:
    account_code: str = strawberry.field(description="The account's code, e.g. 6000.")
    debit: Decimal = strawberry.field(default=Decimal(0), description="Amount debited (0 for a credit line).")
    credit: Decimal = strawberry.field(default=Decimal(0), description="Amount credited (0 for a debit line).")
    memo: str | None = strawberry.field(default=None, description="What this line is for.")


@strawberry.type(description="Result of a journal entry mutation.")
class JournalEntryPayload:
    journal_entry: finance.JournalEntry | None = strawberry.field(description=OBJECT_ON_SUCCESS)
    errors: list[UserError] = strawberry.field(description=ERRORS)


@strawberry.type
class WorkflowMutations:
    confirm_sales_order = state_verb(
        SalesOrder,
        SalesOrderStatus.CONFIRMED,
        sales_types.SalesOrderPayload,
        action="confirm",
        description="Confirm a draft sales order with lines; refused when it takes the customer over the credit limit.",
    )
    ship_sales_order = state_verb(
        SalesOrder,
        SalesOrderStatus.SHIPPED,
        sales_types.SalesOrderPayload,
        action="ship",
        description="Ship a confirmed order: its goods leave the warehouse and their cost is posted.",
    )
    cancel_sales_order = state_verb(
        SalesOrder,
        SalesOrderStatus.CANCELLED,
        sales_types.SalesOrderPayload,
        action="cancel",
        description="Cancel a draft or confirmed sales order.",
    )
    place_purchase_order = state_verb(
        PurchaseOrder,
        PurchaseOrderStatus.ORDERED,
        purchasing_types.PurchaseOrderPayload,
        action="order",
        description="Send a draft purchase order with lines to the supplier: it becomes ordered.",
    )
    cancel_purchase_order = state_verb(
        PurchaseOrder,
        PurchaseOrderStatus.CANCELLED,
        purchasing_types.PurchaseOrderPayload,
        action="cancel",
        description="Cancel a draft purchase order, or an ordered one nothing has arrived for.",
    )
    issue_invoice = state_verb(
        Invoice,
        InvoiceStatus.ISSUED,
        finance.InvoicePayload,
        action="issue",
        description="Issue a draft invoice: posts the receivable, revenue and tax; sets its dates if not given.",
    )
    cancel_invoice = state_verb(
        Invoice, InvoiceStatus.CANCELLED, finance.InvoicePayload, action="cancel", description="Cancel a draft invoice."
    )
    start_work_order = state_verb(
        WorkOrder,
        WorkOrderStatus.IN_PROGRESS,
        manufacturing.WorkOrderPayload,
        action="start",
        description="Start a planned work order (its product needs a bill of materials).",
    )
    complete_work_order = state_verb(
        WorkOrder,
        WorkOrderStatus.DONE,
        manufacturing.WorkOrderPayload,
        action="complete",
        description="Complete a work order: consumes the components times the quantity and produces the product.",
    )
    cancel_work_order = state_verb(
        WorkOrder,
        WorkOrderStatus.CANCELLED,
        manufacturing.WorkOrderPayload,
        action="cancel",
        description="Cancel a planned or started work order.",
    )

    @strawberry.mutation(description="Bill a shipped sales order: creates its draft invoice, one line per order line.")
    async def invoice_sales_order(
        self,
        info: strawberry.Info,
        id: Annotated[strawberry.ID, ID_ARGUMENT],
        version: Annotated[int | None, VERSION] = None,
        tax_rate: Annotated[
            Decimal | None, strawberry.argument(description="Tax rate for the invoice, 0 to 100 percent; 0 if omitted.")
        ] = None,
        due_date: Annotated[
            date | None, strawberry.argument(description="When payment is due; 30 days after issue if omitted.")
        ] = None,
    ) -> finance.InvoicePayload:
        actor = _context(info).actor

        def operation(session: Session) -> Any:
            order_id = parse_id(SalesOrder, id)
            invoiced = SalesOrderStatus.INVOICED
            _step(session, SalesOrder, order_id, invoiced, actor=actor, version=version, action="invoice")
            invoice_id = sales.invoice_of(session, order_id)
            terms = {
                name: value for name, value in (("tax_rate", tax_rate), ("due_date", due_date)) if value is not None
            }
            return crud.update(session, Invoice, invoice_id, terms, actor=actor.for_consequences(), action="invoice")

        return await run_mutation(
            info, finance.InvoicePayload, operation, arguments={"id", "version", "tax_rate", "due_date"}
        )

    @strawberry.mutation(
        description="Receive goods for an ordered purchase order: the lines given, or everything outstanding."
        " Stock comes in at each line's cost and the payable is posted; the order is received once all has arrived."
    )
    async def receive_purchase_order(
        self,
        info: strawberry.Info,
        id: Annotated[strawberry.ID, ID_ARGUMENT],
        version: Annotated[int | None, VERSION] = None,
        lines: Annotated[
            list[ReceiptLineInput] | None,
            strawberry.argument(description="What arrived, per line; omit to receive everything outstanding."),
        ] = None,
    ) -> purchasing_types.PurchaseOrderPayload:
        actor = _context(info).actor

        def operation(session: Session) -> Any:
            receipts = None if lines is None else [purchasing.Receipt(line.line_no, line.quantity) for line in lines]
            try:
                order_id = parse_id(PurchaseOrder, id)
                return purchasing.receive_purchase_order(
                    session, id=order_id, receipts=receipts, actor=actor, version=version
                )
            except Refused as refused:
                raise _only_arguments(refused, {"id", "version", "lines"}) from None

        return await run_mutation(
            info, purchasing_types.PurchaseOrderPayload, operation, arguments={"id", "version", "lines"}
        )

    @strawberry.mutation(description="Record money received against an issued invoice; it becomes paid when covered.")
    async def record_payment(
        self,
        info: strawberry.Info,
        invoice_id: Annotated[strawberry.ID, strawberry.argument(description="The invoice paid.")],
        amount: Annotated[Decimal, strawberry.argument(description="Amount received; at most what is still owed.")],
        paid_at: Annotated[
            datetime | None, strawberry.argument(description="When the money arrived; now if omitted.")
        ] = None,
        method: Annotated[str | None, strawberry.argument(description="How it was paid, e.g. transfer.")] = None,
        reference: Annotated[str | None, strawberry.argument(description="The bank's reference.")] = None,
    ) -> finance.PaymentPayload:
        values = {
            "direction": PaymentDirection.INCOMING,
            "invoice_id": invoice_id,
            "amount": amount,
            "paid_at": paid_at,
            "method": method,
            "reference": reference,
        }
        return await _pay(info, values, arguments={"invoice_id", "amount", "paid_at", "method", "reference"})

    @strawberry.mutation(description="Record money paid to a supplier for goods a purchase order has delivered.")
    async def pay_purchase_order(
        self,
        info: strawberry.Info,
        purchase_order_id: Annotated[strawberry.ID, strawberry.argument(description="The purchase order paid.")],
        amount: Annotated[
            Decimal, strawberry.argument(description="Amount paid; at most what is owed for goods received.")
        ],
        paid_at: Annotated[
            datetime | None, strawberry.argument(description="When the money left; now if omitted.")
        ] = None,
        method: Annotated[str | None, strawberry.argument(description="How it was paid, e.g. transfer.")] = None,
        reference: Annotated[str | None, strawberry.argument(description="The bank's reference.")] = None,
    ) -> finance.PaymentPayload:
        values = {
            "direction": PaymentDirection.OUTGOING,
            "purchase_order_id": purchase_order_id,
            "amount": amount,
            "paid_at": paid_at,
            "method": method,
            "reference": reference,
        }
        return await _pay(info, values, arguments={"purchase_order_id", "amount", "paid_at", "method", "reference"})

    @strawberry.mutation(description="Post an entry of your own (an accrual, a correction); debits must equal credits.")
    async def post_journal_entry(
        self,
        info: strawberry.Info,
        memo: Annotated[str, strawberry.argument(description="What the entry is for.")],
        lines: Annotated[list[JournalLineInput], strawberry.argument(description="Two or more lines that balance.")],
    ) -> JournalEntryPayload:
        actor = _context(info).actor

        def operation(session: Session) -> Any:
            manual = [ledger.ManualLine(line.account_code, line.debit, line.credit, line.memo) for line in lines]
            return ledger.post_manual_entry(session, lines=manual, memo=memo, actor=actor)

        return await run_mutation(info, JournalEntryPayload, operation, arguments={"memo", "lines"})

    @strawberry.mutation(
        description="Reverse a posted journal entry by posting its mirror image (entries never change)."
    )
    async def reverse_journal_entry(
        self,
        info: strawberry.Info,
        id: Annotated[strawberry.ID, strawberry.argument(description="The entry to reverse.")],
        memo: Annotated[str | None, strawberry.argument(description="Why; 'Reverses JE-…' if omitted.")] = None,
    ) -> JournalEntryPayload:
        actor = _context(info).actor

        def operation(session: Session) -> Any:
            return ledger.reverse(session, id=parse_id(JournalEntry, id), actor=actor, memo=memo)

        return await run_mutation(info, JournalEntryPayload, operation, arguments={"id", "memo"})


async def _pay(info: strawberry.Info, values: dict[str, Any], *, arguments: set[str]) -> finance.PaymentPayload:
    actor = _context(info).actor
    document = "invoice_id" if "invoice_id" in values else "purchase_order_id"

    def operation(session: Session) -> Any:
        model = Invoice if document == "invoice_id" else PurchaseOrder
        given = {name: value for name, value in values.items() if value is not None}
        try:
            given[document] = parse_id(model, values[document])
        except Refused as refused:
            raise Refused([replace(error, field=(document,)) for error in refused.errors]) from None
        return crud.create(session, Payment, given, actor=actor)

    return await run_mutation(info, finance.PaymentPayload, operation, arguments=arguments)
