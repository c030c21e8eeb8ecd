"""Reports: profit and loss, liquidity, receivables aging, sales, pipeline, inventory valuation and a customer 360.

Each report is a plain function of a `Session` that aggregates in SQL (GROUP BY) with a fixed number of statements,
however much data there is. Money comes from the amounts Onebook stores (ledger lines, document totals, stock move
values), never from quantities multiplied by prices in SQL: SQLite keeps NUMERIC as floating point, and sums of
stored cents, rounded once to cents, agree with the ledger.
"""

import enum
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.orm import Session
from sqlalchemy.sql.functions import GenericFunction

from models.base import Base, Money, Quantity
from models.crm import Contact, Customer, Interaction, Opportunity, OpportunityStage, Ticket, TicketStatus
from models.finance import Account, AccountKind, Invoice, InvoiceStatus, JournalEntry, JournalLine
from models.inventory import Product, StockMove, Warehouse
from models.purchasing import PurchaseOrder
from models.sales import SalesOrder
from models.system import Role
from resolvers.errors import ErrorCode, Refused

ZERO = Decimal("0.00")
CENT = Decimal("0.01")
#: The accounts the liquidity report reads (the default chart of accounts, migration 0005).
CASH, RECEIVABLES, INVENTORY, PAYABLES = "1000", "1100", "1200", "2000"
#: Longest sales-by-month period, so that a typo like 0001-01-01 can't ask for 24,000 empty months.
MAX_MONTHS = 240
MAX_TOP_CUSTOMERS = 100
MAX_LATEST = 100

accounts = Account.__table__
journal_entries = JournalEntry.__table__
journal_lines = JournalLine.__table__
invoices = Invoice.__table__
purchase_orders = PurchaseOrder.__table__
stock_moves = StockMove.__table__
products = Product.__table__
warehouses = Warehouse.__table__
customers = Customer.__table__
contacts = Contact.__table__
interactions = Interaction.__table__
sales_orders = SalesOrder.__table__
opportunities = Opportunity.__table__
tickets = Ticket.__table__


# --- who may read which report ------------------------------------------------------------------------------------


class Report(enum.Enum):
    PROFIT_AND_LOSS = "profit and loss"
    LIQUIDITY = "liquidity"
    RECEIVABLES_AGING = "receivables aging"
    SALES_BY_MONTH = "sales by month"
    SALES_BY_CUSTOMER = "sales by customer"
    PIPELINE_BY_STAGE = "pipeline by stage"
    INVENTORY_VALUATION = "inventory valuation"
    CUSTOMER_360 = "customer 360"


FINANCIAL_READERS = frozenset({Role.FINANCE, Role.READONLY})
#: Report -> the roles that may read it; admin reads every report.
REPORT_READERS: dict[Report, frozenset[Role]] = {
    Report.PROFIT_AND_LOSS: FINANCIAL_READERS,
    Report.LIQUIDITY: FINANCIAL_READERS,
    Report.RECEIVABLES_AGING: FINANCIAL_READERS,
    Report.SALES_BY_MONTH: FINANCIAL_READERS,
    Report.SALES_BY_CUSTOMER: FINANCIAL_READERS,
    Report.PIPELINE_BY_STAGE: FINANCIAL_READERS | {Role.SALES},
    Report.INVENTORY_VALUATION: FINANCIAL_READERS,
    Report.CUSTOMER_360: FINANCIAL_READERS | {Role.SALES},
}


def can_read_report(roles: Iterable[Role], report: Report) -> bool:
    roles = frozenset(roles)
    return Role.ADMIN in roles or bool(roles & REPORT_READERS[report])


def report_access_markdown() -> str:
    """Who may read each report, as Markdown for the README (kept in step by a test)."""
    lines = ["| report | read by |", "|---|---|"]
    for report, roles in REPORT_READERS.items():
        names = ", ".join(sorted(role.value for role in roles | {Role.ADMIN}))
        lines.append(f"| {report.value} | {names} |")
    return "\n".join(lines)


# --- small pieces ------------------------------------------------------------------------------------------------


