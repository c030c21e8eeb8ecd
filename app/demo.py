"""Deterministic demo data for `onebook demo`: staff, a CRM with customers, contacts and their conversations, the
ERP's master data (products, warehouses, suppliers), and two years of business history (app/demo_books.py: orders,
stock, invoices, payments, production and the books they post to).

Every value is drawn from `random.Random` streams derived from one seed and placed relative to a fixed reference
time, so the same seed always writes the same rows. Rows go in through bulk Core inserts with explicit ids, all in
one transaction: a failed or refused seed writes nothing.
"""

import itertools
import operator
import random
import unicodedata
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from functools import cache

import sqlalchemy as sa

from models.crm import (
    Contact,
    Customer,
    CustomerKind,
    CustomerStatus,
    Interaction,
    InteractionKind,
    Opportunity,
    OpportunityStage,
    Ticket,
    TicketPriority,
    TicketStatus,
)
from models.finance import Account, Invoice, InvoiceLine, JournalEntry, JournalLine, Payment
from models.hr import Department, Employee
from models.inventory import Product, StockMove, Warehouse
from models.manufacturing import BillOfMaterials, BomLine, WorkOrder
from models.purchasing import PurchaseOrder, PurchaseOrderLine, Supplier
from models.sales import SalesOrder, SalesOrderLine
from models.system import DocumentCounter

REFERENCE_TIME = datetime(2026, 11, 1, tzinfo=UTC)
"""The demo's "now": history lies before it, open opportunities are expected to close after it."""

SYSTEM_START = datetime(2023, 11, 1, tzinfo=UTC)
"""When the demo company started using Onebook: the oldest customers and the staff records date from here."""

HISTORY_DAYS = 730
"""Interactions and documents are spread over the two years before the reference time."""

INSERT_CHUNK_ROWS = 5_000

SIZES: dict[str, dict[str, int]] = {
    "small": {
        "departments": 7,
        "employees": 40,
        "customers": 50,
        "contacts": 150,
        "interactions": 400,
        "opportunities": 40,
        "tickets": 30,
        "products": 20,
        "warehouses": 2,
        "suppliers": 8,
        "purchase_orders": 10,
        "purchase_order_lines": 25,
        "sales_orders": 20,
        "sales_order_lines": 50,
        "bills_of_materials": 3,
        "work_orders": 6,
    },
    "large": {
        "departments": 10,
        "employees": 300,
        "customers": 10_000,
        "contacts": 30_000,
        "interactions": 200_000,
        "opportunities": 5_000,
        "tickets": 3_000,
        "products": 2_000,
        "warehouses": 4,
        "suppliers": 500,
        "purchase_orders": 6_000,
        "purchase_order_lines": 18_000,
        "sales_orders": 50_000,
        "sales_order_lines": 150_000,
        "bills_of_materials": 40,
        "work_orders": 300,
    },
}
"""What each `--size` draws: `seed` writes exactly these rows, plus what the history makes of them (stock moves,
invoices, payments, journal entries, and the purchase events on customers' timelines, added to `interactions`)."""

DEMO_TABLES: tuple[sa.Table, ...] = tuple(
    model.__table__
    for model in (
        Department,
        Employee,
        Customer,
        Contact,
        Opportunity,
        Ticket,
        Product,
        Warehouse,
        Supplier,
        BillOfMaterials,
        BomLine,
        PurchaseOrder,
        PurchaseOrderLine,
        SalesOrder,
        SalesOrderLine,
        WorkOrder,
        Invoice,
        InvoiceLine,
        Payment,
        StockMove,
        JournalEntry,
        JournalLine,
        Interaction,
    )
)
"""Every table the demo fills, in the order it fills them (the chart of accounts comes with the migrations)."""

ProgressCallback = Callable[[str, int], None]


class DemoDataExists(Exception):
    """The database already holds rows in the tables the demo fills; seeding it would duplicate or collide."""


def seed(
    engine: sa.Engine,
    *,
    size: str = "small",
    seed: int = 2026,
    progress: ProgressCallback | None = None,
) -> dict[str, int]:
    """Fill an empty database with demo data and return the rows written per table name.

    Args:
        engine: a synchronous engine on a migrated database without customers, contacts, employees, etc.
        size: a key of `SIZES`.
        seed: the same seed always produces byte-identical rows.
        progress: called as `progress(table_name, rows_written)` after each table.

    Raises:
        DemoDataExists: the database already has rows in one of the demo tables; nothing is written.
        ValueError: `size` is not a key of `SIZES`.
    """
    if size not in SIZES:
        raise ValueError(f"unknown demo size {size!r}: choose one of {', '.join(SIZES)}")
    from app.demo_books import Buyer, DemoBooks, Item, merge_timelines  # builds on this module's calendar

    counts = SIZES[size]
    report = progress or (lambda _label, _count: None)
    written: dict[str, int] = {}
    with engine.begin() as connection:
        _refuse_non_empty_database(connection)
        accounts = Account.__table__
        account_ids = dict(connection.execute(sa.select(accounts.c.code, accounts.c.id)).all())
        builder = _DemoBuilder(seed=seed, counts=counts)

        def write(table: sa.Table, rows: Iterable[dict]) -> None:
            written[table.name] = _insert(connection, table, rows)
            report(table.name, written[table.name])

        # In dependency order; each builder relies on the facts the earlier ones recorded.
        for table, build_rows in (
            (Department.__table__, builder.departments),
            (Employee.__table__, builder.employees),
            (Customer.__table__, builder.customers),
            (Contact.__table__, builder.contacts),
            (Opportunity.__table__, builder.opportunities),
            (Ticket.__table__, builder.tickets),
            (Product.__table__, builder.products),
            (Warehouse.__table__, builder.warehouses),
            (Supplier.__table__, builder.suppliers),
        ):
            write(table, build_rows())
            if table is Employee.__table__:
                _set_department_heads(connection, builder.department_heads)

        books = DemoBooks(
            random_for=builder._random,
            counts=counts,
            buyers=[
                Buyer(facts.id, facts.age_days, facts.credit_limit, Decimal(facts.country.vat_percent))
                for facts in builder.buyers
            ],
            items=[
                Item(row["id"], row["sku"], row["name"], row["unit_cost"], row["unit_price"])
                for row in builder.product_rows
            ],
            warehouse_ids=range(1, counts["warehouses"] + 1),
            supplier_ids=range(1, counts["suppliers"] + 1),
        )
        books.build()
        for table, rows in (
            (BillOfMaterials.__table__, books.bills_of_materials()),
            (BomLine.__table__, books.bom_lines()),
            (PurchaseOrder.__table__, books.purchase_orders()),
            (PurchaseOrderLine.__table__, books.purchase_order_lines()),
            (SalesOrder.__table__, books.sales_orders()),
            (SalesOrderLine.__table__, books.sales_order_lines()),
            (WorkOrder.__table__, books.work_order_rows()),
            (Invoice.__table__, books.invoices()),
            (InvoiceLine.__table__, books.invoice_lines()),
            (Payment.__table__, books.payments()),
            (StockMove.__table__, books.stock_moves()),
            (JournalEntry.__table__, books.journal_entries()),
            (JournalLine.__table__, books.journal_lines(account_ids)),
            (Interaction.__table__, merge_timelines(builder.conversations(), books.timeline())),
        ):
            write(table, rows)

        _advance_document_counters(connection, books.last_numbers)
        if connection.dialect.name == "postgresql":
            _reset_id_sequences(connection, DEMO_TABLES)
    return written


