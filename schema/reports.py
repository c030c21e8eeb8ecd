"""Report types and the root fields that serve them (the figures come from `resolvers.reports`)."""

from collections.abc import Callable
from datetime import date
from decimal import Decimal
from typing import Annotated, TypeVar

import strawberry
from graphql import GraphQLError
from sqlalchemy.orm import Session

from models import crm as crm_models
from models.base import Base, today
from models.crm import OpportunityStage
from models.finance import Invoice
from models.sales import SalesOrder, SalesOrderStatus
from models.system import Role
from resolvers import reports
from resolvers.errors import Refused
from resolvers.permissions import can_read
from resolvers.reports import Report
from resolvers.validation import label
from schema.crm import Contact, Customer, Interaction, Opportunity, Ticket
from schema.errors import Forbidden
from schema.fields import camel

T = TypeVar("T")

FROM = strawberry.argument(name="from", description="First day of the period (inclusive).")
TO = strawberry.argument(description="Last day of the period (inclusive).")
MONEY_SCALE = "Amounts are decimals with two places."


def read_by(report: Report, description: str) -> str:
    """A root field's description with the roles that may read the report, from the one table that decides it."""
    roles = sorted(role.value for role in reports.REPORT_READERS[report] | {Role.ADMIN})
    return f"{description} Read by {', '.join(roles)}."


class ReportArgumentError(GraphQLError):
    """A report asked for with an argument it can't use (a period that ends before it starts, an unknown code)."""

    def __init__(self, refused: Refused):
        error = refused.errors[0]
        extensions = {"code": error.code.name, "field": [camel(part) for part in error.field or ()]}
        super().__init__("; ".join(item.message for item in refused.errors), extensions=extensions)


async def run_report(info: strawberry.Info, report: Report, build: Callable[[Session], T]) -> T:
    """Check the reader's roles, then build the report on the request's session; bad arguments are GraphQL errors."""
    context = info.context
    if not reports.can_read_report(context.actor.roles, report):
        raise Forbidden(f"you may not read the {report.value} report")
    try:
        async with context.lock:
            return await context.session.run_sync(build)
    except Refused as refused:
        raise ReportArgumentError(refused) from None


# --- profit and loss and liquidity ---------------------------------------------------------------------------------


@strawberry.type(description="What one income or expense account earned or cost in the period.")
class AccountAmount:
    code: str = strawberry.field(description="Account code, e.g. 4000.")
    name: str = strawberry.field(description="Account name, e.g. Sales revenue.")
    amount: Decimal = strawberry.field(
        description="Income: credits less debits; expense: debits less credits. " + MONEY_SCALE
    )


@strawberry.type(description="Income and expenses over a period, from the journal, and the profit they leave.")
class ProfitAndLoss:
    start: date = strawberry.field(name="from", description="First day of the period.")
    end: date = strawberry.field(name="to", description="Last day of the period.")
    income: list[AccountAmount] = strawberry.field(description="Every income account, by code.")
    expenses: list[AccountAmount] = strawberry.field(description="Every expense account, by code.")
    total_income: Decimal = strawberry.field(description="Sum of the income accounts.")
    total_expenses: Decimal = strawberry.field(description="Sum of the expense accounts.")
    net_profit: Decimal = strawberry.field(description="Total income less total expenses (negative for a loss).")


@strawberry.type(
    description="Cash, receivables, payables and inventory value from the ledger, next to the same figures added "
    "up from the documents, so that a reader can see they agree."
)
class Liquidity:
    as_of: date | None = strawberry.field(description="The day whose end the ledger figures are at; null for now.")
    cash: Decimal = strawberry.field(description="Balance of account 1000 Cash.")
    receivables: Decimal = strawberry.field(description="Balance of account 1100 Accounts receivable.")
    payables: Decimal = strawberry.field(description="Credit balance of account 2000 Accounts payable.")
    inventory_value: Decimal = strawberry.field(description="Balance of account 1200 Inventory.")
    working_capital: Decimal = strawberry.field(description="Cash plus receivables plus inventory, less payables.")
    receivables_from_invoices: Decimal = strawberry.field(
        description="What issued invoices still ask for (total less paid), as the invoices stand now."
    )
    payables_from_purchase_orders: Decimal = strawberry.field(
        description="What we owe suppliers for goods received (received less paid), as the orders stand now."
    )
    inventory_from_stock_moves: Decimal = strawberry.field(description="Sum of the stock ledger's move values.")