def cents(value: Any) -> Decimal:
    """A sum as money: None (no rows) is 0.00; SQLite's floating sums are rounded once, to cents."""
    if value is None:
        return ZERO
    return Decimal(str(value)).quantize(CENT, rounding=ROUND_HALF_UP)


def quantity(value: Any) -> Decimal:
    if value is None:
        return Decimal("0.000")
    return Decimal(str(value)).quantize(Decimal("0.001"), rounding=ROUND_HALF_UP)


def money_sum(expression: sa.ColumnElement) -> sa.ColumnElement:
    return sa.type_coerce(sa.func.sum(expression), Money())


def day_starts(start: date) -> datetime:
    return datetime.combine(start, time.min, UTC)


def day_ends(end: date) -> datetime:
    """The last instant of a day (UTC): periods include their end date, and date.max has no next day."""
    return datetime.combine(end, time.max, UTC)


def check_period(start: date, end: date) -> None:
    if start > end:
        raise Refused.one(f"the period starts ({start}) after it ends ({end})", ErrorCode.VALIDATION, "from")


class YearMonth(GenericFunction):
    """'2026-03' for a date: the calendar month, in whichever SQL the database speaks."""

    name = "year_month"
    type = sa.String()
    inherit_cache = True


@compiles(YearMonth)
def _year_month_postgresql(element: YearMonth, compiler: Any, **kw: Any) -> str:
    return f"to_char({compiler.process(element.clauses, **kw)}, 'YYYY-MM')"


@compiles(YearMonth, "sqlite")
def _year_month_sqlite(element: YearMonth, compiler: Any, **kw: Any) -> str:
    return f"strftime('%Y-%m', {compiler.process(element.clauses, **kw)})"


def months_between(start: date, end: date) -> int:
    """How many calendar months the period touches (March 31 to April 1 touches two)."""
    return (end.year - start.year) * 12 + end.month - start.month + 1


def month_starts(start: date, end: date) -> list[date]:
    """The first day of every calendar month the period touches, in order."""
    months = []
    year, month = start.year, start.month
    for _ in range(months_between(start, end)):
        months.append(date(year, month, 1))
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    return months


# --- profit and loss ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class AccountAmount:
    code: str
    name: str
    amount: Decimal


@dataclass(frozen=True)
class ProfitAndLoss:
    start: date
    end: date
    income: list[AccountAmount]
    expenses: list[AccountAmount]
    total_income: Decimal
    total_expenses: Decimal
    net_profit: Decimal


def profit_and_loss(session: Session, start: date, end: date) -> ProfitAndLoss:
    """Income and expense accounts' movements over a period (dates inclusive, UTC); every such account is listed."""
    check_period(start, end)
    in_period = (
        sa.select(
            journal_lines.c.account_id,
            money_sum(journal_lines.c.debit).label("debit"),
            money_sum(journal_lines.c.credit).label("credit"),
        )
        .join(journal_entries, journal_entries.c.id == journal_lines.c.entry_id)
        .where(journal_entries.c.posted_at.between(day_starts(start), day_ends(end)))
        .group_by(journal_lines.c.account_id)
        .subquery()
    )
    query = (
        sa.select(accounts.c.code, accounts.c.name, accounts.c.kind, in_period.c.debit, in_period.c.credit)
        .outerjoin(in_period, in_period.c.account_id == accounts.c.id)
        .where(accounts.c.kind.in_([AccountKind.INCOME, AccountKind.EXPENSE]))
        .order_by(accounts.c.code)
    )
    income, expenses = [], []
    for code, name, kind, debit, credit in session.execute(query):
        if kind is AccountKind.INCOME:
            income.append(AccountAmount(code, name, cents(credit) - cents(debit)))
        else:
            expenses.append(AccountAmount(code, name, cents(debit) - cents(credit)))
    total_income = sum((item.amount for item in income), ZERO)
    total_expenses = sum((item.amount for item in expenses), ZERO)
    return ProfitAndLoss(start, end, income, expenses, total_income, total_expenses, total_income - total_expenses)


