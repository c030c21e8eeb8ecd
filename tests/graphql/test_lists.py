"""The list pipeline as a frontend sees it: filters, ordering, keyset pagination, page limits and cursor errors."""

import base64
import math
from datetime import UTC, date, datetime, timedelta, timezone
from decimal import Decimal

import orjson
import pytest

from models.crm import Customer, CustomerStatus, Interaction, InteractionKind, Opportunity
from models.hr import Employee

ACTIVE, PROSPECT, INACTIVE = CustomerStatus.ACTIVE, CustomerStatus.PROSPECT, CustomerStatus.INACTIVE

CUSTOMER_PAGE = """
query Customers($filter: CustomerFilter, $orderBy: [CustomerOrderBy!], $first: Int, $after: String,
                $last: Int, $before: String) {
  customers(filter: $filter, orderBy: $orderBy, first: $first, after: $after, last: $last, before: $before) {
    totalCount
    pageInfo { hasNextPage hasPreviousPage startCursor endCursor }
    edges { cursor node { code } }
  }
}"""


def matching(gql, field: str, filter_: str, key: str) -> list[str]:
    """The `key` of every item `field(filter: ...)` returns, in the list's order; totalCount must agree."""
    body = gql(f"{{ {field}(filter: {filter_}, first: 500) {{ totalCount nodes {{ {key} }} }} }}")
    connection = body["data"][field]
    values = [node[key] for node in connection["nodes"]]
    assert connection["totalCount"] == len(values)
    return values


def codes(*numbers: int) -> list[str]:
    return [f"C-{number:05}" for number in numbers]


def cursor_of(values: object) -> str:
    """A cursor as the API shapes them (base64 of a JSON list), for values a client made up."""
    raw = values if isinstance(values, bytes) else orjson.dumps(values)
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def only_error_message(body: dict) -> str:
    assert body["data"] is None
    (error,) = body["errors"]
    return error["message"]


# --- filters ----------------------------------------------------------------------------------------------------


@pytest.fixture
def filter_customers(insert) -> None:
    """Eight customers whose names, countries, cities, statuses, credit limits and owners cover every filter."""
    ann, ben = insert(
        Employee.__table__,
        [{"email": "ann@onebook.test", "name": "Ann"}, {"email": "ben@onebook.test", "name": "Ben"}],
    )
    rows = [
        ("Acme Trading", "TH", "Bangkok", PROSPECT, "0.00", ann),
        ("ACME Corp", "DE", "Berlin", ACTIVE, "1000.00", ben),
        ("The Acme Works", "DE", None, PROSPECT, "2500.50", None),
        ("Bolt Industries", "TH", "Bangkok", ACTIVE, "10000.00", ann),
        ("100% Cotton", None, None, INACTIVE, "50.00", None),
        ("100 Percent Wool", None, "Chiang Mai", INACTIVE, "999.99", ben),
        ("Snake_Case Ltd", "US", None, ACTIVE, "1000.01", None),
        ("SnakeXCase Ltd", "US", "Austin", PROSPECT, "2500.49", ben),
    ]
    insert(
        Customer.__table__,
        [
            {
                "code": code,
                "name": name,
                "country": country,
                "city": city,
                "status": status,
                "credit_limit": Decimal(limit),
                "owner_id": owner,
            }
            for code, (name, country, city, status, limit, owner) in zip(codes(*range(1, 9)), rows, strict=True)
        ],
    )


