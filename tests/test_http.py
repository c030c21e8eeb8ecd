"""The HTTP surface: /health checks the database for real, /graphql follows GraphQL over HTTP and never answers 500."""

from collections.abc import Iterator

import pytest
from starlette.testclient import TestClient

from app.settings import Settings
from app.web import create_app

JSON = "application/json"
GRAPHQL_RESPONSE = "application/graphql-response+json"


@pytest.fixture(params=["postgresql-refusing", "sqlite-missing-directory"])
def unreachable_app(request, tmp_path) -> Iterator[TestClient]:
    """The app pointed at a database it cannot reach: nothing listens on port 1, or the directory doesn't exist."""
    url = {
        "postgresql-refusing": "postgresql://onebook@127.0.0.1:1/onebook",
        "sqlite-missing-directory": f"sqlite:///{tmp_path / 'missing' / 'directory' / 'onebook.db'}",
    }[request.param]
    with TestClient(create_app(Settings(database_url=url))) as client:
        yield client


def post(client, body: dict | bytes, accept: str = JSON):
    if isinstance(body, bytes):
        return client.post("/graphql", content=body, headers={"content-type": JSON, "accept": accept})
    return client.post("/graphql", json=body, headers={"accept": accept})


# --- /health ----------------------------------------------------------------------------------------------------


def test_health_is_ok_when_the_database_answers(client):
    response = client.get("/health")

    assert response.status_code == 200
    assert response.json() == {"status": "ok", "database": "ok"}


def test_health_is_503_when_the_database_is_unreachable(unreachable_app):
    # given an app whose database can't be reached; when a load balancer asks for its health
    response = unreachable_app.get("/health")

    # then it answers 503 with an error status, naming the database as the problem
    assert response.status_code == 503
    body = response.json()
    assert body["status"] == "error"
    assert body["database"].startswith("unavailable")


def test_graphql_on_an_unreachable_database_is_503_not_a_500(unreachable_app):
    # given an app whose database can't be reached; when a client with a token queries
    unreachable_app.headers["Authorization"] = "Bearer ob_some-token"
    response = post(unreachable_app, {"query": "{ customers { totalCount } }"})

    # then the server says it is unavailable, without details of the database
    assert response.status_code == 503
    (error,) = response.json()["errors"]
    assert error["message"] == "the database is unavailable; try again shortly"
    assert "127.0.0.1" not in response.text


# --- GraphQL over HTTP ------------------------------------------------------------------------------------------

REQUEST_ERRORS = [
    pytest.param({"query": "{ customers { nodes { code } "}, "Syntax Error", id="syntax-error"),
    pytest.param({"query": "{ customers { nodes { shoeSize } } }"}, "shoeSize", id="unknown-field"),
    pytest.param(
        {"query": "query ($n: Int) { customers(first: $n) { totalCount } }", "variables": {"n": "ten"}},
        "$n",
        id="wrong-variable-type",
    ),
    pytest.param(
        {"query": "query ($code: String!) { customer(code: $code) { name } }", "variables": {}},
        "$code",
        id="missing-required-variable",
    ),
]


@pytest.mark.parametrize(("body", "mentioned"), REQUEST_ERRORS)
def test_request_error_with_accept_json_is_200_with_errors(client, body, mentioned):
    # given a document that can't run; when a client that accepts application/json sends it
    response = post(client, body, JSON)

    # then the status stays 200 (the legacy media type) and the errors say what is wrong
    assert response.status_code == 200
    assert response.headers["content-type"].startswith(JSON)
    errors = response.json()["errors"]
    assert any(mentioned in error["message"] for error in errors), errors


@pytest.mark.parametrize(("body", "mentioned"), REQUEST_ERRORS)
def test_request_error_with_accept_graphql_response_is_400(client, body, mentioned):
    # given a document that can't run; when a client that accepts application/graphql-response+json sends it
    response = post(client, body, GRAPHQL_RESPONSE)

    # then the status is 400 and the body is a GraphQL response with the errors
    assert response.status_code == 400
    assert response.headers["content-type"].startswith(GRAPHQL_RESPONSE)
    errors = response.json()["errors"]
    assert any(mentioned in error["message"] for error in errors), errors


def test_field_error_with_accept_graphql_response_stays_200(client):
    # given a valid document whose field fails while executing (a page size over the limit)
    body = {"query": "{ customers(first: 501) { totalCount } }"}

    # when a client that accepts application/graphql-response+json sends it
    response = post(client, body, GRAPHQL_RESPONSE)

    # then execution ran, so the status is 200 with the field's error, even though data is null
    assert response.status_code == 200
    assert response.headers["content-type"].startswith(GRAPHQL_RESPONSE)
    (error,) = response.json()["errors"]
    assert error["path"] == ["customers"]
    assert "500" in error["message"]