# --- liquidity ---------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Liquidity:
    """What the business holds and owes, from the ledger, next to the same figures added up from the documents."""

    as_of: date | None
    cash: Decimal
    receivables: Decimal
    payables: Decimal
    inventory_value: Decimal
    receivables_from_invoices: Decimal
    payables_from_purchase_orders: Decimal
    inventory_from_stock_moves: Decimal

    @property
    def working_capital(self) -> Decimal:
        return self.cash + self.receivables + self.inventory_value - self.payables


def open_amount() -> sa.ColumnElement:
    return invoices.c.total_amount - invoices.c.paid_amount


def liquidity(session: Session, as_of: date | None = None) -> Liquidity:
    """Ledger balances of cash, receivables, inventory and payables (at the end of `as_of`, or now).

    The document figures are the documents' current amounts (documents keep no history of them), so they match the
    ledger for today; for an earlier `as_of` they show how far the ledger has moved since.
    """
    balances = (
        sa.select(
            accounts.c.code,
            money_sum(journal_lines.c.debit).label("debit"),
            money_sum(journal_lines.c.credit).label("credit"),
        )
        .join(journal_lines, journal_lines.c.account_id == accounts.c.id)
        .where(accounts.c.code.in_([CASH, RECEIVABLES, INVENTORY, PAYABLES]))
        .group_by(accounts.c.code)
    )
    if as_of is not None:
        balances = balances.join(journal_entries, journal_entries.c.id == journal_lines.c.entry_id).where(
            journal_entries.c.posted_at <= day_ends(as_of)
        )
    debit_minus_credit = {code: cents(debit) - cents(credit) for code, debit, credit in session.execute(balances)}
    documents = sa.select(
        sa.select(money_sum(open_amount())).where(invoices.c.status == InvoiceStatus.ISSUED).scalar_subquery(),
        sa.select(money_sum(purchase_orders.c.received_amount - purchase_orders.c.paid_amount)).scalar_subquery(),
        sa.select(money_sum(stock_moves.c.value)).scalar_subquery(),
    )
    receivables, payables, inventory = session.execute(documents).one()
    return Liquidity(
        as_of=as_of,
        cash=debit_minus_credit.get(CASH, ZERO),
        receivables=debit_minus_credit.get(RECEIVABLES, ZERO),
        payables=-debit_minus_credit.get(PAYABLES, ZERO),
        inventory_value=debit_minus_credit.get(INVENTORY, ZERO),
        receivables_from_invoices=cents(receivables),
        payables_from_purchase_orders=cents(payables),
        inventory_from_stock_moves=cents(inventory),
    )


# --- receivables aging -------------------------------------------------------------------------------------------

#: (field name, title, fewest days past due); an invoice falls in the last bucket whose lower bound it reaches.
AGING_BUCKETS = (
    ("current", "Current", None),
    ("days_1_30", "1-30 days", 1),
    ("days_31_60", "31-60 days", 31),
    ("days_61_90", "61-90 days", 61),
    ("over_90", "Over 90 days", 91),
)


@dataclass(frozen=True)
class AgingBuckets:
    current: Decimal
    days_1_30: Decimal
    days_31_60: Decimal
    days_61_90: Decimal
    over_90: Decimal

    @property
    def total(self) -> Decimal:
        return self.current + self.days_1_30 + self.days_31_60 + self.days_61_90 + self.over_90

    def __add__(self, other: "AgingBuckets") -> "AgingBuckets":
        return AgingBuckets(*(getattr(self, name) + getattr(other, name) for name, _, _ in AGING_BUCKETS))


NO_AMOUNTS = AgingBuckets(ZERO, ZERO, ZERO, ZERO, ZERO)


@dataclass(frozen=True)
class CustomerAging:
    customer_code: str
    customer_name: str
    buckets: AgingBuckets


@dataclass(frozen=True)
class ReceivablesAging:
    as_of: date
    customers: list[CustomerAging]
    totals: AgingBuckets