# --- receivables aging ---------------------------------------------------------------------------------------------


@strawberry.type(description="Open invoice amounts by days past their due date.")
class AgingBuckets:
    current: Decimal = strawberry.field(description="Not yet due (due on the day or later, or no due date).")
    days_1_30: Decimal = strawberry.field(name="days1To30", description="1 to 30 days past due.")
    days_31_60: Decimal = strawberry.field(name="days31To60", description="31 to 60 days past due.")
    days_61_90: Decimal = strawberry.field(name="days61To90", description="61 to 90 days past due.")
    over_90: Decimal = strawberry.field(name="over90", description="More than 90 days past due.")
    total: Decimal = strawberry.field(description="All open amounts.")


@strawberry.type(description="One customer's open invoice amounts, aged.")
class CustomerAging:
    customer_code: str = strawberry.field(description="The customer's code.")
    customer_name: str = strawberry.field(description="The customer's name.")
    buckets: AgingBuckets = strawberry.field(description="Open amounts by days past due, and their total.")


@strawberry.type(description="What customers owe on issued invoices, by how long it is overdue.")
class ReceivablesAging:
    as_of: date = strawberry.field(description="The day the days past due are counted to.")
    customers: list[CustomerAging] = strawberry.field(description="Customers with open amounts, by code.")
    totals: AgingBuckets = strawberry.field(description="All customers together.")


# --- sales ---------------------------------------------------------------------------------------------------------


@strawberry.type(description="Net invoiced in one calendar month.")
class MonthSales:
    label: str = strawberry.field(name="month", description="The month, e.g. 2026-03.")
    month: date = strawberry.field(name="firstDay", description="The month's first day.")
    net_amount: Decimal = strawberry.field(description="Net (before tax) of the invoices issued in the month.")
    invoice_count: int = strawberry.field(description="How many invoices were issued in the month.")


@strawberry.type(description="Net invoiced per calendar month: issued and paid invoices, by issue date.")
class SalesByMonth:
    start: date = strawberry.field(name="from", description="First day of the period.")
    end: date = strawberry.field(name="to", description="Last day of the period.")
    months: list[MonthSales] = strawberry.field(description="Every month the period touches, 0 where nothing sold.")
    total: Decimal = strawberry.field(description="Net invoiced in the whole period.")


@strawberry.type(description="Net invoiced to one customer in the period.")
class CustomerSales:
    customer_code: str = strawberry.field(description="The customer's code.")
    customer_name: str = strawberry.field(description="The customer's name.")
    net_amount: Decimal = strawberry.field(description="Net (before tax) of the customer's invoices.")
    invoice_count: int = strawberry.field(description="How many invoices the customer was sent.")


@strawberry.type(description="The customers invoiced most in a period, largest first.")
class SalesByCustomer:
    start: date = strawberry.field(name="from", description="First day of the period.")
    end: date = strawberry.field(name="to", description="Last day of the period.")
    customers: list[CustomerSales] = strawberry.field(description="Top customers by net invoiced; ties by code.")
    total: Decimal = strawberry.field(description="Net invoiced to all customers in the period, listed or not.")


# --- pipeline and inventory ------------------------------------------------------------------------------------------


@strawberry.type(description="The opportunities in one pipeline stage.")
class StageSummary:
    stage: OpportunityStage = strawberry.field(description="The stage.")
    count: int = strawberry.field(description="How many opportunities are in it.")
    amount: Decimal = strawberry.field(description="Their expected amounts added up.")
    weighted_amount: Decimal = strawberry.field(description="Each amount times its probability, added up.")


@strawberry.type(description="The sales pipeline by stage, in stage order.")
class Pipeline:
    stages: list[StageSummary] = strawberry.field(description="Every stage, LEAD to LOST, empty ones included.")
    open_amount: Decimal = strawberry.field(description="Amount of the stages still open (not WON or LOST).")
    open_weighted_amount: Decimal = strawberry.field(description="Weighted amount of the stages still open.")


