"""How long `onebook demo --size large` takes to load: seeds a fresh SQLite file and, when a server answers, a fresh
PostgreSQL database (created and dropped here), and prints seconds and rows per second for each.

    .venv/bin/python bench/demo_load.py [--size large] [--seed 2026]

PostgreSQL is reached through ONEBOOK_BENCH_POSTGRES_URL (default postgresql://postgres@127.0.0.1:5432/postgres).
Migrations run before the clock starts; the time covers generating and inserting the rows in one transaction.
"""

import argparse
import os
import tempfile
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import sqlalchemy as sa

from app.database import create_sync_engine
from app.demo import SIZES, seed
from app.migrate import upgrade

POSTGRES_SERVER_URL = os.environ.get("ONEBOOK_BENCH_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/postgres")


@contextmanager
def fresh_sqlite_database() -> Iterator[str]:
    with tempfile.TemporaryDirectory(prefix="onebook-bench-") as directory:
        yield f"sqlite:///{Path(directory) / 'demo.db'}"


@contextmanager
def fresh_postgres_database() -> Iterator[str]:
    admin = sa.create_engine(
        sa.make_url(POSTGRES_SERVER_URL).set(drivername="postgresql+psycopg"),
        isolation_level="AUTOCOMMIT",
        connect_args={"connect_timeout": 3},
    )
    name = f"onebook_bench_{uuid.uuid4().hex[:12]}"
    try:
        with admin.connect() as connection:
            connection.execute(sa.text(f'CREATE DATABASE "{name}"'))
        yield str(sa.make_url(POSTGRES_SERVER_URL).set(database=name).render_as_string(hide_password=False))
    finally:
        with admin.connect() as connection:
            connection.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def postgres_unavailable_reason() -> str | None:
    engine = sa.create_engine(
        sa.make_url(POSTGRES_SERVER_URL).set(drivername="postgresql+psycopg"), connect_args={"connect_timeout": 3}
    )
    try:
        with engine.connect() as connection:
            connection.execute(sa.text("SELECT 1"))
    except sa.exc.OperationalError as exc:
        return str(exc.orig).strip().splitlines()[0]
    finally:
        engine.dispose()
    return None


def load(url: str, *, size: str, seed_value: int) -> tuple[float, dict[str, float], int]:
    """Migrate, then time the seed; returns total seconds, seconds spent per table, and rows written."""
    upgrade(url)
    engine = create_sync_engine(url)
    table_seconds: dict[str, float] = {}
    try:
        started = last = time.perf_counter()

        def progress(table: str, _count: int) -> None:
            nonlocal last
            now = time.perf_counter()
            table_seconds[table], last = now - last, now

        written = seed(engine, size=size, seed=seed_value, progress=progress)
        elapsed = time.perf_counter() - started
    finally:
        engine.dispose()
    return elapsed, table_seconds, sum(written.values())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", choices=sorted(SIZES), default="large")
    parser.add_argument("--seed", type=int, default=2026)
    arguments = parser.parse_args()

    backends = [("sqlite", fresh_sqlite_database)]
    if reason := postgres_unavailable_reason():
        print(f"postgresql: skipped, not reachable at {POSTGRES_SERVER_URL} ({reason})")
    else:
        backends.append(("postgresql", fresh_postgres_database))

    counts = ", ".join(f"{table} {count:,}" for table, count in SIZES[arguments.size].items())
    print(f"demo size {arguments.size!r}, seed {arguments.seed}: {counts}")
    for backend, fresh_database in backends:
        with fresh_database() as url:
            elapsed, table_seconds, rows = load(url, size=arguments.size, seed_value=arguments.seed)
        split = ", ".join(f"{table} {seconds:.2f}" for table, seconds in table_seconds.items())
        print(f"{backend:<10} {elapsed:6.2f} s  {rows / elapsed:9,.0f} rows/s  ({rows:,} rows; per table: {split})")


if __name__ == "__main__":
    main()
