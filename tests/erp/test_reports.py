"""Reports on a small hand-made set of books (tests/erp/report_books.py): every figure worked out by hand."""

from collections.abc import Iterator
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest
import sqlalchemy as sa
from sqlalchemy.orm import Session

from models.crm import (
    Contact,
    Customer,
    Interaction,
    InteractionKind,
    Opportunity,
    OpportunityStage,
    Ticket,
    TicketStatus,
)
from models.finance import Invoice, InvoiceStatus
from models.inventory import Warehouse
from models.sales import SalesOrder
from resolvers import reports
from resolvers.errors import ErrorCode, Refused
from resolvers.reports import AgingBuckets
from tests.erp.report_books import at, build_books, chart_of_accounts, insert, invoice
from tests.statements import counting_statements

D = Decimal
Q1 = (date(2026, 1, 1), date(2026, 3, 31))


@pytest.fixture
def books(engine) -> None:
    build_books(engine)


@pytest.fixture
def session(engine) -> Iterator[Session]:
    with Session(engine) as session:
        yield session


# --- profit and loss ---------------------------------------------------------------------------------------------


def test_profit_and_loss_of_a_quarter(books, session):
    # when reading the first quarter of 2026
    report = reports.profit_and_loss(session, *Q1)

    # then income is the three invoices' net revenue (other income came a microsecond after the quarter)
    assert [(a.code, a.name, a.amount) for a in report.income] == [
        ("4000", "Sales revenue", D("1750.50")),
        ("4900", "Other income", D("0.00")),
    ]
    # and expenses are the goods shipped, the stock count and the rent posted at the last instant of the quarter
    assert [(a.code, a.amount) for a in report.expenses] == [
        ("5000", D("200.00")),
        ("5100", D("20.00")),
        ("6000", D("150.00")),
    ]
    assert (report.total_income, report.total_expenses, report.net_profit) == (
        D("1750.50"),
        D("370.00"),
        D("1380.50"),
    )


def test_profit_and_loss_includes_both_end_days(books, session):
    # when the period is one day: the last day of March (the rent was posted at 23:59:59.999999 UTC)
    last_day = reports.profit_and_loss(session, date(2026, 3, 31), date(2026, 3, 31))
    # and the first day of April (other income at 00:00:00 UTC)
    first_day = reports.profit_and_loss(session, date(2026, 4, 1), date(2026, 4, 1))

    # then each day holds exactly its own posting
    assert (last_day.total_income, last_day.total_expenses) == (D("0.00"), D("150.00"))
    assert (first_day.total_income, first_day.total_expenses) == (D("50.00"), D("0.00"))


def test_profit_and_loss_of_an_empty_ledger_lists_the_accounts_at_zero(engine, session):
    # given only the chart of accounts
    with engine.begin() as connection:
        chart_of_accounts(connection)

    report = reports.profit_and_loss(session, *Q1)

    assert [a.code for a in report.income] == ["4000", "4900"]
    assert {a.amount for a in report.income + report.expenses} == {D("0.00")}
    assert report.net_profit == D("0.00")


def test_a_period_that_ends_before_it_starts_is_refused(session):
    with pytest.raises(Refused) as refused:
        reports.profit_and_loss(session, date(2026, 2, 1), date(2026, 1, 31))
    assert refused.value.errors[0].field == ("from",)
    assert "after it ends" in refused.value.errors[0].message


# --- liquidity ---------------------------------------------------------------------------------------------------


def test_liquidity_from_the_ledger_agrees_with_the_documents(books, session):
    report = reports.liquidity(session, None)

    # cash: 1000 capital + 1070 + 200 received + 50 interest - 500 paid - 150 rent
    assert report.cash == D("1670.00")
    # receivables: INV-2 535-200, INV-3 268.04, INV-4 106.99
    assert report.receivables == report.receivables_from_invoices == D("710.03")
    # payables: PO-1 800-500, PO-2 99.99
    assert report.payables == report.payables_from_purchase_orders == D("399.99")
    # inventory: 800 - 200 - 20 + 99.99
    assert report.inventory_value == report.inventory_from_stock_moves == D("679.99")
    assert report.working_capital == D("1670.00") + D("710.03") + D("679.99") - D("399.99")


