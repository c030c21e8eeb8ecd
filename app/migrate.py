"""Schema migrations: bring a database to a given Alembic revision and tell which revision it is at."""

from collections.abc import Callable
from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext

import migrations
from app.database import create_sync_engine, sync_url

# __path__ rather than __file__: an editable install made before migrations/__init__.py existed still imports
# the package as a namespace package, which has no __file__.
MIGRATIONS_DIR = Path(next(iter(migrations.__path__)))


def alembic_config(url: str) -> Config:
    """An Alembic configuration for the database at `url`, with no alembic.ini needed."""
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    # ConfigParser interpolates '%', which URL-encoded passwords contain.
    rendered = sync_url(url).render_as_string(hide_password=False)
    config.set_main_option("sqlalchemy.url", rendered.replace("%", "%%"))
    return config


def _run(url: str, alembic_command: Callable[[Config], None]) -> None:
    """Run an Alembic command over a connection from Onebook's own engine, so SQLite pragmas apply."""
    config = alembic_config(url)
    engine = create_sync_engine(url)
    try:
        with engine.connect() as connection:
            config.attributes["connection"] = connection
            alembic_command(config)
    finally:
        engine.dispose()


def upgrade(url: str, revision: str = "head") -> None:
    """Migrate the database at `url` forward to `revision` (the newest by default)."""
    _run(url, lambda config: command.upgrade(config, revision))


def downgrade(url: str, revision: str) -> None:
    """Migrate the database at `url` back to `revision` ("base" removes every table Onebook created)."""
    _run(url, lambda config: command.downgrade(config, revision))


def current(url: str) -> str | None:
    """The revision the database at `url` is at, or None when it has never been migrated."""
    engine = create_sync_engine(url)
    try:
        with engine.connect() as connection:
            return MigrationContext.configure(connection).get_current_revision()
    finally:
        engine.dispose()
