"""Generic create, update and delete for every entity, on a synchronous Session (the one write path).

Each function validates with the rules the model declares, applies workflow rules for state fields, and raises
`Refused` with every problem found; the caller rolls the transaction back and hands the errors to the user.
"""

from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session
from sqlalchemy.orm.exc import StaleDataError

from models.base import Base
from resolvers import audit
from resolvers.errors import ErrorCode, Refused
from resolvers.permissions import Actor, check_write
from resolvers.validation import check_references, check_unique, clean_values, fits_integer_column, label
from resolvers.workflow import ROW_RULES, STATE_FIELDS


def get(session: Session, model: type[Base], id: int, *, for_update: bool = False) -> Base:
    """The row with this id, or Refused(NOT_FOUND)."""
    in_range = fits_integer_column(model.__table__.c.id, id)
    row = session.get(model, id, with_for_update=for_update) if in_range else None
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
    # A key with a bad part can't be checked (and a bad value may not even be comparable in SQL): leave it out.
    bad_fields = dict.fromkeys(error.field[0] for error in errors if error.field)
    candidate = {**current, **cleaned, **bad_fields}
    errors += check_unique(session, model, candidate, id=row.id if row is not None else None)
    if errors:
        raise Refused(errors)
    return cleaned


def _apply_state(session: Session, row: Base, values: dict[str, Any], before: Any) -> None:
    """Run the state's rule on every update, also when the state stays: it may depend on other fields (resolution)."""
    state = STATE_FIELDS.get(row.__class__)
    if state is None:
        return
    state.transition(session, row, before, values.get(state.name, before))


def _check_rules(session: Session, row: Base) -> None:
    for rule in ROW_RULES.get(row.__class__, ()):
        rule(session, row)


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


def create(session: Session, model: type[Base], values: dict[str, Any], *, actor: Actor) -> Base:
    """Insert a row after checking permissions, every value, reference, unique key and rule; audited."""
    check_write(actor, model, [name for name, value in values.items() if value is not None])
    cleaned = _validated(session, model, values)
    state = STATE_FIELDS.get(model)
    row = model(**{name: value for name, value in cleaned.items() if state is None or name != state.name})
    session.add(row)
    if state is not None:
        column = model.__table__.c[state.name]
        initial = cleaned.get(state.name, column.default.arg if column.default is not None else None)
        state.transition(session, row, None, initial)
    _check_rules(session, row)
    _flush(session, row)
    audit.record(session, actor=actor, action="create", row=row, changes=audit.changes_between({}, audit.snapshot(row)))
    return row


def update(
    session: Session,
    model: type[Base],
    id: int,
    values: dict[str, Any],
    *,
    actor: Actor,
    version: int | None = None,
    action: str = "update",
) -> Base:
    """Apply a patch: omitted fields stay, None clears an optional field, a stale version is a CONFLICT.

    `action` names the change in the audit trail (a workflow verb such as `close` rather than `update`).
    """
    check_write(actor, model)
    row = get(session, model, id, for_update=True)
    check_version(row, version)
    cleaned = _validated(session, model, values, row=row)
    before_values = audit.snapshot(row)
    check_write(actor, model, [name for name, value in cleaned.items() if before_values.get(name) != value])
    state = STATE_FIELDS.get(model)
    before = getattr(row, state.name) if state is not None else None
    for name, value in cleaned.items():
        if state is None or name != state.name:
            setattr(row, name, value)
    _apply_state(session, row, cleaned, before)
    _check_rules(session, row)
    changes = audit.changes_between(before_values, audit.snapshot(row))
    if changes:
        _flush(session, row)
        audit.record(session, actor=actor, action=action, row=row, changes=changes)
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


def delete(session: Session, model: type[Base], id: int, *, actor: Actor, version: int | None = None) -> Base:
    """Delete a row nothing else refers to; otherwise refuse and say what still refers to it. Audited."""
    check_write(actor, model)
    row = get(session, model, id, for_update=True)
    check_version(row, version)
    blocking = dependents(session, model, id)
    if blocking:
        listed = ", ".join(f"{count} {name if count != 1 else name.removesuffix('s')}" for name, count in blocking)
        raise Refused.one(
            f"{label(model)} {id} still has {listed}; remove or reassign them first",
            ErrorCode.INVALID_STATE,
            "id",
        )
    audit.record(session, actor=actor, action="delete", row=row, changes=audit.changes_between(audit.snapshot(row), {}))
    session.delete(row)
    _flush(session, row)
    return row
