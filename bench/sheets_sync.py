"""What a Google Sheets sync of a large tab costs: seconds, and requests of Google's per-minute quota.

    .venv/bin/python bench/sheets_sync.py [--rows 10000]

Seeds a fresh SQLite file with employees and `--rows` customers (bulk Core inserts), starts the local fake of the
Sheets API (tests/sheets_fake.py: real HTTP, the real gspread client, a service account signing real JWTs), links
the Customers tab and times three syncs:
  first       the tab is created and every row written
  sheet edits 100 cells edited in the sheet (City of 100 rows), pulled into Onebook
  db changes  100 customers changed in Onebook (through the write path), pushed to the sheet
Prints, for each, the seconds in all, the seconds spent waiting for the API (the fake's own work and local HTTP;
Google's latency would replace it) and the rest (Onebook's own work), the request and response bodies' size, and
the API requests by method.
"""

import argparse
import json
import random
import sys
import tempfile
import time
from collections import Counter
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))  # run as a script from a checkout; tests/sheets_fake.py is imported from here

import sqlalchemy as sa  # noqa: E402

from app.database import create_sync_engine, transaction  # noqa: E402
from app.migrate import upgrade  # noqa: E402
from models.crm import Customer, CustomerKind, CustomerStatus  # noqa: E402
from models.hr import Employee  # noqa: E402
from resolvers import crud  # noqa: E402
from resolvers.permissions import Actor  # noqa: E402
from sync.google import Mode, SyncReport, create_link, sync_link  # noqa: E402
from sync.registry import layout_for  # noqa: E402
from sync.sheets_api import SheetsClient, client_from_settings  # noqa: E402
from tests.sheets_fake import FakeSheetsServer, column_letters, service_account_info  # noqa: E402

SPREADSHEET = "bench-customers"
EDITS = 100
EMPLOYEES = 20
CHUNK = 5_000
CITIES = [("Bangkok", "TH"), ("Berlin", "DE"), ("Lyon", "FR"), ("Osaka", "JP"), ("Austin", "US"), ("Leeds", "GB")]
ACTOR = Actor.system(via="sheets")


def seed(url: str, rows: int) -> None:
    """Employees and `rows` customers with a realistic mix of filled and empty columns."""
    upgrade(url)
    engine = create_sync_engine(url)
    rng = random.Random(2026)
    start = datetime(2024, 1, 1, tzinfo=UTC)
    with engine.begin() as connection:
        connection.execute(
            Employee.__table__.insert(),
            [
                {"id": n, "email": f"staff{n}@onebook.example", "name": f"Staff {n}", "created_at": start,
                 "updated_at": start, "version": 1}
                for n in range(1, EMPLOYEES + 1)
            ],
        )  # fmt: skip
        for first in range(1, rows + 1, CHUNK):
            batch = []
            for n in range(first, min(first + CHUNK, rows + 1)):
                city, country = rng.choice(CITIES)
                changed = start + timedelta(minutes=rng.randrange(1_000_000))
                batch.append(
                    {
                        "id": n,
                        "code": f"C-{n:06}",
                        "name": f"Customer {n} Ltd",
                        "kind": CustomerKind.PERSON if n % 7 == 0 else CustomerKind.COMPANY,
                        "email": f"accounts{n}@customer{n % 977}.example",
                        "phone": f"+66 2 {rng.randrange(100, 999)} {rng.randrange(1000, 9999)}",
                        "address": f"{rng.randrange(1, 400)} Market Street" if n % 3 else None,
                        "city": city,
                        "country": country,
                        "status": rng.choice(list(CustomerStatus)),
                        "credit_limit": Decimal(rng.randrange(0, 5_000_000)) / 100,
                        "owner_id": rng.randrange(1, EMPLOYEES + 1) if n % 5 else None,
                        "notes": "Prefers email; invoices monthly." if n % 4 == 0 else None,
                        "created_at": changed,
                        "updated_at": changed,
                        "version": 1,
                    }
                )
            connection.execute(Customer.__table__.insert(), batch)
    engine.dispose()