@strawberry.type(description="What one product holds in one warehouse, by the stock ledger.")
class StockValue:
    product_sku: str = strawberry.field(description="The product's SKU.")
    product_name: str = strawberry.field(description="The product's name.")
    warehouse_code: str = strawberry.field(description="The warehouse's code.")
    warehouse_name: str = strawberry.field(description="The warehouse's name.")
    quantity: Decimal = strawberry.field(description="Quantity on hand (sum of the moves).")
    value: Decimal = strawberry.field(description="Value on hand (sum of the moves' values).")
    average_unit_cost: Decimal | None = strawberry.field(description="Value divided by quantity; null for none.")


@strawberry.type(description="Stock on hand and its value per product and warehouse.")
class InventoryValuation:
    warehouse_code: str | None = strawberry.field(
        name="warehouse", description="The warehouse asked for; null for all."
    )
    items: list[StockValue] = strawberry.field(description="By SKU, then warehouse; products with nothing left out.")
    total_value: Decimal = strawberry.field(description="Value of all the items.")


# --- customer 360 --------------------------------------------------------------------------------------------------


@strawberry.type(description="A sales order as the customer 360 lists it.")
class OrderSummary:
    number: str = strawberry.field(description="Order number.")
    status: SalesOrderStatus = strawberry.field(description="Draft, confirmed, shipped, invoiced or cancelled.")
    order_date: date = strawberry.field(description="When the customer ordered.")
    total_amount: Decimal = strawberry.field(description="Sum of the lines after discount.")


@strawberry.type(description="An issued invoice not yet paid in full.")
class OpenInvoice:
    number: str = strawberry.field(description="Invoice number.")
    issue_date: date | None = strawberry.field(description="When it was issued.")
    due_date: date | None = strawberry.field(description="When payment is due.")
    total_amount: Decimal = strawberry.field(description="Total with tax.")
    paid_amount: Decimal = strawberry.field(description="Paid so far.")

    @strawberry.field(description="Total less paid.")
    def open_amount(self) -> Decimal:
        return self.total_amount - self.paid_amount


def section(model: type[Base], name: str) -> Callable[[reports.Customer360, strawberry.Info], object]:
    """A part of the customer 360 read from one entity: null with FORBIDDEN for roles that may not read it."""

    def resolve(root: reports.Customer360, info: strawberry.Info) -> object:
        if not can_read(info.context.actor.roles, model):
            raise Forbidden(f"you may not read {label(model)} records")
        return getattr(root, name)

    return resolve


@strawberry.type(description="One customer and everything around it: people, history, orders, money, open work.")
class Customer360:
    customer: Customer = strawberry.field(description="The customer.")
    contacts: list[Contact] | None = strawberry.field(
        resolver=section(crm_models.Contact, "contacts"),
        description="People we deal with there, by name.",
    )
    interactions: list[Interaction] | None = strawberry.field(
        resolver=section(crm_models.Interaction, "interactions"), description="The latest interactions, newest first."
    )
    orders: list[OrderSummary] | None = strawberry.field(
        resolver=section(SalesOrder, "orders"), description="The latest sales orders, latest order date first."
    )
    open_invoices: list[OpenInvoice] | None = strawberry.field(
        resolver=section(Invoice, "open_invoices"), description="Issued invoices not yet paid, earliest due first."
    )
    open_opportunities: list[Opportunity] | None = strawberry.field(
        resolver=section(crm_models.Opportunity, "open_opportunities"),
        description="Opportunities not yet won or lost, earliest expected close first.",
    )
    open_tickets: list[Ticket] | None = strawberry.field(
        resolver=section(crm_models.Ticket, "open_tickets"), description="Support tickets not closed, newest first."
    )

    @strawberry.field(description="What the customer owes: total less paid of its issued invoices.")
    def open_balance(self, info: strawberry.Info) -> Decimal | None:
        return section(Invoice, "finance")(self, info).open_balance

    @strawberry.field(description="Net amount invoiced to the customer ever, issued or paid.")
    def lifetime_value(self, info: strawberry.Info) -> Decimal | None:
        return section(Invoice, "finance")(self, info).lifetime_value


