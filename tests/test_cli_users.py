"""`onebook users` and `onebook tokens`: operators add people with roles and hand out, list and revoke tokens."""

from datetime import timedelta

import pytest
import sqlalchemy as sa
from typer.testing import CliRunner, Result

from app.cli import cli
from models.base import utcnow
from models.system import ApiToken, AuditEvent, User

ROLES_MESSAGE = "roles are admin, sales, purchasing, warehouse, finance, hr, readonly"


@pytest.fixture
def onebook(database_url, engine):
    """`onebook("users", "list")` runs the CLI against this backend's test database."""
    runner = CliRunner()

    def run(*args: str) -> Result:
        return runner.invoke(cli, list(args), env={"ONEBOOK_DATABASE_URL": database_url, "COLUMNS": "80"})

    return run


@pytest.fixture
def alice(onebook) -> str:
    result = onebook("users", "add", "alice@onebook.test", "--role", "sales")
    assert result.exit_code == 0, result.output
    return "alice@onebook.test"


def stored_user(engine, email: str) -> dict | None:
    users = User.__table__
    with engine.connect() as connection:
        row = connection.execute(sa.select(users).where(users.c.email == email)).mappings().first()
    return dict(row) if row else None


def stored_tokens(engine) -> list[dict]:
    tokens = ApiToken.__table__
    with engine.connect() as connection:
        return [dict(row) for row in connection.execute(sa.select(tokens).order_by(tokens.c.id)).mappings()]


def create_token(onebook, email: str, *options: str) -> str:
    """Run `tokens create` and return the secret it printed."""
    result = onebook("tokens", "create", email, *options)
    assert result.exit_code == 0, result.output
    (secret,) = result.stdout.split()  # the secret, alone on standard output
    return secret


def me(anonymous_client, secret: str):
    return anonymous_client.post(
        "/graphql", json={"query": "{ me { email roles } }"}, headers={"Authorization": f"Bearer {secret}"}
    )


# --- users --------------------------------------------------------------------------------------------------------


def test_users_add_with_repeated_roles(onebook, engine):
    result = onebook("users", "add", "Bob@Onebook.test", "--role", "sales", "--role", "finance", "--name", "Bob")

    assert result.exit_code == 0, result.output
    assert "Added bob@onebook.test" in result.stdout
    user = stored_user(engine, "bob@onebook.test")
    assert (user["name"], user["roles"], user["active"]) == ("Bob", "sales finance", True)


def test_adding_a_user_is_audited_as_done_at_the_command_line(onebook, engine, alice):
    events = AuditEvent.__table__
    with engine.connect() as connection:
        (event,) = connection.execute(sa.select(events).where(events.c.entity == "User")).mappings()

    assert (event["action"], event["via"], event["actor_email"]) == ("create", "cli", None)
    assert event["changes"]["email"] == [None, alice]


def test_users_add_with_an_unknown_role_is_refused_with_the_roles_allowed(onebook, engine):
    result = onebook("users", "add", "bob@onebook.test", "--role", "sales", "--role", "wizard")

    assert result.exit_code == 1
    assert f"unknown role 'wizard'; {ROLES_MESSAGE}" in result.stderr  # on one line, however long
    assert stored_user(engine, "bob@onebook.test") is None


def test_a_refusal_quotes_the_input_verbatim(onebook):
    # text that a terminal library could take for markup is printed as given
    result = onebook("users", "add", "bob@onebook.test", "--role", "[bold]boss[/]")

    assert result.exit_code == 1
    assert "unknown role '[bold]boss[/]'" in result.stderr


def test_users_add_without_a_role_is_misuse(onebook, engine):
    result = onebook("users", "add", "bob@onebook.test")

    assert result.exit_code == 2
    assert "--role" in result.output
    assert stored_user(engine, "bob@onebook.test") is None


def test_adding_the_same_user_twice_is_refused(onebook, engine, alice):
    result = onebook("users", "add", "ALICE@onebook.test", "--role", "admin")

    assert result.exit_code == 1
    assert "alice@onebook.test" in result.stderr
    assert stored_user(engine, alice)["roles"] == "sales"


def test_users_add_with_a_bad_email_is_refused(onebook, engine):
    result = onebook("users", "add", "not-an-email", "--role", "sales")

    assert result.exit_code == 1
    assert "not a valid email address" in result.stderr
    assert stored_user(engine, "not-an-email") is None


def test_users_list_shows_each_user_with_roles_and_state(onebook, alice):
    onebook("users", "add", "bob@onebook.test", "--role", "hr", "--role", "readonly")
    onebook("users", "deactivate", "bob@onebook.test")

    result = onebook("users", "list")

    assert result.exit_code == 0
    lines = result.stdout.splitlines()
    assert [line.split("\t")[0] for line in lines] == ["alice@onebook.test", "bob@onebook.test"]
    assert "sales" in lines[0] and "active" in lines[0]
    assert "hr readonly" in lines[1] and "deactivated" in lines[1]


