"""How fast a department workbook export is, against the floor: openpyxl write-only writing the same values plainly.

    .venv/bin/python bench/export_speed.py [--rows 100000]

For 10,000 rows and for N rows, seeds a fresh SQLite file with employees and that many customers (bulk Core
inserts), then times:
(a) the floor: the Customers sheet's values, read beforehand and converted as a sheet shows them (choices as labels,
    naive UTC times), appended plainly to an openpyxl write-only sheet and saved; nothing else;
(b) `write_workbook` for the Customers sheet: reading the rows from the database, styles, comments, dropdowns,
    the `_lookups` sheet and the `_onebook` record of every row.
Prints seconds, rows per second, the ratio (b)/(a), and the peak of Python memory (tracemalloc, measured in a
separate run so that tracing does not distort the timings).
"""

import argparse
import random
import sys
import tempfile
import time
import tracemalloc
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path

import sqlalchemy as sa
from openpyxl import Workbook

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # run as a script from a checkout

from app.database import create_sync_engine
from app.migrate import upgrade
from models.crm import Customer, CustomerKind, CustomerStatus
from models.hr import Employee
from resolvers.permissions import Actor
from sync.cells import to_cell
from sync.registry import layout_for
from sync.rows import iter_rows
from sync.writing import readable_columns, write_workbook

CHUNK = 10_000
EMPLOYEES = 50
CITIES = [("Bangkok", "TH"), ("Berlin", "DE"), ("Lyon", "FR"), ("Osaka", "JP"), ("Austin", "US"), ("Leeds", "GB")]
SEGMENTS = ["Enterprise", "Mid-market", "Small business", None]


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
                        "name": f"Customer {n} {rng.choice(['Trading', 'Logistics', 'Foods', 'Systems'])} Ltd",
                        "kind": CustomerKind.PERSON if n % 7 == 0 else CustomerKind.COMPANY,
                        "email": f"accounts{n}@customer{n % 977}.example",
                        "phone": f"+66 2 {rng.randrange(100, 999)} {rng.randrange(1000, 9999)}",
                        "address": f"{rng.randrange(1, 400)} Market Street" if n % 3 else None,
                        "city": city,
                        "country": country,
                        "segment": rng.choice(SEGMENTS),
                        "status": rng.choice(list(CustomerStatus)),
                        "credit_limit": Decimal(rng.randrange(0, 5_000_000)) / 100,
                        "owner_id": rng.randrange(1, EMPLOYEES + 1) if n % 5 else None,
                        "notes": "Prefers email; invoices monthly." if n % 4 == 0 else None,
                        "created_at": changed,
                        "updated_at": changed,
                        "version": 1 + n % 3,
                    }
                )
            connection.execute(Customer.__table__.insert(), batch)
    engine.dispose()


def sheet_values(connection: sa.Connection) -> tuple[list[str], list[list]]:
    """The Customers sheet's titles and values as a sheet shows them, read before the floor's clock starts."""
    layout = layout_for("customers")
    columns = readable_columns(layout, Actor.system())
    rows = [
        [to_cell(column, value) for column, value in zip(columns, values, strict=True)]
        for _id, _version, values in iter_rows(connection, layout, columns)
    ]
    return [column.title for column in columns], rows


def floor(path: Path, titles: list[str], rows: list[list]) -> None:
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet("Customers")
    sheet.append(titles)
    for row in rows:
        sheet.append(row)
    workbook.save(path)


def export(path: Path, engine: sa.Engine, expected: int) -> None:
    with engine.connect() as connection:
        written = write_workbook(path, connection, [layout_for("customers")], actor=Actor.system())
    assert written["Customers"] == expected, written


def timed(run: Callable[[], None]) -> float:
    started = time.perf_counter()
    run()
    return time.perf_counter() - started


def peak_memory(run: Callable[[], None]) -> float:
    """Peak MiB of Python allocations made during `run`."""
    tracemalloc.start()
    try:
        run()
        return tracemalloc.get_traced_memory()[1] / 2**20
    finally:
        tracemalloc.stop()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rows", type=int, default=100_000, help="customers to seed and export (default 100,000)")
    arguments = parser.parse_args()
    sizes = sorted({min(10_000, arguments.rows), arguments.rows})
    print(f"{'rows':>8}  {'floor s':>8}  {'floor rows/s':>12}  {'export s':>8}  {'export rows/s':>13}  "
          f"{'ratio':>5}  {'floor MiB':>9}  {'export MiB':>10}  {'xlsx MB':>7}")  # fmt: skip
    for size in sizes:
        with tempfile.TemporaryDirectory(prefix="onebook-bench-") as directory:
            folder = Path(directory)
            url = f"sqlite:///{folder / 'bench.db'}"
            seed(url, size)
            engine = create_sync_engine(url)
            with engine.connect() as connection:
                titles, rows = sheet_values(connection)
            floor_path, export_path = folder / "floor.xlsx", folder / "export.xlsx"
            floor_seconds = timed(lambda: floor(floor_path, titles, rows))  # noqa: B023
            export_seconds = timed(lambda: export(export_path, engine, size))  # noqa: B023
            floor_mib = peak_memory(lambda: floor(floor_path, titles, rows))  # noqa: B023
            export_mib = peak_memory(lambda: export(export_path, engine, size))  # noqa: B023
            print(
                f"{size:>8,}  {floor_seconds:>8.2f}  {size / floor_seconds:>12,.0f}  {export_seconds:>8.2f}  "
                f"{size / export_seconds:>13,.0f}  {export_seconds / floor_seconds:>5.2f}  {floor_mib:>9.1f}  "
                f"{export_mib:>10.1f}  {export_path.stat().st_size / 1e6:>7.1f}"
            )
            engine.dispose()


if __name__ == "__main__":
    main()