def aging_bucket(as_of: date) -> sa.ColumnElement:
    """Which bucket an invoice is in at `as_of`, by comparing its due date with dates (no date arithmetic in SQL)."""
    whens = []
    for name, _title, days in reversed(AGING_BUCKETS[1:]):
        if (as_of - date.min).days >= days:  # near the start of the calendar, no due date is that far back
            whens.append((invoices.c.due_date <= as_of - timedelta(days=days), name))
    return sa.case(*whens, else_=AGING_BUCKETS[0][0])  # not yet due, or no due date


def receivables_aging(session: Session, as_of: date) -> ReceivablesAging:
    """Open amounts of issued invoices by customer, bucketed by days past their due date at `as_of`."""
    bucket = aging_bucket(as_of)
    query = (
        sa.select(
            customers.c.code,
            customers.c.name,
            *(money_sum(sa.case((bucket == name, open_amount()), else_=0)).label(name) for name, _, _ in AGING_BUCKETS),
        )
        .join(customers, customers.c.id == invoices.c.customer_id)
        .where(invoices.c.status == InvoiceStatus.ISSUED)
        .group_by(customers.c.id, customers.c.code, customers.c.name)
        .order_by(customers.c.code)
    )
    rows = []
    for code, name, *amounts in session.execute(query):
        buckets = AgingBuckets(*(cents(amount) for amount in amounts))
        if buckets.total != ZERO:
            rows.append(CustomerAging(code, name, buckets))
    totals = sum((row.buckets for row in rows), NO_AMOUNTS)
    return ReceivablesAging(as_of, rows, totals)


# --- sales -------------------------------------------------------------------------------------------------------

INVOICED = (InvoiceStatus.ISSUED, InvoiceStatus.PAID)


@dataclass(frozen=True)
class MonthSales:
    month: date
    net_amount: Decimal
    invoice_count: int

    @property
    def label(self) -> str:
        return self.month.strftime("%Y-%m")


@dataclass(frozen=True)
class SalesByMonth:
    start: date
    end: date
    months: list[MonthSales]
    total: Decimal


def invoiced_between(start: date, end: date) -> sa.ColumnElement[bool]:
    return sa.and_(invoices.c.status.in_(INVOICED), invoices.c.issue_date.between(start, end))


def sales_by_month(session: Session, start: date, end: date) -> SalesByMonth:
    """Net invoiced (issued and paid invoices, by issue date) per calendar month; months without sales show 0."""
    check_period(start, end)
    if months_between(start, end) > MAX_MONTHS:
        raise Refused.one(f"a period of at most {MAX_MONTHS} months, please", ErrorCode.VALIDATION, "from")
    months = month_starts(start, end)
    month = YearMonth(invoices.c.issue_date)
    query = (
        sa.select(month, money_sum(invoices.c.net_amount), sa.func.count())
        .where(invoiced_between(start, end))
        .group_by(month)
    )
    found = {label: (cents(amount), count) for label, amount, count in session.execute(query)}
    rows = [MonthSales(first, *found.get(first.strftime("%Y-%m"), (ZERO, 0))) for first in months]
    return SalesByMonth(start, end, rows, sum((row.net_amount for row in rows), ZERO))


@dataclass(frozen=True)
class CustomerSales:
    customer_code: str
    customer_name: str
    net_amount: Decimal
    invoice_count: int


@dataclass(frozen=True)
class SalesByCustomer:
    start: date
    end: date
    customers: list[CustomerSales]
    #: Net invoiced to all customers in the period, the listed ones and the rest.
    total: Decimal


def check_limit(limit: int, most: int, field: str = "limit") -> None:
    if not 1 <= limit <= most:
        raise Refused.one(f"{field} must be between 1 and {most}, not {limit}", ErrorCode.VALIDATION, field)


def sales_by_customer(session: Session, start: date, end: date, limit: int = 10) -> SalesByCustomer:
    """The customers we invoiced most (net) in the period, largest first."""
    check_period(start, end)
    check_limit(limit, MAX_TOP_CUSTOMERS)
    net = money_sum(invoices.c.net_amount)
    query = (
        sa.select(customers.c.code, customers.c.name, net, sa.func.count())
        .join(customers, customers.c.id == invoices.c.customer_id)
        .where(invoiced_between(start, end))
        .group_by(customers.c.id, customers.c.code, customers.c.name)
        .order_by(net.desc(), customers.c.code)
        .limit(limit)
    )
    rows = [CustomerSales(code, name, cents(amount), count) for code, name, amount, count in session.execute(query)]
    total = session.scalar(sa.select(money_sum(invoices.c.net_amount)).where(invoiced_between(start, end)))
    return SalesByCustomer(start, end, rows, cents(total))


