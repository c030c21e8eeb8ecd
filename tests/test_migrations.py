"""Migrations: `upgrade` builds exactly the schema the models declare, and `downgrade` takes it away again."""

import pprint
from collections.abc import Iterator
from contextlib import contextmanager

import sqlalchemy as sa
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory

import models
from app.database import create_sync_engine
from app.migrate import alembic_config, current, downgrade, upgrade


@contextmanager
def connected(url: str) -> Iterator[sa.Connection]:
    engine = create_sync_engine(url)
    try:
        with engine.connect() as connection:
            yield connection
    finally:
        engine.dispose()


def head_revision(url: str) -> str:
    return ScriptDirectory.from_config(alembic_config(url)).get_current_head()


def differences_from_models(url: str) -> list:
    """What Alembic autogenerate would change to make the database match the models; empty when they agree."""
    with connected(url) as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        return compare_metadata(context, models.Base.metadata)


def table_names(url: str) -> set[str]:
    with connected(url) as connection:
        return set(sa.inspect(connection).get_table_names())


def constraints_by_table(inspector: sa.Inspector, schema: str | None) -> dict[str, dict]:
    """Every table's named constraints and indexes as the database reports them, leaving out the schema name."""
    tables = {}
    for table in inspector.get_table_names(schema=schema):
        if table == "alembic_version":
            continue
        tables[table] = {
            "primary key": inspector.get_pk_constraint(table, schema=schema)["name"],
            "foreign keys": {
                fk["name"]: (fk["constrained_columns"], fk["referred_table"], fk["referred_columns"], fk["options"])
                for fk in inspector.get_foreign_keys(table, schema=schema)
            },
            "unique": {uq["name"]: uq["column_names"] for uq in inspector.get_unique_constraints(table, schema=schema)},
            "checks": {ck["name"]: ck["sqltext"] for ck in inspector.get_check_constraints(table, schema=schema)},
            "indexes": {ix["name"]: ix["column_names"] for ix in inspector.get_indexes(table, schema=schema)},
        }
    return tables


def test_upgrade_builds_the_schema_the_models_declare(empty_database_url):
    # Given an empty database
    assert current(empty_database_url) is None

    # When it is migrated to the newest revision
    upgrade(empty_database_url)

    # Then autogenerate finds nothing to change and the database records the newest revision
    differences = differences_from_models(empty_database_url)
    assert differences == [], f"the migrations and the models disagree:\n{pprint.pformat(differences)}"
    assert current(empty_database_url) == head_revision(empty_database_url)


def test_schema_comparison_notices_a_database_that_differs_from_the_models(empty_database_url):
    # Given a migrated database that has lost one of the models' indexes
    upgrade(empty_database_url)
    with connected(empty_database_url) as connection:
        connection.exec_driver_sql("DROP INDEX ix_customers_name")
        connection.commit()

    # When it is compared with the models
    differences = differences_from_models(empty_database_url)

    # Then the comparison reports exactly that index as missing
    assert [(kind, index.name) for kind, index in differences] == [("add_index", "ix_customers_name")]


def test_constraints_match_the_models_by_name_and_definition(empty_database_url, tmp_path):
    """Autogenerate ignores CHECK constraints and constraint names; compare them with a create_all of the models."""
    # Given a migrated database, and the models' own DDL in a second schema of the same database
    upgrade(empty_database_url)
    with connected(empty_database_url) as connection:
        if connection.dialect.name == "sqlite":
            connection.exec_driver_sql(f"ATTACH DATABASE '{tmp_path / 'reference.db'}' AS reference")
        else:
            connection.exec_driver_sql("CREATE SCHEMA reference")
        models.Base.metadata.create_all(connection.execution_options(schema_translate_map={None: "reference"}))
        connection.commit()

        # When both are reflected
        inspector = sa.inspect(connection)
        migrated = constraints_by_table(inspector, schema=None)
        declared = constraints_by_table(inspector, schema="reference")

    # Then every table has the same constraints and indexes, with the same names and definitions
    assert set(migrated) == set(models.Base.metadata.tables)
    assert migrated == declared


def test_downgrade_to_base_then_upgrade_again(empty_database_url):
    # Given a migrated database
    upgrade(empty_database_url)

    # When it is migrated back to base
    downgrade(empty_database_url, "base")

    # Then only Alembic's own table is left, recording no revision
    assert table_names(empty_database_url) == {"alembic_version"}
    assert current(empty_database_url) is None

    # When it is migrated forward again
    upgrade(empty_database_url)

    # Then the schema is whole again
    assert table_names(empty_database_url) == {*models.Base.metadata.tables, "alembic_version"}
    differences = differences_from_models(empty_database_url)
    assert differences == [], f"the migrations and the models disagree:\n{pprint.pformat(differences)}"
    assert current(empty_database_url) == head_revision(empty_database_url)


def test_offline_mode_writes_the_migration_sql_without_touching_the_database(empty_database_url, capsys):
    # Given an empty database
    config = alembic_config(empty_database_url)

    # When the migrations run offline
    command.upgrade(config, "head", sql=True)

    # Then the SQL creates every table, and the database itself is still empty
    sql = capsys.readouterr().out
    for table in models.Base.metadata.tables:
        assert f"CREATE TABLE {table} (" in sql
    assert "fk_departments_head_id_employees" in sql
    assert table_names(empty_database_url) == set()