def _refuse_non_empty_database(connection: sa.Connection) -> None:
    if connection.dialect.name == "postgresql":
        # Serialises concurrent seeds: the second one waits here, then sees the first one's customers.
        connection.execute(sa.text("LOCK TABLE customers IN SHARE ROW EXCLUSIVE MODE"))
    occupied = [
        table.name for table in DEMO_TABLES if connection.execute(sa.select(sa.exists().select_from(table))).scalar()
    ]
    if occupied:
        raise DemoDataExists(
            f"the database already holds {', '.join(occupied)}; demo data is only seeded into an empty database "
            "so that it never duplicates rows (point ONEBOOK_DATABASE_URL at a new database)"
        )


def _insert(connection: sa.Connection, table: sa.Table, rows: Iterable[dict]) -> int:
    """Insert rows in chunks, through the driver's bulk path; returns how many were written.

    Each value is converted by its column's own SQLAlchemy type (what `connection.execute(table.insert(), rows)`
    does, without its per-row bookkeeping), then SQLite takes the chunk in one executemany and PostgreSQL in one
    COPY (three times faster than multi-row INSERTs there: the large demo writes 1.4 million rows).
    """
    written = 0
    iterator = iter(rows)
    while chunk := list(itertools.islice(iterator, INSERT_CHUNK_ROWS)):
        if not written:
            keys = tuple(chunk[0])
            write_chunk = _chunk_writer(connection, table, keys)
            values_of = operator.itemgetter(*keys)
            converters = [
                (index, convert)
                for index, key in enumerate(keys)
                if (convert := _converter(table.c[key].type, connection.dialect)) is not None
            ]
        converted = []
        for row in chunk:
            values = list(values_of(row))
            for index, convert in converters:
                values[index] = convert(values[index])
            converted.append(values)
        write_chunk(converted)
        written += len(chunk)
    return written


def _chunk_writer(connection: sa.Connection, table: sa.Table, keys: Sequence[str]) -> Callable[[list[list]], None]:
    quote = connection.dialect.identifier_preparer.quote
    columns = ", ".join(quote(key) for key in keys)
    if connection.dialect.name == "postgresql":
        copy_statement = f"COPY {quote(table.name)} ({columns}) FROM STDIN"

        def copy(values: list[list]) -> None:
            with connection.connection.driver_connection.cursor() as cursor, cursor.copy(copy_statement) as copying:
                for row in values:
                    copying.write_row(row)

        return copy
    insert = f"INSERT INTO {quote(table.name)} ({columns}) VALUES ({', '.join('?' for _ in keys)})"
    return lambda values: connection.exec_driver_sql(insert, [tuple(row) for row in values])


def _converter(column_type: sa.types.TypeEngine, dialect: sa.Dialect) -> Callable[[object], object] | None:
    """The column type's bind processing for this dialect (None: values go as they are); a timestamp shared by a
    row's columns is converted once."""
    process = column_type.dialect_impl(dialect).bind_processor(dialect)
    if process is None or column_type.python_type is not datetime:
        return process
    last: list = [None, None]

    def convert_timestamp(value: object) -> object:
        if value is not last[0]:
            last[:] = value, process(value)
        return last[1]

    return convert_timestamp


def _set_department_heads(connection: sa.Connection, heads: dict[int, int]) -> None:
    """Departments and employees reference each other, so heads are set once both exist."""
    departments = Department.__table__
    connection.execute(
        departments.update()
        .where(departments.c.id == sa.bindparam("department_id"))
        .values(head_id=sa.bindparam("new_head_id"), updated_at=SYSTEM_START),
        [{"department_id": department_id, "new_head_id": head_id} for department_id, head_id in heads.items()],
    )


def _advance_document_counters(connection: sa.Connection, last_numbers: dict[str, int]) -> None:
    """Numbers handed out later continue after the demo's own (SO-000021 follows SO-000020)."""
    counters = DocumentCounter.__table__
    current = dict(connection.execute(sa.select(counters.c.prefix, counters.c.last_value)).all())
    for prefix, last in last_numbers.items():
        if prefix not in current:
            connection.execute(counters.insert().values(prefix=prefix, last_value=last))
        elif current[prefix] < last:
            connection.execute(counters.update().where(counters.c.prefix == prefix).values(last_value=last))


def _reset_id_sequences(connection: sa.Connection, tables: Sequence[sa.Table]) -> None:
    """After explicit ids, move each id sequence past the highest id so later inserts do not collide."""
    quote = connection.dialect.identifier_preparer.quote
    for table in tables:
        connection.execute(
            sa.text(
                f"SELECT setval(pg_get_serial_sequence(:table, 'id'), coalesce(max(id), 1), max(id) IS NOT NULL) "
                f"FROM {quote(table.name)}"
            ),
            {"table": table.name},
        )


# --- Word lists: small, combined by the random streams --------------------------------------------------------

PRODUCT_CATALOGUE = (
    ("Pallet rack upright", "pcs"), ("Pallet rack beam", "pcs"), ("Stretch film roll", "roll"),
    ("Corrugated box 40x30x30", "pcs"), ("Packing tape", "roll"), ("Barcode scanner", "pcs"),
    ("Label printer", "pcs"), ("Thermal labels", "roll"), ("Safety gloves", "pair"), ("Hi-vis vest", "pcs"),
    ("LED high-bay lamp", "pcs"), ("Conveyor belt", "m"), ("Steel shelving unit", "pcs"), ("Hand pallet truck", "pcs"),
    ("Cleaning concentrate", "l"), ("Air compressor", "pcs"), ("Hydraulic oil", "l"), ("Cable ties", "pack"),
    ("Bubble wrap", "m"), ("Spare drive chain", "pcs"),
)  # fmt: skip

WAREHOUSE_NAMES = (("MAIN", "Main warehouse"), ("EAST", "East depot"), ("PORT", "Port store"), ("CITY", "City hub"))

SUPPLIER_WORDS = ("Supplies", "Wholesale", "Industrial", "Trading", "Logistics", "Components", "Packaging")

