"""Relations between objects as GraphQL fields: to-one, to-many and the paginated interaction timeline."""

from datetime import UTC, datetime

import pytest
import sqlalchemy as sa

from models.crm import Contact, Customer, Interaction, InteractionKind, Opportunity, Ticket
from models.hr import Department, Employee


def at(month: int, day: int, hour: int = 9, *, year: int = 2026) -> datetime:
    return datetime(year, month, day, hour, tzinfo=UTC)


@pytest.fixture
def company(insert, engine) -> dict[str, int]:
    """A small company: three departments, six employees in a hierarchy, three customers with their history.

    Rows go in out of name and time order, so that an ordering by id would show.
    Returns the id of each row by a short name.
    """
    ids: dict[str, int] = {}
    ids["SALES"], ids["SUP"], ids["EMPTY"] = insert(
        Department.__table__,
        [{"code": "SALES", "name": "Sales"}, {"code": "SUP", "name": "Support"}, {"code": "EMPTY", "name": "Empty"}],
    )
    for name, department, manager in [
        ("Mara", "SALES", None),
        ("Lena", "SALES", "Mara"),
        ("Kai", "SALES", "Mara"),
        ("Jon", "SUP", "Mara"),
        ("Ivy", "SUP", "Lena"),
        ("Hal", None, None),
    ]:
        (ids[name],) = insert(
            Employee.__table__,
            [
                {
                    "email": f"{name.lower()}@onebook.test",
                    "name": name,
                    "department_id": ids.get(department),
                    "manager_id": ids.get(manager),
                }
            ],
        )
    departments = Department.__table__
    with engine.begin() as connection:
        for code, head in (("SALES", "Mara"), ("SUP", "Jon")):
            connection.execute(departments.update().where(departments.c.id == ids[code]).values(head_id=ids[head]))

    ids["C1"], ids["C2"], ids["C3"] = insert(
        Customer.__table__,
        [
            {"code": "C-00001", "name": "Acme", "owner_id": ids["Lena"]},
            {"code": "C-00002", "name": "Bolt", "owner_id": None},
            {"code": "C-00003", "name": "Core", "owner_id": ids["Kai"]},
        ],
    )
    ids["Zoe"], ids["Adam"], ids["Mia"], ids["Bea"] = insert(
        Contact.__table__,
        [
            {"customer_id": ids["C1"], "name": "Zoe", "email": "zoe@acme.test"},
            {"customer_id": ids["C1"], "name": "Adam", "email": "adam@acme.test"},
            {"customer_id": ids["C1"], "name": "Mia", "email": "mia@acme.test"},
            {"customer_id": ids["C3"], "name": "Bea", "email": "bea@core.test"},
        ],
    )
    insert(
        Opportunity.__table__,
        [
            {"number": "OPP-1", "customer_id": ids["C1"], "title": "Jan", "created_at": at(1, 10)},
            {"number": "OPP-2", "customer_id": ids["C1"], "title": "Mar", "created_at": at(3, 1)},
            {"number": "OPP-3", "customer_id": ids["C1"], "title": "Feb", "created_at": at(2, 1)},
            {"number": "OPP-4", "customer_id": ids["C3"], "title": "Core", "created_at": at(1, 1)},
        ],
    )
    insert(
        Ticket.__table__,
        [
            {"number": "T-1", "customer_id": ids["C1"], "subject": "Feb", "created_at": at(2, 1)},
            {"number": "T-2", "customer_id": ids["C1"], "subject": "Jan", "created_at": at(1, 1)},
            {"number": "T-3", "customer_id": ids["C2"], "subject": "Bolt", "created_at": at(1, 1)},
        ],
    )
    timeline = [
        ("C1", "March call", at(3, 5), "Adam", "Lena"),
        ("C1", "January call", at(1, 5), None, None),
        ("C1", "Tie A", at(2, 10), "Zoe", "Kai"),
        ("C1", "April call", at(4, 1), "Mia", "Lena"),
        ("C1", "Tie B", at(2, 10), None, "Ivy"),
        ("C1", "Feb early", at(2, 1), "Adam", None),
        ("C1", "December call", at(12, 20, year=2025), None, "Lena"),
        ("C2", "Bolt one", at(1, 2), None, "Hal"),
        ("C2", "Bolt three", at(3, 2), None, None),
        ("C2", "Bolt two", at(2, 2), None, "Hal"),
    ]
    insert(
        Interaction.__table__,
        [
            {
                "customer_id": ids[customer],
                "kind": InteractionKind.CALL,
                "subject": subject,
                "occurred_at": occurred_at,
                "contact_id": ids.get(contact),
                "employee_id": ids.get(employee),
            }
            for customer, subject, occurred_at, contact, employee in timeline
        ],
    )
    return ids


