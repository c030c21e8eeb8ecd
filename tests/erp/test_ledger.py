"""The general ledger: an accountant's own entries balance, a posting is undone only by its mirror image, and what
the operations post to (the posting accounts, products with stock) can't be pulled from under them."""

import time
from concurrent.futures import ThreadPoolExecutor
from decimal import Decimal

import pytest
import sqlalchemy as sa

from app.database import transaction
from models.finance import Account, JournalEntry, JournalLine, Payment
from models.inventory import Product, StockMove
from resolvers import crud, ledger
from resolvers.errors import ErrorCode, Refused
from resolvers.permissions import Actor
from tests.factories import POSTING, count, stored

ERRORS = "errors { field message code }"
ENTRY_PAYLOAD = f"journalEntry {{ id number memo source lines {{ account {{ code }} debit credit memo }} }} {ERRORS}"
POST = f"""
mutation ($memo: String!, $lines: [JournalLineInput!]!) {{
  postJournalEntry(memo: $memo, lines: $lines) {{ {ENTRY_PAYLOAD} }}
}}"""
REVERSE = f"""
mutation ($id: ID!, $memo: String) {{ reverseJournalEntry(id: $id, memo: $memo) {{ {ENTRY_PAYLOAD} }} }}"""
UPDATE_ACCOUNT = f"""
mutation ($id: ID!, $input: UpdateAccountInput!) {{
  updateAccount(id: $id, input: $input) {{ account {{ code }} {ERRORS} }}
}}"""
DELETE_ACCOUNT = f"mutation ($id: ID!) {{ deleteAccount(id: $id) {{ account {{ code }} {ERRORS} }} }}"
DELETE_PRODUCT = f"mutation ($id: ID!) {{ deleteProduct(id: $id) {{ product {{ sku }} {ERRORS} }} }}"

ACCRUED_RENT = [
    {"accountCode": "5100", "debit": "1200.00", "memo": "March rent"},
    {"accountCode": "2000", "credit": "1200", "memo": "Owed to the landlord"},
]


def ledger_counts(engine) -> dict[str, int]:
    """How many rows the books hold: what a refused operation must leave as it was."""
    return {model.__tablename__: count(engine, model) for model in (StockMove, JournalEntry, JournalLine, Payment)}


def trial_balance(engine) -> Decimal:
    """All debits minus all credits ever posted: zero whenever every entry balances."""
    lines = JournalLine.__table__
    with engine.connect() as connection:
        debits, credits = connection.execute(
            sa.select(sa.func.coalesce(sa.func.sum(lines.c.debit), 0), sa.func.coalesce(sa.func.sum(lines.c.credit), 0))
        ).one()
    return Decimal(debits) - Decimal(credits)


def balances(engine) -> dict[str, Decimal]:
    """Each account's debits minus credits, for accounts that were posted to."""
    lines, accounts = JournalLine.__table__, Account.__table__
    query = (
        sa.select(accounts.c.code, sa.func.sum(lines.c.debit) - sa.func.sum(lines.c.credit))
        .join(accounts, accounts.c.id == lines.c.account_id)
        .group_by(accounts.c.code)
    )
    with engine.connect() as connection:
        return {code: Decimal(balance) for code, balance in connection.execute(query)}


def account_id(engine, code: str) -> int:
    table = Account.__table__
    with engine.connect() as connection:
        return connection.scalar(sa.select(table.c.id).where(table.c.code == code))


def post(gql, lines, memo="Accrued rent") -> dict:
    return gql(POST, {"memo": memo, "lines": lines})["data"]["postJournalEntry"]


def only_error(payload: dict, object_field: str = "journalEntry") -> dict:
    assert payload[object_field] is None, payload
    (error,) = payload["errors"]
    return error


@pytest.fixture
def adjusted_stock(make_stock_move, product, warehouse):
    """Earlier postings: 4 units counted in at 2.50 (Dr 1200 / Cr 5100 10.00)."""
    make_stock_move(product, warehouse, quantity=Decimal("4"), unit_cost=Decimal("2.50"))


# --- posting --------------------------------------------------------------------------------------------------------


