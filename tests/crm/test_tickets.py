"""Support tickets through GraphQL: a closed ticket always carries its resolution, however it got closed."""

import pytest

from models.crm import Ticket, TicketStatus
from tests.factories import count, stored

TICKET_FIELDS = "id version number subject status priority resolution customer { code } assignee { email }"
ERRORS = "errors { field message code }"

CREATE = f"""
mutation Create($input: CreateTicketInput!) {{
  createTicket(input: $input) {{ ticket {{ {TICKET_FIELDS} }} {ERRORS} }}
}}"""
UPDATE = f"""
mutation Update($id: ID!, $version: Int, $input: UpdateTicketInput!) {{
  updateTicket(id: $id, version: $version, input: $input) {{ ticket {{ {TICKET_FIELDS} }} {ERRORS} }}
}}"""
CLOSE = f"""
mutation Close($id: ID!, $resolution: String!, $version: Int) {{
  closeTicket(id: $id, resolution: $resolution, version: $version) {{ ticket {{ {TICKET_FIELDS} }} {ERRORS} }}
}}"""
REOPEN = f"""
mutation Reopen($id: ID!, $version: Int) {{
  reopenTicket(id: $id, version: $version) {{ ticket {{ {TICKET_FIELDS} }} {ERRORS} }}
}}"""
DELETE = f"""
mutation Delete($id: ID!, $version: Int) {{
  deleteTicket(id: $id, version: $version) {{ ticket {{ id }} {ERRORS} }}
}}"""
BY_NUMBER = f"query ByNumber($number: String!) {{ ticket(number: $number) {{ {TICKET_FIELDS} }} }}"
LIST = "query List($filter: TicketFilter) { tickets(filter: $filter) { totalCount nodes { subject } } }"


def create_ticket(gql, **input):
    return gql(CREATE, {"input": input})["data"]["createTicket"]


def update_ticket(gql, id, input, version=None):
    return gql(UPDATE, {"id": id, "version": version, "input": input})["data"]["updateTicket"]


def close_ticket(gql, id, resolution, version=None):
    return gql(CLOSE, {"id": id, "resolution": resolution, "version": version})["data"]["closeTicket"]


def reopen_ticket(gql, id, version=None):
    return gql(REOPEN, {"id": id, "version": version})["data"]["reopenTicket"]


def only_error(payload):
    assert payload["ticket"] is None
    (error,) = payload["errors"]
    return error


# --- create, read, patch, delete -----------------------------------------------------------------------------------


def test_created_ticket_is_open_normal_and_readable_by_number(gql, customer, employee):
    created = create_ticket(
        gql, number="T-00007", customerId=str(customer.id), subject="Printer jams", assigneeId=str(employee.id)
    )

    assert created["errors"] == []
    ticket = created["ticket"]
    assert (ticket["status"], ticket["priority"], ticket["resolution"]) == ("OPEN", "NORMAL", None)
    assert ticket["assignee"] == {"email": employee.email}
    assert gql(BY_NUMBER, {"number": "T-00007"})["data"]["ticket"] == ticket


def test_update_is_a_patch_and_null_unassigns(gql, engine, customer, employee, make_ticket):
    ticket = make_ticket(customer, assignee_id=employee.id, subject="Printer jams")

    payload = update_ticket(gql, ticket.id, {"assigneeId": None, "priority": "URGENT"}, version=1)

    assert payload["errors"] == []
    row = stored(engine, Ticket, ticket.id)
    assert (row["assignee_id"], row["priority"].value, row["subject"], row["version"]) == (
        None,
        "urgent",
        "Printer jams",
        2,
    )


def test_delete_with_the_current_version_removes_the_ticket(gql, engine, ticket):
    payload = gql(DELETE, {"id": ticket.id, "version": 1})["data"]["deleteTicket"]

    assert payload["errors"] == []
    assert count(engine, Ticket) == 0


@pytest.mark.parametrize(
    ("input", "field"),
    [({"subject": ""}, "subject"), ({"customerId": "999999"}, "customerId"), ({"assigneeId": "999999"}, "assigneeId")],
)
def test_bad_input_is_refused_and_nothing_written(gql, engine, customer, input, field):
    values = {"number": "T-1", "customerId": str(customer.id), "subject": "Help"} | input

    error = only_error(create_ticket(gql, **values))

    assert (error["code"], error["field"]) == ("VALIDATION", ["input", field])
    assert count(engine, Ticket) == 0


# --- closing -----------------------------------------------------------------------------------------------------


def test_close_with_a_resolution_closes_the_ticket(gql, engine, ticket):
    payload = close_ticket(gql, ticket.id, "Replaced the fuser", version=1)

    assert payload["errors"] == []
    assert (payload["ticket"]["status"], payload["ticket"]["resolution"]) == ("CLOSED", "Replaced the fuser")
    row = stored(engine, Ticket, ticket.id)
    assert (row["status"], row["resolution"], row["version"]) == (TicketStatus.CLOSED, "Replaced the fuser", 2)


@pytest.mark.parametrize("resolution", ["", "   "])
def test_close_without_a_resolution_is_refused_and_the_ticket_stays_open(gql, engine, ticket, resolution):
    before = stored(engine, Ticket, ticket.id)

    error = only_error(close_ticket(gql, ticket.id, resolution))

    assert (error["code"], error["field"]) == ("VALIDATION", ["resolution"])
    assert stored(engine, Ticket, ticket.id) == before


