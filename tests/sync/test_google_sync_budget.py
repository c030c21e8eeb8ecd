"""What a sync costs in Google's per-minute quota, and one sync per link at a time.

Google counts requests, so a sync's cost does not depend on the machine and is asserted exactly: every linked tab is
read in one values:batchGet and written in one values:batchUpdate, after one spreadsheets.get; tabs are created in
one spreadsheets:batchUpdate, only when they are missing. The client's count and the server's log must agree, and a
retried request counts once per attempt. Runs on SQLite and PostgreSQL.
"""

import threading
from collections import Counter
from datetime import timedelta

import pytest
import sqlalchemy as sa

from app.database import transaction
from models.base import utcnow
from models.crm import Contact, Customer, Opportunity
from models.system import SheetLink
from resolvers import crud
from sync.google import Lease
from sync.sheets_api import client_from_settings
from tests.factories import stored
from tests.sync.linked_spreadsheet import API, SPREADSHEET, SheetUser, link, link_state, sync

BUSY = "another sync of this link is running; try again when it ends"


def requests_seen(server, since: int = 0) -> Counter:
    """The Sheets API methods the server answered (after the first `since` API calls), counted."""
    kinds = Counter()
    for method, path in server.api_calls[since:]:
        if path.endswith("/values:batchGet"):
            kinds["values.batchGet"] += 1
        elif path.endswith("/values:batchUpdate"):
            kinds["values.batchUpdate"] += 1
        elif path.endswith(":batchUpdate"):
            kinds["spreadsheets.batchUpdate"] += 1
        elif method == "GET" and path.count("/") == 3:
            kinds["spreadsheets.get"] += 1
        else:
            kinds[f"{method} {path}"] += 1
    return kinds


def requests_sent(client, before: dict[str, int]) -> Counter:
    """What the client counted since `before` (a copy of its calls_by_kind)."""
    return Counter(client.calls_by_kind) - Counter(before)


@pytest.fixture
def three_tabs(engine, sheets_server, make_customer, make_contact, make_opportunity):
    """A customer with a contact and an opportunity; Customers, Contacts and Opportunities linked to a new
    spreadsheet. Returns the link id."""
    acme = make_customer(code="C-1", name="Acme", city="Rome")
    make_contact(acme, name="Ann", email="ann@acme.test", title="Buyer")
    make_opportunity(acme, number="OPP-1", title="Deal")
    sheets_server.add_spreadsheet(SPREADSHEET, tabs={"Sheet1": []})
    return link(engine, "customers", "contacts", "opportunities")


def test_the_first_sync_of_three_tabs_creates_them_in_one_request_and_writes_them_in_one(
    engine, sheets_server, sheets_client, three_tabs
):
    # when a new link of three tabs syncs for the first time
    report = sync(engine, sheets_client, three_tabs)

    # then it opened the spreadsheet, created the three tabs together and wrote them together; nothing to read yet
    assert report.errors == []
    assert report.created_tabs == ["Customers", "Contacts", "Opportunities"]
    budget = {"spreadsheets.get": 1, "spreadsheets.batchUpdate": 1, "values.batchUpdate": 1}
    assert sheets_client.calls_by_kind == budget
    assert requests_seen(sheets_server) == budget
    assert report.api_calls == 3


def test_a_first_sync_of_more_rows_than_a_new_tab_holds_creates_it_tall_enough_in_the_same_request(
    engine, sheets_server, sheets_client
):
    # given more customers than the 1,000 rows Google gives a new tab
    with transaction(engine) as session:
        crud.create_many(
            session, Customer, [{"code": f"C-{n:04}", "name": f"Customer {n}"} for n in range(1, 1_201)], actor=API
        )
    sheets_server.add_spreadsheet(SPREADSHEET, tabs={"Sheet1": []})
    link_id = link(engine, "customers")

    # when the link syncs for the first time
    report = sync(engine, sheets_client, link_id)

    # then the tab was created with room for every row: no second request to grow it
    assert report.errors == [] and report.pushed == {"Customers": 1_200}
    assert sheets_client.calls_by_kind == {
        "spreadsheets.get": 1,
        "spreadsheets.batchUpdate": 1,
        "values.batchUpdate": 1,
    }
    assert len(SheetUser(sheets_server, "Customers").rows()) == 1_201


def test_a_sync_with_edits_in_three_tabs_reads_once_and_writes_once(engine, sheets_server, sheets_client, three_tabs):
    # given three synced tabs, each edited in the sheet, and a new contact typed in
    assert sync(engine, sheets_client, three_tabs).errors == []
    customers, contacts = SheetUser(sheets_server, "Customers"), SheetUser(sheets_server, "Contacts")
    opportunities = SheetUser(sheets_server, "Opportunities")
    customers.type(2, "City", "Milan")
    contacts.type(2, "Title", "Head buyer")
    opportunities.type(2, "Title", "Bigger deal")
    contacts.type_at(contacts.address(3, "Customer Code"), "C-1")
    contacts.type_at(contacts.address(3, "Name"), "Bob")
    contacts.type_at(contacts.address(3, "Email"), "bob@acme.test")
    since, before = len(sheets_server.api_calls), dict(sheets_client.calls_by_kind)

    # when it syncs
    report = sync(engine, sheets_client, three_tabs)

    # then every edit is applied (and the new contact's ID written back) with one read and one write
    assert report.errors == []
    assert {title: (plan["created"], plan["updated"]) for title, plan in report.pulled.items()} == {
        "Customers": (0, 1),
        "Contacts": (1, 1),
        "Opportunities": (0, 1),
    }
    budget = {"spreadsheets.get": 1, "values.batchGet": 1, "values.batchUpdate": 1}
    assert requests_sent(sheets_client, before) == budget
    assert requests_seen(sheets_server, since) == budget
    assert report.api_calls == 3
    assert stored(engine, Contact, contacts.record(3)["ID"])["email"] == "bob@acme.test"
    with engine.connect() as connection:
        assert connection.scalar(sa.select(Customer.city)) == "Milan"
        assert connection.scalar(sa.select(Opportunity.title)) == "Bigger deal"


