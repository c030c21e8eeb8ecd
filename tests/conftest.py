"""Test databases: every test runs on SQLite and on PostgreSQL.

PostgreSQL tests are skipped, with the reason, when no server answers; with ONEBOOK_REQUIRE_POSTGRES=1
(set by .ci/run) an unreachable server fails the run instead. Each run creates and drops its own databases.
"""

import os
import uuid
from collections.abc import Iterator

import pytest
import sqlalchemy as sa
from starlette.testclient import TestClient

from app.database import create_sync_engine

pytest_plugins = ["tests.factories", "tests.sheets_fake"]  # row factories as fixtures; the fake Google Sheets API

POSTGRES_SERVER_URL = os.environ.get("ONEBOOK_TEST_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/postgres")
BACKENDS = [name.strip() for name in os.environ.get("ONEBOOK_TEST_BACKENDS", "sqlite,postgresql").split(",")]


def _postgres_admin_engine() -> sa.Engine:
    return sa.create_engine(
        sa.make_url(POSTGRES_SERVER_URL).set(drivername="postgresql+psycopg"),
        isolation_level="AUTOCOMMIT",
        connect_args={"connect_timeout": 3},
    )


def _postgres_unavailable_reason() -> str | None:
    try:
        engine = _postgres_admin_engine()
        with engine.connect() as connection:
            connection.execute(sa.text("SELECT 1"))
        engine.dispose()
    except sa.exc.OperationalError as exc:
        return f"PostgreSQL not reachable at {POSTGRES_SERVER_URL}: {str(exc.orig).strip().splitlines()[0]}"
    return None


def _create_empty_database(backend: str, tmp_dir) -> tuple[str, callable]:
    """Create a fresh empty database and return its URL and a function that drops it."""
    if backend == "sqlite":
        path = tmp_dir / f"onebook-{uuid.uuid4().hex[:8]}.db"
        return f"sqlite:///{path}", lambda: None
    name = f"onebook_test_{uuid.uuid4().hex[:12]}"
    admin = _postgres_admin_engine()
    with admin.connect() as connection:
        connection.execute(sa.text(f'CREATE DATABASE "{name}"'))

    def drop() -> None:
        with admin.connect() as connection:
            connection.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()

    return str(sa.make_url(POSTGRES_SERVER_URL).set(database=name)), drop


@pytest.fixture(scope="session", params=BACKENDS)
def backend(request) -> str:
    """The database backend this part of the run uses: 'sqlite' or 'postgresql'."""
    if request.param == "postgresql":
        reason = _postgres_unavailable_reason()
        if reason:
            if os.environ.get("ONEBOOK_REQUIRE_POSTGRES") == "1":
                pytest.fail(f"{reason} (ONEBOOK_REQUIRE_POSTGRES=1)", pytrace=False)
            pytest.skip(reason)
    return request.param


@pytest.fixture
def empty_database_url(backend, tmp_path) -> Iterator[str]:
    """A brand-new empty database, dropped after the test."""
    url, drop = _create_empty_database(backend, tmp_path)
    yield url
    drop()


@pytest.fixture(scope="session")
def database_url(backend, tmp_path_factory) -> Iterator[str]:
    """One migrated database per backend for the whole run; tests clean up after themselves via `clean_database`."""
    from app.migrate import upgrade

    url, drop = _create_empty_database(backend, tmp_path_factory.mktemp(backend))
    upgrade(url)
    yield url
    drop()


#: Per engine URL, the rows migrations seed (the chart of accounts), read before any test: restored after each test.
SEEDED_ROWS: dict[str, dict[str, list[dict]]] = {}


@pytest.fixture(scope="session")
def engine(database_url) -> Iterator[sa.Engine]:
    from models import Base

    engine = create_sync_engine(database_url)
    with engine.connect() as connection:
        found = {table.name: [dict(row) for row in connection.execute(table.select()).mappings()]
                 for table in Base.metadata.sorted_tables}  # fmt: skip
    SEEDED_ROWS[database_url] = {name: rows for name, rows in found.items() if rows}
    yield engine
    engine.dispose()


@pytest.fixture(autouse=True)
def clean_database(request) -> Iterator[None]:
    """Empty every business table after a test that used the shared database."""
    yield
    if "engine" not in request.fixturenames:
        return
    from models import Base

    engine = request.getfixturevalue("engine")
    seeded = SEEDED_ROWS[request.getfixturevalue("database_url")]
    tables = [table for table in reversed(Base.metadata.sorted_tables) if table.name != "alembic_version"]
    with engine.begin() as connection:
        if engine.dialect.name == "postgresql":
            _empty_postgres_tables(connection, tables)
        else:
            connection.execute(sa.text("PRAGMA defer_foreign_keys=ON"))
            for table in tables:
                connection.execute(table.delete())
        for table in Base.metadata.sorted_tables:
            if table.name in seeded:
                connection.execute(table.insert(), seeded[table.name])
                if engine.dialect.name == "postgresql":
                    connection.execute(
                        sa.text("SELECT setval(pg_get_serial_sequence(:table, 'id'), :last)"),
                        {"table": table.name, "last": max(row["id"] for row in seeded[table.name])},
                    )