# --- root fields ---------------------------------------------------------------------------------------------------


@strawberry.type
class ReportQueries:
    @strawberry.field(description=read_by(Report.PROFIT_AND_LOSS, "Profit and loss for a period."))
    async def profit_and_loss(
        self, info: strawberry.Info, start: Annotated[date, FROM], to: Annotated[date, TO]
    ) -> ProfitAndLoss | None:
        return await run_report(info, Report.PROFIT_AND_LOSS, lambda s: reports.profit_and_loss(s, start, to))

    @strawberry.field(description=read_by(Report.LIQUIDITY, "Cash, receivables, payables and inventory value."))
    async def liquidity(
        self,
        info: strawberry.Info,
        as_of: Annotated[
            date | None, strawberry.argument(description="Ledger figures at the end of this day; omit for now.")
        ] = None,
    ) -> Liquidity | None:
        return await run_report(info, Report.LIQUIDITY, lambda s: reports.liquidity(s, as_of))

    @strawberry.field(description=read_by(Report.RECEIVABLES_AGING, "Open receivables by customer and days past due."))
    async def receivables_aging(
        self,
        info: strawberry.Info,
        as_of: Annotated[
            date | None, strawberry.argument(description="Count days past due to this day; omit for today (UTC).")
        ] = None,
    ) -> ReceivablesAging | None:
        day = as_of or today()
        return await run_report(info, Report.RECEIVABLES_AGING, lambda s: reports.receivables_aging(s, day))

    @strawberry.field(description=read_by(Report.SALES_BY_MONTH, "Net invoiced per calendar month."))
    async def sales_by_month(
        self, info: strawberry.Info, start: Annotated[date, FROM], to: Annotated[date, TO]
    ) -> SalesByMonth | None:
        return await run_report(info, Report.SALES_BY_MONTH, lambda s: reports.sales_by_month(s, start, to))

    @strawberry.field(description=read_by(Report.SALES_BY_CUSTOMER, "The customers invoiced most in a period."))
    async def sales_by_customer(
        self,
        info: strawberry.Info,
        start: Annotated[date, FROM],
        to: Annotated[date, TO],
        limit: Annotated[
            int, strawberry.argument(description=f"How many customers, 1 to {reports.MAX_TOP_CUSTOMERS}.")
        ] = 10,
    ) -> SalesByCustomer | None:
        return await run_report(
            info, Report.SALES_BY_CUSTOMER, lambda s: reports.sales_by_customer(s, start, to, limit)
        )

    @strawberry.field(description=read_by(Report.PIPELINE_BY_STAGE, "Opportunities per pipeline stage."))
    async def pipeline_by_stage(self, info: strawberry.Info) -> Pipeline | None:
        return await run_report(info, Report.PIPELINE_BY_STAGE, reports.pipeline_by_stage)

    @strawberry.field(description=read_by(Report.INVENTORY_VALUATION, "Stock on hand and its value."))
    async def inventory_valuation(
        self,
        info: strawberry.Info,
        warehouse: Annotated[
            str | None, strawberry.argument(description="Only this warehouse (its code); omit for all.")
        ] = None,
    ) -> InventoryValuation | None:
        return await run_report(info, Report.INVENTORY_VALUATION, lambda s: reports.inventory_valuation(s, warehouse))

    @strawberry.field(
        name="customer360",
        description=read_by(
            Report.CUSTOMER_360,
            "A customer with contacts, timeline, orders, open balance, opportunities and tickets; "
            "parts the reader may not read are null with FORBIDDEN.",
        ),
    )
    async def customer_360(
        self,
        info: strawberry.Info,
        code: Annotated[str, strawberry.argument(description="The customer's code.")],
        latest: Annotated[
            int,
            strawberry.argument(description=f"How many interactions and orders to list, 1 to {reports.MAX_LATEST}."),
        ] = 10,
    ) -> Customer360 | None:
        roles = info.context.actor.roles
        return await run_report(
            info,
            Report.CUSTOMER_360,
            lambda s: reports.customer_360(s, code, latest=latest, readable=lambda model: can_read(roles, model)),
        )