def test_retries_are_counted_as_the_requests_they_are(engine, sheets_server, sheets_client, sheets_sleeps, three_tabs):
    # given three synced tabs, and Google failing the read once and the write twice
    assert sync(engine, sheets_client, three_tabs).errors == []
    SheetUser(sheets_server, "Customers").type(2, "City", "Milan")
    since, before = len(sheets_server.api_calls), dict(sheets_client.calls_by_kind)
    sheets_sleeps.clear()
    sheets_server.fail_next(503, count=1, paths="values:batchGet")
    sheets_server.fail_next(429, count=2, paths="values:batchUpdate")

    # when it syncs
    report = sync(engine, sheets_client, three_tabs)

    # then each attempt is one request of the quota, on the client's count and on the server's
    assert report.errors == []
    budget = {"spreadsheets.get": 1, "values.batchGet": 2, "values.batchUpdate": 3}
    assert requests_sent(sheets_client, before) == budget
    assert requests_seen(sheets_server, since) == budget
    assert report.api_calls == 6
    assert len(sheets_sleeps) == 3


# --- one sync per link at a time ----------------------------------------------------------------------------------


@pytest.fixture
def synced_customer(engine, sheets_server, sheets_client, make_customer):
    """A customer in Rome, synced to its linked tab, and then given a new city in the sheet: (customer, link id)."""
    acme = make_customer(code="C-1", name="Acme", city="Rome")
    sheets_server.add_spreadsheet(SPREADSHEET, tabs={"Sheet1": []})
    link_id = link(engine, "customers")
    assert sync(engine, sheets_client, link_id).errors == []
    SheetUser(sheets_server, "Customers").type(2, "City", "Milan")
    return acme, link_id


def last_report(engine, link_id: int) -> dict:
    with engine.connect() as connection:
        return connection.scalar(sa.select(SheetLink.last_report).where(SheetLink.id == link_id))


def test_a_sync_while_another_holds_the_links_lease_is_refused_and_changes_nothing(
    engine, sheets_server, sheets_client, synced_customer
):
    acme, link_id = synced_customer
    state, reported, since = link_state(engine, link_id), last_report(engine, link_id), len(sheets_server.api_calls)

    # when a sync starts while another one holds the link's lease
    with Lease(engine, link_id):
        report = sync(engine, sheets_client, link_id)

    # then it is refused without a single request, and neither side changes
    assert report.errors == [BUSY]
    assert report.applied is False and report.api_calls == 0
    assert len(sheets_server.api_calls) == since
    assert stored(engine, Customer, acme.id)["city"] == "Rome"
    assert (link_state(engine, link_id), last_report(engine, link_id)) == (state, reported)
    # and once the lease is released, a sync goes through
    after = sync(engine, sheets_client, link_id)
    assert after.errors == [] and stored(engine, Customer, acme.id)["city"] == "Milan"


def test_a_sync_started_while_another_is_writing_to_google_is_refused_at_once(
    engine, sheets_server, service_account_file, synced_customer
):
    acme, link_id = synced_customer
    second: dict = {}

    def sync_meanwhile(_delay: float) -> None:
        """The first sync's write was throttled: during its backoff, someone else syncs the same link."""
        other = client_from_settings(str(service_account_file), api_url=sheets_server.url, sleep=lambda _: None)

        def run() -> None:
            try:
                second["report"] = sync(engine, other, link_id)
            except Exception as error:  # the test fails on it below
                second["error"] = error

        thread = threading.Thread(target=run)
        thread.start()
        thread.join(timeout=5)
        second["finished"] = not thread.is_alive()

    client = client_from_settings(str(service_account_file), api_url=sheets_server.url, sleep=sync_meanwhile)
    sheets_server.fail_next(429, count=1, paths="values:batchUpdate")

    # when a second sync of the link starts while the first one waits to retry its write
    first = sync(engine, client, link_id)

    # then the second is refused at once (not blocked behind the first's transaction), and the first goes through
    assert second.get("finished") is True, "the second sync was still blocked 5 seconds later"
    assert "error" not in second, second.get("error")
    assert second["report"].errors == [BUSY] and second["report"].applied is False
    assert first.errors == [] and first.applied
    assert stored(engine, Customer, acme.id)["city"] == "Milan"


def test_a_lease_left_by_a_dead_process_blocks_syncs_until_it_expires(
    engine, sheets_server, sheets_client, synced_customer
):
    acme, link_id = synced_customer
    links = SheetLink.__table__

    def leave_lease(until) -> None:
        with engine.begin() as connection:
            connection.execute(
                links.update().where(links.c.id == link_id).values(locked_until=until, lock_owner="dead-process")
            )

    # given a process that took the link's lease and died without releasing it
    leave_lease(utcnow() + timedelta(minutes=5))
    # then syncs are refused while the lease runs
    assert sync(engine, sheets_client, link_id).errors == [BUSY]
    assert stored(engine, Customer, acme.id)["city"] == "Rome"

    # when the lease has run out
    leave_lease(utcnow() - timedelta(seconds=1))
    report = sync(engine, sheets_client, link_id)

    # then the next sync takes it over, goes through and releases it
    assert report.errors == [] and report.applied
    assert stored(engine, Customer, acme.id)["city"] == "Milan"
    with engine.connect() as connection:
        lease = connection.execute(sa.select(links.c.locked_until, links.c.lock_owner).where(links.c.id == link_id))
        assert lease.one() == (None, None)