class APIClock:
    """Seconds the client spent waiting for the Sheets API, and bytes sent and received: wraps the HTTP session
    every request goes through."""

    def __init__(self, client: SheetsClient) -> None:
        self.seconds = 0.0
        self.sent = self.received = 0
        session = client.gspread.http_client.session
        send = session.request

        def timed_request(*args, **kwargs):
            self.sent += len(json.dumps(kwargs["json"])) if kwargs.get("json") is not None else 0
            started = time.perf_counter()
            try:
                response = send(*args, **kwargs)
            finally:
                self.seconds += time.perf_counter() - started
            self.received += len(response.content)
            return response

        session.request = timed_request


def measured(label: str, engine: sa.Engine, client: SheetsClient, clock: APIClock, link_id: int) -> SyncReport:
    """Run one sync and print its seconds (in all, waiting for the API, Onebook's own) and requests by method."""
    before, waited_before, sent, received = Counter(client.calls_by_kind), clock.seconds, clock.sent, clock.received
    started = time.perf_counter()
    report = sync_link(engine, client, link_id, mode=Mode.SYNC, actor=ACTOR)
    seconds = time.perf_counter() - started
    waited = clock.seconds - waited_before
    if report.errors:
        raise SystemExit(f"{label}: the sync failed: {report.errors[:3]}")
    requests = Counter(client.calls_by_kind) - before
    methods = ", ".join(f"{kind} {count}" for kind, count in sorted(requests.items()))
    pulled = report.pulled.get("Customers", {})
    print(
        f"{label:<12} {seconds:>7.2f}  {waited:>7.2f}  {seconds - waited:>7.2f}  {report.api_calls:>5}  "
        f"{(clock.sent - sent) / 1e6:>7.2f}  {(clock.received - received) / 1e6:>7.2f}  "
        f"{pulled.get('updated', 0):>6}  {report.pushed['Customers']:>7,}  {methods}"
    )
    return report


def edit_cities(server: FakeSheetsServer, rows: int, count: int) -> None:
    """Someone typing a new City into `count` of the tab's `rows` data rows, spread over the tab."""
    city = column_letters(next(i for i, column in enumerate(layout_for("customers").columns) if column.title == "City"))
    step = max(1, rows // count)
    for number in range(2, 2 + step * count, step):
        server.set_cell(SPREADSHEET, "Customers", f"{city}{number}", f"Edited city {number}")


def change_in_onebook(engine: sa.Engine, count: int) -> None:
    """`count` customers given a new phone through the one write path (a batch update, as an API client would)."""
    with transaction(engine) as session:
        ids = session.scalars(sa.select(Customer.id).order_by(Customer.id.desc()).limit(count)).all()
        patches = [crud.Patch(id, {"phone": f"+1 555 {id:06}"}, None) for id in ids]
        crud.update_many(session, Customer, patches, actor=Actor.system(via="api"))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rows", type=int, default=10_000, help="customers to seed and sync (default 10,000)")
    arguments = parser.parse_args()
    server = FakeSheetsServer()
    server.start()
    try:
        with tempfile.TemporaryDirectory(prefix="onebook-bench-") as directory:
            folder = Path(directory)
            url = f"sqlite:///{folder / 'bench.db'}"
            seed(url, arguments.rows)
            key = folder / "service-account.json"
            key.write_text(json.dumps(service_account_info(f"{server.url}/token")))
            client = client_from_settings(str(key), api_url=server.url)
            clock = APIClock(client)
            server.add_spreadsheet(SPREADSHEET, tabs={"Sheet1": []})
            engine = create_sync_engine(url)
            with transaction(engine) as session:
                link_id = create_link(
                    session, spreadsheet_id=SPREADSHEET, sheets=["customers"], department=None, actor=ACTOR
                ).id
            print(f"{arguments.rows:,} customers, SQLite file, fake Sheets API on {server.url}")
            print(
                f"{'sync':<12} {'seconds':>7}  {'API s':>7}  {'own s':>7}  {'calls':>5}  {'MB sent':>7}  {'MB recv':>7}"
                f"  {'pulled':>6}  {'pushed':>7}  requests"
            )
            measured("first", engine, client, clock, link_id)
            edit_cities(server, arguments.rows, EDITS)
            report = measured("sheet edits", engine, client, clock, link_id)
            assert report.pulled["Customers"]["updated"] == EDITS, report.pulled
            change_in_onebook(engine, EDITS)
            report = measured("db changes", engine, client, clock, link_id)
            assert report.pulled["Customers"]["updated"] == 0, report.pulled
            engine.dispose()
    finally:
        server.stop()


if __name__ == "__main__":
    main()