C1_NEWEST_FIRST = ["April call", "March call", "Tie B", "Tie A", "Feb early", "January call", "December call"]


def customers(gql, selection: str) -> dict[str, dict]:
    """Every customer with `selection`, by code."""
    body = gql(f"{{ customers(orderBy: [{{code: ASC}}]) {{ nodes {{ code {selection} }} }} }}")
    return {node.pop("code"): node for node in body["data"]["customers"]["nodes"]}


def test_customer_contacts_are_their_own_by_name(gql, company):
    # given contacts added out of name order; when listing customers with their contacts
    found = customers(gql, "contacts { name customer { code } }")

    # then each customer has only their own contacts, by name
    assert [contact["name"] for contact in found["C-00001"]["contacts"]] == ["Adam", "Mia", "Zoe"]
    assert found["C-00002"]["contacts"] == []
    assert found["C-00003"]["contacts"] == [{"name": "Bea", "customer": {"code": "C-00003"}}]
    assert {contact["customer"]["code"] for contact in found["C-00001"]["contacts"]} == {"C-00001"}


def test_customer_owner_with_department(gql, company):
    found = customers(gql, "owner { email department { code } }")

    assert found["C-00001"]["owner"] == {"email": "lena@onebook.test", "department": {"code": "SALES"}}
    assert found["C-00002"]["owner"] is None
    assert found["C-00003"]["owner"] == {"email": "kai@onebook.test", "department": {"code": "SALES"}}


def test_customer_opportunities_and_tickets_newest_first(gql, company):
    # given opportunities and tickets created out of id order; when listing them per customer
    found = customers(gql, "opportunities { number } tickets { number }")

    # then each customer's come newest first
    assert [item["number"] for item in found["C-00001"]["opportunities"]] == ["OPP-2", "OPP-3", "OPP-1"]
    assert [item["number"] for item in found["C-00001"]["tickets"]] == ["T-1", "T-2"]
    assert found["C-00002"] == {"opportunities": [], "tickets": [{"number": "T-3"}]}
    assert found["C-00003"] == {"opportunities": [{"number": "OPP-4"}], "tickets": []}


def test_customer_interactions_newest_first_with_count_per_customer(gql, company):
    # given 7, 3 and 0 interactions; when listing customers with the first 3 of their timeline
    found = customers(
        gql, "interactions(first: 3) { totalCount pageInfo { hasNextPage hasPreviousPage } nodes { subject } }"
    )

    # then each page is that customer's newest three, same-time entries newest id first, counted per customer
    acme, bolt, core = (found[code]["interactions"] for code in ("C-00001", "C-00002", "C-00003"))
    assert [node["subject"] for node in acme["nodes"]] == C1_NEWEST_FIRST[:3]
    assert acme["totalCount"] == 7
    assert acme["pageInfo"] == {"hasNextPage": True, "hasPreviousPage": False}
    assert [node["subject"] for node in bolt["nodes"]] == ["Bolt three", "Bolt two", "Bolt one"]
    assert bolt["totalCount"] == 3
    assert bolt["pageInfo"] == {"hasNextPage": False, "hasPreviousPage": False}
    assert core == {"totalCount": 0, "pageInfo": {"hasNextPage": False, "hasPreviousPage": False}, "nodes": []}


def test_walking_a_customers_interactions_with_after(gql, company):
    # given a customer with seven interactions; when walking the timeline two at a time
    query = """
    query Timeline($after: String) {
      customer(code: "C-00001") {
        interactions(first: 2, after: $after) {
          totalCount
          pageInfo { hasNextPage hasPreviousPage endCursor }
          edges { cursor node { subject } }
        }
      }
    }"""
    seen, pages, after = [], [], None
    while len(pages) < 10:
        page = gql(query, {"after": after})["data"]["customer"]["interactions"]
        pages.append(page)
        seen.extend(edge["node"]["subject"] for edge in page["edges"])
        if not page["pageInfo"]["hasNextPage"]:
            break
        after = page["pageInfo"]["endCursor"]

    # then every interaction comes once, newest first, in four pages with the right flags
    assert seen == C1_NEWEST_FIRST
    assert [page["pageInfo"]["hasNextPage"] for page in pages] == [True, True, True, False]
    assert [page["pageInfo"]["hasPreviousPage"] for page in pages] == [False, True, True, True]
    assert {page["totalCount"] for page in pages} == {7}