@pytest.mark.parametrize(
    ("filter_", "expected"),
    [
        pytest.param('{name: {eq: "Acme Trading"}}', codes(1), id="eq"),
        pytest.param('{country: {ne: "TH"}}', codes(2, 3, 5, 6, 7, 8), id="ne-includes-empty"),
        pytest.param('{country: {in: ["TH", "US"]}}', codes(1, 4, 7, 8), id="in"),
        pytest.param("{country: {in: []}}", [], id="in-nothing"),
        pytest.param('{name: {contains: "acme"}}', codes(1, 2, 3), id="contains-ignores-case"),
        pytest.param('{name: {contains: "ACME"}}', codes(1, 2, 3), id="contains-upper"),
        pytest.param('{name: {contains: "100%"}}', codes(5), id="contains-percent-literal"),
        pytest.param('{name: {contains: "e_c"}}', codes(7), id="contains-underscore-literal"),
        pytest.param('{name: {contains: "%"}}', codes(5), id="contains-only-percent"),
        pytest.param('{name: {startsWith: "acme"}}', codes(1, 2), id="startsWith-ignores-case"),
        pytest.param('{name: {startsWith: "100%"}}', codes(5), id="startsWith-percent-literal"),
        pytest.param('{name: {startsWith: "snake_"}}', codes(7), id="startsWith-underscore-literal"),
        pytest.param("{city: {isNull: true}}", codes(3, 5, 7), id="isNull-true"),
        pytest.param("{city: {isNull: false}}", codes(1, 2, 4, 6, 8), id="isNull-false"),
        pytest.param('{country: {eq: "TH"}, city: {eq: "Bangkok"}}', codes(1, 4), id="fields-and-together"),
    ],
)
def test_text_filters(gql, filter_customers, filter_, expected):
    # given eight customers; when listing with a text condition
    found = matching(gql, "customers", filter_, "code")

    # then exactly the matching customers come back, in id order
    assert found == expected


@pytest.mark.parametrize(
    ("filter_", "expected"),
    [
        pytest.param('{creditLimit: {eq: "1000.00"}}', codes(2), id="eq"),
        pytest.param('{creditLimit: {ne: "1000"}}', codes(1, 3, 4, 5, 6, 7, 8), id="ne"),
        pytest.param('{creditLimit: {in: ["0", "50.00"]}}', codes(1, 5), id="in"),
        pytest.param('{creditLimit: {gt: "1000"}}', codes(3, 4, 7, 8), id="gt"),
        pytest.param('{creditLimit: {gte: "1000"}}', codes(2, 3, 4, 7, 8), id="gte"),
        pytest.param('{creditLimit: {lt: "1000"}}', codes(1, 5, 6), id="lt"),
        pytest.param('{creditLimit: {lte: "1000.00"}}', codes(1, 2, 5, 6), id="lte"),
        pytest.param('{creditLimit: {gt: "999.99", lt: "1000.01"}}', codes(2), id="between-cents"),
        pytest.param('{creditLimit: {gte: "2500.49", lte: "2500.50"}}', codes(3, 8), id="closed-range"),
    ],
)
def test_decimal_comparisons(gql, filter_customers, filter_, expected):
    # given credit limits that differ by a cent; when comparing against a Decimal
    found = matching(gql, "customers", filter_, "code")

    # then the comparison is exact to the cent
    assert found == expected


@pytest.mark.parametrize(
    ("filter_", "expected"),
    [
        pytest.param("{status: {in: [ACTIVE]}}", codes(2, 4, 7), id="in-one"),
        pytest.param("{status: {in: [ACTIVE, INACTIVE]}}", codes(2, 4, 5, 6, 7), id="in-two"),
        pytest.param("{status: {eq: INACTIVE}}", codes(5, 6), id="eq"),
        pytest.param("{status: {ne: PROSPECT}}", codes(2, 4, 5, 6, 7), id="ne"),
        pytest.param("{kind: {eq: PERSON}}", [], id="kind-none"),
        pytest.param("{kind: {eq: COMPANY}}", codes(*range(1, 9)), id="kind-all"),
    ],
)
def test_enum_filters(gql, filter_customers, filter_, expected):
    # given customers in every status; when filtering on an enum
    found = matching(gql, "customers", filter_, "code")

    # then only customers with the named values match
    assert found == expected


@pytest.mark.parametrize(
    ("filter_", "expected"),
    [
        pytest.param('{ownerEmail: {eq: "ann@onebook.test"}}', codes(1, 4), id="eq"),
        pytest.param('{ownerEmail: {startsWith: "BEN@"}}', codes(2, 6, 8), id="startsWith"),
        pytest.param('{ownerEmail: {in: ["ann@onebook.test", "nobody@onebook.test"]}}', codes(1, 4), id="in"),
        pytest.param('{ownerEmail: {eq: "nobody@onebook.test"}}', [], id="unknown-key"),
        pytest.param("{ownerEmail: {isNull: true}}", codes(3, 5, 7), id="isNull-true-means-no-owner"),
        pytest.param("{ownerEmail: {isNull: false}}", codes(1, 2, 4, 6, 8), id="isNull-false"),
        pytest.param('{ownerEmail: {ne: "ann@onebook.test"}}', codes(2, 3, 5, 6, 7, 8), id="ne-includes-no-owner"),
    ],
)
def test_customers_filter_by_owner_email(gql, filter_customers, filter_, expected):
    # given customers owned by Ann, by Ben and by nobody; when filtering on the owner's natural key
    found = matching(gql, "customers", filter_, "code")

    # then the relation is matched by the employee's email, and "no owner" counts as an empty email
    assert found == expected


