"""How fast a sheet import is, against the floor: reading the same file with python-calamine and inserting its rows
with one Core executemany.

    .venv/bin/python bench/import_speed.py                    # 10,000 and 100,000 rows
    .venv/bin/python bench/import_speed.py --rows 1000000     # ... and 1,000,000 too
    .venv/bin/python bench/import_speed.py --sizes 10000 --backends sqlite
    .venv/bin/python bench/import_speed.py --sizes 100000 --repeat 3      # fastest of three runs per phase

For each size, builds a Customers sheet like an export's (13 columns: code, name, kind, email, phone, address, city,
country, segment, status, credit limit, owner email, notes; no IDs) with openpyxl write-only, then on SQLite (a
file) and on PostgreSQL (a database of its own, when a server answers at ONEBOOK_TEST_POSTGRES_URL or
postgresql://postgres@127.0.0.1:5432/postgres) times:
  floor       calamine reads the file; owner emails and choice labels become ids and values by dict lookups; one
              Core executemany inserts the rows into an empty customers table (another fresh database)
  insert      `import_workbook` of the same file into an empty database: every row is created
  update      a fresh export of those rows, with City changed in every row (the `_onebook` base kept), imported:
              every row is updated after the three-way compare
Each run happens in a child process of its own, so its peak RSS (`resource.getrusage`, the whole process: Python,
calamine, the driver) is its own; `idle` is the peak RSS of a child that only imported the same modules.
Prints seconds, rows per second, the ratio to the floor and the peak RSS. With `--repeat N` the three phases run N
times, in turn (floor, insert, update; then again), the insert and update in fresh databases each time, and each
phase's fastest run is printed: on a shared machine other work only ever adds time, and taking turns gives the three
the same share of it when the machine's speed drifts.
"""

import argparse
import json
import os
import random
import resource
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))  # run as a script from a checkout

import sqlalchemy as sa  # noqa: E402
from openpyxl import Workbook  # noqa: E402
from python_calamine import CalamineWorkbook  # noqa: E402

from app.database import create_sync_engine  # noqa: E402
from app.migrate import upgrade  # noqa: E402
from models.crm import Customer, CustomerKind, CustomerStatus  # noqa: E402
from models.hr import Employee  # noqa: E402
from resolvers.permissions import Actor  # noqa: E402
from sync.export_command import export_workbook_file  # noqa: E402
from sync.importer import ImportOptions, import_workbook  # noqa: E402
from sync.registry import choice_label  # noqa: E402

EMPLOYEES = 50
TITLES = [
    "Code", "Name", "Kind", "Email", "Phone", "Address", "City", "Country", "Segment", "Status", "Credit Limit",
    "Owner Email", "Notes",
]  # fmt: skip
CITIES = [("Bangkok", "TH"), ("Berlin", "DE"), ("Lyon", "FR"), ("Osaka", "JP"), ("Austin", "US"), ("Leeds", "GB")]
SEGMENTS = ["Enterprise", "Mid-market", "Small business", None]
NEW_CITY = "Bergen"
BIG_LIMIT = 8 * 2**30
POSTGRES_SERVER_URL = os.environ.get("ONEBOOK_TEST_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/postgres")


# --- files and databases ------------------------------------------------------------------------------------------


def write_sheet(path: Path, rows: int) -> None:
    """The Customers sheet a department would type: new rows, no IDs, values as a sheet shows them."""
    rng = random.Random(2026)
    book = Workbook(write_only=True)
    sheet = book.create_sheet("Customers")
    sheet.append(TITLES)
    kinds = [choice_label(kind) for kind in CustomerKind]
    statuses = [choice_label(status) for status in CustomerStatus]
    for n in range(1, rows + 1):
        city, country = rng.choice(CITIES)
        sheet.append(
            [
                f"C-{n:07}",
                f"Customer {n} {rng.choice(['Trading', 'Logistics', 'Foods', 'Systems'])} Ltd",
                kinds[n % 7 == 0],
                f"accounts{n}@customer{n % 977}.example",
                f"+66 2 {rng.randrange(100, 999)} {rng.randrange(1000, 9999)}",
                f"{rng.randrange(1, 400)} Market Street" if n % 3 else None,
                city,
                country,
                rng.choice(SEGMENTS),
                rng.choice(statuses),
                rng.randrange(0, 5_000_000) / 100,
                f"staff{rng.randrange(1, EMPLOYEES + 1)}@onebook.example" if n % 5 else None,
                "Prefers email; invoices monthly." if n % 4 == 0 else None,
            ]
        )
    book.save(path)


