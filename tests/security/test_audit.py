"""The audit trail: every change made through the API leaves one event, in the same transaction as the change."""

import json
from collections.abc import Iterator
from datetime import UTC, date, datetime
from decimal import Decimal

import pytest
import sqlalchemy as sa
from starlette.testclient import TestClient

from models.crm import Customer, CustomerStatus
from models.system import AuditEvent
from resolvers import audit
from tests.conftest import GraphQLClient
from tests.factories import count

ALICE = "alice@onebook.test"
ERRORS = "errors { field message code }"
CREATE = f"""
mutation ($input: CreateCustomerInput!) {{ createCustomer(input: $input) {{ customer {{ id version }} {ERRORS} }} }}"""
UPDATE = f"""
mutation ($id: ID!, $version: Int, $input: UpdateCustomerInput!) {{
  updateCustomer(id: $id, version: $version, input: $input) {{ customer {{ id version }} {ERRORS} }}
}}"""
DELETE = f"mutation ($id: ID!) {{ deleteCustomer(id: $id) {{ customer {{ id }} {ERRORS} }} }}"
CLOSE = f"""
mutation ($id: ID!, $resolution: String!) {{
  closeTicket(id: $id, resolution: $resolution) {{ ticket {{ id status }} {ERRORS} }}
}}"""
HISTORY = "query ($code: String!) { customer(code: $code) { history { nodes { action changes actorEmail } } } }"
AUDIT_EVENTS = """
query ($entity: String!) {
  auditEvents(filter: {entity: {eq: $entity}}) { totalCount nodes { action entity entityId actorEmail via } }
}"""

events = AuditEvent.__table__


@pytest.fixture
def alice(app, token_for) -> Iterator[GraphQLClient]:
    """A sales user with a known email."""
    with TestClient(app, headers={"Authorization": f"Bearer {token_for('sales', email=ALICE)}"}) as http:
        yield GraphQLClient(http)


def events_for(engine, entity: str, entity_id: int | str | None = None) -> list[dict]:
    """The stored audit events about an entity (optionally one object), oldest first."""
    query = sa.select(events).where(events.c.entity == entity).order_by(events.c.id)
    if entity_id is not None:
        query = query.where(events.c.entity_id == int(entity_id))
    with engine.connect() as connection:
        return [dict(row) for row in connection.execute(query).mappings()]


def create_customer(client, **input) -> dict:
    payload = client(CREATE, {"input": input})["data"]["createCustomer"]
    assert payload["errors"] == []
    return payload["customer"]


# --- what an event holds -----------------------------------------------------------------------------------------


def test_creating_records_who_through_what_which_object_and_its_values(alice, engine):
    customer = create_customer(alice, code="C-1", name="Acme", city="Bangkok")

    (event,) = events_for(engine, "Customer")
    assert event["action"] == "create"
    assert event["actor_email"] == ALICE
    assert event["actor_id"] is not None
    assert event["via"] == "api"
    assert event["entity_id"] == int(customer["id"])
    changes = event["changes"]
    assert changes["code"] == [None, "C-1"]
    assert changes["name"] == [None, "Acme"]
    assert changes["city"] == [None, "Bangkok"]
    assert not {"id", "version", "created_at", "updated_at", "email"} & set(changes)  # bookkeeping and empty fields


def test_updating_records_only_the_fields_that_changed_as_old_and_new(alice, engine):
    customer = create_customer(alice, code="C-1", name="Acme", city="Bangkok")

    payload = alice(UPDATE, {"id": customer["id"], "input": {"name": "Acme Trading", "city": "Bangkok"}})

    assert payload["data"]["updateCustomer"]["errors"] == []
    _, event = events_for(engine, "Customer", customer["id"])
    assert (event["action"], event["actor_email"], event["via"]) == ("update", ALICE, "api")
    assert event["changes"] == {"name": ["Acme", "Acme Trading"]}


def test_an_update_that_changes_nothing_records_nothing(alice, engine):
    customer = create_customer(alice, code="C-1", name="Acme")

    alice(UPDATE, {"id": customer["id"], "input": {"name": "Acme"}})

    assert [event["action"] for event in events_for(engine, "Customer")] == ["create"]


def test_deleting_records_the_values_the_object_had(alice, engine):
    customer = create_customer(alice, code="C-1", name="Acme")

    payload = alice(DELETE, {"id": customer["id"]})

    assert payload["data"]["deleteCustomer"]["errors"] == []
    _, event = events_for(engine, "Customer", customer["id"])
    assert (event["action"], event["actor_email"], event["entity_id"]) == ("delete", ALICE, int(customer["id"]))
    assert event["changes"]["code"] == ["C-1", None]
    assert event["changes"]["name"] == ["Acme", None]


def test_closing_a_ticket_is_recorded_as_close(alice, engine, ticket):
    payload = alice(CLOSE, {"id": str(ticket.id), "resolution": "Replaced the part"})

    assert payload["data"]["closeTicket"]["errors"] == []
    *_, event = events_for(engine, "Ticket", ticket.id)
    assert (event["action"], event["actor_email"]) == ("close", ALICE)
    assert event["changes"] == {"status": ["open", "closed"], "resolution": [None, "Replaced the part"]}


# --- the same transaction -----------------------------------------------------------------------------------------

