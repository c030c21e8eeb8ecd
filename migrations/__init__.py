"""Alembic migrations for Onebook's schema; `app.migrate` runs them."""