FIRST_NAMES = (
    "Somchai", "Siriporn", "Anong", "Niran", "Ploy", "Kittipong", "Malee", "Arthit", "James", "Emma", "Olivia",
    "Liam", "Noah", "Sophia", "Lukas", "Anna", "Hannah", "Felix", "Marie", "Camille", "Louis", "Léa", "Hugo",
    "Sofia", "Mateo", "Lucía", "Giulia", "Marco", "Hiroshi", "Yuki", "Haruto", "Sakura", "Wei", "Mei", "Arjun",
    "Priya", "Rohan", "Ananya", "Lars", "Ingrid", "Freya", "Sven", "João", "Ana", "Gabriel", "Beatriz", "Minh",
    "Linh", "Aisha", "Omar", "Fatima", "Daniel", "Sarah", "Michael", "Laura", "David", "Julia", "Thomas", "Nina",
    "Peter", "Eva", "Kofi", "Amara", "Tariq", "Zara", "Elena", "Ivan", "Olga", "Mia", "Ethan", "Chloe", "Ben",
    "Grace", "Samuel", "Ruth", "Nadia", "Victor", "Irene", "Oscar", "Clara", "Leo", "Jonas", "Astrid", "Rafael",
)  # fmt: skip

LAST_NAMES = (
    "Suwannarat", "Chaiyaporn", "Wongsakul", "Srisuk", "Boonmee", "Smith", "Johnson", "Brown", "Taylor", "Wilson",
    "Müller", "Schmidt", "Schneider", "Fischer", "Weber", "Dubois", "Martin", "Bernard", "Moreau", "Rossi",
    "Russo", "Bianchi", "García", "Fernández", "López", "Martínez", "Silva", "Santos", "Oliveira", "Costa",
    "Tanaka", "Suzuki", "Watanabe", "Sato", "Nakamura", "Wang", "Li", "Zhang", "Liu", "Chen", "Sharma", "Patel",
    "Gupta", "Singh", "Nguyen", "Tran", "Pham", "Andersson", "Johansson", "Karlsson", "Nilsson", "de Vries",
    "Jansen", "Bakker", "Visser", "Kowalski", "Nowak", "Novak", "Horvat", "O'Brien", "Murphy", "Kelly", "Walsh",
    "Ahmed", "Khan", "Hassan", "Okafor", "Mensah", "Ivanova", "Petrov", "Lee", "Kim", "Park", "Tan", "Lim", "Ng",
    "Wong", "Cohen", "Levi", "Rahman", "Hughes",
)  # fmt: skip


@dataclass(frozen=True)
class _Country:
    code: str
    calling_code: str
    cities: tuple[str, ...]
    company_suffixes: tuple[str, ...]
    weight: int
    vat_percent: int
    """VAT on our invoices to customers there (simplified: the demo charges each country's standard rate)."""


COUNTRIES = (
    _Country("TH", "66", ("Bangkok", "Chiang Mai", "Phuket", "Khon Kaen", "Chonburi"), ("Co., Ltd.",), 22, 7),
    _Country("US", "1", ("New York", "Chicago", "Austin", "Seattle", "Denver"), ("Inc.", "LLC"), 12, 0),
    _Country("GB", "44", ("London", "Manchester", "Leeds", "Bristol"), ("Ltd",), 8, 20),
    _Country("DE", "49", ("Berlin", "Hamburg", "Munich", "Cologne"), ("GmbH", "AG"), 8, 19),
    _Country("FR", "33", ("Paris", "Lyon", "Marseille", "Toulouse"), ("SAS", "S.A."), 5, 20),
    _Country("NL", "31", ("Amsterdam", "Rotterdam", "Utrecht"), ("B.V.",), 4, 21),
    _Country("SE", "46", ("Stockholm", "Gothenburg", "Malmö"), ("AB",), 3, 25),
    _Country("JP", "81", ("Tokyo", "Osaka", "Nagoya"), ("K.K.",), 6, 10),
    _Country("SG", "65", ("Singapore",), ("Pte. Ltd.",), 6, 9),
    _Country("AU", "61", ("Sydney", "Melbourne", "Brisbane"), ("Pty Ltd",), 4, 10),
    _Country("IN", "91", ("Mumbai", "Bengaluru", "Pune"), ("Pvt. Ltd.",), 5, 18),
    _Country("BR", "55", ("São Paulo", "Rio de Janeiro", "Curitiba"), ("Ltda.",), 3, 0),
    _Country("CA", "1", ("Toronto", "Vancouver", "Montréal"), ("Inc.",), 3, 5),
    _Country("ES", "34", ("Madrid", "Barcelona", "Valencia"), ("S.L.",), 3, 21),
    _Country("IT", "39", ("Milan", "Rome", "Turin"), ("S.r.l.",), 3, 22),
    _Country("VN", "84", ("Ho Chi Minh City", "Hanoi", "Da Nang"), ("JSC",), 4, 10),
    _Country("MY", "60", ("Kuala Lumpur", "Penang", "Johor Bahru"), ("Sdn. Bhd.",), 4, 8),
)

STREETS = (
    "Main Street", "Station Road", "Harbour Road", "Sukhumvit Road", "Market Street", "Park Avenue",
    "Riverside Drive", "Industrial Estate Road", "King Street", "Church Lane", "Mill Road", "Orchard Road",
    "Bahnhofstraße", "Rue de la République", "Via Roma", "Calle Mayor", "Ratchadaphisek Road", "Queen Street",
)  # fmt: skip

COMPANY_WORDS = (
    "Northwind", "Bluewater", "Summit", "Evergreen", "Silverline", "Redwood", "Ironbridge", "Brightpath",
    "Clearview", "Greenfield", "Highland", "Lakeside", "Maple", "Oakridge", "Pinecrest", "Riverside", "Sunrise",
    "Westgate", "Eastwind", "Crescent", "Falcon", "Granite", "Horizon", "Juniper", "Keystone", "Lotus", "Meridian",
    "Nova", "Orchid", "Pioneer", "Quantum", "Sapphire", "Siam", "Skyline", "Starling", "Tidewater", "Unity",
    "Vantage", "Willow", "Zenith", "Amber", "Atlas", "Beacon", "Cedar", "Cobalt", "Coral", "Delta", "Emerald",
    "Frontier", "Harvest", "Indigo", "Jade", "Kestrel", "Linden", "Mosaic", "Nimbus", "Opal", "Polaris", "Prairie",
)  # fmt: skip

INDUSTRIES = (
    "Logistics", "Trading", "Foods", "Engineering", "Textiles", "Pharma", "Electronics", "Construction",
    "Hospitality", "Retail", "Furniture", "Packaging", "Auto Parts", "Agritech", "Software", "Medical Supplies",
    "Printing", "Chemicals", "Plastics", "Energy", "Consulting", "Builders", "Distribution", "Metals", "Beverages",
    "Cosmetics", "Office Supplies", "Travel", "Marine", "Security",
)  # fmt: skip

