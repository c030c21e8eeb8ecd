"""Customers through GraphQL: create, read by id and code, patch, delete, and refusals that leave the data as it was."""

import pytest

from app.database import transaction
from models.crm import Customer
from resolvers import crud
from resolvers.errors import ErrorCode, Refused
from resolvers.permissions import Actor
from tests.factories import count, stored

CUSTOMER_FIELDS = "id version code name kind email phone city country status creditLimit notes owner { email }"
ERRORS = "errors { field message code }"

CREATE = f"""
mutation Create($input: CreateCustomerInput!) {{
  createCustomer(input: $input) {{ customer {{ {CUSTOMER_FIELDS} }} {ERRORS} }}
}}"""
UPDATE = f"""
mutation Update($id: ID!, $version: Int, $input: UpdateCustomerInput!) {{
  updateCustomer(id: $id, version: $version, input: $input) {{ customer {{ {CUSTOMER_FIELDS} }} {ERRORS} }}
}}"""
DELETE = f"""
mutation Delete($id: ID!, $version: Int) {{
  deleteCustomer(id: $id, version: $version) {{ customer {{ id code }} {ERRORS} }}
}}"""
BY_ID = f"query ById($id: ID!) {{ customer(id: $id) {{ {CUSTOMER_FIELDS} }} }}"
BY_CODE = f"query ByCode($code: String!) {{ customer(code: $code) {{ {CUSTOMER_FIELDS} }} }}"
LIST = """
query List($filter: CustomerFilter) {
  customers(filter: $filter) { totalCount nodes { code name notes } }
}"""

SQL_TEXT = "'; DROP TABLE customers; --"
SCRIPT_TEXT = "<script>alert(1)</script>"


def create_customer(gql, **input):
    return gql(CREATE, {"input": input})["data"]["createCustomer"]


def update_customer(gql, id, input, version=None):
    return gql(UPDATE, {"id": id, "version": version, "input": input})["data"]["updateCustomer"]


def delete_customer(gql, id, version=None):
    return gql(DELETE, {"id": id, "version": version})["data"]["deleteCustomer"]


def only_error(payload):
    """The single UserError of a refused mutation, whose object must be null."""
    assert payload[next(key for key in payload if key != "errors")] is None
    (error,) = payload["errors"]
    return error


# --- create and read --------------------------------------------------------------------------------------------


def test_created_customer_is_readable_by_id_and_by_code(gql, employee):
    created = create_customer(
        gql,
        code="C-00042",
        name="Acme Trading",
        kind="COMPANY",
        email="Sales@Acme.example",
        country="th",
        creditLimit="2500.50",
        ownerId=str(employee.id),
    )

    assert created["errors"] == []
    customer = created["customer"]
    assert customer["version"] == 1
    assert customer["email"] == "sales@acme.example"
    assert customer["country"] == "TH"
    assert customer["status"] == "PROSPECT"
    assert customer["creditLimit"] == "2500.50"
    assert customer["owner"] == {"email": employee.email}
    assert gql(BY_ID, {"id": customer["id"]})["data"]["customer"] == customer
    assert gql(BY_CODE, {"code": "C-00042"})["data"]["customer"] == customer


def test_unknown_code_and_unknown_id_read_as_null(gql, customer):
    assert gql(BY_CODE, {"code": "C-NOPE"})["data"]["customer"] is None
    assert gql(BY_ID, {"id": str(customer.id + 1000)})["data"]["customer"] is None
    assert gql(BY_ID, {"id": "abc"})["data"]["customer"] is None


def test_an_id_beyond_any_integer_column_reads_as_null(gql):
    body = gql(BY_ID, {"id": "99999999999999999999999"}, expect_errors=True)

    assert body == {"data": {"customer": None}}


# --- update as a patch ------------------------------------------------------------------------------------------


def test_update_changes_given_fields_keeps_omitted_ones_and_bumps_the_version(gql, engine, make_customer):
    customer = make_customer(name="Old name", phone="+66 2 123 4567", city="Bangkok")

    payload = update_customer(gql, customer.id, {"name": "New name"}, version=1)

    assert payload["errors"] == []
    assert payload["customer"]["name"] == "New name"
    assert payload["customer"]["phone"] == "+66 2 123 4567"
    assert payload["customer"]["city"] == "Bangkok"
    assert payload["customer"]["version"] == 2
    assert stored(engine, Customer, customer.id)["version"] == 2


