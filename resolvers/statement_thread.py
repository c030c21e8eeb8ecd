"""SQLite statements run by a second thread while this one builds the next ones.

SQLite lets go of Python's GIL while it stores a statement's rows, so a big write (an import's hundred thousand
rows and their audit events) takes less time when one thread stores a statement while another builds the next
statement's parameters and audit texts. The statements run on the caller's connection, in its transaction, in the
order they were sent; the caller uses the connection for nothing else until they have run (a connection serves one
thread at a time).
"""

import queue
import sqlite3
import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

# Statements built ahead of the one being stored, at most: what waits in memory stays bounded (a thousand rows
# each), and the builder never waits while the batch it is sending (`crud.SEND_CHUNK` rows) fits.
QUEUED_STATEMENTS = 32

SWITCH_INTERVAL = 0.001  # seconds; see `_quick_switching`

Parameters = tuple[Any, ...] | list[tuple[Any, ...]]


class StatementSender:
    """Statements run at once, in the caller's thread: a small write, or a connection that can't be shared (an
    asyncio connection belongs to its event loop)."""

    threaded = False

    def __init__(self, connection: sa.Connection):
        self._connection = connection
        # The rows changed by the statements sent with `counted=True` and by those `tally` was told of; None once
        # a driver did not say (a rowcount of -1).
        self.counted: int | None = 0

    def send(self, sql: str, parameters: Parameters, *, counted: bool = False) -> None:
        """Run a statement (a list of parameter tuples: once per tuple)."""
        changed = self._connection.exec_driver_sql(sql, parameters).rowcount
        if counted:
            self.tally(changed)

    def tally(self, rows: int) -> None:
        """Count rows changed by a statement run otherwise."""
        self.counted = None if self.counted is None or rows < 0 else self.counted + rows

    def finish(self) -> None:
        """Wait until every statement sent has run; raise what one of them met."""

    def abandon(self) -> None:
        """Run none of the statements still waiting (the transaction is about to be rolled back), and wait for the
        one running."""


class StatementThread(StatementSender):
    """Statements run in order by a thread of their own, on the caller's connection."""

    threaded = True

    def __init__(self, connection: sa.Connection):
        super().__init__(connection)
        self._queue: queue.Queue[tuple[str, Parameters, bool] | None] = queue.Queue(QUEUED_STATEMENTS)
        self._error: BaseException | None = None
        self._abandoned = False
        self._thread = threading.Thread(target=self._run, name="onebook-statements", daemon=True)
        self._thread.start()

    def send(self, sql: str, parameters: Parameters, *, counted: bool = False) -> None:
        if self._error is not None:  # what is still to come would not run: stop building it
            self.finish()
        self._queue.put((sql, parameters, counted))

    def finish(self) -> None:
        if self._thread.is_alive():
            self._queue.put(None)
            self._thread.join()
        if self._error is not None:
            error, self._error = self._error, None
            raise error

    def abandon(self) -> None:
        self._abandoned = True
        if self._thread.is_alive():
            self._queue.put(None)
            self._thread.join()

    def _run(self) -> None:
        while (statement := self._queue.get()) is not None:
            if self._error is not None or self._abandoned:
                continue  # taken off the queue only, so that the caller never waits to put one on it
            sql, parameters, counted = statement
            try:
                super().send(sql, parameters, counted=counted)
            except BaseException as error:  # raised in the caller's thread by `finish`
                self._error = error


def _shareable(connection: sa.Connection) -> bool:
    """Whether another thread may run statements on this connection: a SQLite database file opened through the
    sqlite3 module, which SQLAlchemy opens without its same-thread check (an in-memory database keeps it)."""
    if not isinstance(connection.connection.driver_connection, sqlite3.Connection):
        return False
    database = connection.engine.url.database or ""
    return database not in ("", ":memory:") and "mode=memory" not in database


@contextmanager
def statements_sent(session: Session, *, statements: int) -> Iterator[StatementSender]:
    """A sender for about `statements` statements on the session's connection: a thread of their own when there
    are several on SQLite, else run at once. While a thread sends them, the block must run no statement on the
    session but through the sender. Once the block ends every statement sent has run, and the first error one met
    is raised; if the block raised, what it had sent and had not run is dropped instead."""
    session.flush()
    connection = session.connection()
    threaded = statements > 1 and _shareable(connection)
    if not threaded:
        yield StatementSender(connection)
        return
    with _quick_switching():
        sender = StatementThread(connection)
        try:
            yield sender
        except BaseException:
            sender.abandon()
            raise
        sender.finish()


_switching_lock = threading.Lock()
_switching_users = 0
_usual_interval = 0.0


@contextmanager
def _quick_switching() -> Iterator[None]:
    """Python's thread switch interval shortened to SWITCH_INTERVAL while a statement thread works.

    Each time SQLite has stored a statement's rows, the statement thread needs the GIL back to send the next one,
    and gets it when the building thread's interval (5 ms by default) runs out: at 1,000 rows per statement, most
    of a second per 100,000 rows spent waiting. The interval is process-wide; the first thread to shorten it
    notes the usual one, and the last to finish puts it back."""
    global _switching_users, _usual_interval
    with _switching_lock:
        if _switching_users == 0:
            _usual_interval = sys.getswitchinterval()
            sys.setswitchinterval(min(_usual_interval, SWITCH_INTERVAL))
        _switching_users += 1
    try:
        yield
    finally:
        with _switching_lock:
            _switching_users -= 1
            if _switching_users == 0:
                sys.setswitchinterval(_usual_interval)