REFUSED_CHANGES = [
    pytest.param(CREATE, {"input": {"code": "C-2", "name": "B", "creditLimit": "1"}}, "FORBIDDEN", id="forbidden"),
    pytest.param(CREATE, {"input": {"code": "C-2", "name": "B", "email": "not an email"}}, "VALIDATION", id="invalid"),
    pytest.param(CREATE, {"input": {"code": "C-1", "name": "Taken"}}, "VALIDATION", id="duplicate-code"),
    pytest.param(UPDATE, {"id": "{id}", "version": 99, "input": {"name": "Late"}}, "CONFLICT", id="stale-version"),
    pytest.param(UPDATE, {"id": "{id}", "input": {"creditLimit": "1"}}, "FORBIDDEN", id="forbidden-update"),
    pytest.param(UPDATE, {"id": "999999", "input": {"name": "Nobody"}}, "NOT_FOUND", id="missing"),
]


@pytest.mark.parametrize(("document", "variables", "code"), REFUSED_CHANGES)
def test_a_refused_change_records_no_event(alice, engine, document, variables, code):
    # given a customer and its creation event
    customer = create_customer(alice, code="C-1", name="Acme")
    before = events_for(engine, "Customer")

    # when a change is refused
    if variables.get("id") == "{id}":
        variables = {**variables, "id": customer["id"]}
    body = alice(document, variables)
    (payload,) = body["data"].values()

    # then it says why, and the audit trail is as it was
    assert [error["code"] for error in payload["errors"]] == [code]
    assert events_for(engine, "Customer") == before
    assert count(engine, Customer) == 1


def test_a_change_whose_audit_event_cannot_be_written_is_not_written_either(alice, app, engine):
    # given a database that fails when the audit event is inserted
    def fail_audit_insert(connection, cursor, statement, parameters, context, executemany):
        if statement.lstrip().upper().startswith("INSERT INTO AUDIT_EVENTS"):
            raise RuntimeError("disk full")

    sa.event.listen(app.state.engine.sync_engine, "before_cursor_execute", fail_audit_insert)
    try:
        # when a customer is created
        body = alice(CREATE, {"input": {"code": "C-1", "name": "Acme"}}, expect_errors=True)
    finally:
        sa.event.remove(app.state.engine.sync_engine, "before_cursor_execute", fail_audit_insert)

    # then the request fails, and the customer was not stored without its audit event
    assert body["data"] is None
    assert body["errors"][0]["message"] == "Unexpected error; it has been logged."
    assert count(engine, Customer) == 0
    assert events_for(engine, "Customer") == []


# --- reading the trail ------------------------------------------------------------------------------------------


def test_sales_reads_a_customers_history_newest_first(alice):
    customer = create_customer(alice, code="C-1", name="Acme")
    alice(UPDATE, {"id": customer["id"], "input": {"name": "Acme Trading"}})

    body = alice(HISTORY, {"code": "C-1"})

    update, create = body["data"]["customer"]["history"]["nodes"]
    assert update == {"action": "update", "changes": {"name": ["Acme", "Acme Trading"]}, "actorEmail": ALICE}
    assert (create["action"], create["actorEmail"], create["changes"]["code"]) == ("create", ALICE, [None, "C-1"])


def test_admin_lists_audit_events_filtered_by_entity(gql, alice, make_employee):
    # given changes to customers and to an employee
    first = create_customer(alice, code="C-1", name="Acme")
    second = create_customer(alice, code="C-2", name="Bolt")
    make_employee()

    body = gql(AUDIT_EVENTS, {"entity": "Customer"})

    # then only the customers' events come back, newest first
    assert body["data"]["auditEvents"]["totalCount"] == 2
    assert body["data"]["auditEvents"]["nodes"] == [
        {"action": "create", "entity": "Customer", "entityId": second["id"], "actorEmail": ALICE, "via": "api"},
        {"action": "create", "entity": "Customer", "entityId": first["id"], "actorEmail": ALICE, "via": "api"},
    ]


def test_sales_may_not_list_audit_events(alice):
    create_customer(alice, code="C-1", name="Acme")

    body = alice(AUDIT_EVENTS, {"entity": "Customer"}, expect_errors=True)

    assert body["data"] is None
    assert [(error["extensions"]["code"], error["path"]) for error in body["errors"]] == [
        ("FORBIDDEN", ["auditEvents"])
    ]


def test_a_created_rows_values_are_stored_in_the_same_plain_form_as_any_change():
    """`created_text` encodes the written values as `changes_between` records them, every kind of value."""
    values = {
        "status": CustomerStatus.ACTIVE,
        "credit_limit": Decimal("1250.50"),
        "notes": "ümlaut and \u2603",
        "created_on": date(2026, 11, 28),
        "seen_at": datetime(2026, 11, 28, 9, 30, 5, 120, tzinfo=UTC),
        "settings": {"a": [1, 2]},
        "count": 2**70,
        "empty": None,
    }
    table = sa.Table("things", sa.MetaData(), sa.Column("id", sa.Integer), *map(sa.Column, values))
    raw = audit.created_text(values | {"id": 7}, table)
    assert raw == audit.encode_changes(audit.changes_between({}, values))
    assert json.loads(raw) == {name: [None, audit.plain(value)] for name, value in values.items() if value is not None}
    # and money in a column declared as money (made text before encoding)
    customer = {"code": "C-1", "credit_limit": Decimal("1250.50"), "status": CustomerStatus.ACTIVE}
    raw = audit.created_text(customer, Customer.__table__)
    assert json.loads(raw) == json.loads(audit.encode_changes(audit.changes_between({}, customer)))
    assert json.loads(raw)["credit_limit"] == [None, "1250.50"]