COMPANY_SEGMENTS = (
    ("Enterprise", 12),
    ("Mid-market", 30),
    ("Small business", 45),
    ("Public sector", 8),
    ("Non-profit", 5),
)
PERSON_SEGMENTS = (("Consumer", 85), ("VIP", 15))

# Credit limits in whole currency units: (lowest, highest, step).
CREDIT_LIMIT_RANGES = {
    "Enterprise": (100_000, 1_000_000, 10_000),
    "Mid-market": (20_000, 200_000, 5_000),
    "Small business": (2_000, 30_000, 1_000),
    "Public sector": (50_000, 500_000, 10_000),
    "Non-profit": (1_000, 20_000, 1_000),
    "Consumer": (0, 5_000, 500),
    "VIP": (5_000, 25_000, 1_000),
}

# Opportunity amounts in whole currency units: (lowest, highest, step).
OPPORTUNITY_AMOUNT_RANGES = {
    "Enterprise": (50_000, 900_000, 500),
    "Mid-market": (10_000, 150_000, 250),
    "Small business": (1_000, 25_000, 50),
    "Public sector": (20_000, 400_000, 500),
    "Non-profit": (500, 15_000, 50),
    "Consumer": (200, 5_000, 10),
    "VIP": (2_000, 40_000, 50),
}

CUSTOMER_NEEDS = (
    "Prefers email over phone calls.", "Wants quotes in local currency.", "Asks for volume discounts above 500 units.",
    "Invoices must quote their PO number.", "Deliveries only on weekday mornings.", "Sensitive to lead times.",
    "Pays reliably, usually before the due date.", "Interested in an annual maintenance contract.",
    "Decision maker is the operations director.", "Compares prices with two other suppliers every quarter.",
    "Needs documentation in English and the local language.", "Prefers consolidated monthly invoicing.",
    "Expanding to a second site next year.", "Requires ISO 9001 certificates with every shipment.",
)  # fmt: skip

CONTACT_TITLES = (
    "Purchasing Manager", "Chief Financial Officer", "Operations Director", "Office Manager", "IT Lead", "Owner",
    "Accounts Payable Clerk", "Procurement Specialist", "Managing Director", "Logistics Coordinator",
    "Head of Facilities", "Project Manager", "Quality Manager", "Executive Assistant",
)  # fmt: skip

PRODUCTS = (
    "pallet racking", "forklift servicing", "packaging materials", "the annual maintenance contract",
    "office furniture", "cold-chain storage", "spare parts", "software licences", "consulting hours",
    "safety equipment", "industrial cleaning supplies", "conveyor belts", "barcode scanners", "shelving units",
    "workwear", "LED lighting", "air compressors", "label printers",
)  # fmt: skip

INTERACTION_KIND_WEIGHTS = (
    (InteractionKind.CALL, 25), (InteractionKind.EMAIL, 30), (InteractionKind.MEETING, 10),
    (InteractionKind.SUPPORT, 10), (InteractionKind.NOTE, 10),
)  # fmt: skip
"""Conversations; purchases come from the orders, invoices and payments (app/demo_books.py)."""

INTERACTION_SUBJECTS = {
    InteractionKind.CALL: (
        "Follow-up call about {product}",
        "Introductory call",
        "Quarterly check-in",
        "Call about pricing for {product}",
        "Call to confirm delivery of {product}",
    ),
    InteractionKind.EMAIL: (
        "Sent price list for {product}",
        "Re: quote for {product}",
        "Newsletter reply",
        "Sent product sheet: {product}",
        "Asked for feedback on {product}",
    ),
    InteractionKind.MEETING: (
        "On-site visit",
        "Demo of {product}",
        "Contract review meeting",
        "Trade fair meeting",
        "Planning workshop for {product}",
    ),
    InteractionKind.SUPPORT: (
        "Question about delivery of {product}",
        "Warranty question: {product}",
        "Installation help for {product}",
        "Invoice query",
    ),
    InteractionKind.NOTE: (
        "Budget cycle starts in January",
        "New purchasing manager joined",
        "Considering a competitor for {product}",
        "Moved to a new warehouse",
        "Asked to be invited to the next product launch",
    ),
}

INTERACTION_OUTCOMES = {
    InteractionKind.CALL: (
        "Left voicemail",
        "Agreed next steps",
        "Requested a quote",
        "Not interested right now",
        "Call back next quarter",
    ),
    InteractionKind.EMAIL: ("Awaiting reply", "Replied positively", "Forwarded to decision maker", "Unsubscribed"),
    InteractionKind.MEETING: (
        "Proposal requested",
        "Decision maker identified",
        "Trial agreed",
        "Needs internal approval",
    ),
    InteractionKind.SUPPORT: ("Resolved on first contact", "Escalated to second line", "Replacement sent"),
    InteractionKind.NOTE: (None,),
}

INTERACTION_NOTES = (
    "Customer mentioned a tight budget this quarter.", "Very positive about our delivery times.",
    "Wants a comparison with last year's prices.", "Asked us to copy their finance team on quotes.",
    "Will decide after the board meeting.", "Mentioned problems with their current supplier.",
    "Requested samples before ordering.", "Prefers to be contacted after 10:00.",
)  # fmt: skip

OPPORTUNITY_TITLES = (
    "{product} for the new site", "{product} renewal", "{product} upgrade", "Bulk order of {product}",
    "{product} pilot", "Framework agreement: {product}", "{product}, phase 2",
)  # fmt: skip

OPPORTUNITY_STAGE_WEIGHTS = (
    (OpportunityStage.LEAD, 20), (OpportunityStage.QUALIFIED, 18), (OpportunityStage.PROPOSAL, 15),
    (OpportunityStage.NEGOTIATION, 10), (OpportunityStage.WON, 22), (OpportunityStage.LOST, 15),
)  # fmt: skip

OPEN_STAGE_PROBABILITY = {
    OpportunityStage.LEAD: 10,
    OpportunityStage.QUALIFIED: 25,
    OpportunityStage.PROPOSAL: 50,
    OpportunityStage.NEGOTIATION: 75,
}

