"""A small, hand-made set of books for report tests: documents and the balanced postings the workflows would make.

Rows are written with Core inserts (journal entries are written only by postings, so not through `crud`). Every
figure the reports should show is worked out by hand in `EXPECTED`-style comments next to the tests that use them.
"""

import itertools
from collections.abc import Sequence
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

import sqlalchemy as sa

from models.crm import Customer, Opportunity, OpportunityStage
from models.finance import Account, AccountKind, Invoice, InvoiceStatus, JournalEntry, JournalLine
from models.inventory import Product, StockMove, StockMoveKind, Warehouse
from models.purchasing import PurchaseOrder, PurchaseOrderStatus, Supplier

#: The default chart of accounts (migration 0005); tests empty every table, so they put it back when they need it.
CHART_OF_ACCOUNTS = (
    ("1000", "Cash", AccountKind.ASSET),
    ("1100", "Accounts receivable", AccountKind.ASSET),
    ("1200", "Inventory", AccountKind.ASSET),
    ("2000", "Accounts payable", AccountKind.LIABILITY),
    ("2100", "Tax payable", AccountKind.LIABILITY),
    ("3000", "Owner's equity", AccountKind.EQUITY),
    ("3100", "Retained earnings", AccountKind.EQUITY),
    ("4000", "Sales revenue", AccountKind.INCOME),
    ("4900", "Other income", AccountKind.INCOME),
    ("5000", "Cost of goods sold", AccountKind.EXPENSE),
    ("5100", "Inventory adjustments", AccountKind.EXPENSE),
    ("6000", "Operating expenses", AccountKind.EXPENSE),
)

_entry_numbers = itertools.count(1)
D = Decimal


def at(day: str, clock: str = "12:00:00") -> datetime:
    return datetime.fromisoformat(f"{day}T{clock}+00:00").astimezone(UTC)


def insert(connection: sa.Connection, model: type, rows: Sequence[dict[str, Any]]) -> list[int]:
    table = model.__table__
    result = connection.execute(table.insert().returning(table.c.id, sort_by_parameter_order=True), list(rows))
    return list(result.scalars())


def chart_of_accounts(connection: sa.Connection) -> dict[str, int]:
    """The default accounts by code, inserted when the table is empty."""
    accounts = Account.__table__
    if connection.scalar(sa.select(sa.func.count()).select_from(accounts)) == 0:
        insert(connection, Account, [{"code": c, "name": n, "kind": k} for c, n, k in CHART_OF_ACCOUNTS])
    return {code: id_ for code, id_ in connection.execute(sa.select(accounts.c.code, accounts.c.id))}


def post(connection: sa.Connection, posted_at: datetime, source: str, lines: Sequence[tuple[str, str, str]]) -> None:
    """One balanced journal entry; `lines` are (account code, debit, credit) with amounts as text."""
    assert sum(D(debit) for _, debit, _ in lines) == sum(D(credit) for _, _, credit in lines), lines
    account_ids = chart_of_accounts(connection)
    (entry_id,) = insert(
        connection,
        JournalEntry,
        [{"number": f"JE-T{next(_entry_numbers):06}", "posted_at": posted_at, "source": source}],
    )
    insert(
        connection,
        JournalLine,
        [
            {"entry_id": entry_id, "account_id": account_ids[code], "debit": D(debit), "credit": D(credit)}
            for code, debit, credit in lines
        ],
    )