def test_explicit_null_clears_an_optional_field_only(gql, engine, make_customer):
    customer = make_customer(phone="+66 2 123 4567", city="Bangkok")

    payload = update_customer(gql, customer.id, {"phone": None})

    assert payload["errors"] == []
    row = stored(engine, Customer, customer.id)
    assert row["phone"] is None
    assert row["city"] == "Bangkok"
    assert row["version"] == 2


def test_null_for_a_required_field_is_refused_and_changes_nothing(gql, engine, customer):
    before = stored(engine, Customer, customer.id)

    error = only_error(update_customer(gql, customer.id, {"name": None, "city": "Chiang Mai"}))

    assert (error["code"], error["field"]) == ("VALIDATION", ["input", "name"])
    assert stored(engine, Customer, customer.id) == before


def test_update_with_a_stale_version_is_a_conflict_and_changes_nothing(gql, engine, customer):
    update_customer(gql, customer.id, {"name": "Renamed by a colleague"}, version=1)
    before = stored(engine, Customer, customer.id)

    error = only_error(update_customer(gql, customer.id, {"name": "My edit"}, version=1))

    assert (error["code"], error["field"]) == ("CONFLICT", ["version"])
    assert stored(engine, Customer, customer.id) == before


@pytest.mark.parametrize("id", ["999999", "abc", "99999999999999999999999"])
def test_update_of_an_unknown_or_malformed_id_is_not_found(gql, engine, customer, id):
    error = only_error(update_customer(gql, id, {"name": "Ghost"}))

    assert (error["code"], error["field"]) == ("NOT_FOUND", ["id"])
    assert stored(engine, Customer, customer.id)["name"] == customer.name


# --- bad input on create: refused, named, nothing written ---------------------------------------------------------


@pytest.mark.parametrize(
    ("input", "field", "words"),
    [
        ({"email": "not-an-email"}, "email", "not a valid email"),
        ({"name": ""}, "name", "required"),
        ({"name": "   "}, "name", "required"),
        ({"code": ""}, "code", "required"),
        ({"creditLimit": "-1.00"}, "creditLimit", "at least 0"),
        ({"creditLimit": "10.005"}, "creditLimit", "decimal places"),
        ({"creditLimit": "1000000000000"}, "creditLimit", "too large"),
        ({"creditLimit": "1e30"}, "creditLimit", "too large"),
        ({"country": "1A"}, "country", "two-letter"),
        ({"ownerId": "999999"}, "ownerId", "no employee with id 999999"),
        ({"ownerId": "not-a-number"}, "ownerId", "not a valid id"),
        ({"ownerId": "3000000000"}, "ownerId", "no employee with id 3000000000"),
        ({"ownerId": "99999999999999999999999"}, "ownerId", "no employee with id 99999999999999999999999"),
    ],
)
def test_bad_input_is_refused_with_the_field_named_and_nothing_written(gql, engine, input, field, words):
    payload = create_customer(gql, **({"code": "C-00001", "name": "Acme"} | input))

    error = only_error(payload)
    assert (error["code"], error["field"]) == ("VALIDATION", ["input", field])
    assert words in error["message"]
    assert count(engine, Customer) == 0


def test_every_bad_field_is_reported_at_once(gql, engine):
    payload = create_customer(gql, code="C-00001", name="", email="nope", creditLimit="-5")

    assert sorted(error["field"][1] for error in payload["errors"]) == ["creditLimit", "email", "name"]
    assert count(engine, Customer) == 0


def test_unknown_status_is_rejected_by_graphql_before_anything_runs(gql, engine):
    document = 'mutation { createCustomer(input: {code: "C-1", name: "Acme", status: BOGUS}) { customer { id } } }'

    body = gql(document, expect_errors=True)

    assert body["data"] is None
    assert "BOGUS" in body["errors"][0]["message"]
    assert count(engine, Customer) == 0


def test_unknown_status_given_to_the_domain_function_is_a_validation_error(engine):
    with pytest.raises(Refused) as refused, transaction(engine) as session:
        crud.create(session, Customer, {"code": "C-1", "name": "Acme", "status": "bogus"}, actor=Actor.system())

    (error,) = refused.value.errors
    assert (error.code, error.field) == (ErrorCode.VALIDATION, ("status",))
    assert "prospect, active, inactive" in error.message
    assert count(engine, Customer) == 0