def edited_export(export: Path, target: Path) -> None:
    """The export with City changed in every row, written back with its `_onebook` sheet (openpyxl write-only,
    because loading a big export for editing would dwarf what is measured)."""
    source = CalamineWorkbook.from_path(str(export))
    book = Workbook(write_only=True)
    customers = source.get_sheet_by_name("Customers").to_python()
    city = customers[0].index("City")
    sheet = book.create_sheet("Customers")
    sheet.append(customers[0])
    for row in customers[1:]:
        row = [None if value == "" else value for value in row]
        row[city] = NEW_CITY
        sheet.append(row)
    del customers
    base = book.create_sheet("_onebook")
    for row in source.get_sheet_by_name("_onebook").to_python():
        base.append(row)
    source.close()
    book.save(target)


def seed_employees(url: str) -> None:
    engine = create_sync_engine(url)
    with engine.begin() as connection:
        connection.execute(
            Employee.__table__.insert(),
            [
                {"email": f"staff{n}@onebook.example", "name": f"Staff {n}", "version": 1}
                for n in range(1, EMPLOYEES + 1)
            ],
        )
    engine.dispose()


@contextmanager
def fresh_database(backend: str, folder: Path) -> Iterator[str]:
    """A migrated database with the employees the sheet names as owners, dropped afterwards."""
    if backend == "sqlite":
        url = f"sqlite:///{folder / f'bench-{uuid.uuid4().hex[:8]}.db'}"
        upgrade(url)
        seed_employees(url)
        yield url
        return
    name = f"onebook_bench_{uuid.uuid4().hex[:10]}"
    admin = postgres_admin()
    with admin.connect() as connection:
        connection.execute(sa.text(f'CREATE DATABASE "{name}"'))
    try:
        url = str(sa.make_url(POSTGRES_SERVER_URL).set(database=name))
        upgrade(url)
        seed_employees(url)
        yield url
    finally:
        with admin.connect() as connection:
            connection.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def postgres_admin() -> sa.Engine:
    return sa.create_engine(
        sa.make_url(POSTGRES_SERVER_URL).set(drivername="postgresql+psycopg"),
        isolation_level="AUTOCOMMIT",
        connect_args={"connect_timeout": 3},
    )


def postgres_reachable() -> bool:
    try:
        engine = postgres_admin()
        with engine.connect() as connection:
            connection.execute(sa.text("SELECT 1"))
        engine.dispose()
        return True
    except sa.exc.OperationalError:
        return False


# --- what the child processes run ---------------------------------------------------------------------------------


def floor(url: str, path: Path) -> int:
    """calamine + one executemany insert: the least any import of this file must do."""
    engine = create_sync_engine(url)
    with engine.begin() as connection:
        owners = dict(connection.execute(sa.select(Employee.email, Employee.id)).all())
    kinds = {choice_label(kind): kind for kind in CustomerKind}
    statuses = {choice_label(status): status for status in CustomerStatus}
    book = CalamineWorkbook.from_path(str(path))
    rows = book.get_sheet_by_name("Customers").iter_rows()
    names = [title.lower().replace(" ", "_") for title in next(rows)]
    values = []
    for row in rows:
        record = {name: (None if value == "" else value) for name, value in zip(names, row, strict=True)}
        record["kind"] = kinds[record["kind"]]
        record["status"] = statuses[record["status"]]
        record["owner_id"] = owners.get(record.pop("owner_email"))
        record["version"] = 1
        values.append(record)
    book.close()
    with engine.begin() as connection:
        connection.execute(Customer.__table__.insert(), values)
    engine.dispose()
    return len(values)


def onebook_import(url: str, path: Path) -> int:
    engine = create_sync_engine(url)
    result = import_workbook(engine, path, actor=Actor.system(via="import"), options=ImportOptions())
    engine.dispose()
    if result.errors:
        raise SystemExit(f"the import was refused: {[str(error) for error in result.errors[:5]]}")
    plan = result.summary()["Customers"]
    return plan["created"] + plan["updated"]


def child(phase: str, url: str, path: str) -> None:
    """Run one phase and print {"seconds", "rows", "rss_mib"} as JSON."""
    started = time.perf_counter()
    rows = 0
    if phase == "floor":
        rows = floor(url, Path(path))
    elif phase in ("insert", "update"):
        rows = onebook_import(url, Path(path))
    seconds = time.perf_counter() - started
    rss_mib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB on Linux
    print(json.dumps({"seconds": seconds, "rows": rows, "rss_mib": rss_mib}))


def measure(phase: str, url: str = "", path: Path | str = "") -> dict:
    """Run a phase in a child process. A file over the inflated-size limit (ONEBOOK_MAX_WORKBOOK_BYTES, 2 GiB by
    default) is said so, then measured with the limit raised to fit."""
    command = [sys.executable, __file__, "--child", phase, url, str(path)]
    finished = subprocess.run(command, capture_output=True, text=True, check=False)
    if finished.returncode != 0 and "would inflate to" in finished.stderr:
        limit = "ONEBOOK_MAX_WORKBOOK_BYTES (2 GiB by default)"
        print(f"#   {phase}: refused under {limit}; measured again with it at {BIG_LIMIT:,}", flush=True)
        environment = os.environ | {"ONEBOOK_MAX_WORKBOOK_BYTES": str(BIG_LIMIT)}
        finished = subprocess.run(command, capture_output=True, text=True, check=False, env=environment)
    if finished.returncode != 0:
        raise SystemExit(f"{phase} failed:\n{finished.stderr[-3000:]}")
    return json.loads(finished.stdout.strip().splitlines()[-1])


