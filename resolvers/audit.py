"""The audit trail: every change writes an AuditEvent in the same transaction as the change itself."""

import enum
from datetime import date, datetime
from decimal import Decimal
from functools import cache
from typing import Any

import sqlalchemy as sa

from models.system import AuditEvent

__all__ = ["AuditEvent", "changes_between", "plain", "snapshot"]

NOT_AUDITED = frozenset({"created_at", "updated_at", "version"})


def plain(value: Any) -> Any:
    """A JSON-safe form of a column value (money and dates as text, enums as their value)."""
    if isinstance(value, enum.Enum):
        return value.value
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    return value


@cache
def audited_names(table: sa.Table) -> tuple[str, ...]:
    """The columns whose changes are recorded (computed once per table: imports snapshot every row)."""
    return tuple(column.key for column in table.c if column.key not in NOT_AUDITED)


def snapshot(row: Any, table: sa.Table) -> dict[str, Any]:
    """The audited column values of a row (an ORM object, a Core row or a written row)."""
    return {name: getattr(row, name) for name in audited_names(table)}


def changes_between(before: dict[str, Any], after: dict[str, Any]) -> dict[str, list[Any]]:
    """{field: [old, new]} for each field whose value differs."""
    names = list(before) + [name for name in after if name not in before]
    return {
        name: [plain(before.get(name)), plain(after.get(name))]
        for name in names
        if name != "id" and before.get(name) != after.get(name)
    }
