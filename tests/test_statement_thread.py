"""A big write's statements run by a second thread on SQLite (`resolvers.statement_thread`): in order, in the
caller's transaction, with errors raised in the caller's thread."""

import sys
import threading

import pytest
import sqlalchemy as sa

from app.database import transaction
from models.crm import Customer
from resolvers import crud
from resolvers.permissions import Actor
from resolvers.statement_thread import SWITCH_INTERVAL, statements_sent

THREAD = "onebook-statements"


@pytest.fixture
def scratch(engine):
    """On SQLite, a table of numbers; each row notes the largest number stored before it, so the order of inserts
    shows. The tests using it are skipped on PostgreSQL, where no statement thread runs (rows are copied in)."""
    if engine.dialect.name != "sqlite":
        pytest.skip("statements are sent by a second thread on SQLite only; PostgreSQL copies rows in")
    with engine.begin() as connection:
        connection.execute(sa.text("CREATE TABLE scratch (n INTEGER PRIMARY KEY, previous INTEGER)"))
    yield
    with engine.begin() as connection:
        connection.execute(sa.text("DROP TABLE scratch"))


INSERT = "INSERT INTO scratch (n, previous) SELECT ?, (SELECT max(n) FROM scratch)"


def statements_by_thread(engine):
    """(thread name, statement) of each statement the engine runs, while the returned list is listened to."""
    seen: list[tuple[str, str]] = []

    def record(connection, cursor, statement, parameters, context, executemany) -> None:
        seen.append((threading.current_thread().name, statement))

    sa.event.listen(engine, "before_cursor_execute", record)
    return seen, lambda: sa.event.remove(engine, "before_cursor_execute", record)


def test_a_big_batch_is_stored_by_a_second_thread_on_sqlite_only(engine):
    # when more customers are created than one statement lists
    seen, stop = statements_by_thread(engine)
    try:
        with transaction(engine) as session:
            rows = [{"code": f"T-{n:05}", "name": f"Threaded {n}"} for n in range(2 * crud.ROWS_PER_INSERT + 1)]
            crud.create_many(session, Customer, rows, actor=Actor.system(via="import"))
    finally:
        stop()
    # then on SQLite their INSERTs (rows and audit events) ran in the statement thread (PostgreSQL copies them in,
    # in this thread), and every row was stored
    if engine.dialect.name == "sqlite":
        assert {thread for thread, statement in seen if statement.startswith("INSERT INTO")} == {THREAD}
    else:
        assert THREAD not in {thread for thread, _ in seen}
    with engine.connect() as connection:
        assert connection.scalar(sa.select(sa.func.count()).select_from(Customer.__table__)) == len(rows)


def test_statements_run_in_the_order_sent_in_the_callers_transaction(engine, scratch):
    # when a hundred inserts are sent through the thread and the transaction then rolls back
    with pytest.raises(RuntimeError), transaction(engine) as session:
        with statements_sent(session, statements=100) as sender:
            assert sender.threaded
            for n in range(1, 101):
                sender.send(INSERT, (n,), counted=True)
        # then they have all run, in order, counted, and this thread sees them
        assert sender.counted == 100
        found = session.execute(sa.text("SELECT n, previous FROM scratch ORDER BY n")).all()
        assert found == [(n, n - 1 if n > 1 else None) for n in range(1, 101)]
        raise RuntimeError("roll back")
    # and they were part of the transaction: nothing is left
    with engine.connect() as connection:
        assert connection.scalar(sa.text("SELECT count(*) FROM scratch")) == 0


def test_a_statement_that_fails_in_the_thread_raises_in_the_caller_and_nothing_after_it_runs(engine, scratch):
    seen, stop = statements_by_thread(engine)
    try:
        # when the second of four inserts repeats the first one's key
        with (
            pytest.raises(sa.exc.IntegrityError),
            transaction(engine) as session,
            statements_sent(session, statements=4) as sender,
        ):
            for n in (1, 1, 2, 3):
                sender.send(INSERT, (n,))
    finally:
        stop()
    # then the error reached the caller, the inserts after it never ran, and the transaction was rolled back
    assert [statement for _, statement in seen if statement.startswith("INSERT")] == [INSERT, INSERT]
    with engine.connect() as connection:
        assert connection.scalar(sa.text("SELECT count(*) FROM scratch")) == 0


def test_what_the_block_sent_and_was_not_run_is_dropped_when_the_block_fails(engine, scratch):
    started, release = threading.Event(), threading.Event()

    def held() -> bool:
        started.set()
        return release.wait(5)

    seen, stop = statements_by_thread(engine)
    try:
        with pytest.raises(ValueError, match="a bad row"), transaction(engine) as session:
            # the thread's first statement waits until released, so the others are still queued when the block fails
            session.connection().connection.driver_connection.create_function("held", 0, held)
            with statements_sent(session, statements=4) as sender:
                sender.send("SELECT held()", ())
                for n in (1, 2, 3):
                    sender.send(INSERT, (n,))
                assert started.wait(5)
                threading.Timer(0.2, release.set).start()
                raise ValueError("a bad row")
    finally:
        stop()
    # then the statement running finished, and the ones waiting never ran
    assert [statement for _, statement in seen if statement != "BEGIN IMMEDIATE"] == ["SELECT held()"]


def test_the_switch_interval_is_short_while_the_thread_works_and_restored_after(engine, scratch):
    usual = sys.getswitchinterval()
    with transaction(engine) as session, statements_sent(session, statements=2) as sender:
        assert sender.threaded and sys.getswitchinterval() == min(usual, SWITCH_INTERVAL)
        sender.send(INSERT, (1,))
    assert sys.getswitchinterval() == usual


def test_a_single_statement_runs_at_once_in_the_callers_thread(engine, scratch):
    with transaction(engine) as session, statements_sent(session, statements=1) as sender:
        sender.send(INSERT, (1,), counted=True)
        # then it has run already, in this thread
        assert not sender.threaded and sender.counted == 1
        assert session.execute(sa.text("SELECT count(*) FROM scratch")).scalar() == 1
