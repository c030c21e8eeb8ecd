"""Generic create, update and delete for every entity, on a synchronous Session (the one write path).

Each function validates with the rules the model declares, applies workflow rules for state fields, and raises
`Refused` with every problem found; the caller rolls the transaction back and hands the errors to the user.
"""

from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session
from sqlalchemy.orm.exc import StaleDataError

from models.base import Base
from resolvers.errors import ErrorCode, Refused
from resolvers.validation import check_references, check_unique, clean_values, label
from resolvers.workflow import STATE_FIELDS


def get(session: Session, model: type[Base], id: int, *, for_update: bool = False) -> Base:
    """The row with this id, or Refused(NOT_FOUND)."""
    row = session.get(model, id, with_for_update=for_update)
    if row is None:
        raise Refused.one(f"no {label(model)} with id {id}", ErrorCode.NOT_FOUND, "id")
    return row


def check_version(row: Base, version: int | None) -> None:
    """Optimistic concurrency: a client that read an older version must re-read before writing."""
    if version is not None and version != row.version:
        raise Refused.one(
            f"{label(row.__class__)} {row.id} was changed by someone else (version {row.version}, you sent {version});"
            " reload it and try again",
            ErrorCode.CONFLICT,
            "version",
        )


def _validated(
    session: Session, model: type[Base], values: dict[str, Any], *, row: Base | None = None
) -> dict[str, Any]:
    """Every problem with the values at once: bad fields, missing references, taken natural keys."""
    cleaned, errors = clean_values(model, values, creating=row is None)
    errors += check_references(session, model, cleaned)
    current = {column.name: getattr(row, column.name) for column in model.__table__.c} if row is not None else {}
    bad_fields = {error.field for error in errors}
    candidate = {**current, **cleaned}
    errors += [
        error
        for error in check_unique(session, model, candidate, id=row.id if row is not None else None)
        if error.field not in bad_fields
    ]
    if errors:
        raise Refused(errors)
    return cleaned


def _apply_state(session: Session, row: Base, values: dict[str, Any], before: Any) -> None:
    state = STATE_FIELDS.get(row.__class__)
    if state is None or state.name not in values:
        return
    requested = values[state.name]
    if before is not None and requested == before:
        return
    state.transition(session, row, before, requested)


def _flush(session: Session, row: Base) -> None:
    try:
        session.flush()
    except StaleDataError:
        raise Refused.one(
            f"{label(row.__class__)} {row.id} was changed by someone else; reload it and try again",
            ErrorCode.CONFLICT,
            "version",
        ) from None
    except sa.exc.IntegrityError as exc:
        # The checks above catch what a user can do; this is a concurrent writer winning a race.
        raise Refused.one(
            f"the {label(row.__class__)} conflicts with a concurrent change: {exc.orig.__class__.__name__}",
            ErrorCode.CONFLICT,
        ) from None


def create(session: Session, model: type[Base], values: dict[str, Any]) -> Base:
    """Insert a row after checking every value, reference, unique key and workflow rule."""
    cleaned = _validated(session, model, values)
    state = STATE_FIELDS.get(model)
    row = model(**{name: value for name, value in cleaned.items() if state is None or name != state.name})
    session.add(row)
    if state is not None:
        column = model.__table__.c[state.name]
        initial = cleaned.get(state.name, column.default.arg if column.default is not None else None)
        state.transition(session, row, None, initial)
    _flush(session, row)
    return row


def update(session: Session, model: type[Base], id: int, values: dict[str, Any], *, version: int | None = None) -> Base:
    """Apply a patch: omitted fields stay, None clears an optional field, a stale version is a CONFLICT."""
    row = get(session, model, id, for_update=True)
    check_version(row, version)
    cleaned = _validated(session, model, values, row=row)
    state = STATE_FIELDS.get(model)
    before = getattr(row, state.name) if state is not None else None
    for name, value in cleaned.items():
        if state is None or name != state.name:
            setattr(row, name, value)
    _apply_state(session, row, cleaned, before)
    if session.is_modified(row):
        _flush(session, row)
    return row


def dependents(session: Session, model: type[Base], id: int) -> list[tuple[str, int]]:
    """Which other tables still reference this row, and how many rows each (one query per referencing column)."""
    found = []
    target = model.__table__
    for table in Base.metadata.sorted_tables:
        for foreign_key in table.foreign_keys:
            if foreign_key.column.table is not target or (table is target and foreign_key.parent.name == "id"):
                continue
            count = session.scalar(sa.select(sa.func.count()).where(foreign_key.parent == id))
            if count:
                found.append((table.name.replace("_", " "), count))
    return found


def delete(session: Session, model: type[Base], id: int, *, version: int | None = None) -> Base:
    """Delete a row nothing else refers to; otherwise refuse and say what still refers to it."""
    row = get(session, model, id, for_update=True)
    check_version(row, version)
    blocking = dependents(session, model, id)
    if blocking:
        listed = ", ".join(f"{count} {name}" for name, count in blocking)
        raise Refused.one(
            f"{label(model)} {id} still has {listed}; remove or reassign them first",
            ErrorCode.INVALID_STATE,
            "id",
        )
    session.delete(row)
    _flush(session, row)
    return row
