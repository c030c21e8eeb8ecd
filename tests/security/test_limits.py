"""Request limits: documents too deep, too wide or too long, bodies too big and pages too large are refused with a
clear error before any of them reaches the database.
"""

from collections.abc import Iterator

import pytest
import sqlalchemy as sa
from starlette.testclient import TestClient

from app.settings import Settings
from app.web import create_app


@pytest.fixture
def statements(app, gql) -> Iterator[list[str]]:
    """The SQL the app runs from now on (after one request, so the token's last use is already recorded)."""
    gql("{ me { email } }")
    seen: list[str] = []

    def collect(connection, cursor, statement, parameters, context, executemany):
        seen.append(statement)

    sa.event.listen(app.state.engine.sync_engine, "before_cursor_execute", collect)
    yield seen
    sa.event.remove(app.state.engine.sync_engine, "before_cursor_execute", collect)


def only_authentication(statements: list[str]) -> bool:
    """Whether the token lookup ran (the listener works) and nothing else did (nothing of the query itself)."""
    return bool(statements) and all("api_tokens" in statement for statement in statements)


def nested_managers(levels: int) -> str:
    """`{ employees { nodes { manager { manager { ... { id } } } } } }`, `levels` fields deep in all."""
    managers = levels - 3
    return "{ employees { nodes { " + "manager { " * managers + "id" + " }" * managers + " } } }"


def aliased_codes(count: int) -> str:
    return "{ customers { nodes { " + " ".join(f"a{index}: code" for index in range(count)) + " } } }"


def the_error(body: dict) -> str:
    assert body["data"] is None
    (error,) = body["errors"]
    return error["message"]


# --- document limits --------------------------------------------------------------------------------------------


def test_a_query_50_levels_deep_is_refused_before_anything_runs(gql, statements):
    body = gql(nested_managers(50), expect_errors=True)

    assert "exceeds maximum operation depth of 12" in the_error(body)
    assert only_authentication(statements), statements


def test_a_query_12_levels_deep_runs(gql, employee):
    body = gql(nested_managers(12))

    assert body["data"]["employees"]["nodes"] == [{"manager": None}]


def test_a_query_with_1000_aliases_is_refused_before_anything_runs(gql, statements):
    document = aliased_codes(1000)
    assert len(document.split()) < 5000  # the alias limit is what refuses it, not the token limit

    body = gql(document, expect_errors=True)

    assert the_error(body) == "1000 aliases found. Allowed: 50"
    assert only_authentication(statements), statements


def test_a_query_with_50_aliases_runs(gql, customer):
    body = gql(aliased_codes(50))

    (node,) = body["data"]["customers"]["nodes"]
    assert set(node.values()) == {customer.code}


def test_a_document_of_more_than_5000_tokens_is_refused_before_anything_runs(gql, statements):
    document = "{ customers { nodes { " + "code " * 6000 + "} } }"

    body = gql(document, expect_errors=True)

    assert "Document contains more than 5000 tokens" in the_error(body)
    assert only_authentication(statements), statements


def test_a_document_just_under_5000_tokens_runs(gql, customer):
    codes = " ".join(f'"C-{index}"' for index in range(4_900)) + f' "{customer.code}"'
    document = "{ customers(filter: {code: {in: [" + codes + "]}}) { nodes { code } } }"

    body = gql(document)

    assert body["data"]["customers"]["nodes"] == [{"code": customer.code}]


# --- body size --------------------------------------------------------------------------------------------------

TEN_MB = 10 * 1024 * 1024


def test_a_10_mb_body_is_413_with_a_clear_message_and_touches_nothing(client, statements):
    body = b'{"query": "{ __typename }", "padding": "' + b"x" * TEN_MB + b'"}'

    response = client.post("/graphql", content=body, headers={"content-type": "application/json"})

    assert response.status_code == 413
    assert response.json() == {"errors": [{"message": "request body larger than 1000000 bytes"}]}
    assert statements == []  # refused before authentication even


def test_a_10_mb_body_sent_in_chunks_without_a_length_is_413(client):
    def chunks() -> Iterator[bytes]:
        for _ in range(10):
            yield b" " * (1024 * 1024)

    response = client.post("/graphql", content=chunks(), headers={"content-type": "application/json"})

    assert response.status_code == 413
    assert "request body larger than 1000000 bytes" in response.text


def test_the_body_limit_is_configurable(database_url, engine, token_for):
    # given an app configured (ONEBOOK_MAX_BODY_BYTES) for bodies of at most 2,000 bytes
    app = create_app(Settings(database_url=database_url, max_body_bytes=2_000))
    with TestClient(app, headers={"Authorization": f"Bearer {token_for('admin')}"}) as client:
        small = {"query": "{ me { email } }", "variables": {"padding": "x" * 1_000}}
        large = {"query": "{ me { email } }", "variables": {"padding": "x" * 3_000}}

        # then a body under the limit is served and one over it is refused
        assert client.post("/graphql", json=small).status_code == 200
        response = client.post("/graphql", json=large)
        assert response.status_code == 413
        assert response.json()["errors"][0]["message"] == "request body larger than 2000 bytes"


def test_the_body_limit_reads_its_setting_from_the_environment(monkeypatch):
    monkeypatch.setenv("ONEBOOK_MAX_BODY_BYTES", "12345")

    assert Settings.from_env().max_body_bytes == 12_345


# --- page size --------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("query", "message", "path"),
    [
        pytest.param(
            "{ customers(first: 100000) { totalCount } }",
            "first must be between 0 and 500, got 100000",
            ["customers"],
            id="first",
        ),
        pytest.param(
            "{ customers(last: 100000) { totalCount } }",
            "last must be between 0 and 500, got 100000",
            ["customers"],
            id="last",
        ),
    ],
)
def test_a_page_larger_than_500_is_refused_with_a_clear_error(gql, query, message, path):
    body = gql(query, expect_errors=True)

    (error,) = body["errors"]
    assert (error["message"], error["path"]) == (message, path)


def test_a_nested_page_larger_than_500_is_refused_with_a_clear_error(gql, customer):
    body = gql("{ customers { nodes { code history(first: 100000) { totalCount } } } }", expect_errors=True)

    assert body["data"] == {"customers": {"nodes": [{"code": customer.code, "history": None}]}}
    (error,) = body["errors"]
    assert error["message"] == "first must be between 0 and 500, got 100000"
    assert error["path"] == ["customers", "nodes", 0, "history"]