# --- the run ------------------------------------------------------------------------------------------------------


def count_rows(url: str, *where: sa.ColumnElement[bool]) -> int:
    engine = create_sync_engine(url)
    with engine.connect() as connection:
        found = connection.scalar(sa.select(sa.func.count()).select_from(Customer.__table__).where(*where))
    engine.dispose()
    return found


def line(backend: str, rows: int, what: str, measured: dict, floor_seconds: float) -> None:
    seconds = measured["seconds"]
    print(
        f"{backend:<10} {rows:>9,} {what:<7} {seconds:>9.2f} {rows / seconds:>10,.0f} "
        f"{seconds / floor_seconds:>6.2f}x {measured['rss_mib']:>9,.0f}",
        flush=True,
    )


def best(runs: list[dict]) -> dict:
    """The fastest of repeated runs (the machine's other work only ever adds time), with the largest peak RSS."""
    fastest = min(runs, key=lambda run: run["seconds"])
    return fastest | {"rss_mib": max(run["rss_mib"] for run in runs)}


def run(size: int, backends: list[str], folder: Path, repeat: int) -> None:
    sheet = folder / f"customers-{size}.xlsx"
    started = time.perf_counter()
    write_sheet(sheet, size)
    megabytes, seconds = sheet.stat().st_size / 2**20, time.perf_counter() - started
    print(f"# {size:,} rows: {megabytes:,.1f} MB xlsx written in {seconds:.1f} s", flush=True)
    export, edited = folder / "export.xlsx", folder / "edited.xlsx"
    for backend in backends:
        floors, inserts, updates = [], [], []
        for attempt in range(repeat):
            # Each attempt measures the floor, then the insert and the update, one after the other: when the
            # machine's speed drifts, all three see the same drift. The insert goes into a fresh database each
            # time, so its rows get the same ids and versions and the one edited export applies to each.
            with fresh_database(backend, folder) as url:
                floors.append(measure("floor", url, sheet))
                assert count_rows(url) == size
            with fresh_database(backend, folder) as url:
                inserts.append(measure("insert", url, sheet))
                assert inserts[-1]["rows"] == size and count_rows(url) == size
                if attempt == 0:
                    started = time.perf_counter()
                    export_workbook_file(str(export), database_url=url, sheets=["customers"], department=None,
                                         actor=Actor.system())  # fmt: skip
                    edited_export(export, edited)
                    print(f"#   export and edit for the update run: {time.perf_counter() - started:.1f} s", flush=True)
                updates.append(measure("update", url, edited))
                assert updates[-1]["rows"] == size and count_rows(url, Customer.city == NEW_CITY) == size
        floor_run = best(floors)
        line(backend, size, "floor", floor_run, floor_run["seconds"])
        line(backend, size, "insert", best(inserts), floor_run["seconds"])
        line(backend, size, "update", best(updates), floor_run["seconds"])
    export.unlink(missing_ok=True)
    edited.unlink(missing_ok=True)
    sheet.unlink()


def main() -> None:
    if len(sys.argv) > 1 and sys.argv[1] == "--child":
        child(*sys.argv[2:5])
        return
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", type=int, nargs="+", default=[10_000, 100_000], help="rows per run")
    parser.add_argument("--rows", type=int, nargs="*", default=[], help="more sizes, e.g. --rows 1000000")
    parser.add_argument("--backends", nargs="+", default=["sqlite", "postgresql"], choices=["sqlite", "postgresql"])
    parser.add_argument("--repeat", type=int, default=1, help="runs of each phase; the fastest is shown")
    arguments = parser.parse_args()
    backends = list(arguments.backends)
    if "postgresql" in backends and not postgres_reachable():
        print(f"# PostgreSQL not reachable at {POSTGRES_SERVER_URL}: SQLite only")
        backends.remove("postgresql")
    idle = measure("idle")
    print(f"# idle child (modules imported): {idle['rss_mib']:,.0f} MiB peak RSS")
    print(f"{'backend':<10} {'rows':>9} {'run':<7} {'seconds':>9} {'rows/s':>10} {'floor':>7} {'RSS MiB':>9}")
    with tempfile.TemporaryDirectory(prefix="onebook-import-bench-") as directory:
        for size in sorted(set(arguments.sizes) | set(arguments.rows)):
            run(size, backends, Path(directory), max(1, arguments.repeat))


if __name__ == "__main__":
    main()