def test_status_is_accepted_by_name_or_value_in_any_case_by_the_domain_function(engine):
    with transaction(engine) as session:
        customer = crud.create(
            session, Customer, {"code": "C-1", "name": "Acme", "status": "Active"}, actor=Actor.system()
        )

    assert stored(engine, Customer, customer.id)["status"].value == "active"


def test_duplicate_code_is_refused_and_the_first_customer_kept(gql, engine, make_customer):
    make_customer(code="C-00001", name="First")

    error = only_error(create_customer(gql, code="C-00001", name="Second"))

    assert (error["code"], error["field"]) == ("VALIDATION", ["input", "code"])
    assert "C-00001" in error["message"]
    assert count(engine, Customer) == 1


def test_changing_the_code_to_another_customers_code_is_refused(gql, engine, make_customer):
    make_customer(code="C-00001")
    second = make_customer(code="C-00002")

    error = only_error(update_customer(gql, second.id, {"code": "C-00001"}))

    assert (error["code"], error["field"]) == ("VALIDATION", ["input", "code"])
    assert stored(engine, Customer, second.id)["code"] == "C-00002"


def test_saving_a_customer_with_its_own_code_is_not_a_duplicate(gql, customer):
    payload = update_customer(gql, customer.id, {"code": customer.code, "name": "Same code"})

    assert payload["errors"] == []
    assert payload["customer"]["code"] == customer.code


# --- delete -----------------------------------------------------------------------------------------------------


def test_delete_removes_the_customer(gql, engine, customer):
    payload = delete_customer(gql, customer.id, version=1)

    assert payload == {"customer": {"id": str(customer.id), "code": customer.code}, "errors": []}
    assert stored(engine, Customer, customer.id) is None
    assert gql(BY_CODE, {"code": customer.code})["data"]["customer"] is None


def test_delete_with_a_stale_version_is_a_conflict_and_keeps_the_customer(gql, engine, customer):
    update_customer(gql, customer.id, {"name": "Changed meanwhile"})

    error = only_error(delete_customer(gql, customer.id, version=1))

    assert (error["code"], error["field"]) == ("CONFLICT", ["version"])
    assert stored(engine, Customer, customer.id)["name"] == "Changed meanwhile"


@pytest.mark.parametrize("id", ["999999", "abc", "99999999999999999999999"])
def test_delete_of_an_unknown_or_malformed_id_is_not_found(gql, engine, customer, id):
    error = only_error(delete_customer(gql, id))

    assert (error["code"], error["field"]) == ("NOT_FOUND", ["id"])
    assert count(engine, Customer) == 1


def test_customer_with_contacts_and_interactions_is_not_deleted(gql, engine, customer, make_contact, make_interaction):
    make_contact(customer)
    make_contact(customer)
    make_interaction(customer)

    error = only_error(delete_customer(gql, customer.id))

    assert (error["code"], error["field"]) == ("INVALID_STATE", ["id"])
    assert "2 contacts" in error["message"]
    assert "1 interaction;" in error["message"]
    assert stored(engine, Customer, customer.id) is not None


# --- text that looks like code is only text ----------------------------------------------------------------------


@pytest.mark.parametrize("text", [SQL_TEXT, SCRIPT_TEXT])
def test_code_looking_text_is_stored_and_returned_verbatim(gql, engine, text):
    created = create_customer(gql, code=text[:32], name=text, notes=text)["customer"]

    assert (created["code"], created["name"], created["notes"]) == (text[:32], text, text)
    assert gql(BY_CODE, {"code": text[:32]})["data"]["customer"]["name"] == text
    assert stored(engine, Customer, created["id"])["notes"] == text


@pytest.mark.parametrize("text", [SQL_TEXT, SCRIPT_TEXT])
def test_code_looking_text_in_filters_matches_literally(gql, make_customer, text):
    make_customer(name=text)
    make_customer(name="Plain Trading")

    for condition in ({"eq": text}, {"contains": text[3:12]}, {"startsWith": text[:5]}):
        listed = gql(LIST, {"filter": {"name": condition}})["data"]["customers"]
        assert listed["totalCount"] == 1, condition
        assert listed["nodes"][0]["name"] == text
    assert gql(LIST)["data"]["customers"]["totalCount"] == 2


def test_like_wildcards_in_a_contains_filter_match_only_themselves(gql, make_customer):
    make_customer(name="50% off_deals")
    make_customer(name="500 offices")

    listed = gql(LIST, {"filter": {"name": {"contains": "0% off_"}}})["data"]["customers"]

    assert [node["name"] for node in listed["nodes"]] == ["50% off_deals"]