def test_liquidity_as_of_a_day_reads_the_ledger_up_to_its_end(books, session):
    report = reports.liquidity(session, date(2026, 1, 31))

    assert report.cash == D("500.00")  # capital less the January payment to the supplier
    assert report.receivables == D("1176.99")  # INV-4 and INV-1, not yet paid
    assert report.inventory_value == D("600.00")
    assert report.payables == D("300.00")
    # the documents stand as they are now
    assert report.receivables_from_invoices == D("710.03")


def test_liquidity_of_an_empty_database_is_zeros(session):
    report = reports.liquidity(session, None)

    assert {
        report.cash,
        report.receivables,
        report.payables,
        report.inventory_value,
        report.receivables_from_invoices,
        report.payables_from_purchase_orders,
        report.inventory_from_stock_moves,
    } == {D("0.00")}


# --- receivables aging -------------------------------------------------------------------------------------------


def test_receivables_aging_by_customer(books, session):
    report = reports.receivables_aging(session, date(2026, 3, 31))

    # Acme: INV-2 due March 17, 14 days late, 335 open; Beta: INV-3 not yet due, INV-4 120 days late
    assert [(row.customer_code, row.customer_name, row.buckets) for row in report.customers] == [
        ("C-ACME", "Acme", AgingBuckets(D("0.00"), D("335.00"), D("0.00"), D("0.00"), D("0.00"))),
        ("C-BETA", "Beta", AgingBuckets(D("268.04"), D("0.00"), D("0.00"), D("0.00"), D("106.99"))),
    ]
    assert report.totals == AgingBuckets(D("268.04"), D("335.00"), D("0.00"), D("0.00"), D("106.99"))
    assert report.totals.total == D("710.03")  # the same as the receivables account


@pytest.mark.parametrize(
    ("days_late", "bucket"),
    [
        (-5, "current"),
        (0, "current"),
        (1, "days_1_30"),
        (30, "days_1_30"),
        (31, "days_31_60"),
        (60, "days_31_60"),
        (61, "days_61_90"),
        (90, "days_61_90"),
        (91, "over_90"),
        (400, "over_90"),
    ],
)
def test_aging_bucket_boundaries(engine, session, days_late, bucket):
    # given one open invoice of 100.00 due `days_late` days before the day we age to
    as_of = date(2026, 6, 30)
    due = date.fromordinal(as_of.toordinal() - days_late)
    with engine.begin() as connection:
        (customer_id,) = insert(connection, Customer, [{"code": "C-1", "name": "One"}])
        insert(connection, Invoice, [invoice("INV-1", customer_id, InvoiceStatus.ISSUED, "2025-01-01", None, *AMOUNT)])
        connection.execute(sa.update(Invoice.__table__).values(due_date=due))

    report = reports.receivables_aging(session, as_of)

    amounts = {name: getattr(report.totals, name) for name, _, _ in reports.AGING_BUCKETS}
    assert amounts == {name: D("100.00") if name == bucket else D("0.00") for name in amounts}


AMOUNT = ("100.00", "0", "0")  # net, tax, paid


def test_an_invoice_without_a_due_date_is_current(engine, session):
    with engine.begin() as connection:
        (customer_id,) = insert(connection, Customer, [{"code": "C-1", "name": "One"}])
        insert(connection, Invoice, [invoice("INV-1", customer_id, InvoiceStatus.ISSUED, "2025-01-01", None, *AMOUNT)])

    report = reports.receivables_aging(session, date(2026, 6, 30))

    assert report.totals.current == D("100.00") == report.totals.total


def test_receivables_aging_of_an_empty_database_is_zeros(session):
    report = reports.receivables_aging(session, date(2026, 3, 31))
    assert report.customers == []
    assert report.totals.total == D("0.00")


# --- sales -------------------------------------------------------------------------------------------------------