def test_a_balanced_entry_is_posted_and_the_trial_balance_stays_zero(gql, engine, adjusted_stock):
    # given the books hold an earlier posting
    assert balances(engine) == {"1200": Decimal("10.00"), "5100": Decimal("-10.00")}

    # when an accountant posts an accrual
    payload = post(gql, ACCRUED_RENT)

    # then it is numbered, says what it is for, and carries its lines as typed
    assert payload["errors"] == []
    entry = payload["journalEntry"]
    assert entry["number"].startswith("JE-")
    assert (entry["memo"], entry["source"]) == ("Accrued rent", None)
    assert entry["lines"] == [
        {"account": {"code": "5100"}, "debit": "1200.00", "credit": "0.00", "memo": "March rent"},
        {"account": {"code": "2000"}, "debit": "0.00", "credit": "1200.00", "memo": "Owed to the landlord"},
    ]
    # and the books still balance
    assert trial_balance(engine) == 0
    assert balances(engine) == {"1200": Decimal("10.00"), "5100": Decimal("1190.00"), "2000": Decimal("-1200.00")}


@pytest.mark.parametrize(
    ("lines", "field", "message"),
    [
        pytest.param(
            [{"accountCode": "5100", "debit": "100"}, {"accountCode": "2000", "credit": "90"}],
            ["lines"],
            "debits (100.00) and credits (90.00) must be equal",
            id="unbalanced",
        ),
        pytest.param(
            [{"accountCode": "5100", "debit": "100"}],
            ["lines"],
            "a journal entry needs at least two lines",
            id="one-line",
        ),
        pytest.param(
            [{"accountCode": "5100", "debit": "100", "credit": "100"}, {"accountCode": "2000", "credit": "0"}],
            None,
            None,
            id="both-sides-and-neither",
        ),
        pytest.param(
            [{"accountCode": "5100", "debit": "100"}, {"accountCode": "2000", "credit": "-100"}],
            ["lines", "1"],
            "debits and credits are not negative",
            id="negative",
        ),
        pytest.param(
            [{"accountCode": "5100", "debit": "0.015"}, {"accountCode": "2000", "credit": "0.01"}],
            ["lines", "0"],
            "amounts have at most two decimals",
            id="fractions-of-cents",
        ),
        pytest.param(
            [{"accountCode": "5100", "debit": "100"}, {"accountCode": "9999", "credit": "100"}],
            ["lines", "1", "accountCode"],
            "no account with code 9999 in the chart of accounts",
            id="unknown-account",
        ),
    ],
)
def test_a_wrong_entry_is_refused_and_nothing_is_written(gql, engine, adjusted_stock, lines, field, message):
    books = ledger_counts(engine)

    payload = post(gql, lines)

    assert payload["journalEntry"] is None
    errors = payload["errors"]
    if message is None:  # the first line has both sides, the second neither: each is named
        assert errors == [
            {"field": ["lines", "0"], "message": "each line is a debit or a credit", "code": "VALIDATION"},
            {"field": ["lines", "1"], "message": "each line is a debit or a credit", "code": "VALIDATION"},
        ]
    else:
        assert errors == [{"field": field, "message": message, "code": "VALIDATION"}]
    assert ledger_counts(engine) == books
    assert trial_balance(engine) == 0


def test_an_entry_says_what_it_is_for(gql, engine):
    payload = post(gql, ACCRUED_RENT, memo="  ")

    assert only_error(payload) == {"field": ["memo"], "message": "say what the entry is for", "code": "VALIDATION"}
    assert count(engine, JournalEntry) == 0


# --- reversing ------------------------------------------------------------------------------------------------------


def test_a_reversal_posts_the_mirror_image(gql, engine, adjusted_stock):
    # given an accrual
    entry = post(gql, ACCRUED_RENT)["journalEntry"]

    # when it is reversed
    payload = gql(REVERSE, {"id": entry["id"]})["data"]["reverseJournalEntry"]

    # then a new entry, pointing at it, swaps every line's sides
    assert payload["errors"] == []
    reversal = payload["journalEntry"]
    assert reversal["number"] != entry["number"]
    assert reversal["source"] == f"reversal of {entry['number']}"
    assert reversal["memo"] == f"Reverses {entry['number']}: Accrued rent"
    assert reversal["lines"] == [
        {"account": {"code": "5100"}, "debit": "0.00", "credit": "1200.00", "memo": "March rent"},
        {"account": {"code": "2000"}, "debit": "1200.00", "credit": "0.00", "memo": "Owed to the landlord"},
    ]
    # and the accounts are back where they were, the original untouched
    assert balances(engine) == {"1200": Decimal("10.00"), "5100": Decimal("-10.00"), "2000": Decimal("0.00")}
    assert trial_balance(engine) == 0
    assert stored(engine, JournalEntry, entry["id"])["version"] == 1