# Ticket subjects, each with resolutions that fit it.
TICKET_TOPICS = (
    ("Delivery arrived damaged", ("Replacement shipped free of charge.", "Credit note issued.")),
    ("Invoice amount does not match the order", ("Credit note issued.", "Invoice corrected and reissued.")),
    ("Cannot log in to the customer portal", ("Password reset and access confirmed.",)),
    ("Please send a copy of the invoice", ("Copy of the invoice sent by email.",)),
    ("Items missing from shipment", ("Missing items delivered.", "Credit note issued for the missing items.")),
    (
        "Warranty claim for {product}",
        ("Warranty claim approved; replacement shipped.", "Claim declined: outside warranty."),
    ),
    ("Change of delivery address", ("Address updated for future orders.",)),
    ("Wrong item delivered", ("Correct item delivered and the wrong one collected.",)),
    ("Request for a certificate of conformity", ("Certificate sent by email.",)),
    ("Late delivery of {product}", ("Delivered with express shipping at our cost.", "Customer accepted the new date.")),
    ("Question about payment terms", ("Explained the payment terms; customer satisfied.",)),
    ("{product} stopped working", ("Technician visit fixed the problem.", "Replaced under warranty.")),
)
TICKET_RESOLUTIONS_ANY = ("Duplicate of an earlier ticket.", "Customer withdrew the request.")

TICKET_STATUS_WEIGHTS = (
    (TicketStatus.OPEN, 30), (TicketStatus.IN_PROGRESS, 30), (TicketStatus.WAITING, 15), (TicketStatus.CLOSED, 25),
)  # fmt: skip
TICKET_PRIORITY_WEIGHTS = (
    (TicketPriority.LOW, 20), (TicketPriority.NORMAL, 50), (TicketPriority.HIGH, 22), (TicketPriority.URGENT, 8),
)  # fmt: skip


@dataclass(frozen=True)
class _DepartmentPlan:
    code: str
    name: str
    head_title: str
    lead_title: str
    staff_titles: tuple[str, ...]
    headcount_weight: int
    salary_range: tuple[int, int]  # yearly salary of staff, whole currency units


DEPARTMENT_PLANS = (
    _DepartmentPlan("MGMT", "Management", "Chief Executive Officer", "Chief Operating Officer",
                    ("Executive Assistant", "Business Analyst", "Office Manager"), 3, (45_000, 110_000)),
    _DepartmentPlan("SALES", "Sales", "Head of Sales", "Sales Team Lead",
                    ("Account Executive", "Sales Representative", "Key Account Manager", "Inside Sales Representative"),
                    30, (40_000, 95_000)),
    _DepartmentPlan("SUPPORT", "Customer Service", "Customer Service Manager", "Support Team Lead",
                    ("Customer Service Agent", "Support Specialist"), 15, (32_000, 60_000)),
    _DepartmentPlan("PURCH", "Purchasing", "Purchasing Manager", "Senior Buyer", ("Buyer", "Purchasing Assistant"),
                    6, (38_000, 75_000)),
    _DepartmentPlan("WH", "Warehouse", "Warehouse Manager", "Shift Supervisor",
                    ("Warehouse Operative", "Forklift Driver", "Inventory Controller"), 15, (28_000, 50_000)),
    _DepartmentPlan("FIN", "Finance", "Chief Financial Officer", "Senior Accountant",
                    ("Accountant", "Accounts Receivable Clerk", "Payroll Specialist"), 7, (42_000, 90_000)),
    _DepartmentPlan("HR", "Human Resources", "HR Manager", "HR Business Partner", ("HR Generalist", "Recruiter"),
                    4, (38_000, 70_000)),
    _DepartmentPlan("MKT", "Marketing", "Marketing Manager", "Senior Marketing Specialist",
                    ("Marketing Specialist", "Content Writer"), 6, (38_000, 80_000)),
    _DepartmentPlan("IT", "Information Technology", "IT Manager", "Lead Engineer",
                    ("Software Engineer", "Systems Administrator", "Help Desk Technician"), 6, (45_000, 110_000)),
    _DepartmentPlan("PROD", "Production", "Production Manager", "Production Supervisor",
                    ("Machine Operator", "Quality Inspector", "Maintenance Technician"), 20, (30_000, 58_000)),
)  # fmt: skip

TEAM_SIZE = 8
"""Staff per team lead in departments large enough to have leads."""

DEMO_COMPANY_DOMAIN = "onebook.example"
PERSONAL_MAIL_DOMAINS = ("mail.example", "inbox.example", "post.example")


# --- Building rows ---------------------------------------------------------------------------------------------


@dataclass
class _CustomerFacts:
    """What later tables need to know about a customer they reference."""

    id: int
    kind: CustomerKind
    status: CustomerStatus
    segment: str
    age_days: int
    country: _Country
    mail_domain: str
    owner_id: int | None
    credit_limit: Decimal
    contact_ids: list[int] = field(default_factory=list)


def _money(whole_units: int) -> Decimal:
    """An amount with two decimal places, like the database returns it."""
    return Decimal(whole_units * 100).scaleb(-2)


@cache
def _ascii_slug(text: str, separator: str = ".") -> str:
    """`Lucía de Vries` -> `lucia.de.vries` (email local parts and domains stay ASCII)."""
    plain = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode().lower()
    words = "".join(char if char.isalnum() else " " for char in plain.replace("&", " and ")).split()
    return separator.join(words)


def _weighted(rng: random.Random, pairs: Sequence[tuple[object, int]]) -> object:
    return rng.choices([value for value, _ in pairs], weights=[weight for _, weight in pairs])[0]


def _covering(rng: random.Random, pairs: Sequence[tuple[object, int]], *, draw: int) -> object:
    """A weighted choice, except that the first draws take each value once, so even a small demo shows them all."""
    return pairs[draw][0] if draw < len(pairs) else _weighted(rng, pairs)


def _days_before_reference(rng: random.Random, *, newest: int, oldest: int) -> int:
    """A number of days before the reference time, mostly on a working day."""
    days = rng.randint(newest, oldest)
    for _ in range(4):
        if (REFERENCE_TIME.weekday() - days) % 7 < 5:
            break
        days = rng.randint(newest, oldest)
    return days


def _business_moment(rng: random.Random, days_before: int) -> datetime:
    """A time during business hours (08:00-18:00 UTC) on the day `days_before` days before the reference time."""
    return REFERENCE_TIME - timedelta(days=days_before) + timedelta(seconds=rng.randrange(8 * 3600, 18 * 3600))


