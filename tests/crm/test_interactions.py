"""Interactions through GraphQL: the customer timeline of calls, emails, meetings, purchases, support and notes."""

from datetime import UTC, datetime

import pytest

from models.crm import Interaction
from tests.factories import count, stored

INTERACTION_FIELDS = (
    "id version kind occurredAt subject notes outcome customer { code } contact { email } employee { email }"
)
ERRORS = "errors { field message code }"

CREATE = f"""
mutation Create($input: CreateInteractionInput!) {{
  createInteraction(input: $input) {{ interaction {{ {INTERACTION_FIELDS} }} {ERRORS} }}
}}"""
UPDATE = f"""
mutation Update($id: ID!, $version: Int, $input: UpdateInteractionInput!) {{
  updateInteraction(id: $id, version: $version, input: $input) {{ interaction {{ {INTERACTION_FIELDS} }} {ERRORS} }}
}}"""
DELETE = f"""
mutation Delete($id: ID!, $version: Int) {{
  deleteInteraction(id: $id, version: $version) {{ interaction {{ id }} {ERRORS} }}
}}"""
BY_ID = f"query ById($id: ID!) {{ interaction(id: $id) {{ {INTERACTION_FIELDS} }} }}"
LIST = """
query List($filter: InteractionFilter) {
  interactions(filter: $filter) { totalCount nodes { subject notes } }
}"""


def create_interaction(gql, **input):
    return gql(CREATE, {"input": input})["data"]["createInteraction"]


def update_interaction(gql, id, input, version=None):
    return gql(UPDATE, {"id": id, "version": version, "input": input})["data"]["updateInteraction"]


def only_error(payload):
    assert payload["interaction"] is None
    (error,) = payload["errors"]
    return error


def call(customer, **input):
    """Input for a call at 16:30 Bangkok time (09:30 UTC), with overrides."""
    at = "2025-03-01T16:30:00+07:00"
    return {"customerId": str(customer.id), "kind": "CALL", "occurredAt": at, "subject": "Follow-up call"} | input


def test_logged_interaction_is_stored_in_utc_and_readable_by_id(gql, engine, customer, contact, employee):
    created = create_interaction(
        gql, **call(customer, contactId=str(contact.id), employeeId=str(employee.id), outcome="Sends a PO")
    )

    assert created["errors"] == []
    interaction = created["interaction"]
    assert interaction["occurredAt"] == "2025-03-01T09:30:00+00:00"
    assert interaction["customer"] == {"code": customer.code}
    assert interaction["contact"] == {"email": contact.email}
    assert interaction["employee"] == {"email": employee.email}
    assert stored(engine, Interaction, interaction["id"])["occurred_at"] == datetime(2025, 3, 1, 9, 30, tzinfo=UTC)
    assert gql(BY_ID, {"id": interaction["id"]})["data"]["interaction"] == interaction


def test_a_time_without_timezone_is_refused(gql, engine, customer):
    error = only_error(create_interaction(gql, **call(customer, occurredAt="2025-03-01T16:30:00")))

    assert (error["code"], error["field"]) == ("VALIDATION", ["input", "occurredAt"])
    assert count(engine, Interaction) == 0


@pytest.mark.parametrize(
    ("input", "field", "words"),
    [
        ({"customerId": "999999"}, "customerId", "no customer with id 999999"),
        ({"contactId": "999999"}, "contactId", "no contact with id 999999"),
        ({"employeeId": "999999"}, "employeeId", "no employee with id 999999"),
        ({"subject": ""}, "subject", "required"),
    ],
)
def test_bad_input_is_refused_and_nothing_written(gql, engine, customer, input, field, words):
    error = only_error(create_interaction(gql, **call(customer, **input)))

    assert (error["code"], error["field"]) == ("VALIDATION", ["input", field])
    assert words in error["message"]
    assert count(engine, Interaction) == 0


def test_unknown_kind_is_rejected_by_graphql(gql, engine, customer):
    body = gql(CREATE, {"input": call(customer, kind="TELEGRAM")}, expect_errors=True)

    assert body["data"] is None
    assert "TELEGRAM" in body["errors"][0]["message"]
    assert count(engine, Interaction) == 0


def test_update_is_a_patch_and_null_clears_the_notes(gql, engine, customer, make_interaction):
    interaction = make_interaction(customer, notes="Wants a discount", outcome="Call back")

    payload = update_interaction(gql, interaction.id, {"notes": None, "kind": "MEETING"}, version=1)

    assert payload["errors"] == []
    row = stored(engine, Interaction, interaction.id)
    assert (row["notes"], row["outcome"], row["kind"].value, row["version"]) == (None, "Call back", "meeting", 2)


def test_update_with_a_stale_version_is_a_conflict(gql, engine, customer, make_interaction):
    interaction = make_interaction(customer)
    update_interaction(gql, interaction.id, {"outcome": "First"})
    before = stored(engine, Interaction, interaction.id)

    error = only_error(update_interaction(gql, interaction.id, {"outcome": "Second"}, version=1))

    assert (error["code"], error["field"]) == ("CONFLICT", ["version"])
    assert stored(engine, Interaction, interaction.id) == before


def test_deleting_the_last_interaction_lets_the_customer_be_deleted(gql, engine, customer, make_interaction):
    interaction = make_interaction(customer)

    removed = gql(DELETE, {"id": interaction.id, "version": 1})["data"]["deleteInteraction"]
    customer_gone = gql("mutation($id: ID!) { deleteCustomer(id: $id) { errors { code } } }", {"id": customer.id})[
        "data"
    ]["deleteCustomer"]

    assert removed["errors"] == []
    assert customer_gone["errors"] == []
    assert count(engine, Interaction) == 0


def test_timeline_filters_by_customer_code_and_employee_email(gql, make_customer, employee, make_interaction):
    acme, globex = make_customer(), make_customer()
    make_interaction(acme, subject="Acme call", employee_id=employee.id)
    make_interaction(acme, subject="Acme note")
    make_interaction(globex, subject="Globex call", employee_id=employee.id)

    filtered = {"customerCode": {"eq": acme.code}, "employeeEmail": {"eq": employee.email}}
    listed = gql(LIST, {"filter": filtered})["data"]["interactions"]

    assert listed["nodes"] == [{"subject": "Acme call", "notes": None}]


@pytest.mark.parametrize("text", ["'; DROP TABLE customers; --", "<script>alert(1)</script>"])
def test_code_looking_text_is_stored_and_filtered_verbatim(gql, engine, customer, text):
    created = create_interaction(gql, **call(customer, subject=text, notes=text))["interaction"]

    assert (created["subject"], created["notes"]) == (text, text)
    listed = gql(LIST, {"filter": {"subject": {"contains": text}}})["data"]["interactions"]
    assert listed == {"totalCount": 1, "nodes": [{"subject": text, "notes": text}]}
    assert stored(engine, Interaction, created["id"])["notes"] == text