def test_contacts_filter_by_customer_code(gql, insert):
    # given two customers with two contacts each
    first, second = insert(Customer.__table__, [{"code": "C-00001", "name": "A"}, {"code": "C-00002", "name": "B"}])
    insert(
        Customer.__table__.metadata.tables["contacts"],
        [
            {"customer_id": first, "name": "Ann", "email": "ann@a.test"},
            {"customer_id": second, "name": "Bob", "email": "bob@b.test"},
            {"customer_id": first, "name": "Cid", "email": "cid@a.test"},
            {"customer_id": second, "name": "Dee", "email": "dee@b.test"},
        ],
    )

    # when filtering contacts by their customer's code
    by_code = matching(gql, "contacts", '{customerCode: {eq: "C-00001"}}', "email")
    by_prefix = matching(gql, "contacts", '{customerCode: {startsWith: "c-0000"}}', "email")
    excluded = matching(gql, "contacts", '{not: {customerCode: {eq: "C-00001"}}}', "email")

    # then only that customer's contacts come back
    assert by_code == ["ann@a.test", "cid@a.test"]
    assert by_prefix == ["ann@a.test", "bob@b.test", "cid@a.test", "dee@b.test"]
    assert excluded == ["bob@b.test", "dee@b.test"]


@pytest.mark.parametrize(
    ("filter_", "expected"),
    [
        pytest.param(
            '{name: {contains: "acme"}, or: [{country: {eq: "TH"}}, {status: {in: [ACTIVE]}}]}',
            codes(1, 2),
            id="design-example",
        ),
        pytest.param('{and: [{country: {eq: "TH"}}, {status: {eq: ACTIVE}}]}', codes(4), id="and"),
        pytest.param('{or: [{country: {eq: "DE"}}, {city: {eq: "Austin"}}]}', codes(2, 3, 8), id="or"),
        pytest.param('{not: {country: {eq: "TH"}}}', codes(2, 3, 5, 6, 7, 8), id="not-includes-empty"),
        pytest.param('{not: {or: [{country: {eq: "DE"}}, {city: {eq: "Bangkok"}}]}}', codes(5, 6, 7, 8), id="not-or"),
        pytest.param(
            '{or: [{and: [{country: {eq: "US"}}, {city: {isNull: true}}]}, {not: {creditLimit: {gte: "50"}}}]}',
            codes(1, 7),
            id="nested",
        ),
        pytest.param('{not: {ownerEmail: {eq: "ann@onebook.test"}}}', codes(2, 3, 5, 6, 7, 8), id="not-relation"),
        pytest.param('{not: {not: {country: {eq: "TH"}}}}', codes(1, 4), id="double-not"),
        pytest.param("{or: []}", [], id="empty-or-matches-nothing"),
        pytest.param("{and: []}", codes(*range(1, 9)), id="empty-and-matches-all"),
    ],
)
def test_and_or_not(gql, filter_customers, filter_, expected):
    # given eight customers; when combining conditions with and/or/not
    found = matching(gql, "customers", filter_, "code")

    # then the combination is evaluated as written, and `not` keeps rows whose field is empty
    assert found == expected