def test_sales_by_month_lists_every_month_of_the_period(books, session):
    report = reports.sales_by_month(session, date(2025, 12, 15), date(2026, 4, 30))

    # INV-4 (November) is outside; drafts and cancelled invoices never count; paid INV-1 does
    assert [(m.label, m.net_amount, m.invoice_count) for m in report.months] == [
        ("2025-12", D("0.00"), 0),
        ("2026-01", D("1000.00"), 1),
        ("2026-02", D("500.00"), 1),
        ("2026-03", D("250.50"), 1),
        ("2026-04", D("0.00"), 0),
    ]
    assert report.total == D("1750.50")


def test_sales_by_month_counts_invoices_by_issue_date_within_the_period(books, session):
    # when the period starts the day after INV-1 was issued and ends the day INV-3 was
    report = reports.sales_by_month(session, date(2026, 1, 11), date(2026, 3, 20))
    assert [m.net_amount for m in report.months] == [D("0.00"), D("500.00"), D("250.50")]


def test_sales_by_month_refuses_a_period_of_centuries(session):
    with pytest.raises(Refused) as refused:
        reports.sales_by_month(session, date(1, 1, 1), date(9999, 12, 31))
    assert "at most 240 months" in refused.value.errors[0].message


def test_sales_by_customer_largest_first(books, session):
    report = reports.sales_by_customer(session, *Q1, limit=10)

    assert [(c.customer_code, c.customer_name, c.net_amount, c.invoice_count) for c in report.customers] == [
        ("C-ACME", "Acme", D("1500.00"), 2),
        ("C-BETA", "Beta", D("250.50"), 1),
    ]
    assert report.total == D("1750.50")


def test_sales_by_customer_limit_keeps_the_total_of_everyone(books, session):
    report = reports.sales_by_customer(session, *Q1, limit=1)
    assert [c.customer_code for c in report.customers] == ["C-ACME"]
    assert report.total == D("1750.50")


@pytest.mark.parametrize("limit", [0, -1, 101])
def test_sales_by_customer_limit_out_of_range_is_refused(session, limit):
    with pytest.raises(Refused) as refused:
        reports.sales_by_customer(session, *Q1, limit=limit)
    assert refused.value.errors[0].field == ("limit",)


# --- pipeline and inventory ----------------------------------------------------------------------------------------


def test_pipeline_by_stage_in_stage_order(books, session):
    report = reports.pipeline_by_stage(session)

    assert [(s.stage, s.count, s.amount, s.weighted_amount) for s in report.stages] == [
        (OpportunityStage.LEAD, 2, D("1333.33"), D("150.00")),  # 100.00 + 49.9995
        (OpportunityStage.QUALIFIED, 1, D("2000.00"), D("1000.00")),
        (OpportunityStage.PROPOSAL, 0, D("0.00"), D("0.00")),
        (OpportunityStage.NEGOTIATION, 0, D("0.00"), D("0.00")),
        (OpportunityStage.WON, 1, D("500.00"), D("500.00")),
        (OpportunityStage.LOST, 1, D("700.00"), D("0.00")),
    ]
    assert (report.open_amount, report.open_weighted_amount) == (D("3333.33"), D("1150.00"))


def test_inventory_valuation_per_product_and_warehouse(books, session):
    report = reports.inventory_valuation(session)

    assert [(i.product_sku, i.warehouse_code, i.quantity, i.value, i.average_unit_cost) for i in report.items] == [
        ("P-1", "W1", D("29.000"), D("580.00"), D("20.00")),
        ("P-2", "W2", D("3.000"), D("99.99"), D("33.33")),
    ]
    assert report.total_value == D("679.99")  # the inventory account's balance


def test_inventory_valuation_of_one_warehouse(books, session):
    report = reports.inventory_valuation(session, "W2")
    assert [(i.product_sku, i.value) for i in report.items] == [("P-2", D("99.99"))]
    assert report.total_value == D("99.99")


def test_inventory_valuation_of_an_unknown_warehouse_is_refused(session):
    with pytest.raises(Refused) as refused:
        reports.inventory_valuation(session, "NOPE")
    assert refused.value.errors[0].code is ErrorCode.NOT_FOUND


