"""Opportunities through GraphQL: the pipeline's rules hold whether the stage moves by verb or by a plain update."""

from datetime import date
from decimal import Decimal

import pytest

from models.crm import Opportunity
from tests.factories import count, stored

OPPORTUNITY_FIELDS = "id version number title stage amount probability expectedClose customer { code } owner { email }"
ERRORS = "errors { field message code }"

CREATE = f"""
mutation Create($input: CreateOpportunityInput!) {{
  createOpportunity(input: $input) {{ opportunity {{ {OPPORTUNITY_FIELDS} }} {ERRORS} }}
}}"""
UPDATE = f"""
mutation Update($id: ID!, $version: Int, $input: UpdateOpportunityInput!) {{
  updateOpportunity(id: $id, version: $version, input: $input) {{ opportunity {{ {OPPORTUNITY_FIELDS} }} {ERRORS} }}
}}"""
MOVE = f"""
mutation Move($id: ID!, $stage: OpportunityStage!, $version: Int) {{
  moveOpportunityStage(id: $id, stage: $stage, version: $version) {{ opportunity {{ {OPPORTUNITY_FIELDS} }} {ERRORS} }}
}}"""
DELETE = f"""
mutation Delete($id: ID!, $version: Int) {{
  deleteOpportunity(id: $id, version: $version) {{ opportunity {{ id }} {ERRORS} }}
}}"""
BY_NUMBER = f"query ByNumber($number: String!) {{ opportunity(number: $number) {{ {OPPORTUNITY_FIELDS} }} }}"
LIST = "query List($filter: OpportunityFilter) { opportunities(filter: $filter) { totalCount nodes { title } } }"


def create_opportunity(gql, **input):
    return gql(CREATE, {"input": input})["data"]["createOpportunity"]


def update_opportunity(gql, id, input, version=None):
    return gql(UPDATE, {"id": id, "version": version, "input": input})["data"]["updateOpportunity"]


def move_stage(gql, id, stage, version=None):
    return gql(MOVE, {"id": id, "stage": stage, "version": version})["data"]["moveOpportunityStage"]


def only_error(payload):
    assert payload["opportunity"] is None
    (error,) = payload["errors"]
    return error


# --- create, read, patch, delete -----------------------------------------------------------------------------------


def test_created_opportunity_starts_as_a_lead_and_is_readable_by_number(gql, customer, employee):
    created = create_opportunity(
        gql,
        number="OPP-00012",
        customerId=str(customer.id),
        title="200 desks",
        amount="15000.00",
        expectedClose="2026-12-31",
        ownerId=str(employee.id),
    )

    assert created["errors"] == []
    opportunity = created["opportunity"]
    assert (opportunity["stage"], opportunity["probability"], opportunity["amount"]) == ("LEAD", 10, "15000.00")
    assert opportunity["customer"] == {"code": customer.code}
    assert opportunity["owner"] == {"email": employee.email}
    assert gql(BY_NUMBER, {"number": "OPP-00012"})["data"]["opportunity"] == opportunity


def test_update_is_a_patch_and_null_clears_the_expected_close(gql, engine, customer, make_opportunity):
    opportunity = make_opportunity(customer, title="Desks", amount=Decimal("100.00"), expected_close=date(2026, 12, 31))

    payload = update_opportunity(gql, opportunity.id, {"expectedClose": None, "amount": "250.00"}, version=1)

    assert payload["errors"] == []
    row = stored(engine, Opportunity, opportunity.id)
    assert (row["title"], str(row["amount"]), row["expected_close"], row["version"]) == ("Desks", "250.00", None, 2)


def test_delete_removes_the_opportunity(gql, engine, opportunity):
    payload = gql(DELETE, {"id": opportunity.id, "version": 1})["data"]["deleteOpportunity"]

    assert payload["errors"] == []
    assert count(engine, Opportunity) == 0


def test_delete_with_a_stale_version_keeps_the_opportunity(gql, engine, opportunity):
    move_stage(gql, opportunity.id, "QUALIFIED")

    payload = gql(DELETE, {"id": opportunity.id, "version": 1})["data"]["deleteOpportunity"]

    assert [(error["code"], error["field"]) for error in payload["errors"]] == [("CONFLICT", ["version"])]
    assert count(engine, Opportunity) == 1


# --- bad input -------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("input", "field", "words"),
    [
        ({"amount": "-0.01"}, "amount", "at least 0"),
        ({"probability": 150}, "probability", "at most 100"),
        ({"probability": -1}, "probability", "at least 0"),
        ({"title": ""}, "title", "required"),
        ({"customerId": "999999"}, "customerId", "no customer with id 999999"),
        ({"ownerId": "999999"}, "ownerId", "no employee with id 999999"),
    ],
)
def test_bad_input_is_refused_and_nothing_written(gql, engine, customer, input, field, words):
    values = {"number": "OPP-1", "customerId": str(customer.id), "title": "Desks"} | input

    error = only_error(create_opportunity(gql, **values))

    assert (error["code"], error["field"]) == ("VALIDATION", ["input", field])
    assert words in error["message"]
    assert count(engine, Opportunity) == 0


def test_probability_150_on_update_leaves_the_row_unchanged(gql, engine, opportunity):
    before = stored(engine, Opportunity, opportunity.id)

    error = only_error(update_opportunity(gql, opportunity.id, {"probability": 150}))

    assert (error["code"], error["field"]) == ("VALIDATION", ["input", "probability"])
    assert stored(engine, Opportunity, opportunity.id) == before