def test_date_and_int_comparisons(gql, insert):
    # given employees hired on different days and opportunities with different probabilities
    hires = [date(2020, 1, 15), date(2021, 6, 1), date(2022, 12, 31), None]
    insert(
        Employee.__table__,
        [{"email": f"e{i}@onebook.test", "name": f"E{i}", "hire_date": hired} for i, hired in enumerate(hires)],
    )
    (customer,) = insert(Customer.__table__, [{"code": "C-00001", "name": "A"}])
    insert(
        Opportunity.__table__,
        [
            {"number": f"OPP-{p}", "customer_id": customer, "title": "Deal", "probability": p, "amount": Decimal(p)}
            for p in (0, 10, 50, 90, 100)
        ],
    )

    # when comparing dates and whole numbers
    hired_since_june = matching(gql, "employees", '{hireDate: {gte: "2021-06-01"}}', "email")
    hired_before_june = matching(gql, "employees", '{hireDate: {lt: "2021-06-01"}}', "email")
    hired_by_new_year = matching(gql, "employees", '{hireDate: {lte: "2022-12-31", gt: "2020-01-15"}}', "email")
    hire_unknown = matching(gql, "employees", "{hireDate: {isNull: true}}", "email")
    likely = matching(gql, "opportunities", "{probability: {gt: 10, lte: 90}}", "number")
    extremes = matching(gql, "opportunities", "{or: [{probability: {lt: 10}}, {probability: {gte: 100}}]}", "number")
    exact = matching(gql, "opportunities", "{probability: {in: [10, 90]}, amount: {ne: 90}}", "number")

    # then each bound is inclusive or exclusive as named
    assert hired_since_june == ["e1@onebook.test", "e2@onebook.test"]
    assert hired_before_june == ["e0@onebook.test"]
    assert hired_by_new_year == ["e1@onebook.test", "e2@onebook.test"]
    assert hire_unknown == ["e3@onebook.test"]
    assert likely == ["OPP-50", "OPP-90"]
    assert extremes == ["OPP-0", "OPP-100"]
    assert exact == ["OPP-10"]


@pytest.fixture
def timeline(insert) -> None:
    """Four interactions around midnight UTC on 1 March 2026, one of them recorded with a +07:00 offset."""
    (customer,) = insert(Customer.__table__, [{"code": "C-00001", "name": "A"}])
    moments = {
        "just before": datetime(2026, 2, 28, 23, 59, 59, tzinfo=UTC),
        "midnight": datetime(2026, 3, 1, 0, 0, 0, tzinfo=UTC),
        "just after": datetime(2026, 3, 1, 0, 0, 1, tzinfo=UTC),
        "bangkok noon": datetime(2026, 3, 2, 12, 0, 0, tzinfo=timezone(timedelta(hours=7))),
    }
    insert(
        Interaction.__table__,
        [
            {"customer_id": customer, "kind": InteractionKind.CALL, "occurred_at": moment, "subject": subject}
            for subject, moment in moments.items()
        ],
    )


@pytest.mark.parametrize(
    ("filter_", "expected"),
    [
        pytest.param('{occurredAt: {eq: "2026-03-01T00:00:00Z"}}', ["midnight"], id="eq"),
        pytest.param('{occurredAt: {eq: "2026-03-01T07:00:00+07:00"}}', ["midnight"], id="eq-other-offset"),
        pytest.param('{occurredAt: {gt: "2026-03-01T00:00:00Z"}}', ["bangkok noon", "just after"], id="gt"),
        pytest.param(
            '{occurredAt: {gte: "2026-03-01T07:00:00+07:00"}}', ["bangkok noon", "just after", "midnight"], id="gte"
        ),
        pytest.param('{occurredAt: {lt: "2026-03-01T00:00:00Z"}}', ["just before"], id="lt"),
        pytest.param('{occurredAt: {lte: "2026-02-28T19:00:00-05:00"}}', ["midnight", "just before"], id="lte"),
        pytest.param('{occurredAt: {gte: "2026-03-02T12:00:00+07:00"}}', ["bangkok noon"], id="same-instant"),
    ],
)
def test_datetime_comparisons_respect_offsets(gql, timeline, filter_, expected):
    # given interactions a second either side of midnight UTC; when comparing with times in various offsets
    found = matching(gql, "interactions", filter_, "subject")

    # then the comparison is on the instant, and interactions come newest first
    assert found == expected


def test_datetime_without_timezone_is_refused_clearly(gql, timeline):
    # given interactions; when filtering with a time that has no offset
    body = gql('{ interactions(filter: {occurredAt: {gt: "2026-03-01T00:00:00"}}) { totalCount } }', expect_errors=True)

    # then the error says what is missing, without a database error's SQL
    message = only_error_message(body)
    assert "has no timezone" in message
    assert "SQL" not in message