def test_reports_of_an_empty_database_are_zeros(session):
    assert reports.sales_by_month(session, *Q1).total == D("0.00")
    assert [m.net_amount for m in reports.sales_by_month(session, *Q1).months] == [D("0.00")] * 3
    assert reports.sales_by_customer(session, *Q1).customers == []
    assert {s.count for s in reports.pipeline_by_stage(session).stages} == {0}
    assert reports.inventory_valuation(session).items == []
    assert reports.inventory_valuation(session).total_value == D("0.00")
    assert reports.profit_and_loss(session, *Q1).net_profit == D("0.00")  # no accounts at all


# --- customer 360 --------------------------------------------------------------------------------------------------


@pytest.fixture
def acme_history(engine, books) -> None:
    """Acme's people, 12 interactions, 12 orders, an open ticket and a closed one."""
    with engine.begin() as connection:
        acme = connection.scalar(sa.select(Customer.__table__.c.id).where(Customer.__table__.c.code == "C-ACME"))
        warehouse = connection.scalar(sa.select(sa.func.min(Warehouse.__table__.c.id)))
        insert(connection, Contact, [{"customer_id": acme, "name": n, "email": f"{n}@acme.test"} for n in "ba"])
        insert(
            connection,
            Interaction,
            [
                {
                    "customer_id": acme,
                    "kind": InteractionKind.CALL,
                    "occurred_at": at(f"2026-01-{day:02}"),
                    "subject": f"Call {day}",
                }
                for day in range(1, 13)
            ],
        )
        insert(
            connection,
            SalesOrder,
            [
                {
                    "number": f"SO-{day:03}",
                    "customer_id": acme,
                    "warehouse_id": warehouse,
                    "order_date": date(2026, 2, day),
                    "total_amount": D(day),
                }
                for day in range(1, 13)
            ],
        )
        insert(
            connection,
            Ticket,
            [
                {"number": "T-1", "customer_id": acme, "subject": "Broken", "status": TicketStatus.WAITING},
                {"number": "T-2", "customer_id": acme, "subject": "Old", "status": TicketStatus.CLOSED},
            ],
        )


def test_customer_360(acme_history, session):
    view = reports.customer_360(session, "C-ACME", latest=5)

    assert view.customer.name == "Acme"
    assert [c.name for c in view.contacts] == ["a", "b"]
    assert [i.subject for i in view.interactions] == ["Call 12", "Call 11", "Call 10", "Call 9", "Call 8"]
    assert [o.number for o in view.orders] == ["SO-012", "SO-011", "SO-010", "SO-009", "SO-008"]
    assert [i.number for i in view.open_invoices] == ["INV-2"]
    assert view.finance == reports.CustomerFinance(open_balance=D("335.00"), lifetime_value=D("1500.00"))
    assert [o.number for o in view.open_opportunities] == ["OPP-1"]
    assert [t.number for t in view.open_tickets] == ["T-1"]


def test_customer_360_leaves_out_what_the_reader_may_not_read(acme_history, session):
    view = reports.customer_360(session, "C-ACME", readable=lambda model: model is not Invoice)
    assert view.open_invoices is None and view.finance is None
    assert view.orders is not None


def test_customer_360_of_an_unknown_code_is_not_found(session):
    with pytest.raises(Refused) as refused:
        reports.customer_360(session, "C-NOPE")
    assert (refused.value.errors[0].code, refused.value.errors[0].field) == (ErrorCode.NOT_FOUND, ("code",))


# --- statements ----------------------------------------------------------------------------------------------------

RUNS = {
    "profit_and_loss": lambda s: reports.profit_and_loss(s, *Q1),
    "liquidity": lambda s: reports.liquidity(s, date(2026, 3, 31)),
    "receivables_aging": lambda s: reports.receivables_aging(s, date(2026, 3, 31)),
    "sales_by_month": lambda s: reports.sales_by_month(s, *Q1),
    "sales_by_customer": lambda s: reports.sales_by_customer(s, *Q1),
    "pipeline_by_stage": reports.pipeline_by_stage,
    "inventory_valuation": lambda s: reports.inventory_valuation(s, "W1"),
    "customer_360": lambda s: reports.customer_360(s, "C-ACME"),
}
#: Statements each report sends, whatever the size of the data.
STATEMENTS = {
    "profit_and_loss": 1,
    "liquidity": 2,
    "receivables_aging": 1,
    "sales_by_month": 1,
    "sales_by_customer": 2,
    "pipeline_by_stage": 1,
    "inventory_valuation": 2,
    "customer_360": 8,
}