def test_duplicate_number_is_refused(gql, engine, customer, make_opportunity):
    make_opportunity(customer, number="OPP-1")

    error = only_error(create_opportunity(gql, number="OPP-1", customerId=str(customer.id), title="Again"))

    assert (error["code"], error["field"]) == ("VALIDATION", ["input", "number"])
    assert count(engine, Opportunity) == 1


def test_unknown_stage_is_rejected_by_graphql(gql, engine, opportunity):
    body = gql(MOVE, {"id": opportunity.id, "stage": "SIGNED"}, expect_errors=True)

    assert body["data"] is None
    assert "SIGNED" in body["errors"][0]["message"]
    assert stored(engine, Opportunity, opportunity.id)["version"] == 1


# --- pipeline rules --------------------------------------------------------------------------------------------


def test_moving_to_won_sets_probability_to_100(gql, engine, customer, make_opportunity):
    opportunity = make_opportunity(customer, probability=40)

    payload = move_stage(gql, opportunity.id, "WON", version=1)

    assert payload["errors"] == []
    assert (payload["opportunity"]["stage"], payload["opportunity"]["probability"]) == ("WON", 100)
    assert stored(engine, Opportunity, opportunity.id)["probability"] == 100


def test_moving_to_lost_sets_probability_to_0(gql, customer, make_opportunity):
    opportunity = make_opportunity(customer, probability=40)

    payload = move_stage(gql, opportunity.id, "LOST")

    assert (payload["opportunity"]["stage"], payload["opportunity"]["probability"]) == ("LOST", 0)


def test_an_open_stage_can_move_forward_and_back(gql, opportunity):
    move_stage(gql, opportunity.id, "PROPOSAL")

    payload = move_stage(gql, opportunity.id, "QUALIFIED")

    assert payload["errors"] == []
    assert (payload["opportunity"]["stage"], payload["opportunity"]["version"]) == ("QUALIFIED", 3)


@pytest.mark.parametrize("closed", ["WON", "LOST"])
def test_closed_opportunity_cannot_move_back_to_an_open_stage(gql, engine, opportunity, closed):
    move_stage(gql, opportunity.id, closed)
    before = stored(engine, Opportunity, opportunity.id)

    error = only_error(move_stage(gql, opportunity.id, "NEGOTIATION"))

    assert (error["code"], error["field"]) == ("INVALID_STATE", ["stage"])
    assert stored(engine, Opportunity, opportunity.id) == before


@pytest.mark.parametrize("closed", ["WON", "LOST"])
def test_closed_opportunity_cannot_reopen_through_a_plain_update_either(gql, engine, opportunity, closed):
    move_stage(gql, opportunity.id, closed)
    before = stored(engine, Opportunity, opportunity.id)

    error = only_error(update_opportunity(gql, opportunity.id, {"stage": "LEAD", "title": "Try again"}))

    assert (error["code"], error["field"]) == ("INVALID_STATE", ["input", "stage"])
    assert stored(engine, Opportunity, opportunity.id) == before


def test_winning_through_a_plain_update_also_sets_probability_to_100(gql, opportunity):
    payload = update_opportunity(gql, opportunity.id, {"stage": "WON", "probability": 30})

    assert (payload["opportunity"]["stage"], payload["opportunity"]["probability"]) == ("WON", 100)


def test_created_as_won_starts_at_probability_100(gql, customer):
    created = create_opportunity(gql, number="OPP-9", customerId=str(customer.id), title="Signed", stage="WON")

    assert (created["opportunity"]["stage"], created["opportunity"]["probability"]) == ("WON", 100)


def test_move_with_a_stale_version_is_a_conflict(gql, engine, opportunity):
    move_stage(gql, opportunity.id, "QUALIFIED")

    error = only_error(move_stage(gql, opportunity.id, "WON", version=1))

    assert (error["code"], error["field"]) == ("CONFLICT", ["version"])
    assert stored(engine, Opportunity, opportunity.id)["stage"].value == "qualified"


def test_move_of_an_unknown_opportunity_is_not_found(gql):
    error = only_error(move_stage(gql, "999999", "WON"))

    assert (error["code"], error["field"]) == ("NOT_FOUND", ["id"])


def test_move_of_a_malformed_id_is_not_found(gql):
    error = only_error(move_stage(gql, "OPP-1", "WON"))

    assert (error["code"], error["field"]) == ("NOT_FOUND", ["id"])


@pytest.mark.parametrize("text", ["'; DROP TABLE customers; --", "<script>alert(1)</script>"])
def test_code_looking_titles_are_stored_and_filtered_verbatim(gql, customer, text):
    create_opportunity(gql, number="OPP-1", customerId=str(customer.id), title=text)

    listed = gql(LIST, {"filter": {"title": {"contains": text}}})["data"]["opportunities"]

    assert listed == {"totalCount": 1, "nodes": [{"title": text}]}


def test_a_won_opportunity_stays_at_probability_100_when_edited(gql, engine, opportunity):
    move_stage(gql, opportunity.id, "WON")

    payload = update_opportunity(gql, opportunity.id, {"probability": 40, "amount": "900.00"})

    assert (payload["opportunity"]["probability"], payload["opportunity"]["amount"]) == (100, "900.00")
    assert stored(engine, Opportunity, opportunity.id)["probability"] == 100