def test_id_filter(gql, insert):
    # given three customers
    ids = insert(Customer.__table__, [{"code": f"C-0000{i}", "name": "A"} for i in (1, 2, 3)])

    # when filtering by id
    picked = matching(gql, "customers", f'{{id: {{in: ["{ids[0]}", "{ids[2]}"]}}}}', "code")
    others = matching(gql, "customers", f'{{id: {{ne: "{ids[0]}"}}}}', "code")
    bad = gql('{ customers(filter: {id: {eq: "abc"}}) { totalCount } }', expect_errors=True)
    huge = gql('{ customers(filter: {id: {eq: "99999999999999999999999"}}) { totalCount } }', expect_errors=True)

    # then ids match exactly, and an id that can't exist is a clear error
    assert picked == codes(1, 3)
    assert others == codes(2, 3)
    assert "not a valid id" in only_error_message(bad)
    assert "not a valid id" in only_error_message(huge)


# --- ordering ---------------------------------------------------------------------------------------------------


@pytest.fixture
def ordered_customers(insert) -> None:
    """Six customers with repeated names, credit limits and cities, two of them without a city."""
    rows = [
        ("Delta", "Bangkok", "500.00"),
        ("Alpha", None, "100.00"),
        ("Charlie", "Austin", "500.00"),
        ("Alpha", "Bangkok", "300.00"),
        ("Bravo", None, "100.00"),
        ("Alpha", "Austin", "100.00"),
    ]
    insert(
        Customer.__table__,
        [
            {"code": code, "name": name, "city": city, "credit_limit": Decimal(limit)}
            for code, (name, city, limit) in zip(codes(*range(1, 7)), rows, strict=True)
        ],
    )


@pytest.mark.parametrize(
    ("order_by", "expected"),
    [
        pytest.param(None, codes(1, 2, 3, 4, 5, 6), id="default-by-id"),
        pytest.param([{"name": "ASC"}], codes(2, 4, 6, 5, 3, 1), id="name-asc-ties-by-id"),
        pytest.param([{"name": "DESC"}], codes(1, 3, 5, 6, 4, 2), id="name-desc-is-exact-reverse"),
        pytest.param([{"creditLimit": "DESC"}, {"name": "ASC"}], codes(3, 1, 4, 2, 6, 5), id="two-keys"),
        pytest.param([{"city": "ASC"}], codes(3, 6, 1, 4, 2, 5), id="nullable-asc-nulls-last"),
        pytest.param([{"city": "DESC"}], codes(4, 1, 6, 3, 5, 2), id="nullable-desc-nulls-last"),
        pytest.param([{"city": "ASC"}, {"name": "DESC"}], codes(3, 6, 1, 4, 5, 2), id="nullable-then-name"),
        pytest.param([{"code": "DESC"}], codes(6, 5, 4, 3, 2, 1), id="unique-key"),
    ],
)
def test_ordering(gql, ordered_customers, order_by, expected):
    # given customers sharing names, cities and limits; when listing in an order
    body = gql(CUSTOMER_PAGE, {"orderBy": order_by})

    # then keys apply in the order given, empty values sort last, and the id breaks ties
    assert [edge["node"]["code"] for edge in body["data"]["customers"]["edges"]] == expected


def test_order_by_item_with_two_keys_is_rejected(gql, ordered_customers):
    # given customers; when one orderBy item names two fields
    body = gql(CUSTOMER_PAGE, {"orderBy": [{"name": "ASC", "code": "DESC"}]}, expect_errors=True)
    empty = gql(CUSTOMER_PAGE, {"orderBy": [{}]}, expect_errors=True)

    # then the request is refused: each item names exactly one field
    assert "exactly one key" in only_error_message(body)
    assert "exactly one key" in only_error_message(empty)


# --- pagination -------------------------------------------------------------------------------------------------

ROW_COUNT = 120
BASE_TIME = datetime(2026, 1, 1, tzinfo=UTC)


@pytest.fixture
def many_customers(insert) -> list[dict]:
    """120 customers whose names, cities, credit limits, statuses and creation times repeat; every 5th has no city."""
    statuses = [PROSPECT, ACTIVE, INACTIVE]
    rows = [
        {
            "code": f"C-{i:05}",
            "name": f"Name {i % 7}",
            "city": None if i % 5 == 0 else f"City {i % 4}",
            "credit_limit": Decimal(i % 9 * 250) + Decimal("0.25"),
            "status": statuses[i % 3],
            "created_at": BASE_TIME + timedelta(minutes=i % 30, microseconds=i % 2),
        }
        for i in range(1, ROW_COUNT + 1)
    ]
    for row, row_id in zip(rows, insert(Customer.__table__, rows), strict=True):
        row["id"] = row_id
    return rows