def statements_per_report(engine) -> dict[str, int]:
    counts = {}
    for name, run in RUNS.items():
        with Session(engine) as session, counting_statements(engine) as statements:
            run(session)
        counts[name] = len([s for s in statements if not s.lstrip().upper().startswith(("BEGIN", "ROLLBACK"))])
    return counts


def test_each_report_costs_the_same_statements_for_small_and_large_books(engine, acme_history):
    # given the small books; when each report runs
    small = statements_per_report(engine)

    # and again after 40 more customers, each with invoices, opportunities and stock moves
    build_more(engine, 40)
    large = statements_per_report(engine)

    # then each report sends the same few statements
    assert small == large == STATEMENTS


def build_more(engine: sa.Engine, customers: int) -> None:
    with engine.begin() as connection:
        ids = insert(connection, Customer, [{"code": f"C-X{n:03}", "name": f"Extra {n}"} for n in range(customers)])
        insert(
            connection,
            Invoice,
            [
                invoice(f"INV-X{id_}-{n}", id_, InvoiceStatus.ISSUED, "2026-02-01", "2026-03-01", "10.00", "0", "0")
                for id_ in ids
                for n in range(3)
            ],
        )
        insert(
            connection,
            Opportunity,
            [
                {"number": f"OPP-X{id_}", "customer_id": id_, "title": "More", "amount": D("5.00"), "probability": p}
                for p, id_ in enumerate(ids)
            ],
        )


# --- over GraphQL --------------------------------------------------------------------------------------------------

PROFIT_AND_LOSS = """
query ($from: Date!, $to: Date!) {
  profitAndLoss(from: $from, to: $to) {
    from to totalIncome totalExpenses netProfit
    income { code name amount }
    expenses { code amount }
  }
}"""


def test_finance_reads_profit_and_loss_over_graphql(books, client_as):
    body = client_as("finance")(PROFIT_AND_LOSS, {"from": "2026-01-01", "to": "2026-03-31"})

    report = body["data"]["profitAndLoss"]
    assert (report["from"], report["to"]) == ("2026-01-01", "2026-03-31")
    assert (report["totalIncome"], report["totalExpenses"], report["netProfit"]) == ("1750.50", "370.00", "1380.50")
    assert report["income"][0] == {"code": "4000", "name": "Sales revenue", "amount": "1750.50"}


@pytest.mark.parametrize("role", ["sales", "warehouse", "purchasing", "hr"])
def test_other_roles_may_not_read_profit_and_loss(books, client_as, role):
    body = client_as(role)(PROFIT_AND_LOSS, {"from": "2026-01-01", "to": "2026-03-31"}, expect_errors=True)

    assert body["data"] == {"profitAndLoss": None}
    assert [error["extensions"]["code"] for error in body["errors"]] == ["FORBIDDEN"]
    assert body["errors"][0]["message"] == "you may not read the profit and loss report"


EVERY_REPORT = """
query {
  liquidity { cash receivables payables inventoryValue workingCapital receivablesFromInvoices
              payablesFromPurchaseOrders inventoryFromStockMoves }
  receivablesAging(asOf: "2026-03-31") {
    asOf customers { customerCode customerName buckets { current days1To30 days31To60 days61To90 over90 total } }
    totals { current days1To30 over90 total }
  }
  salesByMonth(from: "2026-01-01", to: "2026-03-31") { total months { month firstDay netAmount invoiceCount } }
  salesByCustomer(from: "2026-01-01", to: "2026-03-31", limit: 1) { total customers { customerCode netAmount } }
  pipelineByStage { openAmount openWeightedAmount stages { stage count amount weightedAmount } }
  inventoryValuation(warehouse: "W1") { warehouse totalValue items { productSku quantity value averageUnitCost } }
}"""