def test_contact_customer(gql, company):
    body = gql('{ contacts(filter: {name: {in: ["Adam", "Bea"]}}) { nodes { name customer { code name } } } }')

    assert body["data"]["contacts"]["nodes"] == [
        {"name": "Adam", "customer": {"code": "C-00001", "name": "Acme"}},
        {"name": "Bea", "customer": {"code": "C-00003", "name": "Core"}},
    ]


def test_interaction_customer_contact_and_employee(gql, company):
    # given interactions with and without a contact and an employee; when listing them with their relations
    body = gql(
        """{ interactions(first: 500) {
             nodes { subject customer { code } contact { email customer { code } } employee { email } } } }"""
    )

    # then each relation is the row it points at, or null
    found = {node.pop("subject"): node for node in body["data"]["interactions"]["nodes"]}
    assert found["March call"] == {
        "customer": {"code": "C-00001"},
        "contact": {"email": "adam@acme.test", "customer": {"code": "C-00001"}},
        "employee": {"email": "lena@onebook.test"},
    }
    assert found["Tie B"] == {
        "customer": {"code": "C-00001"},
        "contact": None,
        "employee": {"email": "ivy@onebook.test"},
    }
    assert found["Bolt three"] == {"customer": {"code": "C-00002"}, "contact": None, "employee": None}
    assert len(found) == 10


def test_employee_department_manager_and_reports(gql, company):
    # given a hierarchy under Mara; when listing employees with their relations
    body = gql("{ employees { nodes { name department { code } manager { name } reports { name } } } }")

    # then departments and managers resolve, and reports are the direct reports by name
    found = {node.pop("name"): node for node in body["data"]["employees"]["nodes"]}
    assert found["Mara"] == {
        "department": {"code": "SALES"},
        "manager": None,
        "reports": [{"name": "Jon"}, {"name": "Kai"}, {"name": "Lena"}],
    }
    assert found["Lena"] == {"department": {"code": "SALES"}, "manager": {"name": "Mara"}, "reports": [{"name": "Ivy"}]}
    assert found["Ivy"] == {"department": {"code": "SUP"}, "manager": {"name": "Lena"}, "reports": []}
    assert found["Hal"] == {"department": None, "manager": None, "reports": []}


def test_department_employees_and_head(gql, company):
    body = gql("{ departments { nodes { code head { name } employees { name } } } }")

    assert body["data"]["departments"]["nodes"] == [
        {"code": "SALES", "head": {"name": "Mara"}, "employees": [{"name": "Kai"}, {"name": "Lena"}, {"name": "Mara"}]},
        {"code": "SUP", "head": {"name": "Jon"}, "employees": [{"name": "Ivy"}, {"name": "Jon"}]},
        {"code": "EMPTY", "head": None, "employees": []},
    ]


@pytest.mark.parametrize("id_", ["0", "abc", "99999999999999999999", "-1"])
def test_lookup_by_an_id_that_cannot_exist_is_null(gql, company, id_):
    # given customers; when asking for one by an id no row can have
    body = gql("query ($id: ID!) { customer(id: $id) { code contacts { name } } }", {"id": id_})

    # then the answer is null, not an error
    assert body["data"] == {"customer": None}


def test_lookup_by_natural_key_of_a_contact(gql, company, engine):
    # given Adam at Acme; when asking for the contact by customer code and email
    body = gql('{ contact(customerCode: "C-00001", email: "adam@acme.test") { id name customer { code } } }')

    # then it is Adam, with his customer
    with engine.connect() as connection:
        adam_id = connection.scalar(sa.select(Contact.__table__.c.id).where(Contact.__table__.c.name == "Adam"))
    assert body["data"]["contact"] == {"id": str(adam_id), "name": "Adam", "customer": {"code": "C-00001"}}