def expected_codes(rows: list[dict], order: list[tuple[str, bool]]) -> list[str]:
    """The documented order: keys applied in turn, empty values last in either direction, the id breaking ties."""
    ordered = sorted(rows, key=lambda row: row["id"], reverse=order[-1][1] if order else False)
    for column, descending in reversed(order):
        ordered.sort(
            key=lambda row: (row[column] is None, "" if row[column] is None else _sortable(row[column])),
            reverse=descending,
        )
        ordered.sort(key=lambda row: row[column] is None)  # stable: empty values go last in both directions
    return [row["code"] for row in ordered]


def _sortable(value: object) -> object:
    return value.value if isinstance(value, CustomerStatus) else value


def order_argument(order: list[tuple[str, bool]]) -> list[dict] | None:
    """The orderBy variable for (column, descending) pairs."""
    camel = {"created_at": "createdAt", "credit_limit": "creditLimit"}
    return [{camel.get(column, column): "DESC" if descending else "ASC"} for column, descending in order] or None


def walk_forward(gql, *, order_by, size: int, filter_: dict | None = None) -> tuple[list[str], list[dict]]:
    """Every page from the first with first/after; returns the codes in order and each page's connection."""
    seen, pages, after = [], [], None
    while True:
        variables = {"orderBy": order_by, "filter": filter_, "first": size, "after": after}
        page = gql(CUSTOMER_PAGE, variables)["data"]["customers"]
        pages.append(page)
        seen.extend(edge["node"]["code"] for edge in page["edges"])
        assert len(pages) <= ROW_COUNT, "pagination does not end"
        if not page["pageInfo"]["hasNextPage"]:
            return seen, pages
        after = page["pageInfo"]["endCursor"]


def walk_backward(gql, *, order_by, size: int, filter_: dict | None = None) -> tuple[list[str], list[dict]]:
    """Every page from the last with last/before; returns the codes in list order and each page, last page first."""
    seen, pages, before = [], [], None
    while True:
        variables = {"orderBy": order_by, "filter": filter_, "last": size, "before": before}
        page = gql(CUSTOMER_PAGE, variables)["data"]["customers"]
        pages.append(page)
        seen[:0] = [edge["node"]["code"] for edge in page["edges"]]
        assert len(pages) <= ROW_COUNT, "pagination does not end"
        if not page["pageInfo"]["hasPreviousPage"]:
            return seen, pages
        before = page["pageInfo"]["startCursor"]


ORDERINGS = [
    pytest.param([], id="default"),
    pytest.param([("name", False)], id="name"),
    pytest.param([("city", True), ("name", False)], id="nullable-city-desc-then-name"),
    pytest.param([("created_at", True)], id="datetime-desc"),
    pytest.param([("credit_limit", False), ("code", True)], id="decimal-then-code"),
    pytest.param([("status", False)], id="enum"),
]


@pytest.mark.parametrize("order", ORDERINGS)
def test_walking_forward_gives_every_row_once_in_order(gql, many_customers, order):
    # given 120 customers; when walking the list with first: 25 and the end cursor of each page
    seen, pages = walk_forward(gql, order_by=order_argument(order), size=25)

    # then every customer appears exactly once, in the documented order
    assert seen == expected_codes(many_customers, order)
    assert len(pages) == math.ceil(ROW_COUNT / 25)
    # and the page flags and counts are right at both ends and in between
    assert [page["pageInfo"]["hasPreviousPage"] for page in pages] == [False, True, True, True, True]
    assert [page["pageInfo"]["hasNextPage"] for page in pages] == [True, True, True, True, False]
    assert {page["totalCount"] for page in pages} == {ROW_COUNT}
    for page in pages:
        assert page["pageInfo"]["startCursor"] == page["edges"][0]["cursor"]
        assert page["pageInfo"]["endCursor"] == page["edges"][-1]["cursor"]