def test_readonly_reads_every_financial_report_over_graphql(books, client_as):
    data = client_as("readonly")(EVERY_REPORT)["data"]

    assert data["liquidity"] == {
        "cash": "1670.00",
        "receivables": "710.03",
        "payables": "399.99",
        "inventoryValue": "679.99",
        "workingCapital": "2660.03",
        "receivablesFromInvoices": "710.03",
        "payablesFromPurchaseOrders": "399.99",
        "inventoryFromStockMoves": "679.99",
    }
    aging = data["receivablesAging"]
    assert aging["customers"][1] == {
        "customerCode": "C-BETA",
        "customerName": "Beta",
        "buckets": {
            "current": "268.04",
            "days1To30": "0.00",
            "days31To60": "0.00",
            "days61To90": "0.00",
            "over90": "106.99",
            "total": "375.03",
        },
    }
    assert aging["totals"] == {"current": "268.04", "days1To30": "335.00", "over90": "106.99", "total": "710.03"}
    assert data["salesByMonth"]["months"][0] == {
        "month": "2026-01",
        "firstDay": "2026-01-01",
        "netAmount": "1000.00",
        "invoiceCount": 1,
    }
    assert data["salesByCustomer"] == {
        "total": "1750.50",
        "customers": [{"customerCode": "C-ACME", "netAmount": "1500.00"}],
    }
    assert data["pipelineByStage"]["stages"][0] == {
        "stage": "LEAD",
        "count": 2,
        "amount": "1333.33",
        "weightedAmount": "150.00",
    }
    assert data["inventoryValuation"] == {
        "warehouse": "W1",
        "totalValue": "580.00",
        "items": [{"productSku": "P-1", "quantity": "29.000", "value": "580.00", "averageUnitCost": "20.00"}],
    }


def test_sales_reads_the_pipeline_but_not_the_money(books, client_as):
    sales = client_as("sales")

    pipeline = sales("{ pipelineByStage { openAmount } }")["data"]["pipelineByStage"]
    body = sales("{ receivablesAging { asOf } liquidity { cash } }", expect_errors=True)

    assert pipeline == {"openAmount": "3333.33"}
    assert body["data"] == {"receivablesAging": None, "liquidity": None}
    assert sorted(error["path"][0] for error in body["errors"]) == ["liquidity", "receivablesAging"]
    assert {error["extensions"]["code"] for error in body["errors"]} == {"FORBIDDEN"}


@pytest.mark.parametrize(
    ("query", "code", "field", "message"),
    [
        ('{ profitAndLoss(from: "2026-02-01", to: "2026-01-31") { netProfit } }', "VALIDATION", ["from"], "after"),
        ('{ salesByMonth(from: "2026-02-01", to: "2026-01-31") { total } }', "VALIDATION", ["from"], "after"),
        ('{ salesByMonth(from: "1900-01-01", to: "2026-01-31") { total } }', "VALIDATION", ["from"], "240 months"),
        ('{ salesByCustomer(from: "2026-01-01", to: "2026-01-31", limit: 0) { total } }', "VALIDATION", ["limit"], "1"),
        (
            '{ salesByCustomer(from: "2026-01-01", to: "2026-01-31", limit: 101) { total } }',
            "VALIDATION",
            ["limit"],
            "100",
        ),
        ('{ inventoryValuation(warehouse: "NOPE") { totalValue } }', "NOT_FOUND", ["warehouse"], "'NOPE'"),
        ('{ customer360(code: "C-NOPE") { customer { code } } }', "NOT_FOUND", ["code"], "'C-NOPE'"),
        ('{ customer360(code: "C-ACME", latest: 0) { customer { code } } }', "VALIDATION", ["latest"], "latest"),
    ],
)
def test_bad_report_arguments_are_errors_naming_the_argument(books, gql, query, code, field, message):
    body = gql(query, expect_errors=True)

    (error,) = body["errors"]
    assert error["extensions"] == {"code": code, "field": field}
    assert message in error["message"]
    assert list(body["data"].values()) == [None]


