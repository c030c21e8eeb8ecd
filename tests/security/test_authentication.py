"""Bearer-token authentication: who may talk to /graphql at all, and what a refused client learns (nothing more)."""

import hashlib
from datetime import timedelta

import pytest
import sqlalchemy as sa

from app.database import transaction
from models.base import utcnow
from models.system import ApiToken
from resolvers.permissions import Actor
from resolvers.users import add_user, create_token, deactivate_user, revoke_token

QUERY = {"query": "{ me { email } }"}
MISSING = "authentication required: send the header 'Authorization: Bearer <token>'"
MALFORMED = "malformed Authorization header: expected 'Bearer <token>'"
REJECTED = "invalid, expired or revoked token"

tokens = ApiToken.__table__


@pytest.fixture
def issue(engine):
    """`issue(email, expires_in=None)` adds a sales user (once) and returns a new token's (id, secret)."""

    def issue_token(email: str, *, expires_in: timedelta | None = None) -> tuple[int, str]:
        with transaction(engine) as session:
            if session.scalar(sa.text("SELECT count(*) FROM users WHERE email = :e"), {"e": email}) == 0:
                add_user(session, email=email, roles=["sales"], actor=Actor.system())
            token, secret = create_token(session, email=email, name="test", expires_in=expires_in, actor=Actor.system())
            return token.id, secret

    return issue_token


def post_with(client, authorization: str | None):
    headers = {} if authorization is None else {"Authorization": authorization}
    return client.post("/graphql", json=QUERY, headers=headers)


def token_row(engine, token_id: int) -> dict:
    with engine.connect() as connection:
        return dict(connection.execute(sa.select(tokens).where(tokens.c.id == token_id)).mappings().one())


# --- refusals ---------------------------------------------------------------------------------------------------


def test_a_request_without_authorization_header_is_401_and_says_how_to_authenticate(anonymous_client):
    response = post_with(anonymous_client, None)

    assert response.status_code == 401
    assert response.json()["errors"][0]["message"] == MISSING
    assert response.json()["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"
    assert response.headers["www-authenticate"].startswith("Bearer")


@pytest.mark.parametrize("header", ["Basic x", "Bearer", "Bearer a b", "bearer", "Token abc"])
def test_a_malformed_authorization_header_is_401_and_says_what_is_expected(anonymous_client, header):
    response = post_with(anonymous_client, header)

    assert response.status_code == 401
    assert response.json()["errors"][0]["message"] == MALFORMED


def _unknown(engine, issue) -> str:
    return "Bearer ob_" + "x" * 43


def _expired(engine, issue) -> str:
    token_id, secret = issue("expired@example.test", expires_in=timedelta(hours=1))
    with engine.begin() as connection:
        past = utcnow() - timedelta(seconds=1)
        connection.execute(tokens.update().where(tokens.c.id == token_id).values(expires_at=past))
    return f"Bearer {secret}"


def _revoked(engine, issue) -> str:
    token_id, secret = issue("revoked@example.test")
    with transaction(engine) as session:
        revoke_token(session, id=token_id, actor=Actor.system())
    return f"Bearer {secret}"


def _deactivated(engine, issue) -> str:
    _, secret = issue("leaver@example.test")
    with transaction(engine) as session:
        deactivate_user(session, email="leaver@example.test", actor=Actor.system())
    return f"Bearer {secret}"


UNUSABLE = {"unknown": _unknown, "expired": _expired, "revoked": _revoked, "deactivated": _deactivated}


@pytest.mark.parametrize("kind", UNUSABLE)
def test_an_unusable_token_is_401(anonymous_client, engine, issue, kind):
    # given a token that is unknown, expired, revoked, or whose user was deactivated
    authorization = UNUSABLE[kind](engine, issue)

    # when it is used
    response = post_with(anonymous_client, authorization)

    # then the request is refused with a message naming every possible reason, not the actual one
    assert response.status_code == 401
    assert response.json() == {"errors": [{"message": REJECTED, "extensions": {"code": "UNAUTHENTICATED"}}]}


def test_unknown_expired_revoked_and_deactivated_tokens_get_identical_answers(anonymous_client, engine, issue):
    # given one token of each unusable kind
    authorizations = {kind: make(engine, issue) for kind, make in UNUSABLE.items()}

    # when each is used
    responses = {kind: post_with(anonymous_client, authorization) for kind, authorization in authorizations.items()}

    # then nothing in the answer tells them apart (whether a token or its user exists)
    answers = {(r.status_code, r.content, r.headers["www-authenticate"]) for r in responses.values()}
    assert len(answers) == 1, answers


def test_a_token_that_has_not_expired_yet_works(anonymous_client, issue):
    _, secret = issue("temp@example.test", expires_in=timedelta(hours=1))

    response = post_with(anonymous_client, f"Bearer {secret}")

    assert response.status_code == 200
    assert response.json() == {"data": {"me": {"email": "temp@example.test"}}}


# --- what is open -----------------------------------------------------------------------------------------------


def test_health_needs_no_token(anonymous_client):
    response = anonymous_client.get("/health")

    assert response.status_code == 200
    assert response.json()["status"] == "ok"


def test_the_graphiql_page_needs_no_token(anonymous_client):
    response = anonymous_client.get("/graphql", headers={"Accept": "text/html"})

    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/html")
    assert "graphiql" in response.text.lower()


def test_a_get_query_without_token_is_401(anonymous_client):
    response = anonymous_client.get("/graphql", params={"query": "{ customers { totalCount } }"})

    assert response.status_code == 401
    assert response.json()["errors"][0]["message"] == MISSING


def test_a_get_query_asking_for_html_without_token_is_still_401(anonymous_client):
    response = anonymous_client.get(
        "/graphql", params={"query": "{ __typename }"}, headers={"Accept": "text/html,application/json"}
    )

    assert response.status_code == 401


# --- what is stored ---------------------------------------------------------------------------------------------


def test_using_a_token_records_when_it_was_last_used(anonymous_client, engine, issue):
    # given a token never used
    token_id, secret = issue("user@example.test")
    assert token_row(engine, token_id)["last_used_at"] is None

    # when it authenticates a request
    before = utcnow()
    assert post_with(anonymous_client, f"Bearer {secret}").status_code == 200

    # then the time of use is stored
    last_used = token_row(engine, token_id)["last_used_at"]
    assert last_used is not None
    assert before - timedelta(seconds=5) <= last_used <= utcnow()


def test_only_the_sha256_of_a_token_is_stored(engine, issue):
    # given a freshly issued token
    token_id, secret = issue("user@example.test")

    # then the row keeps its SHA-256 and a short display prefix, and the secret appears in no column
    row = token_row(engine, token_id)
    assert row["token_hash"] == hashlib.sha256(secret.encode()).hexdigest()
    assert secret.startswith(row["prefix"]) and len(row["prefix"]) < len(secret) // 2
    with engine.connect() as connection:
        every_value = [str(value) for stored in connection.execute(sa.select(tokens)) for value in stored]
    assert not any(secret in value or secret[len(row["prefix"]) :] in value for value in every_value)