def _empty_postgres_tables(connection: sa.Connection, tables: list[sa.Table]) -> None:
    """Empty the tables a test wrote to and restart their ids, as TRUNCATE ... RESTART IDENTITY would.

    TRUNCATE costs tens of milliseconds per table (new files for the table and each index) whether or not the test
    used it; deleting the few rows a test wrote is far cheaper. Without superuser rights (needed to skip foreign-key
    triggers so that the order of deletes does not matter) it falls back to TRUNCATE of the tables written to.
    """
    with_rows = sa.union_all(
        *(sa.select(sa.literal(table.name)).where(sa.exists().select_from(table)) for table in tables)
    )
    filled = set(connection.scalars(with_rows))
    used_sequences = connection.scalars(
        sa.text("SELECT sequencename FROM pg_sequences WHERE schemaname = current_schema() AND last_value IS NOT NULL")
    )
    numbered = {name.removesuffix("_id_seq") for name in used_sequences}
    if not filled | numbered:
        return
    if connection.exec_driver_sql("SHOW is_superuser").scalar() != "on":
        names = ", ".join(f'"{table.name}"' for table in tables if table.name in filled | numbered)
        connection.execute(sa.text(f"TRUNCATE {names} RESTART IDENTITY CASCADE"))
        return
    connection.execute(sa.text("SET LOCAL session_replication_role = replica"))  # no foreign-key triggers
    for table in tables:
        if table.name in filled:
            connection.execute(table.delete())
        if table.name in numbered:
            connection.execute(
                sa.text("SELECT setval(pg_get_serial_sequence(:table, 'id'), 1, false)"), {"table": table.name}
            )


@pytest.fixture
def token_for(engine):
    """Issue a bearer token for a (new) user with these roles: `token_for("sales")`, `token_for("hr", "sales")`."""
    from app.database import transaction
    from resolvers.permissions import Actor
    from resolvers.users import add_user, create_token

    def issue(*roles: str, email: str | None = None) -> str:
        email = email or f"{'-'.join(roles) or 'nobody'}-{uuid.uuid4().hex[:6]}@test.example"
        with transaction(engine) as session:
            if roles:
                add_user(session, email=email, roles=list(roles), actor=Actor.system())
            else:  # a user without any role: authenticated, allowed nothing
                from models.system import User

                session.add(User(email=email, roles=""))
                session.flush()
            _, secret = create_token(session, email=email, name="test", actor=Actor.system())
        return secret

    return issue


@pytest.fixture
def app(database_url, engine):
    from app.settings import Settings
    from app.web import create_app

    return create_app(Settings(database_url=database_url))


@pytest.fixture
def anonymous_client(app) -> Iterator[TestClient]:
    """An HTTP client that sends no credentials."""
    with TestClient(app) as test_client:
        yield test_client


@pytest.fixture
def client(app, token_for) -> Iterator[TestClient]:
    """An HTTP client talking to the ASGI app on this backend's database as an admin, as a frontend would."""
    with TestClient(app, headers={"Authorization": f"Bearer {token_for('admin')}"}) as test_client:
        yield test_client


@pytest.fixture
def client_as(app, token_for):
    """HTTP clients acting with given roles: `client_as("sales")`."""
    opened = []

    def open_client(*roles: str) -> "GraphQLClient":
        test_client = TestClient(app, headers={"Authorization": f"Bearer {token_for(*roles)}"})
        test_client.__enter__()
        opened.append(test_client)
        return GraphQLClient(test_client)

    yield open_client
    for test_client in opened:
        test_client.__exit__(None, None, None)


class GraphQLClient:
    """Posts GraphQL documents over HTTP and returns the decoded response body."""

    def __init__(self, http) -> None:
        self.http = http

    def __call__(self, query: str, variables: dict | None = None, *, expect_errors: bool = False) -> dict:
        response = self.http.post("/graphql", json={"query": query, "variables": variables or {}})
        assert response.status_code == 200, response.text
        body = response.json()
        if not expect_errors:
            assert "errors" not in body, body["errors"]
        return body


@pytest.fixture
def gql(client) -> GraphQLClient:
    return GraphQLClient(client)