def test_a_date_that_is_not_a_date_is_a_graphql_error_not_a_500(gql):
    body = gql('{ profitAndLoss(from: "2026-02-30", to: "2026-03-01") { netProfit } }', expect_errors=True)
    assert body["data"] is None
    assert body["errors"]


CUSTOMER_360 = """
query {
  customer360(code: "C-ACME", latest: 3) {
    customer { code name }
    contacts { name }
    interactions { subject }
    orders { number status orderDate totalAmount }
    openInvoices { number dueDate totalAmount paidAmount openAmount }
    openBalance
    lifetimeValue
    openOpportunities { number stage }
    openTickets { number }
  }
}"""


def test_customer_360_for_finance(acme_history, client_as):
    body = client_as("finance")(CUSTOMER_360, expect_errors=True)

    view = body["data"]["customer360"]
    assert view["customer"] == {"code": "C-ACME", "name": "Acme"}
    assert [i["subject"] for i in view["interactions"]] == ["Call 12", "Call 11", "Call 10"]
    assert view["orders"][0] == {
        "number": "SO-012",
        "status": "DRAFT",
        "orderDate": "2026-02-12",
        "totalAmount": "12.00",
    }
    assert view["openInvoices"] == [
        {
            "number": "INV-2",
            "dueDate": "2026-03-17",
            "totalAmount": "535.00",
            "paidAmount": "200.00",
            "openAmount": "335.00",
        }
    ]
    assert (view["openBalance"], view["lifetimeValue"]) == ("335.00", "1500.00")
    assert view["openOpportunities"] == [{"number": "OPP-1", "stage": "LEAD"}]
    # finance may not read tickets: that part alone is null, with FORBIDDEN at its path
    assert view["openTickets"] is None
    assert [(e["path"], e["extensions"]["code"]) for e in body["errors"]] == [
        (["customer360", "openTickets"], "FORBIDDEN")
    ]


def test_customer_360_for_sales_shows_no_invoices_or_balances(acme_history, client_as):
    body = client_as("sales")(CUSTOMER_360, expect_errors=True)

    view = body["data"]["customer360"]
    assert [c["name"] for c in view["contacts"]] == ["a", "b"]
    assert view["openTickets"] == [{"number": "T-1"}]
    assert (view["openInvoices"], view["openBalance"], view["lifetimeValue"]) == (None, None, None)
    forbidden = sorted(e["path"][1] for e in body["errors"] if e["extensions"]["code"] == "FORBIDDEN")
    assert forbidden == ["lifetimeValue", "openBalance", "openInvoices"]


@pytest.mark.parametrize("role", ["warehouse", "purchasing", "hr"])
def test_customer_360_is_refused_to_roles_without_reports(acme_history, client_as, role):
    body = client_as(role)(CUSTOMER_360, expect_errors=True)
    assert body["data"] == {"customer360": None}
    assert [e["extensions"]["code"] for e in body["errors"]] == ["FORBIDDEN"]


def test_a_request_for_every_report_costs_the_same_statements_for_small_and_large_books(
    engine, acme_history, gql, client
):
    # given a request for every report, the customer 360 included, and a warmed-up connection
    customer_360 = CUSTOMER_360.strip().removeprefix("query {").removesuffix("}")
    document = EVERY_REPORT.strip().removesuffix("}") + customer_360 + "}"
    gql("{ me { email } }")
    app_engine = client.app.state.engine.sync_engine

    # when it runs on the small books and then on books with 40 more customers
    with counting_statements(app_engine) as small:
        gql(document)
    build_more(engine, 40)
    with counting_statements(app_engine) as large:
        gql(document)

    # then it costs the same statements: the reports' own (profit and loss is not asked for) and the token's
    assert len(small) == len(large) == sum(STATEMENTS.values()) - STATEMENTS["profit_and_loss"] + 1, large


def test_readme_says_who_may_read_each_report():
    # given the README's report section; then its table is the one the code enforces
    text = (Path(__file__).resolve().parents[2] / "README.md").read_text()
    start = text.index("<!-- reports:start -->\n") + len("<!-- reports:start -->\n")
    end = text.index("\n<!-- reports:end -->")
    assert text[start:end] == reports.report_access_markdown()
