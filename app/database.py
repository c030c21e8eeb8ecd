"""Database engines and sessions: SQLite (WAL, foreign keys on) or PostgreSQL through psycopg 3, sync and async."""

from collections.abc import Iterator
from contextlib import contextmanager

import sqlalchemy as sa
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncEngine, async_sessionmaker, create_async_engine
from sqlalchemy.orm import Session, sessionmaker

SQLITE_BUSY_TIMEOUT_MS = 10_000


def sync_url(url: str) -> sa.URL:
    """The URL a user configures, with the driver Onebook uses for synchronous work."""
    parsed = make_url(url)
    backend = parsed.get_backend_name()
    if backend == "sqlite":
        return parsed.set(drivername="sqlite")
    if backend == "postgresql":
        return parsed.set(drivername="postgresql+psycopg")
    raise ValueError(f"unsupported database {backend!r}: use sqlite:///FILE or postgresql://...")


def async_url(url: str) -> sa.URL:
    """The same database with an asyncio driver (aiosqlite, or psycopg 3 which serves both)."""
    parsed = sync_url(url)
    if parsed.get_backend_name() == "sqlite":
        return parsed.set(drivername="sqlite+aiosqlite")
    return parsed


def _configure_sqlite(dbapi_connection, _record) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()


def create_sync_engine(url: str, *, echo: bool = False) -> sa.Engine:
    """A synchronous engine for CLI jobs, migrations and domain operations."""
    target = sync_url(url)
    if target.get_backend_name() == "sqlite":
        engine = sa.create_engine(target, echo=echo)
        sa.event.listen(engine, "connect", _configure_sqlite)
        return engine
    return sa.create_engine(target, echo=echo, pool_pre_ping=True)


def create_async_db_engine(url: str, *, echo: bool = False) -> AsyncEngine:
    """An asyncio engine for request handling; pragmas are set on its sync side."""
    target = async_url(url)
    if target.get_backend_name() == "sqlite":
        engine = create_async_engine(target, echo=echo)
        sa.event.listen(engine.sync_engine, "connect", _configure_sqlite)
        return engine
    return create_async_engine(target, echo=echo, pool_pre_ping=True, pool_size=10, max_overflow=10)


def session_factory(engine: sa.Engine) -> sessionmaker[Session]:
    return sessionmaker(engine, expire_on_commit=False)


def async_session_factory(engine: AsyncEngine) -> async_sessionmaker:
    return async_sessionmaker(engine, expire_on_commit=False)


def begin_writing(session: Session | sa.Connection) -> None:
    """Start a write transaction. On SQLite, take the database's write lock at once (`BEGIN IMMEDIATE`), so that
    what a write reads before writing (the stock on hand, what an invoice still owes) can't change under it; writers
    queue for up to the busy timeout. PostgreSQL needs nothing here: writes lock the rows they depend on."""
    bind = session.get_bind() if isinstance(session, Session) else session
    if bind.dialect.name == "sqlite":
        session.execute(sa.text("BEGIN IMMEDIATE"))


@contextmanager
def transaction(engine: sa.Engine) -> Iterator[Session]:
    """A write transaction whose work commits together on success and rolls back on any exception."""
    with session_factory(engine)() as session, session.begin():
        begin_writing(session)
        yield session