# --- pipeline ----------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class StageSummary:
    stage: OpportunityStage
    count: int
    amount: Decimal
    weighted_amount: Decimal


@dataclass(frozen=True)
class Pipeline:
    stages: list[StageSummary]

    @property
    def open_stages(self) -> list[StageSummary]:
        return [stage for stage in self.stages if not stage.stage.is_closed]

    @property
    def open_amount(self) -> Decimal:
        return sum((stage.amount for stage in self.open_stages), ZERO)

    @property
    def open_weighted_amount(self) -> Decimal:
        return sum((stage.weighted_amount for stage in self.open_stages), ZERO)


def pipeline_by_stage(session: Session) -> Pipeline:
    """Opportunities per stage in stage order: how many, their amount, and the amount weighted by probability."""
    # Grouped by probability too, so the weighting multiplies exact Decimals here rather than floats in SQLite.
    query = sa.select(
        opportunities.c.stage, opportunities.c.probability, sa.func.count(), money_sum(opportunities.c.amount)
    ).group_by(opportunities.c.stage, opportunities.c.probability)
    counts: dict[OpportunityStage, int] = dict.fromkeys(OpportunityStage, 0)
    amounts: dict[OpportunityStage, Decimal] = dict.fromkeys(OpportunityStage, ZERO)
    weighted: dict[OpportunityStage, Decimal] = dict.fromkeys(OpportunityStage, Decimal(0))
    for stage, probability, count, amount in session.execute(query):
        counts[stage] += count
        amounts[stage] += cents(amount)
        weighted[stage] += cents(amount) * probability / 100
    return Pipeline(
        [StageSummary(stage, counts[stage], amounts[stage], cents(weighted[stage])) for stage in OpportunityStage]
    )


# --- inventory valuation -----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class StockValue:
    product_sku: str
    product_name: str
    warehouse_code: str
    warehouse_name: str
    quantity: Decimal
    value: Decimal

    @property
    def average_unit_cost(self) -> Decimal | None:
        return None if self.quantity == 0 else cents(self.value / self.quantity)


@dataclass(frozen=True)
class InventoryValuation:
    warehouse_code: str | None
    items: list[StockValue]

    @property
    def total_value(self) -> Decimal:
        return sum((item.value for item in self.items), ZERO)


def inventory_valuation(session: Session, warehouse_code: str | None = None) -> InventoryValuation:
    """On-hand quantity and value per product and warehouse, from the stock ledger; products with nothing left
    (no quantity, no value) are left out."""
    query = (
        sa.select(
            products.c.sku,
            products.c.name,
            warehouses.c.code,
            warehouses.c.name,
            sa.type_coerce(sa.func.sum(stock_moves.c.quantity), Quantity()),
            money_sum(stock_moves.c.value),
        )
        .join(products, products.c.id == stock_moves.c.product_id)
        .join(warehouses, warehouses.c.id == stock_moves.c.warehouse_id)
        .group_by(products.c.id, products.c.sku, products.c.name, warehouses.c.id, warehouses.c.code, warehouses.c.name)
        .order_by(products.c.sku, warehouses.c.code)
    )
    if warehouse_code is not None:
        warehouse_id = session.scalar(sa.select(warehouses.c.id).where(warehouses.c.code == warehouse_code))
        if warehouse_id is None:
            raise Refused.one(f"no warehouse with code {warehouse_code!r}", ErrorCode.NOT_FOUND, "warehouse")
        query = query.where(stock_moves.c.warehouse_id == warehouse_id)
    items = []
    for sku, name, code, warehouse_name, on_hand, value in session.execute(query):
        item = StockValue(sku, name, code, warehouse_name, quantity(on_hand), cents(value))
        if item.quantity != 0 or item.value != 0:
            items.append(item)
    return InventoryValuation(warehouse_code, items)