def test_successful_query_with_accept_graphql_response(client):
    response = post(client, {"query": "{ customers { totalCount } }"}, GRAPHQL_RESPONSE)

    assert response.status_code == 200
    assert response.headers["content-type"].startswith(GRAPHQL_RESPONSE)
    assert response.json() == {"data": {"customers": {"totalCount": 0}}}


@pytest.mark.parametrize(
    "body",
    [
        pytest.param(b'{"query": "{ customers { totalCount } }"', id="truncated"),
        pytest.param(b"{query: customers}", id="not-json"),
        pytest.param(b'{"query": "\xff"}', id="not-utf8"),
        pytest.param(b'"{ customers { totalCount } }"', id="a-string"),
        pytest.param(b"42", id="a-number"),
    ],
)
def test_body_that_is_not_a_json_object_is_400(client, body):
    # given a body that is not a JSON object; when it is posted as application/json
    response = post(client, body, JSON)

    # then the client is told its JSON is wrong
    assert response.status_code == 400
    assert "JSON" in response.text


def test_get_with_accept_html_serves_graphiql(client):
    # given a browser; when it opens /graphql
    response = client.get("/graphql", headers={"accept": "text/html"})

    # then it gets the GraphiQL page
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/html")
    assert "graphiql" in response.text.lower()


def test_get_with_a_query_runs_it(client):
    response = client.get("/graphql", params={"query": "{ customers { totalCount } }"}, headers={"accept": JSON})

    assert response.status_code == 200
    assert response.json() == {"data": {"customers": {"totalCount": 0}}}


@pytest.mark.parametrize(
    "send",
    [
        pytest.param(lambda c: post(c, b"[]"), id="batch-when-batching-is-off"),
        pytest.param(lambda c: post(c, b"null"), id="json-null"),
        pytest.param(lambda c: post(c, b'"{ customers { totalCount } }"'), id="json-string"),
        pytest.param(lambda c: post(c, {"query": 5}), id="query-not-a-string"),
        pytest.param(lambda c: post(c, {"query": "{ customers { totalCount } }", "variables": 5}), id="variables-5"),
        pytest.param(lambda c: post(c, {}), id="no-query"),
        pytest.param(lambda c: post(c, b""), id="empty-body"),
        pytest.param(lambda c: post(c, b"\xff\xfe\x00"), id="not-utf8"),
        pytest.param(lambda c: post(c, {"query": "query A { __typename } query B { __typename }"}), id="which-op"),
        pytest.param(
            lambda c: post(c, {"query": "query A { __typename }", "operationName": "Nope"}, GRAPHQL_RESPONSE),
            id="unknown-operation",
        ),
        pytest.param(
            lambda c: c.post(
                "/graphql", content=b"{ customers { totalCount } }", headers={"content-type": "text/plain"}
            ),
            id="unsupported-content-type",
        ),
        pytest.param(lambda c: c.get("/graphql", headers={"accept": JSON}), id="get-without-query"),
        pytest.param(
            lambda c: c.get("/graphql", params={"query": "{ __typename }", "variables": "[1"}), id="get-bad-variables"
        ),
        pytest.param(
            lambda c: c.get("/graphql", params={"query": "{ __typename }", "variables": "5"}), id="get-variables-5"
        ),
        pytest.param(
            lambda c: c.get("/graphql", params={"query": "mutation { deleteCustomer(id: 1) { errors { message } } }"}),
            id="mutation-over-get",
        ),
        pytest.param(lambda c: c.put("/graphql", json={"query": "{ __typename }"}), id="put"),
        pytest.param(lambda c: post(c, {"query": "{" * 2000}), id="deeply-unbalanced"),
        pytest.param(lambda c: post(c, {"query": '{ customers(after: "\\u0000") { totalCount } }'}), id="nul-cursor"),
        pytest.param(
            lambda c: post(c, {"query": '{ customers(filter: {name: {contains: "\\u0000"}}) { totalCount } }'}),
            id="nul-in-filter",
        ),
        pytest.param(lambda c: post(c, {"query": '{ customer(id: "1e3") { name } }'}), id="float-id"),
    ],
)
def test_bad_requests_are_never_a_500(client, send):
    # given a request no well-behaved client sends; when the app answers it
    response = send(client)

    # then the answer is a client error or a GraphQL error, never a server error
    assert response.status_code < 500, response.text
    assert response.status_code in (200, 400, 405, 415), response.text
