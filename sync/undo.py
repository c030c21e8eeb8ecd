"""Undoing an applied import: every change it made is reverted, unless a later change touched the same rows."""

from collections import defaultdict
from dataclasses import replace
from datetime import date, datetime
from decimal import Decimal
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from models.base import Base
from models.system import AuditEvent, ImportBatch
from resolvers import crud
from resolvers.errors import ErrorCode, Refused
from resolvers.permissions import Actor
from resolvers.validation import python_type

MODELS = {mapper.class_.__name__: mapper.class_ for mapper in Base.registry.mappers}


def from_plain(column: sa.Column, value: Any) -> Any:
    """An audited (JSON) value back in the column's Python type."""
    if value is None:
        return None
    column_type = column.type
    if isinstance(column_type, sa.Enum):
        return column_type.enum_class(value)
    held = python_type(column_type)
    if held is datetime:
        return datetime.fromisoformat(value)
    if held is date:
        return date.fromisoformat(value)
    if held is Decimal:
        return Decimal(value)
    return value


def undo_import(session: Session, batch_id: int, *, actor: Actor) -> dict[str, int]:
    """Revert a batch in reverse order; returns how many rows were deleted, restored and reverted."""
    batch = session.get(ImportBatch, batch_id)
    if batch is None:
        raise Refused.one(f"no import batch {batch_id}", ErrorCode.NOT_FOUND, "batch")
    if batch.status != "applied":
        raise Refused.one(f"import batch {batch_id} is already {batch.status}", ErrorCode.INVALID_STATE, "batch")
    events = AuditEvent.__table__
    changes = list(session.execute(sa.select(events).where(events.c.batch_id == batch_id).order_by(events.c.id)))
    if changes:
        last = changes[-1].id
        touched = {(event.entity, event.entity_id) for event in changes}
        later = session.execute(
            sa.select(events.c.entity, events.c.entity_id, events.c.action, events.c.actor_email)
            .where(events.c.id > last, sa.tuple_(events.c.entity, events.c.entity_id).in_(list(touched)))
            .limit(20)
        ).all()
        if later:
            listed = "; ".join(f"{e.entity} {e.entity_id} ({e.action} by {e.actor_email or 'cli'})" for e in later)
            raise Refused.one(
                f"import batch {batch_id} can't be undone: later changes touched its rows: {listed}",
                ErrorCode.CONFLICT,
                "batch",
            )
    actor = replace(actor, via="import")
    counts: dict[str, int] = defaultdict(int)
    # Reverse order, grouped into runs of the same entity and action so each run is one batch write.
    runs: list[tuple[str, str, list]] = []
    for event in reversed(changes):
        if runs and runs[-1][0] == event.entity and runs[-1][1] == event.action:
            runs[-1][2].append(event)
        else:
            runs.append((event.entity, event.action, [event]))
    for entity, action, run in runs:
        model = MODELS[entity]
        table = model.__table__
        if action == "create":
            crud.delete_many(session, model, [(event.entity_id, None) for event in run], actor=actor)
            counts["deleted"] += len(run)
        elif action == "delete":
            rows = [
                {name: from_plain(table.c[name], old) for name, (old, _new) in event.changes.items()} for event in run
            ]
            crud.create_many(session, model, rows, actor=actor, action="restore", ids=[e.entity_id for e in run])
            counts["restored"] += len(run)
        else:
            patches = [
                crud.Patch(
                    event.entity_id,
                    {name: from_plain(table.c[name], old) for name, (old, _new) in event.changes.items()},
                )
                for event in run
            ]
            crud.update_many(session, model, patches, actor=actor, action="undo")
            counts["reverted"] += len(run)
    batch.status = "undone"
    session.flush()
    return dict(counts)
