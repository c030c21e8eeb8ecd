"""The audit trail: every change writes an AuditEvent in the same transaction as the change itself."""

import enum
import json
from collections.abc import Mapping, Sequence
from datetime import date, datetime
from decimal import Decimal
from functools import cache
from typing import Any

import orjson
import sqlalchemy as sa

from models.system import AuditEvent
from resolvers.validation import python_type

__all__ = [
    "AuditEvent",
    "changes_between",
    "created_text",
    "encode_changes",
    "field_changes",
    "plain",
    "row_changes",
    "snapshot",
]

NOT_AUDITED = frozenset({"created_at", "updated_at", "version"})


_PLAIN_ALREADY = frozenset({str, int, float, bool, type(None)})


def plain(value: Any) -> Any:
    """A JSON-safe form of a column value (money and dates as text, enums as their value)."""
    if type(value) in _PLAIN_ALREADY:  # most values (an import compares millions)
        return value
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


def row_changes(before: Any, after: Any, table: sa.Table) -> dict[str, list[Any]]:
    """`changes_between(snapshot(before), snapshot(after))` in one pass, without the two snapshots (an import
    compares a million rows)."""
    changes = {}
    for name in audited_names(table):
        old, new = getattr(before, name), getattr(after, name)
        if old != new and name != "id":
            changes[name] = [plain(old), plain(new)]
    return changes


def field_changes(
    row: Sequence[Any], at: Mapping[str, int], changed: dict[str, Any], table: sa.Table
) -> dict[str, list[Any]]:
    """`changes_between` for a stored row (its values in a sequence, `at` where each column sits) of which only the
    `changed` fields (each to a different value) can differ."""
    audited = audited_set(table)
    return {name: [plain(row[at[name]]), plain(value)] for name, value in changed.items() if name in audited}


@cache
def audited_set(table: sa.Table) -> frozenset[str]:
    return frozenset(audited_names(table)) - {"id"}


@cache
def created_names(table: sa.Table) -> tuple[str, ...]:
    """The columns a new row's audit event lists (audited, but not its id)."""
    return tuple(name for name in audited_names(table) if name != "id")


def created_text(values: dict[str, Any], table: sa.Table) -> str:
    """A new row's changes as stored: the JSON text of `changes_between({}, snapshot(row))`, [null, value] per
    field with a value, built from the written values directly in one step (an import creates a million rows).
    Money is made text here, so that orjson encodes the usual values without calling back into Python."""
    changes = {name: (None, value) for name in created_names(table) if (value := values.get(name)) is not None}
    for name in money_names(table):
        pair = changes.get(name)
        if pair is not None and type(pair[1]) is Decimal:
            changes[name] = (None, str(pair[1]))
    return encode_changes(changes)


@cache
def money_names(table: sa.Table) -> tuple[str, ...]:
    """The audited columns holding Decimal values."""
    return tuple(name for name in created_names(table) if python_type(table.c[name].type) is Decimal)


def encode_changes(changes: dict[str, Any]) -> str:
    """An event's changes as the JSON text stored, each value in its plain form (orjson: an import encodes a million
    of them; it writes enums, dates and times as `plain` does, and is given money as text)."""
    try:
        return orjson.dumps(changes, default=_plain_json, option=orjson.OPT_NON_STR_KEYS).decode()
    except TypeError:  # what orjson does not encode (integers past 64 bits): as the JSON column type would
        return json.dumps(changes, default=_plain_json)


def _plain_json(value: Any) -> Any:
    """`plain` for a JSON encoder: the value's plain form, or TypeError for what has none."""
    converted = plain(value)
    if converted is value:
        raise TypeError(f"{type(value).__name__} is not JSON")
    return converted
