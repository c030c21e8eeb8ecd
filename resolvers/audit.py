"""The audit trail: every change writes an AuditEvent in the same transaction as the change itself."""

import enum
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy.orm import Session

from models.base import Base
from models.system import AuditEvent
from resolvers.permissions import Actor

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


def snapshot(row: Base) -> dict[str, Any]:
    """The row's audited column values."""
    return {column.key: getattr(row, column.key) for column in row.__table__.c if column.key not in NOT_AUDITED}


def changes_between(before: dict[str, Any], after: dict[str, Any]) -> dict[str, list[Any]]:
    """{field: [old, new]} for each field whose value differs."""
    names = list(before) + [name for name in after if name not in before]
    return {
        name: [plain(before.get(name)), plain(after.get(name))]
        for name in names
        if name != "id" and before.get(name) != after.get(name)
    }


def record(session: Session, *, actor: Actor, action: str, row: Base, changes: dict[str, list[Any]]) -> AuditEvent:
    """Add one audit event for `row` to the session (flushed and committed with the change)."""
    event = AuditEvent(
        actor_id=actor.user_id,
        actor_email=actor.email,
        via=actor.via,
        action=action,
        entity=row.__class__.__name__,
        entity_id=row.id,
        changes=changes,
    )
    session.add(event)
    return event
