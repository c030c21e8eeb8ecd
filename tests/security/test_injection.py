"""Hostile-looking text is data: stored and returned verbatim, matched literally, and never executed."""

import pytest
import sqlalchemy as sa

from models.crm import Customer
from tests.factories import count, stored

SQL_DROP = "'; DROP TABLE customers; --"
SQL_OR = '" OR 1=1 --'
SQL_OR_QUOTED = "' OR '1'='1"
SCRIPT = "<script>alert(1)</script>"
LIKE_WILDCARDS = "100% _sure_"
HOSTILE = [SQL_DROP, SQL_OR, SQL_OR_QUOTED, SCRIPT, LIKE_WILDCARDS]

CREATE = """
mutation ($input: CreateCustomerInput!) {
  createCustomer(input: $input) { customer { id code name notes } errors { field message code } }
}"""
UPDATE = """
mutation ($id: ID!, $input: UpdateCustomerInput!) {
  updateCustomer(id: $id, input: $input) { customer { id name notes } errors { field message code } }
}"""
LIST = "query ($filter: CustomerFilter) { customers(filter: $filter, orderBy: [{code: ASC}]) { nodes { code name } } }"
BY_CODE = "query ($code: String!) { customer(code: $code) { code name notes } }"


@pytest.fixture
def hostile_customers(gql) -> dict[str, str]:
    """One customer named after each hostile text (plus a plain one), created through the API; name -> code."""
    codes = {}
    for index, name in enumerate(["Plain Trading", *HOSTILE]):
        code = f"C-{index}"
        payload = gql(CREATE, {"input": {"code": code, "name": name, "notes": name}})["data"]["createCustomer"]
        assert payload["errors"] == []
        codes[name] = code
    return codes


def names_matching(gql, filter: dict) -> list[str]:
    return [node["name"] for node in gql(LIST, {"filter": filter})["data"]["customers"]["nodes"]]


def tables(engine) -> set[str]:
    return set(sa.inspect(engine).get_table_names())


@pytest.mark.parametrize("text", HOSTILE)
def test_hostile_text_is_stored_and_returned_verbatim(gql, engine, hostile_customers, text):
    code = hostile_customers[text]

    customer = gql(BY_CODE, {"code": code})["data"]["customer"]

    assert customer == {"code": code, "name": text, "notes": text}
    assert stored(engine, Customer, _id(gql, code))["name"] == text


@pytest.mark.parametrize("text", HOSTILE)
def test_eq_matches_hostile_text_literally(gql, hostile_customers, text):
    assert names_matching(gql, {"name": {"eq": text}}) == [text]


@pytest.mark.parametrize("text", HOSTILE)
def test_contains_matches_hostile_text_literally(gql, hostile_customers, text):
    assert names_matching(gql, {"name": {"contains": text}}) == [text]


def test_in_matches_hostile_texts_literally(gql, hostile_customers):
    assert names_matching(gql, {"name": {"in": [SQL_DROP, SCRIPT, "no such name"]}}) == [SQL_DROP, SCRIPT]


@pytest.mark.parametrize(
    ("fragment", "expected"),
    [
        pytest.param("OR 1=1", [SQL_OR], id="or-1-1"),
        pytest.param("' OR '", [SQL_OR_QUOTED], id="quoted-or"),
        pytest.param("%", [LIKE_WILDCARDS], id="percent-is-not-a-wildcard"),
        pytest.param("_", [LIKE_WILDCARDS], id="underscore-is-not-a-wildcard"),
        pytest.param("<SCRIPT>", [SCRIPT], id="case-insensitive"),
        pytest.param("--", [SQL_DROP, SQL_OR], id="comment"),
    ],
)
def test_contains_never_matches_more_than_the_literal_text(gql, hostile_customers, fragment, expected):
    assert names_matching(gql, {"name": {"contains": fragment}}) == expected


def test_a_natural_key_that_looks_like_sql_finds_nothing_rather_than_everything(gql, hostile_customers):
    body = gql(BY_CODE, {"code": SQL_OR_QUOTED})

    assert body["data"]["customer"] is None


def test_hostile_text_in_an_update_is_stored_verbatim(gql, engine, customer):
    payload = gql(UPDATE, {"id": str(customer.id), "input": {"name": SQL_DROP, "notes": SCRIPT}})

    assert payload["data"]["updateCustomer"]["errors"] == []
    row = stored(engine, Customer, customer.id)
    assert (row["name"], row["notes"]) == (SQL_DROP, SCRIPT)


def test_hostile_text_inline_in_the_document_is_still_just_a_string(gql, engine, hostile_customers):
    # the text written into the document itself (escaped as a GraphQL string), not passed as a variable
    body = gql('{ customers(filter: {name: {eq: "\\" OR 1=1 --"}}) { nodes { name } } }')

    assert body["data"]["customers"]["nodes"] == [{"name": SQL_OR}]


def test_every_table_still_exists_and_holds_its_rows_afterwards(gql, engine, hostile_customers):
    # given all the hostile texts above were written, filtered and looked up
    for text in HOSTILE:
        names_matching(gql, {"name": {"contains": text}, "or": [{"code": {"in": [text]}}]})

    # then the tables are all there, and every customer too
    assert {"customers", "contacts", "employees", "users", "api_tokens", "audit_events"} <= tables(engine)
    assert count(engine, Customer) == len(HOSTILE) + 1


def _id(gql, code: str) -> str:
    return gql("query ($code: String!) { customer(code: $code) { id } }", {"code": code})["data"]["customer"]["id"]
