"""Alembic environment: Onebook's metadata, SQLite batch mode, and a connection from `app.migrate` or the config URL."""

from collections.abc import Iterator
from contextlib import contextmanager, nullcontext

import sqlalchemy as sa
from alembic import context
from alembic.autogenerate.api import AutogenContext
from sqlalchemy.types import TypeDecorator

import models
from app.database import create_sync_engine, sync_url

config = context.config
target_metadata = models.Base.metadata


def render_item(type_: str, obj: object, autogen_context: AutogenContext) -> str | bool:
    """Write a model's TypeDecorator as the plain SQLAlchemy type it stores, so migrations never import app code."""
    if type_ == "type" and isinstance(obj, TypeDecorator):
        return f"sa.{obj.impl_instance!r}"
    return False


# compare_type compares the DDL a type compiles to, so UTCDateTime matches the TIMESTAMP WITH TIME ZONE it stores.
CONTEXT_OPTIONS = {"target_metadata": target_metadata, "compare_type": True, "render_item": render_item}


@contextmanager
def sqlite_foreign_keys_off(connection: sa.Connection) -> Iterator[None]:
    """Switch SQLite foreign keys off while migrating, then check them and switch them back on.

    Batch mode alters a SQLite table by copying it and dropping the original; with foreign keys on, that drop
    would fail or fire ON DELETE actions (SET NULL on departments.head_id) on every referencing row. The pragma
    is ignored inside a transaction, so the connection must not be in one yet.
    """
    if connection.in_transaction():
        raise RuntimeError("on SQLite, pass Alembic a connection outside a transaction (foreign keys go off first)")
    connection.exec_driver_sql("PRAGMA foreign_keys=OFF")
    connection.commit()
    try:
        yield
        violations = connection.exec_driver_sql("PRAGMA foreign_key_check").all()
        if violations:
            raise RuntimeError(f"migration left rows breaking foreign keys (table, rowid, parent, fk): {violations}")
    finally:
        connection.rollback()
        connection.exec_driver_sql("PRAGMA foreign_keys=ON")
        connection.commit()


def run_migrations_offline() -> None:
    """Write the migration SQL to standard output instead of running it (`alembic upgrade --sql`)."""
    url = sync_url(config.get_main_option("sqlalchemy.url"))
    context.configure(
        url=url,
        literal_binds=True,
        dialect_opts={"paramstyle": "named"},
        render_as_batch=url.get_backend_name() == "sqlite",
        **CONTEXT_OPTIONS,
    )
    with context.begin_transaction():
        context.run_migrations()


def run_migrations(connection: sa.Connection) -> None:
    is_sqlite = connection.dialect.name == "sqlite"
    with sqlite_foreign_keys_off(connection) if is_sqlite else nullcontext():
        context.configure(connection=connection, render_as_batch=is_sqlite, **CONTEXT_OPTIONS)
        with context.begin_transaction():
            context.run_migrations()


def run_migrations_online() -> None:
    """Migrate over the connection `app.migrate` passed in, or over a new one to the configured URL."""
    connection = config.attributes.get("connection")
    if connection is not None:
        run_migrations(connection)
        return
    engine = create_sync_engine(config.get_main_option("sqlalchemy.url"))
    try:
        with engine.connect() as connection:
            run_migrations(connection)
    finally:
        engine.dispose()


if context.is_offline_mode():
    run_migrations_offline()
else:
    run_migrations_online()