def test_users_deactivate_stops_their_tokens_at_once(onebook, anonymous_client, engine, alice):
    secret = create_token(onebook, alice)
    assert me(anonymous_client, secret).status_code == 200

    result = onebook("users", "deactivate", alice)

    assert result.exit_code == 0
    assert stored_user(engine, alice)["active"] is False
    assert me(anonymous_client, secret).status_code == 401


def test_deactivating_an_unknown_user_is_refused(onebook):
    result = onebook("users", "deactivate", "nobody@onebook.test")

    assert result.exit_code == 1
    assert "no user with email 'nobody@onebook.test'" in result.stderr


# --- tokens -------------------------------------------------------------------------------------------------------


def test_tokens_create_prints_the_secret_once_and_it_authenticates(onebook, anonymous_client, engine, alice):
    result = onebook("tokens", "create", alice, "--name", "BI export")

    assert result.exit_code == 0, result.output
    (secret,) = result.stdout.split()
    assert "shown only now" in result.stderr
    assert secret not in result.stderr
    response = me(anonymous_client, secret)
    assert response.status_code == 200
    assert response.json()["data"]["me"] == {"email": alice, "roles": ["SALES"]}
    (token,) = stored_tokens(engine)
    assert (token["name"], token["expires_at"]) == ("BI export", None)


def test_the_secret_is_printed_whole_on_a_narrow_terminal(database_url, engine, alice, anonymous_client):
    result = CliRunner().invoke(
        cli, ["tokens", "create", alice], env={"ONEBOOK_DATABASE_URL": database_url, "COLUMNS": "20"}
    )

    assert result.exit_code == 0, result.output
    (secret,) = result.stdout.splitlines()
    assert me(anonymous_client, secret).status_code == 200


def test_tokens_create_with_expires_sets_the_expiry(onebook, engine, alice):
    create_token(onebook, alice, "--expires", "30d")

    (token,) = stored_tokens(engine)
    expected = utcnow() + timedelta(days=30)
    assert expected - timedelta(minutes=1) < token["expires_at"] <= expected


@pytest.mark.parametrize("duration", ["soon", "30", "-1d", "3y"])
def test_tokens_create_with_a_bad_duration_is_misuse_and_creates_nothing(onebook, engine, alice, duration):
    result = onebook("tokens", "create", alice, "--expires", duration)

    assert result.exit_code == 2
    assert f"{duration!r} is not a duration like 30d" in result.output
    assert stored_tokens(engine) == []


def test_tokens_create_for_an_unknown_user_is_refused(onebook, engine):
    result = onebook("tokens", "create", "nobody@onebook.test")

    assert result.exit_code == 1
    assert "no user with email" in result.stderr
    assert stored_tokens(engine) == []


def test_tokens_create_for_a_deactivated_user_is_refused(onebook, engine, alice):
    onebook("users", "deactivate", alice)

    result = onebook("tokens", "create", alice)

    assert result.exit_code == 1
    assert "deactivated" in result.stderr
    assert stored_tokens(engine) == []


def test_tokens_list_never_shows_a_secret(onebook, alice):
    first = create_token(onebook, alice, "--name", "laptop")
    second = create_token(onebook, alice, "--name", "BI export", "--expires", "2w")

    result = onebook("tokens", "list", alice)

    assert result.exit_code == 0
    assert first not in result.output and second not in result.output
    assert first[6:] not in result.output and second[6:] not in result.output
    laptop, bi = result.stdout.splitlines()
    assert first[:9] in laptop and "laptop" in laptop and "active" in laptop and "expires never" in laptop
    assert second[:9] in bi and "BI export" in bi and "expires never" not in bi


def test_tokens_revoke_makes_the_token_401(onebook, anonymous_client, engine, alice):
    secret = create_token(onebook, alice)
    (token,) = stored_tokens(engine)

    result = onebook("tokens", "revoke", str(token["id"]))

    assert result.exit_code == 0
    assert me(anonymous_client, secret).status_code == 401
    assert "revoked" in onebook("tokens", "list", alice).stdout


def test_revoking_one_token_leaves_the_others_working(onebook, anonymous_client, engine, alice):
    kept = create_token(onebook, alice)
    create_token(onebook, alice)
    _, revoked = stored_tokens(engine)

    onebook("tokens", "revoke", str(revoked["id"]))

    assert me(anonymous_client, kept).status_code == 200


def test_revoking_an_unknown_token_is_refused(onebook):
    result = onebook("tokens", "revoke", "999999")

    assert result.exit_code == 1
    assert "no token with id 999999" in result.stderr