def test_update_to_closed_without_a_resolution_is_refused_the_same_way(gql, engine, ticket):
    before = stored(engine, Ticket, ticket.id)

    error = only_error(update_ticket(gql, ticket.id, {"status": "CLOSED", "priority": "LOW"}))

    assert (error["code"], error["field"]) == ("VALIDATION", ["input", "resolution"])
    assert stored(engine, Ticket, ticket.id) == before


def test_update_to_closed_with_a_resolution_in_the_same_patch_closes_it(gql, ticket):
    payload = update_ticket(gql, ticket.id, {"status": "CLOSED", "resolution": "Customer found the cable"})

    assert (payload["ticket"]["status"], payload["ticket"]["resolution"]) == ("CLOSED", "Customer found the cable")


def test_clearing_the_resolution_of_a_closed_ticket_is_refused(gql, engine, ticket):
    close_ticket(gql, ticket.id, "Replaced the fuser")
    before = stored(engine, Ticket, ticket.id)

    error = only_error(update_ticket(gql, ticket.id, {"resolution": None}))

    assert (error["code"], error["field"]) == ("VALIDATION", ["input", "resolution"])
    assert stored(engine, Ticket, ticket.id) == before


def test_creating_a_ticket_already_closed_needs_a_resolution(gql, engine, customer):
    error = only_error(create_ticket(gql, number="T-1", customerId=str(customer.id), subject="Old", status="CLOSED"))

    assert (error["code"], error["field"]) == ("VALIDATION", ["input", "resolution"])
    assert count(engine, Ticket) == 0


def test_creating_a_closed_ticket_with_its_resolution_is_fine(gql, customer):
    created = create_ticket(
        gql, number="T-1", customerId=str(customer.id), subject="Old", status="CLOSED", resolution="Solved by phone"
    )

    assert created["errors"] == []
    assert created["ticket"]["status"] == "CLOSED"


def test_close_with_a_stale_version_is_a_conflict(gql, engine, ticket):
    update_ticket(gql, ticket.id, {"priority": "HIGH"})

    error = only_error(close_ticket(gql, ticket.id, "Fixed", version=1))

    assert (error["code"], error["field"]) == ("CONFLICT", ["version"])
    assert stored(engine, Ticket, ticket.id)["status"] is TicketStatus.OPEN


def test_close_of_an_unknown_ticket_is_not_found(gql):
    error = only_error(close_ticket(gql, "999999", "Fixed"))

    assert (error["code"], error["field"]) == ("NOT_FOUND", ["id"])


@pytest.mark.parametrize("verb", ["close", "reopen"])
def test_close_or_reopen_of_a_malformed_id_is_not_found(gql, verb):
    payload = close_ticket(gql, "T-1", "Fixed") if verb == "close" else reopen_ticket(gql, "T-1")

    error = only_error(payload)
    assert (error["code"], error["field"]) == ("NOT_FOUND", ["id"])


# --- reopening ---------------------------------------------------------------------------------------------------


def test_reopen_puts_a_closed_ticket_back_to_open_and_keeps_the_resolution(gql, engine, ticket):
    close_ticket(gql, ticket.id, "Replaced the fuser")

    payload = reopen_ticket(gql, ticket.id, version=2)

    assert payload["errors"] == []
    assert (payload["ticket"]["status"], payload["ticket"]["resolution"]) == ("OPEN", "Replaced the fuser")
    assert stored(engine, Ticket, ticket.id)["version"] == 3


@pytest.mark.parametrize("status", [TicketStatus.OPEN, TicketStatus.IN_PROGRESS, TicketStatus.WAITING])
def test_reopen_of_a_ticket_that_is_not_closed_is_an_invalid_state(gql, engine, customer, make_ticket, status):
    ticket = make_ticket(customer, status=status)
    before = stored(engine, Ticket, ticket.id)

    error = only_error(reopen_ticket(gql, ticket.id))

    assert error["code"] == "INVALID_STATE"
    assert error["field"] is None  # reopenTicket has no input: the ticket's state is at fault, not an argument
    assert ticket.number in error["message"]
    assert stored(engine, Ticket, ticket.id) == before


def test_reopen_with_a_stale_version_is_a_conflict(gql, engine, ticket):
    close_ticket(gql, ticket.id, "Fixed")

    error = only_error(reopen_ticket(gql, ticket.id, version=1))

    assert (error["code"], error["field"]) == ("CONFLICT", ["version"])
    assert stored(engine, Ticket, ticket.id)["status"] is TicketStatus.CLOSED


@pytest.mark.parametrize("text", ["'; DROP TABLE customers; --", "<script>alert(1)</script>"])
def test_code_looking_text_is_kept_verbatim_in_subject_and_resolution(gql, engine, ticket, text):
    update_ticket(gql, ticket.id, {"subject": text})
    closed = close_ticket(gql, ticket.id, text)["ticket"]

    assert (closed["subject"], closed["resolution"]) == (text, text)
    assert gql(LIST, {"filter": {"subject": {"eq": text}}})["data"]["tickets"] == {
        "totalCount": 1,
        "nodes": [{"subject": text}],
    }