def build_books(engine: sa.Engine) -> None:
    """Three customers, six invoices, two purchase orders, two products in two warehouses, five opportunities,
    and the postings all of it made (one of them just after the first quarter of 2026, one just before its end)."""
    with engine.begin() as connection:
        chart_of_accounts(connection)
        acme, beta, gamma = insert(
            connection,
            Customer,
            [
                {"code": "C-ACME", "name": "Acme"},
                {"code": "C-BETA", "name": "Beta"},
                {"code": "C-GAMMA", "name": "Gamma"},
            ],
        )
        insert(
            connection,
            Invoice,
            [
                invoice("INV-1", acme, InvoiceStatus.PAID, "2026-01-10", "2026-02-09", "1000.00", "70.00", "1070.00"),
                invoice("INV-2", acme, InvoiceStatus.ISSUED, "2026-02-15", "2026-03-17", "500.00", "35.00", "200.00"),
                invoice("INV-3", beta, InvoiceStatus.ISSUED, "2026-03-20", "2026-04-19", "250.50", "17.54", "0"),
                invoice("INV-4", beta, InvoiceStatus.ISSUED, "2025-11-01", "2025-12-01", "99.99", "7.00", "0"),
                invoice("INV-5", gamma, InvoiceStatus.DRAFT, None, None, "300.00", "0", "0"),
                invoice("INV-6", gamma, InvoiceStatus.CANCELLED, "2026-01-20", "2026-02-19", "400.00", "0", "0"),
            ],
        )
        (supplier,) = insert(connection, Supplier, [{"code": "S-1", "name": "Parts Ltd"}])
        main, annex = insert(connection, Warehouse, [{"code": "W1", "name": "Main"}, {"code": "W2", "name": "Annex"}])
        bolt, gear = insert(connection, Product, [{"sku": "P-1", "name": "Bolt"}, {"sku": "P-2", "name": "Gear"}])
        insert(
            connection,
            PurchaseOrder,
            [
                purchase_order("PO-1", supplier, main, received="800.00", paid="500.00"),
                purchase_order("PO-2", supplier, annex, received="99.99", paid="0"),
            ],
        )
        insert(
            connection,
            StockMove,
            [
                move(bolt, main, StockMoveKind.RECEIPT, "40", "20.00", "800.00", "2026-01-05", "PO-1"),
                move(bolt, main, StockMoveKind.SHIPMENT, "-10", "20.00", "-200.00", "2026-01-10", "SO-1"),
                move(gear, annex, StockMoveKind.RECEIPT, "3", "33.33", "99.99", "2026-02-01", "PO-2"),
                move(bolt, main, StockMoveKind.ADJUSTMENT, "-1", "20.00", "-20.00", "2026-03-05", "count"),
            ],
        )
        insert(
            connection,
            Opportunity,
            [
                opportunity("OPP-1", acme, OpportunityStage.LEAD, "1000.00", 10),
                opportunity("OPP-2", beta, OpportunityStage.LEAD, "333.33", 15),
                opportunity("OPP-3", beta, OpportunityStage.QUALIFIED, "2000.00", 50),
                opportunity("OPP-4", acme, OpportunityStage.WON, "500.00", 100),
                opportunity("OPP-5", gamma, OpportunityStage.LOST, "700.00", 0),
            ],
        )
        postings = [
            (at("2025-11-01"), "INV-4", [("1100", "106.99", "0"), ("4000", "0", "99.99"), ("2100", "0", "7.00")]),
            (at("2025-12-31"), "capital", [("1000", "1000.00", "0"), ("3000", "0", "1000.00")]),
            (at("2026-01-05"), "PO-1", [("1200", "800.00", "0"), ("2000", "0", "800.00")]),
            (at("2026-01-10"), "SO-1", [("5000", "200.00", "0"), ("1200", "0", "200.00")]),
            (at("2026-01-10"), "INV-1", [("1100", "1070.00", "0"), ("4000", "0", "1000.00"), ("2100", "0", "70.00")]),
            (at("2026-01-25"), "PO-1", [("2000", "500.00", "0"), ("1000", "0", "500.00")]),
            (at("2026-02-01"), "INV-1", [("1000", "1070.00", "0"), ("1100", "0", "1070.00")]),
            (at("2026-02-01"), "PO-2", [("1200", "99.99", "0"), ("2000", "0", "99.99")]),
            (at("2026-02-15"), "INV-2", [("1100", "535.00", "0"), ("4000", "0", "500.00"), ("2100", "0", "35.00")]),
            (at("2026-03-01"), "INV-2", [("1000", "200.00", "0"), ("1100", "0", "200.00")]),
            (at("2026-03-05"), "count", [("5100", "20.00", "0"), ("1200", "0", "20.00")]),
            (at("2026-03-20"), "INV-3", [("1100", "268.04", "0"), ("4000", "0", "250.50"), ("2100", "0", "17.54")]),
            (at("2026-03-31", "23:59:59.999999"), "rent", [("6000", "150.00", "0"), ("1000", "0", "150.00")]),
            (at("2026-04-01", "00:00:00"), "interest", [("1000", "50.00", "0"), ("4900", "0", "50.00")]),
        ]
        for posted_at, source, lines in postings:
            post(connection, posted_at, source, lines)


def invoice(
    number: str,
    customer_id: int,
    status: InvoiceStatus,
    issued: str | None,
    due: str | None,
    net: str,
    tax: str,
    paid: str,
) -> dict[str, Any]:
    return {
        "number": number,
        "customer_id": customer_id,
        "status": status,
        "issue_date": date.fromisoformat(issued) if issued else None,
        "due_date": date.fromisoformat(due) if due else None,
        "net_amount": D(net),
        "tax_amount": D(tax),
        "total_amount": D(net) + D(tax),
        "paid_amount": D(paid),
    }


def purchase_order(number: str, supplier_id: int, warehouse_id: int, *, received: str, paid: str) -> dict[str, Any]:
    return {
        "number": number,
        "supplier_id": supplier_id,
        "warehouse_id": warehouse_id,
        "status": PurchaseOrderStatus.RECEIVED,
        "total_amount": D(received),
        "received_amount": D(received),
        "paid_amount": D(paid),
    }


def move(
    product_id: int,
    warehouse_id: int,
    kind: StockMoveKind,
    quantity: str,
    unit_cost: str,
    value: str,
    day: str,
    reference: str,
) -> dict[str, Any]:
    return {
        "product_id": product_id,
        "warehouse_id": warehouse_id,
        "kind": kind,
        "quantity": D(quantity),
        "unit_cost": D(unit_cost),
        "value": D(value),
        "occurred_at": at(day),
        "reference": reference,
    }


def opportunity(number: str, customer_id: int, stage: OpportunityStage, amount: str, probability: int) -> dict:
    return {
        "number": number,
        "customer_id": customer_id,
        "title": f"Deal {number}",
        "stage": stage,
        "amount": D(amount),
        "probability": probability,
    }