def test_an_entry_is_reversed_once(gql, engine):
    entry = post(gql, ACCRUED_RENT)["journalEntry"]
    first = gql(REVERSE, {"id": entry["id"], "memo": "Booked twice"})["data"]["reverseJournalEntry"]
    books = ledger_counts(engine)

    second = gql(REVERSE, {"id": entry["id"]})["data"]["reverseJournalEntry"]

    assert first["journalEntry"]["memo"] == "Booked twice"
    assert only_error(second) == {
        "field": None,
        "message": f"{entry['number']} was already reversed by {first['journalEntry']['number']}",
        "code": "INVALID_STATE",
    }
    assert ledger_counts(engine) == books


def wait_for_a_writer_waiting_on_a_lock(engine) -> None:
    """Until another PostgreSQL session of this database waits for a row lock (at most a few seconds)."""
    query = sa.text(
        "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock'"
    )
    with engine.connect() as connection:
        for _ in range(500):
            if connection.scalar(query):
                return
            time.sleep(0.01)
    raise AssertionError("the second reversal never waited for the first")


def test_two_people_reversing_one_entry_at_once_reverse_it_once(gql, engine):
    if engine.dialect.name != "postgresql":
        # The test watches pg_locks for the second reversal waiting on the entry's row lock. SQLite has no row locks:
        # its write transactions queue whole (BEGIN IMMEDIATE), as tests/erp/test_concurrency.py shows for shipments.
        pytest.skip("watches PostgreSQL's row locks; SQLite queues whole write transactions instead")
    entry = post(gql, ACCRUED_RENT)["journalEntry"]
    entry_id, actor = int(entry["id"]), Actor.system(via="api")

    def reverse_in_its_own_transaction():
        with transaction(engine) as session:
            return ledger.reverse(session, id=entry_id, actor=actor).number

    # given one reversal written but not yet committed, and a second one started meanwhile
    with ThreadPoolExecutor(max_workers=1) as pool:
        with transaction(engine) as session:
            first = ledger.reverse(session, id=entry_id, actor=actor)
            second = pool.submit(reverse_in_its_own_transaction)
            wait_for_a_writer_waiting_on_a_lock(engine)
        # when the first commits
        # then the second finds the entry reversed
        with pytest.raises(Refused) as refused:
            second.result(timeout=30)

    assert [error.message for error in refused.value.errors] == [
        f"{entry['number']} was already reversed by {first.number}"
    ]
    assert count(engine, JournalEntry) == 2


def test_reversing_an_entry_that_does_not_exist_is_not_found(gql, engine):
    payload = gql(REVERSE, {"id": "4711"})["data"]["reverseJournalEntry"]

    assert only_error(payload) == {"field": ["id"], "message": "no journal entry with id 4711", "code": "NOT_FOUND"}
    assert count(engine, JournalEntry) == 0


# --- posted entries never change ------------------------------------------------------------------------------------


@pytest.mark.parametrize("actor", [Actor.system(via="api"), POSTING], ids=["admin", "an-operation"])
def test_a_posted_entry_and_its_lines_are_never_edited_or_deleted(gql, engine, actor):
    entry = post(gql, ACCRUED_RENT)["journalEntry"]
    lines = JournalLine.__table__
    with engine.connect() as connection:
        line_id = connection.scalar(sa.select(sa.func.min(lines.c.id)).where(lines.c.entry_id == int(entry["id"])))
    books, before = ledger_counts(engine), balances(engine)

    for write in (
        lambda session: crud.update(session, JournalEntry, int(entry["id"]), {"memo": "Changed"}, actor=actor),
        lambda session: crud.update(session, JournalLine, line_id, {"debit": Decimal("1.00")}, actor=actor),
        lambda session: crud.delete(session, JournalLine, line_id, actor=actor),
        lambda session: crud.delete(session, JournalEntry, int(entry["id"]), actor=actor),
    ):
        with pytest.raises(Refused) as refused, transaction(engine) as session:
            write(session)
        (error,) = refused.value.errors
        assert error.code is ErrorCode.INVALID_STATE
        assert "never changed or deleted once written" in error.message

    assert stored(engine, JournalEntry, entry["id"])["memo"] == "Accrued rent"
    assert (ledger_counts(engine), balances(engine)) == (books, before)