@pytest.mark.parametrize("order", ORDERINGS)
def test_walking_backward_gives_every_row_once_in_order(gql, many_customers, order):
    # given 120 customers; when walking from the end with last: 25 and the start cursor of each page
    seen, pages = walk_backward(gql, order_by=order_argument(order), size=25)

    # then every customer appears exactly once, and each page is in list order
    assert seen == expected_codes(many_customers, order)
    assert [len(page["edges"]) for page in pages] == [25, 25, 25, 25, 20]
    # and the last page has nothing after it, the first nothing before it
    assert [page["pageInfo"]["hasNextPage"] for page in pages] == [False, True, True, True, True]
    assert [page["pageInfo"]["hasPreviousPage"] for page in pages] == [True, True, True, True, False]
    assert {page["totalCount"] for page in pages} == {ROW_COUNT}


def test_page_size_dividing_the_list_exactly_ends_without_an_empty_page(gql, many_customers):
    # given 120 customers; when walking both ways 40 at a time
    forward, forward_pages = walk_forward(gql, order_by=None, size=40)
    backward, backward_pages = walk_backward(gql, order_by=None, size=40)

    # then three full pages each way, and the flags say so on the third
    assert forward == backward == [row["code"] for row in many_customers]
    assert [len(page["edges"]) for page in forward_pages] == [40, 40, 40]
    assert [len(page["edges"]) for page in backward_pages] == [40, 40, 40]


def test_total_count_is_the_filtered_total_on_every_page(gql, many_customers):
    # given 120 customers of which 40 are inactive; when walking only the others, by name
    filter_ = {"status": {"ne": "INACTIVE"}}
    order = [("name", False)]
    seen, pages = walk_forward(gql, order_by=order_argument(order), size=30, filter_=filter_)

    # then the pages hold the 80 matching customers and every page counts 80
    kept = [row for row in many_customers if row["status"] is not INACTIVE]
    assert seen == expected_codes(kept, order)
    assert {page["totalCount"] for page in pages} == {80}
    assert walk_backward(gql, order_by=order_argument(order), size=30, filter_=filter_)[0] == seen


def test_default_page_is_fifty(gql, many_customers):
    # given 120 customers and the cursor of the very last one
    last_cursor = gql(CUSTOMER_PAGE, {"last": 1})["data"]["customers"]["pageInfo"]["endCursor"]

    # when asking without first or last, from the start and backwards from that cursor
    first_page = gql(CUSTOMER_PAGE)["data"]["customers"]
    before_last = gql(CUSTOMER_PAGE, {"before": last_cursor})["data"]["customers"]

    # then each page holds 50, with the flags pointing at the rest
    assert [edge["node"]["code"] for edge in first_page["edges"]] == codes(*range(1, 51))
    assert first_page["pageInfo"]["hasNextPage"] is True
    assert first_page["pageInfo"]["hasPreviousPage"] is False
    assert first_page["totalCount"] == ROW_COUNT
    assert [edge["node"]["code"] for edge in before_last["edges"]] == codes(*range(70, 120))
    assert before_last["pageInfo"]["hasPreviousPage"] is True
    assert before_last["pageInfo"]["hasNextPage"] is True


def test_first_500_is_allowed_and_first_0_is_an_empty_page(gql, many_customers):
    # given 120 customers; when asking for the largest page and for an empty one
    everything = gql(CUSTOMER_PAGE, {"first": 500})["data"]["customers"]
    nothing = gql(CUSTOMER_PAGE, {"first": 0})["data"]["customers"]

    # then the largest page holds all of them and the empty page none
    assert len(everything["edges"]) == ROW_COUNT
    assert everything["pageInfo"]["hasNextPage"] is False
    assert nothing["edges"] == []
    assert nothing["totalCount"] == ROW_COUNT


@pytest.mark.parametrize(
    "arguments",
    [
        pytest.param("first: 501", id="first-501"),
        pytest.param("first: 100000", id="first-100000"),
        pytest.param("last: 501", id="last-501"),
        pytest.param("first: -1", id="first-negative"),
        pytest.param("last: -1", id="last-negative"),
    ],
)
def test_page_size_outside_0_to_500_is_a_clear_error(gql, many_customers, arguments):
    # given customers; when asking for a page size outside the limit
    body = gql(f"{{ customers({arguments}) {{ totalCount nodes {{ code }} }} }}", expect_errors=True)

    # then a GraphQL error names the limit, and nothing is returned
    message = only_error_message(body)
    assert "500" in message
    assert arguments.split(":")[0] in message


