"""Contacts through GraphQL: people at a customer, identified by the customer's code and their email."""

import pytest

from models.crm import Contact, Customer
from tests.factories import count, stored

CONTACT_FIELDS = "id version name title email phone customer { code }"
ERRORS = "errors { field message code }"

CREATE = f"""
mutation Create($input: CreateContactInput!) {{
  createContact(input: $input) {{ contact {{ {CONTACT_FIELDS} }} {ERRORS} }}
}}"""
UPDATE = f"""
mutation Update($id: ID!, $version: Int, $input: UpdateContactInput!) {{
  updateContact(id: $id, version: $version, input: $input) {{ contact {{ {CONTACT_FIELDS} }} {ERRORS} }}
}}"""
DELETE = f"""
mutation Delete($id: ID!, $version: Int) {{
  deleteContact(id: $id, version: $version) {{ contact {{ id }} {ERRORS} }}
}}"""
BY_ID = f"query ById($id: ID!) {{ contact(id: $id) {{ {CONTACT_FIELDS} }} }}"
BY_KEY = f"""
query ByKey($customerCode: String!, $email: String!) {{
  contact(customerCode: $customerCode, email: $email) {{ {CONTACT_FIELDS} }}
}}"""
LIST = "query List($filter: ContactFilter) { contacts(filter: $filter) { totalCount nodes { name title } } }"


def create_contact(gql, **input):
    return gql(CREATE, {"input": input})["data"]["createContact"]


def update_contact(gql, id, input, version=None):
    return gql(UPDATE, {"id": id, "version": version, "input": input})["data"]["updateContact"]


def delete_contact(gql, id, version=None):
    return gql(DELETE, {"id": id, "version": version})["data"]["deleteContact"]


def only_error(payload):
    assert payload["contact"] is None
    (error,) = payload["errors"]
    return error


def test_created_contact_is_readable_by_id_and_by_customer_code_and_email(gql, customer):
    created = create_contact(
        gql, customerId=str(customer.id), name="Nok Srisuk", email="nok@acme.example", title="Buyer"
    )

    assert created["errors"] == []
    contact = created["contact"]
    assert contact["customer"] == {"code": customer.code}
    assert contact["version"] == 1
    assert gql(BY_ID, {"id": contact["id"]})["data"]["contact"] == contact
    assert gql(BY_KEY, {"customerCode": customer.code, "email": "nok@acme.example"})["data"]["contact"] == contact


def test_natural_key_lookup_needs_the_right_customer(gql, make_customer, make_contact):
    acme, globex = make_customer(), make_customer()
    make_contact(acme, email="nok@shared.example")

    found = gql(BY_KEY, {"customerCode": globex.code, "email": "nok@shared.example"})["data"]["contact"]

    assert found is None


def test_same_email_at_another_customer_is_fine(gql, engine, make_customer, make_contact):
    acme, globex = make_customer(), make_customer()
    make_contact(acme, email="info@shared.example")

    created = create_contact(gql, customerId=str(globex.id), name="Other", email="info@shared.example")

    assert created["errors"] == []
    assert count(engine, Contact) == 2


def test_duplicate_email_within_a_customer_is_refused(gql, engine, customer, make_contact):
    make_contact(customer, email="nok@acme.example")

    error = only_error(create_contact(gql, customerId=str(customer.id), name="Twin", email="NOK@acme.example"))

    assert (error["code"], error["field"]) == ("VALIDATION", ["input", "email"])
    assert "nok@acme.example" in error["message"]
    assert count(engine, Contact) == 1


def test_moving_a_contact_to_a_customer_that_has_the_email_is_refused(gql, engine, make_customer, make_contact):
    acme, globex = make_customer(), make_customer()
    make_contact(globex, email="nok@acme.example")
    moving = make_contact(acme, email="nok@acme.example")

    error = only_error(update_contact(gql, moving.id, {"customerId": str(globex.id)}))

    assert (error["code"], error["field"]) == ("VALIDATION", ["input", "email"])
    assert stored(engine, Contact, moving.id)["customer_id"] == acme.id


@pytest.mark.parametrize(
    ("input", "field", "code"),
    [
        ({"email": "nok at acme"}, "email", "VALIDATION"),
        ({"email": ""}, "email", "VALIDATION"),
        ({"name": ""}, "name", "VALIDATION"),
        ({"customerId": "999999"}, "customerId", "VALIDATION"),
        ({"customerId": "3000000000"}, "customerId", "VALIDATION"),
    ],
)
def test_bad_input_is_refused_and_nothing_written(gql, engine, customer, input, field, code):
    values = {"customerId": str(customer.id), "name": "Nok", "email": "nok@acme.example"} | input

    error = only_error(create_contact(gql, **values))

    assert (error["code"], error["field"]) == (code, ["input", field])
    assert count(engine, Contact) == 0


def test_missing_customer_is_named_in_the_message(gql, engine):
    error = only_error(create_contact(gql, customerId="424242", name="Nok", email="nok@acme.example"))

    assert error["message"] == "no customer with id 424242"
    assert count(engine, Contact) == 0


def test_update_is_a_patch(gql, engine, customer, make_contact):
    contact = make_contact(customer, title="Buyer", phone="081 234 5678")

    payload = update_contact(gql, contact.id, {"title": None, "name": "Renamed"}, version=1)

    assert payload["errors"] == []
    row = stored(engine, Contact, contact.id)
    assert (row["name"], row["title"], row["phone"], row["version"]) == ("Renamed", None, "081 234 5678", 2)


def test_stale_version_is_a_conflict_and_changes_nothing(gql, engine, contact):
    update_contact(gql, contact.id, {"name": "First edit"})
    before = stored(engine, Contact, contact.id)

    error = only_error(update_contact(gql, contact.id, {"name": "Second edit"}, version=1))

    assert (error["code"], error["field"]) == ("CONFLICT", ["version"])
    assert stored(engine, Contact, contact.id) == before


def test_delete_removes_the_contact_but_not_its_customer(gql, engine, customer, contact):
    payload = delete_contact(gql, contact.id, version=1)

    assert payload["errors"] == []
    assert stored(engine, Contact, contact.id) is None
    assert count(engine, Customer) == 1


def test_contact_named_on_an_interaction_is_not_deleted(gql, engine, customer, contact, make_interaction):
    make_interaction(customer, contact_id=contact.id)

    error = only_error(delete_contact(gql, contact.id))

    assert (error["code"], error["field"]) == ("INVALID_STATE", ["id"])
    assert "1 interaction;" in error["message"]
    assert stored(engine, Contact, contact.id) is not None


@pytest.mark.parametrize("id", ["999999", "x-1"])
def test_delete_of_an_unknown_id_is_not_found(gql, engine, contact, id):
    error = only_error(delete_contact(gql, id))

    assert (error["code"], error["field"]) == ("NOT_FOUND", ["id"])
    assert count(engine, Contact) == 1


@pytest.mark.parametrize("text", ["'; DROP TABLE customers; --", "<script>alert(1)</script>"])
def test_code_looking_text_is_stored_returned_and_filtered_verbatim(gql, engine, customer, text):
    created = create_contact(gql, customerId=str(customer.id), name=text, title=text, email="x@acme.example")

    assert (created["contact"]["name"], created["contact"]["title"]) == (text, text)
    listed = gql(LIST, {"filter": {"title": {"eq": text}}})["data"]["contacts"]
    assert listed == {"totalCount": 1, "nodes": [{"name": text, "title": text}]}
    assert stored(engine, Contact, created["contact"]["id"])["name"] == text
