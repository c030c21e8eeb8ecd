"""Two writers racing for the same natural key, on two real connections: one wins, the other gets a clear refusal
(never a database error), and the loser's transaction is rolled back whole."""

import threading
import time

import sqlalchemy as sa

from app.database import transaction
from models.crm import Customer
from resolvers import crud
from resolvers.errors import ErrorCode, Refused
from resolvers.permissions import Actor

API = Actor.system(via="api")


def test_two_concurrent_creates_of_the_same_code_create_one(engine, backend):
    # PostgreSQL: both find the code free; the second's insert waits on the first's unique index entry, then fails.
    # SQLite: the second waits for the first's write lock, then finds the code taken.
    first_has_written = threading.Event()
    outcomes: dict[str, object] = {}

    def create(name: str, *, before_commit=None, wait_for=None) -> None:
        if wait_for is not None:
            wait_for.wait(timeout=10)
        try:
            with transaction(engine) as session:
                crud.create(session, Customer, {"code": "RACE-1", "name": name}, actor=API)
                if before_commit is not None:
                    before_commit.set()
                    time.sleep(0.5)
            outcomes[name] = "created"
        except Refused as refused:
            outcomes[name] = refused

    threads = [
        threading.Thread(target=create, args=("First",), kwargs={"before_commit": first_has_written}),
        threading.Thread(target=create, args=("Second",), kwargs={"wait_for": first_has_written}),
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)

    assert outcomes["First"] == "created"
    refused = outcomes["Second"]
    assert isinstance(refused, Refused)
    (error,) = refused.errors
    if backend == "postgresql":
        assert error.code is ErrorCode.CONFLICT
        assert error.message == "another customer with the same key was saved meanwhile; reload and try again"
    else:
        assert error.message == "another customer already has code 'RACE-1'"
    with engine.connect() as connection:
        names = connection.scalars(sa.select(Customer.name).where(Customer.code == "RACE-1")).all()
    assert names == ["First"]