def test_nested_page_size_is_capped_too(gql, many_customers):
    # given customers; when a nested connection asks for more than 500
    body = gql("{ customers(first: 1) { nodes { interactions(first: 501) { totalCount } } } }", expect_errors=True)

    # then that field is null and the error at its path names the limit
    assert body["data"]["customers"]["nodes"] == [{"interactions": None}]
    (error,) = body["errors"]
    assert error["path"] == ["customers", "nodes", 0, "interactions"]
    assert "500" in error["message"]


@pytest.mark.parametrize(
    "arguments",
    [
        pytest.param({"first": 5, "last": 5}, id="first-and-last"),
        pytest.param({"first": 5, "before": "CURSOR"}, id="first-and-before"),
        pytest.param({"last": 5, "after": "CURSOR"}, id="last-and-after"),
        pytest.param({"after": "CURSOR", "before": "CURSOR"}, id="after-and-before"),
    ],
)
def test_mixing_forward_and_backward_arguments_is_refused(gql, many_customers, arguments):
    # given a real cursor; when one request pages both forward and backward
    cursor = gql(CUSTOMER_PAGE, {"first": 10})["data"]["customers"]["pageInfo"]["endCursor"]
    variables = {name: cursor if value == "CURSOR" else value for name, value in arguments.items()}
    body = gql(CUSTOMER_PAGE, variables, expect_errors=True)

    # then it is refused, rather than half the arguments being ignored
    message = only_error_message(body)
    assert "either first/after or last/before" in message
    assert all(name in message for name in arguments)


@pytest.mark.parametrize(
    ("order_by", "cursor"),
    [
        pytest.param(None, "garbage!!", id="not-base64"),
        pytest.param(None, "☃", id="not-ascii"),
        pytest.param(None, cursor_of(b"\xff\xfe"), id="not-json"),
        pytest.param(None, cursor_of({"id": 1}), id="not-a-list"),
        pytest.param(None, cursor_of([1, 2]), id="wrong-length"),
        pytest.param(None, cursor_of(["one"]), id="text-for-id"),
        pytest.param(None, cursor_of([True]), id="bool-for-id"),
        pytest.param(None, cursor_of(b"[1e999]"), id="infinite"),
        pytest.param(None, cursor_of(b"[99999999999999999999999]"), id="id-beyond-64-bits"),
        pytest.param(None, cursor_of([2**63]), id="id-beyond-bigint"),
        pytest.param([{"createdAt": "ASC"}], cursor_of(["yesterday", 1]), id="datetime-garbage"),
        pytest.param([{"createdAt": "ASC"}], cursor_of(["2026-01-01T00:00:00", 1]), id="datetime-naive"),
        pytest.param([{"createdAt": "ASC"}], cursor_of([20260101, 1]), id="datetime-number"),
        pytest.param([{"creditLimit": "ASC"}], cursor_of(["lots", 1]), id="decimal-garbage"),
        pytest.param([{"creditLimit": "ASC"}], cursor_of(["NaN", 1]), id="decimal-nan"),
        pytest.param([{"status": "ASC"}], cursor_of(["sleeping", 1]), id="enum-unknown"),
        pytest.param([{"name": "ASC"}], cursor_of([["Name 1"], 1]), id="list-for-text"),
    ],
)
@pytest.mark.parametrize("direction", ["after", "before"])
def test_garbage_cursor_is_a_clear_error(gql, many_customers, order_by, cursor, direction):
    # given customers; when paging from a cursor the API never made
    body = gql(CUSTOMER_PAGE, {"orderBy": order_by, direction: cursor}, expect_errors=True)

    # then the error says the cursor is not valid (and the HTTP status is 200, checked by `gql`)
    assert "cursor" in only_error_message(body)
    assert "not valid" in only_error_message(body)


def test_cursor_from_another_ordering_is_refused(gql, many_customers):
    # given a cursor taken from a list ordered by name
    by_name = gql(CUSTOMER_PAGE, {"orderBy": [{"name": "ASC"}], "first": 3})["data"]["customers"]

    # when using it with an ordering by creation time
    variables = {"orderBy": [{"createdAt": "ASC"}], "after": by_name["pageInfo"]["endCursor"]}
    body = gql(CUSTOMER_PAGE, variables, expect_errors=True)

    # then it is refused rather than silently misread
    assert "not valid" in only_error_message(body)