# --- customer 360 ------------------------------------------------------------------------------------------------


def customer_finance_query(customer_ids: Iterable[int]) -> sa.Select:
    """(customer id, open balance, lifetime value) for the customers that have invoices: one grouped statement.

    Open balance: what issued invoices still ask for (total - paid). Lifetime value: net invoiced, issued or paid.
    """
    return (
        sa.select(
            invoices.c.customer_id,
            money_sum(sa.case((invoices.c.status == InvoiceStatus.ISSUED, open_amount()), else_=0)),
            money_sum(sa.case((invoices.c.status.in_(INVOICED), invoices.c.net_amount), else_=0)),
        )
        .where(invoices.c.customer_id.in_(set(customer_ids)))
        .group_by(invoices.c.customer_id)
    )


@dataclass(frozen=True)
class CustomerFinance:
    open_balance: Decimal
    lifetime_value: Decimal


NO_FINANCE = CustomerFinance(ZERO, ZERO)


def customer_finances(rows: Iterable[sa.Row]) -> dict[int, CustomerFinance]:
    """The rows of `customer_finance_query` by customer id."""
    return {customer_id: CustomerFinance(cents(open_), cents(lifetime)) for customer_id, open_, lifetime in rows}


@dataclass(frozen=True)
class Customer360:
    """One customer and everything around it; a section the reader may not read is None."""

    customer: sa.Row
    contacts: list[sa.Row] | None
    interactions: list[sa.Row] | None
    orders: list[sa.Row] | None
    open_invoices: list[sa.Row] | None
    finance: CustomerFinance | None
    open_opportunities: list[sa.Row] | None
    open_tickets: list[sa.Row] | None


def customer_360(
    session: Session,
    code: str,
    *,
    latest: int = 10,
    readable: Callable[[type[Base]], bool] = lambda model: True,
) -> Customer360:
    """A customer by code with its contacts, latest interactions and orders, open invoices, open balance, lifetime
    value, open opportunities and tickets; one statement per section, sections the reader may not read skipped."""
    check_limit(latest, MAX_LATEST, "latest")
    customer = session.execute(sa.select(customers).where(customers.c.code == code)).first()
    if customer is None:
        raise Refused.one(f"no customer with code {code!r}", ErrorCode.NOT_FOUND, "code")

    def rows(model: type[Base], query: sa.Select) -> list[sa.Row] | None:
        return list(session.execute(query)) if readable(model) else None

    def of_customer(table: sa.Table) -> sa.Select:
        return sa.select(table).where(table.c.customer_id == customer.id)

    finance = None
    if readable(Invoice):
        found = customer_finances(session.execute(customer_finance_query([customer.id])))
        finance = found.get(customer.id, NO_FINANCE)
    return Customer360(
        customer=customer,
        contacts=rows(Contact, of_customer(contacts).order_by(contacts.c.name, contacts.c.id)),
        interactions=rows(
            Interaction,
            of_customer(interactions)
            .order_by(interactions.c.occurred_at.desc(), interactions.c.id.desc())
            .limit(latest),
        ),
        orders=rows(
            SalesOrder,
            of_customer(sales_orders)
            .order_by(sales_orders.c.order_date.desc(), sales_orders.c.id.desc())
            .limit(latest),
        ),
        open_invoices=rows(
            Invoice,
            of_customer(invoices)
            .where(invoices.c.status == InvoiceStatus.ISSUED)
            .order_by(invoices.c.due_date, invoices.c.id),
        ),
        finance=finance,
        open_opportunities=rows(
            Opportunity,
            of_customer(opportunities)
            .where(opportunities.c.stage.not_in([OpportunityStage.WON, OpportunityStage.LOST]))
            .order_by(opportunities.c.expected_close, opportunities.c.id),
        ),
        open_tickets=rows(
            Ticket,
            of_customer(tickets)
            .where(tickets.c.status != TicketStatus.CLOSED)
            .order_by(tickets.c.created_at.desc(), tickets.c.id.desc()),
        ),
    )