def _apportion(total: int, weights: Sequence[int], *, minimum: int = 1) -> list[int]:
    """Split `total` into integer parts proportional to `weights`, each at least `minimum` (largest remainder)."""
    spare = total - minimum * len(weights)
    if spare < 0:
        raise ValueError(f"cannot give {len(weights)} parts at least {minimum} each out of {total}")
    weight_sum = sum(weights)
    parts = [minimum + spare * weight // weight_sum for weight in weights]
    by_remainder = sorted(range(len(weights)), key=lambda i: (-(spare * weights[i] % weight_sum), i))
    for index in by_remainder[: total - sum(parts)]:
        parts[index] += 1
    return parts


def _record_columns(created_at: datetime, changes: Sequence[datetime] = ()) -> dict:
    """A record's system columns: created then, and changed at each of `changes` since (a version each)."""
    return {"created_at": created_at, "updated_at": max(changes, default=created_at), "version": 1 + len(changes)}


class _DemoBuilder:
    """Produces each table's rows in insertion order; each table draws from its own random stream."""

    def __init__(self, *, seed: int, counts: dict[str, int]) -> None:
        self.seed = seed
        self.counts = counts
        self.department_heads: dict[int, int] = {}
        self.department_plans = DEPARTMENT_PLANS[: counts["departments"]]
        self.staff_by_department: dict[str, list[int]] = {}
        self.customers_facts: list[_CustomerFacts] = []
        self.product_rows: list[dict] = []

    def _random(self, table: str) -> random.Random:
        # String seeds are hashed with SHA-512, independent of PYTHONHASHSEED.
        return random.Random(f"onebook-demo:{self.seed}:{table}")

    def departments(self) -> list[dict]:
        if len(self.department_plans) < self.counts["departments"]:
            raise ValueError(f"the demo knows {len(DEPARTMENT_PLANS)} departments at most")
        return [
            {"id": index, "code": plan.code, "name": plan.name, "head_id": None, **_record_columns(SYSTEM_START)}
            for index, plan in enumerate(self.department_plans, start=1)
        ]

    def employees(self) -> list[dict]:
        """Department by department: the head, then team leads, then staff, so every manager precedes its reports."""
        rng = self._random("employees")
        headcounts = _apportion(self.counts["employees"], [plan.headcount_weight for plan in self.department_plans])
        used_emails: set[str] = set()
        rows: list[dict] = []
        chief_executive_id: int | None = None

        def add(plan: _DepartmentPlan, department_id: int, *, title: str, manager_id: int | None, level: str) -> int:
            first, last = rng.choice(FIRST_NAMES), rng.choice(LAST_NAMES)
            local = f"{_ascii_slug(first)}.{_ascii_slug(last)}"
            email = f"{local}@{DEMO_COMPANY_DOMAIN}"
            suffix = 2
            while email in used_emails:
                email = f"{local}{suffix}@{DEMO_COMPANY_DOMAIN}"
                suffix += 1
            used_emails.add(email)
            low, high = plan.salary_range
            if level == "head":
                low, high, tenure = high + 20_000, high * 2 + 40_000, (4 * 365, 12 * 365)
            elif level == "lead":
                low, high, tenure = (low + high) // 2, high + 15_000, (2 * 365, 9 * 365)
            else:
                tenure = (30, 8 * 365)
            hired_days_before = _days_before_reference(rng, newest=tenure[0], oldest=tenure[1])
            hired_at = REFERENCE_TIME - timedelta(days=hired_days_before)
            employee_id = len(rows) + 1
            rows.append(
                {
                    "id": employee_id,
                    "email": email,
                    "name": f"{first} {last}",
                    "title": title,
                    "department_id": department_id,
                    "manager_id": manager_id,
                    "hire_date": hired_at.date(),
                    "salary": _money(rng.randrange(low, high + 1, 500)),
                    **_record_columns(max(SYSTEM_START, hired_at + timedelta(hours=9))),
                }
            )
            return employee_id

        for department_id, (plan, headcount) in enumerate(zip(self.department_plans, headcounts, strict=True), 1):
            head_id = add(plan, department_id, title=plan.head_title, manager_id=chief_executive_id, level="head")
            chief_executive_id = chief_executive_id or head_id
            self.department_heads[department_id] = head_id
            staff_count = headcount - 1
            lead_count = -(-staff_count // (TEAM_SIZE + 1)) if staff_count > TEAM_SIZE else 0
            lead_ids = [
                add(plan, department_id, title=plan.lead_title, manager_id=head_id, level="lead")
                for _ in range(lead_count)
            ]
            staff_ids = [
                add(
                    plan,
                    department_id,
                    title=rng.choice(plan.staff_titles),
                    manager_id=lead_ids[index % lead_count] if lead_ids else head_id,
                    level="staff",
                )
                for index in range(staff_count - lead_count)
            ]
            self.staff_by_department[plan.code] = lead_ids + staff_ids or [head_id]
        return rows

    @property
    def _sales_staff(self) -> list[int]:
        return self.staff_by_department.get("SALES") or [self.department_heads[1]]

    @property
    def _support_staff(self) -> list[int]:
        return self.staff_by_department.get("SUPPORT") or self._sales_staff

    def customers(self) -> Iterator[dict]:
        """Customers in the order they were created, oldest first, so codes follow the timeline."""
        rng = self._random("customers")
        count = self.counts["customers"]
        oldest = (REFERENCE_TIME - SYSTEM_START).days
        ages = sorted((_days_before_reference(rng, newest=3, oldest=oldest) for _ in range(count)), reverse=True)
        countries = list(COUNTRIES)
        country_weights = [country.weight for country in COUNTRIES]
        used_names: set[str] = set()
        used_domains: set[str] = set()
        for customer_id, age_days in enumerate(ages, start=1):
            kind = CustomerKind.COMPANY if rng.random() < 0.7 else CustomerKind.PERSON
            if age_days < 180:
                status = CustomerStatus.PROSPECT if rng.random() < 0.6 else CustomerStatus.ACTIVE
            else:
                status = _weighted(
                    rng,
                    ((CustomerStatus.ACTIVE, 70), (CustomerStatus.INACTIVE, 18), (CustomerStatus.PROSPECT, 12)),
                )
            country = rng.choices(countries, weights=country_weights)[0]
            city = rng.choice(country.cities)
            if kind is CustomerKind.COMPANY:
                segment = _weighted(rng, COMPANY_SEGMENTS)
                name, mail_domain = self._company_name(rng, country, city, used_names, used_domains)
                email = f"{rng.choice(('info', 'sales', 'office', 'hello', 'accounts'))}@{mail_domain}"
            else:
                segment = _weighted(rng, PERSON_SEGMENTS)
                first, last = rng.choice(FIRST_NAMES), rng.choice(LAST_NAMES)
                name = f"{first} {last}"
                number = rng.choice(("", "", "", str(rng.randint(1, 99))))
                mail_domain = rng.choice(PERSONAL_MAIL_DOMAINS)
                email = f"{_ascii_slug(first)}.{_ascii_slug(last)}{number}@{mail_domain}"
            low, high, step = CREDIT_LIMIT_RANGES[segment]
            credit_limit = 0 if status is CustomerStatus.PROSPECT else rng.randrange(low, high + 1, step)
            owner_id = (
                None if status is CustomerStatus.PROSPECT and rng.random() < 0.2 else rng.choice(self._sales_staff)
            )
            needs = rng.sample(CUSTOMER_NEEDS, rng.choice((0, 1, 1, 2, 2, 3)))
            unit = f"Unit {rng.randint(1, 40)}, " if kind is CustomerKind.COMPANY and rng.random() < 0.3 else ""
            self.customers_facts.append(
                _CustomerFacts(
                    id=customer_id,
                    kind=kind,
                    status=status,
                    segment=segment,
                    age_days=age_days,
                    country=country,
                    mail_domain=mail_domain,
                    owner_id=owner_id,
                    credit_limit=_money(credit_limit),
                )
            )
            yield {
                "id": customer_id,
                "code": f"C-{customer_id:05d}",
                "name": name,
                "kind": kind,
                "email": email,
                "phone": self._phone(rng, country),
                "address": f"{unit}{rng.randint(1, 999)} {rng.choice(STREETS)}",
                "city": city,
                "country": country.code,
                "segment": segment,
                "status": status,
                "credit_limit": _money(credit_limit),
                "owner_id": owner_id,
                "notes": " ".join(needs) or None,
                **_record_columns(_business_moment(rng, age_days)),
            }

    @staticmethod
    def _phone(rng: random.Random, country: _Country) -> str:
        return f"+{country.calling_code} {rng.randint(10, 99)} {rng.randint(100, 999)} {rng.randint(1000, 9999)}"

    @staticmethod
    def _company_name(
        rng: random.Random, country: _Country, city: str, used_names: set[str], used_domains: set[str]
    ) -> tuple[str, str]:
        """A company name not used yet, and a web domain for its email addresses."""
        for _attempt in range(20):
            pattern = rng.random()
            if pattern < 0.5:
                base = f"{rng.choice(COMPANY_WORDS)} {rng.choice(INDUSTRIES)}"
            elif pattern < 0.8:
                base = f"{rng.choice(LAST_NAMES)} {rng.choice(INDUSTRIES)}"
            else:
                base = f"{rng.choice(LAST_NAMES)} & {rng.choice(LAST_NAMES)}"
            name = f"{base} {rng.choice(country.company_suffixes)}"
            if name not in used_names:
                break
        else:
            name = f"{base} {city} {rng.choice(country.company_suffixes)}"
            while name in used_names:
                name = f"{base} {city} {rng.randint(2, 999)} {rng.choice(country.company_suffixes)}"
        used_names.add(name)
        domain = f"{_ascii_slug(base, '-')}.example"
        if domain in used_domains:
            domain = f"{_ascii_slug(base, '-')}-{country.code.lower()}.example"
            suffix = 2
            while domain in used_domains:
                domain = f"{_ascii_slug(base, '-')}-{country.code.lower()}{suffix}.example"
                suffix += 1
        used_domains.add(domain)
        return name, domain

    def contacts(self) -> Iterator[dict]:
        """People at company customers: every company gets one, the rest are spread at random."""
        rng = self._random("contacts")
        companies = [facts for facts in self.customers_facts if facts.kind is CustomerKind.COMPANY]
        count = self.counts["contacts"]
        if not companies:
            companies = self.customers_facts
        per_customer = [0] * len(companies)
        for index in range(min(count, len(companies))):
            per_customer[index] = 1
        for index in rng.choices(range(len(companies)), k=max(0, count - len(companies))):
            per_customer[index] += 1
        contact_id = 0
        for facts, contact_count in zip(companies, per_customer, strict=True):
            domain = facts.mail_domain
            used_emails: set[str] = set()
            for _ in range(contact_count):
                contact_id += 1
                first, last = rng.choice(FIRST_NAMES), rng.choice(LAST_NAMES)
                local = f"{_ascii_slug(first)}.{_ascii_slug(last)}"
                email, suffix = f"{local}@{domain}", 2
                while email in used_emails:
                    email, suffix = f"{local}{suffix}@{domain}", suffix + 1
                used_emails.add(email)
                facts.contact_ids.append(contact_id)
                added_days = min(facts.age_days - 1, rng.randint(0, 60))
                yield {
                    "id": contact_id,
                    "customer_id": facts.id,
                    "name": f"{first} {last}",
                    "title": rng.choice(CONTACT_TITLES) if rng.random() < 0.85 else None,
                    "email": email,
                    "phone": self._phone(rng, facts.country) if rng.random() < 0.8 else None,
                    **_record_columns(_business_moment(rng, facts.age_days - added_days)),
                }

    def conversations(self) -> Iterator[tuple[datetime, dict]]:
        """The timeline's calls, emails, meetings, support and notes, oldest first, as (when, row without id)."""
        rng = self._random("interactions")
        facts_list = self.customers_facts
        weight_by_status = {CustomerStatus.ACTIVE: 4, CustomerStatus.INACTIVE: 2, CustomerStatus.PROSPECT: 1}
        weights = [weight_by_status[facts.status] * rng.choice((1, 1, 2, 3, 5, 8)) for facts in facts_list]
        chosen = rng.choices(range(len(facts_list)), weights=weights, k=self.counts["interactions"])
        moments = []
        for index in chosen:
            facts = facts_list[index]
            days = _days_before_reference(rng, newest=1, oldest=min(HISTORY_DAYS, facts.age_days - 1))
            moments.append((_business_moment(rng, days), index))
        moments.sort()
        kinds = [kind for kind, _ in INTERACTION_KIND_WEIGHTS]
        kind_weights = list(itertools.accumulate(weight for _, weight in INTERACTION_KIND_WEIGHTS))
        for occurred_at, index in moments:
            facts = facts_list[index]
            kind = rng.choices(kinds, cum_weights=kind_weights)[0]
            if kind is InteractionKind.SUPPORT:
                employee_id = rng.choice(self._support_staff)
            elif facts.owner_id is not None and rng.random() < 0.8:
                employee_id = facts.owner_id
            else:
                employee_id = rng.choice(self._sales_staff)
            contact_id = rng.choice(facts.contact_ids) if facts.contact_ids and rng.random() < 0.85 else None
            subject = rng.choice(INTERACTION_SUBJECTS[kind]).format(product=rng.choice(PRODUCTS))
            outcome = rng.choice(INTERACTION_OUTCOMES[kind]) if rng.random() < 0.8 else None
            yield (
                occurred_at,
                {
                    "customer_id": facts.id,
                    "contact_id": contact_id,
                    "employee_id": employee_id,
                    "kind": kind,
                    "occurred_at": occurred_at,
                    "subject": subject[0].upper() + subject[1:],
                    "notes": rng.choice(INTERACTION_NOTES) if rng.random() < 0.3 else None,
                    "outcome": outcome,
                    **_record_columns(occurred_at),
                },
            )

    def opportunities(self) -> list[dict]:
        """Deals in every stage: open ones expected to close after the reference time, closed ones before it."""
        rng = self._random("opportunities")
        candidates = [facts for facts in self.customers_facts if facts.status is not CustomerStatus.INACTIVE]
        candidates = candidates or self.customers_facts
        drafts = []
        for draw in range(self.counts["opportunities"]):
            facts = rng.choice(candidates)
            stage = _covering(rng, OPPORTUNITY_STAGE_WEIGHTS, draw=draw)
            if stage.is_closed:
                closed_days = rng.randint(1, min(540, max(1, facts.age_days - 15)))
                created_days = min(facts.age_days - 1, closed_days + rng.randint(14, 120))
                expected_close = (REFERENCE_TIME - timedelta(days=closed_days)).date()
                probability = 100 if stage is OpportunityStage.WON else 0
            else:
                created_days = rng.randint(1, min(240, facts.age_days - 1))
                expected_close = (REFERENCE_TIME + timedelta(days=rng.randint(7, 180))).date()
                probability = OPEN_STAGE_PROBABILITY[stage] + rng.choice((-5, 0, 0, 5))
            low, high, step = OPPORTUNITY_AMOUNT_RANGES[facts.segment]
            owner_id = facts.owner_id if facts.owner_id is not None else rng.choice(self._sales_staff)
            title = rng.choice(OPPORTUNITY_TITLES).format(product=rng.choice(PRODUCTS))
            drafts.append(
                {
                    "customer_id": facts.id,
                    "title": title[0].upper() + title[1:],
                    "stage": stage,
                    "amount": _money(rng.randrange(low, high + 1, step)),
                    "probability": probability,
                    "expected_close": expected_close,
                    "owner_id": owner_id,
                    **_record_columns(_business_moment(rng, created_days)),
                }
            )
        return self._numbered(drafts, prefix="OPP-")

    def tickets(self) -> list[dict]:
        """Support tickets from the past year; older ones are mostly closed with a resolution."""
        rng = self._random("tickets")
        facts_list = [facts for facts in self.customers_facts if facts.status is not CustomerStatus.PROSPECT]
        facts_list = facts_list or self.customers_facts
        drafts = []
        for draw in range(self.counts["tickets"]):
            facts = rng.choice(facts_list)
            created_days = _days_before_reference(rng, newest=1, oldest=min(365, facts.age_days - 1))
            if draw >= len(TICKET_STATUS_WEIGHTS) and created_days > 60 and rng.random() < 0.85:
                status = TicketStatus.CLOSED
            else:
                status = _covering(rng, TICKET_STATUS_WEIGHTS, draw=draw)
            unassigned = status is TicketStatus.OPEN and rng.random() < 0.3
            subject_template, resolutions = rng.choice(TICKET_TOPICS)
            subject = subject_template.format(product=rng.choice(PRODUCTS))
            if rng.random() < 0.1:
                resolutions = TICKET_RESOLUTIONS_ANY
            drafts.append(
                {
                    "customer_id": facts.id,
                    "subject": subject[0].upper() + subject[1:],
                    "status": status,
                    "priority": _covering(rng, TICKET_PRIORITY_WEIGHTS, draw=draw),
                    "assignee_id": None if unassigned else rng.choice(self._support_staff),
                    "resolution": rng.choice(resolutions) if status is TicketStatus.CLOSED else None,
                    **_record_columns(_business_moment(rng, created_days)),
                }
            )
        return self._numbered(drafts, prefix="T-")

    @staticmethod
    def _numbered(drafts: list[dict], *, prefix: str) -> list[dict]:
        """Ids and numbers in order of creation, so `OPP-00001` is the oldest deal."""
        drafts.sort(key=lambda row: (row["created_at"], row["customer_id"]))
        return [{"id": number, "number": f"{prefix}{number:05d}", **row} for number, row in enumerate(drafts, start=1)]

    # --- ERP master data: products, warehouses, suppliers (the documents are app/demo_books.py's) -----------------

    def products(self) -> list[dict]:
        """A catalogue of goods: cost drawn per product, price a markup on it."""
        rng = self._random("products")
        rows = []
        for index in range(1, self.counts["products"] + 1):
            name, unit = PRODUCT_CATALOGUE[(index - 1) % len(PRODUCT_CATALOGUE)]
            series = (index - 1) // len(PRODUCT_CATALOGUE)
            cost = Decimal(rng.randrange(200, 50_000)) / 100
            price = (cost * Decimal(rng.choice((130, 140, 150, 175, 200))) / 100).quantize(Decimal("0.01"))
            rows.append(
                {
                    "id": index,
                    "sku": f"P-{index:05d}",
                    "name": name if series == 0 else f"{name} (series {series + 1})",
                    "unit": unit,
                    "unit_price": price,
                    "unit_cost": cost,
                    "active": rng.random() > 0.05,
                    **_record_columns(SYSTEM_START),
                }
            )
        self.product_rows = rows
        return rows

    def warehouses(self) -> list[dict]:
        return [
            {"id": index, "code": code, "name": name, "allow_negative": False, **_record_columns(SYSTEM_START)}
            for index, (code, name) in enumerate(WAREHOUSE_NAMES[: self.counts["warehouses"]], start=1)
        ]

    def suppliers(self) -> list[dict]:
        rng = self._random("suppliers")
        rows = []
        for index in range(1, self.counts["suppliers"] + 1):
            country = rng.choice(COUNTRIES)
            name = f"{rng.choice(COMPANY_WORDS)} {rng.choice(SUPPLIER_WORDS)}"
            rows.append(
                {
                    "id": index,
                    "code": f"S-{index:04d}",
                    "name": name,
                    "email": f"orders@{_ascii_slug(name, '-')}-{index}.example",
                    "phone": None,
                    "country": country.code,
                    **_record_columns(SYSTEM_START),
                }
            )
        return rows

    @property
    def buyers(self) -> list[_CustomerFacts]:
        """Active customers: they place the orders."""
        active = [facts for facts in self.customers_facts if facts.status is CustomerStatus.ACTIVE]
        return active or self.customers_facts


DEMO_USER_DOMAIN = "demo.onebook.example"


def issue_demo_tokens(engine: sa.Engine) -> list[tuple[str, str, str]]:
    """One demo user per role (created once), each given a fresh token: [(role, email, token)].

    Tokens are random and only their hashes are stored, so every run issues new ones; earlier ones keep working.
    """
    from app.database import transaction
    from models.system import User
    from resolvers.permissions import Actor, Role
    from resolvers.users import add_user, create_token

    issued = []
    with transaction(engine) as session:
        for role in Role:
            email = f"{role.value}@{DEMO_USER_DOMAIN}"
            if session.scalar(sa.select(User.id).where(User.email == email)) is None:
                add_user(session, email=email, roles=[role.value], name=f"Demo {role.value}", actor=Actor.system())
            _, secret = create_token(session, email=email, name="demo", actor=Actor.system())
            issued.append((role.value, email, secret))
    return issued