def test_the_api_offers_no_way_to_write_journal_rows_but_the_verbs(gql):
    mutations = gql("{ __schema { mutationType { fields { name } } } }")["data"]["__schema"]["mutationType"]["fields"]
    names = {field["name"] for field in mutations}

    assert {"postJournalEntry", "reverseJournalEntry"} <= names
    assert (
        not {f"{verb}{entity}" for verb in ("create", "update", "delete") for entity in ("JournalEntry", "JournalLine")}
        & names
    )


# --- who may post ---------------------------------------------------------------------------------------------------


def test_sales_staff_do_not_post_or_reverse(client_as, gql, engine):
    entry = post(gql, ACCRUED_RENT)["journalEntry"]
    books = ledger_counts(engine)
    sales = client_as("sales")

    posting = sales(POST, {"memo": "Bonus", "lines": ACCRUED_RENT})["data"]["postJournalEntry"]
    reversing = sales(REVERSE, {"id": entry["id"]})["data"]["reverseJournalEntry"]

    assert only_error(posting)["code"] == only_error(reversing)["code"] == "FORBIDDEN"
    assert ledger_counts(engine) == books


def test_finance_staff_post_entries(client_as, engine):
    payload = client_as("finance")(POST, {"memo": "Accrued rent", "lines": ACCRUED_RENT})["data"]["postJournalEntry"]

    assert payload["errors"] == []
    assert count(engine, JournalLine) == 2


# --- what the operations post to stays ------------------------------------------------------------------------------


def test_the_receivables_account_keeps_its_code(gql, engine):
    id = account_id(engine, "1100")

    payload = gql(UPDATE_ACCOUNT, {"id": str(id), "input": {"code": "1101"}})["data"]["updateAccount"]

    assert only_error(payload, "account") == {
        "field": ["input", "code"],
        "message": "account 1100 is posted to by Onebook's operations; its code can't change",
        "code": "VALIDATION",
    }
    assert stored(engine, Account, id)["code"] == "1100"


def test_an_account_of_ones_own_changes_its_code(gql, engine, make_account):
    account = make_account(code="6100", name="Rent")

    payload = gql(UPDATE_ACCOUNT, {"id": str(account.id), "input": {"code": "6110"}})["data"]["updateAccount"]

    assert payload == {"account": {"code": "6110"}, "errors": []}


def test_the_cash_account_is_not_deleted(gql, engine):
    id = account_id(engine, "1000")

    payload = gql(DELETE_ACCOUNT, {"id": str(id)})["data"]["deleteAccount"]

    assert only_error(payload, "account") == {
        "field": ["id"],
        "message": "account 1000 is posted to by Onebook's operations; it can't be deleted",
        "code": "INVALID_STATE",
    }
    assert stored(engine, Account, id)["code"] == "1000"


def test_a_product_with_stock_moves_is_not_deleted(gql, engine, make_stock_move, product, warehouse):
    make_stock_move(product, warehouse, quantity=Decimal("4"), unit_cost=Decimal("2.50"))
    make_stock_move(product, warehouse, quantity=Decimal("-1"))
    books = ledger_counts(engine)

    payload = gql(DELETE_PRODUCT, {"id": str(product.id)})["data"]["deleteProduct"]

    assert only_error(payload, "product") == {
        "field": ["id"],
        "message": f"product {product.id} still has 2 stock moves; remove or reassign them first",
        "code": "INVALID_STATE",
    }
    assert stored(engine, Product, product.id)["sku"] == product.sku
    assert ledger_counts(engine) == books
