"""Generic create, update and delete for every entity: the one write path, batch-shaped.

A GraphQL mutation writes a batch of one; a sheet import writes thousands. Either way the same steps run: permission
checks, value rules declared on the model, references and natural keys checked in bulk (one query per column, not
per row), workflow transitions and row rules, then one Core statement per step and one audit event per changed row,
all inside the caller's transaction. Any problem in any row raises `Refused` with every error found (each tagged
with its row) before anything is written.
"""

import sqlite3
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, replace
from itertools import chain, islice
from operator import attrgetter
from types import SimpleNamespace
from typing import Any

import psycopg
import sqlalchemy as sa
from sqlalchemy.orm import Session

from models.base import Base, utcnow
from resolvers import audit
from resolvers.among import among
from resolvers.errors import ErrorCode, Refused, UserError
from resolvers.numbering import reserve_numbers
from resolvers.permissions import Actor, can_move_to, can_write_field, check_write
from resolvers.statement_thread import StatementSender, statements_sent
from resolvers.validation import (
    SYSTEM_COLUMNS,
    check_references,
    check_unique,
    checked_already,
    clean_values,
    fits_integer_column,
    label,
    unique_keys,
)
from resolvers.workflow import AFTER_WRITE, DELETE_RULES, ROW_RULES, STATE_FIELDS

CHUNK = 500


@dataclass(frozen=True)
class Patch:
    """One row to change: which, the fields to set, and (optionally) the version the client last read."""

    id: int
    values: dict[str, Any]
    version: int | None = None


UNIQUE_VIOLATION, FOREIGN_KEY_VIOLATION = "23505", "23503"  # PostgreSQL's SQLSTATEs


@contextmanager
def _racing_writers(session: Session, model: type[Base]) -> Iterator[None]:
    """Turn what a concurrent writer changed between this batch's checks and its write into a CONFLICT.

    On SQLite writers take turns (`begin_writing`), so the checks still hold when the rows are written. On
    PostgreSQL two transactions can both find a natural key free, or a referenced row present; the second to write
    then fails at the database. The write runs in a savepoint, so the transaction stays usable (an import reports
    the error with the others) and the caller rolls it back as for any refusal."""
    if session.get_bind().dialect.name != "postgresql":
        yield
        return
    try:
        with session.begin_nested():
            yield
    except (sa.exc.IntegrityError, psycopg.errors.IntegrityError) as error:
        cause = getattr(error, "orig", error)
        state = getattr(cause, "sqlstate", None)
        if state == UNIQUE_VIOLATION:
            message = f"another {label(model)} with the same key was saved meanwhile; reload and try again"
        elif state == FOREIGN_KEY_VIOLATION:
            message = f"a record this {label(model)} refers to (or that refers to it) changed meanwhile; try again"
        else:
            raise
        raise Refused.one(message, ErrorCode.CONFLICT) from None


def _row_object(*parts: Iterable[tuple[str, Any]] | Mapping[str, Any]) -> SimpleNamespace:
    """A written row as the API returns it: attribute access, like an ORM object or a Core row. Its values come from
    `parts` in order (later ones win), filled into the object's own dict: no merged copy is built first."""
    row = SimpleNamespace()
    attributes = vars(row)
    for part in parts:
        attributes.update(part)
    return row


def _unwritable_fields(actor: Actor, model: type[Base]) -> frozenset[str]:
    """The model's fields this actor may not set, decided once per batch: the fields Onebook keeps, and those the
    permission table withholds. A workflow state is checked per value instead (who may move a document where)."""
    if actor.consequence:
        return frozenset()
    state = STATE_FIELDS.get(model)
    return frozenset(
        column.key
        for column in model.__table__.c
        if column.info.get("derived")
        or (not can_write_field(actor.roles, model, column.key) and (state is None or column.key != state.name))
    )


def _forbidden_fields(
    actor: Actor, model: type[Base], index: int, values: dict[str, Any], unwritable: frozenset[str]
) -> list[UserError]:
    """The fields among `values` (the ones being set) this actor may not set, each an error."""
    errors = []
    columns = model.__table__.c
    for name in values:
        if name not in unwritable:
            continue
        if columns[name].info.get("derived"):
            message = f"the {name.replace('_', ' ')} of a {label(model)} is kept by Onebook; it can't be set"
            errors.append(UserError(message, ErrorCode.VALIDATION, (name,), index))
        else:
            message = f"you may not change the {name.replace('_', ' ')} of a {label(model)}"
            errors.append(UserError(message, ErrorCode.FORBIDDEN, (name,), index))
    state = STATE_FIELDS.get(model)
    if state is not None and state.name in values and not actor.consequence:
        target = getattr(values[state.name], "value", values[state.name])
        if not can_move_to(actor.roles, model, target):
            message = f"you may not move a {label(model)} to {target}"
            errors.append(UserError(message, ErrorCode.FORBIDDEN, (state.name,), index))
    return errors


def _check_creatable(actor: Actor, model: type[Base]) -> None:
    """Journal entries are posted by the operations that cause them (or `postJournalEntry`), never written raw."""
    if model.__operations_only__ and not actor.consequence:
        raise Refused.one(f"{label(model)} records are {model.__operations_only__}", ErrorCode.INVALID_STATE)


def _after_write(session: Session, model: type[Base], rows: list[Any], actor: Actor) -> None:
    for hook in AFTER_WRITE.get(model, ()):
        hook(session, rows, actor)


def _check_appendable(model: type[Base]) -> None:
    """Ledger rows are corrected by writing another row, never by changing or deleting one."""
    if model.__append_only__:
        raise Refused.one(
            f"{label(model)} records are never changed or deleted once written; record a correcting one instead",
            ErrorCode.INVALID_STATE,
        )


def _with_numbers(session: Session, model: type[Base], rows: Sequence[dict[str, Any]]) -> list[dict[str, Any]]:
    """Rows of a numbered document without a `number` get the next ones for the model's prefix (one statement)."""
    prefix = model.__number_prefix__
    if prefix is None:
        return list(rows)
    missing = [index for index, values in enumerate(rows) if not str(values.get("number") or "").strip()]
    numbers = dict(zip(missing, reserve_numbers(session, prefix, len(missing)), strict=True))
    return [{**values, "number": numbers[index]} if index in numbers else values for index, values in enumerate(rows)]


def _defaults(model: type[Base]) -> dict[str, Any]:
    """Column defaults a new row gets when a value is not given (callables are called once per batch)."""
    values = {}
    for column in model.__table__.c:
        if column.default is None or column.primary_key or column.name in SYSTEM_COLUMNS:
            continue
        default = column.default.arg
        values[column.name] = default(None) if callable(default) else default
    return values


def _apply_rules(
    session: Session, model: type[Base], rows: list[SimpleNamespace], befores: list[dict | None], actor: Actor
) -> list[UserError]:
    """Workflow transitions (per row) and row rules (per batch); transitions may adjust other fields."""
    errors: list[UserError] = []
    state = STATE_FIELDS.get(model)
    if state is not None:
        for index, (row, before) in enumerate(zip(rows, befores, strict=True)):
            requested = getattr(row, state.name)
            try:
                state.transition(session, row, before, requested, actor)
            except Refused as refused:
                errors += [UserError(e.message, e.code, e.field, index) for e in refused.errors]
    for rule in ROW_RULES.get(model, ()):
        errors += rule(session, rows, actor)
    return errors


def _fetch_current(session: Session, model: type[Base], ids: Sequence[int]) -> dict[int, sa.Row]:
    """The rows as they are now, locked against concurrent writers until the transaction ends (PostgreSQL)."""
    table = model.__table__
    storable = [id for id in set(ids) if fits_integer_column(table.c.id, id)]
    if not storable:
        return {}
    query = sa.select(table).where(among(session, table.c.id, storable)).with_for_update()
    return {row.id: row for row in session.execute(query)}


def _missing_or_stale(model: type[Base], patches: Sequence[Patch], current: dict[int, sa.Row]) -> list[UserError]:
    errors = []
    for index, patch in enumerate(patches):
        row = current.get(patch.id)
        if row is None:
            errors.append(UserError(f"no {label(model)} with id {patch.id}", ErrorCode.NOT_FOUND, ("id",), index))
        elif patch.version is not None and patch.version != row.version:
            errors.append(
                UserError(
                    f"{label(model)} {patch.id} was changed by someone else (version {row.version}, you sent"
                    f" {patch.version}); reload it and try again",
                    ErrorCode.CONFLICT,
                    ("version",),
                    index,
                )
            )
    return errors


COPY_UPDATES_FROM = 100  # rows updated at once from which PostgreSQL copies them in rather than updating each
SEND_CHUNK = 20_000  # rows or audit events converted and sent at a time: a big import's are never all held twice
UPDATE_STEP = 5_000  # rows updated at a time when a second thread stores them (`statement_thread`)
AUDIT_COLUMNS = (
    "occurred_at", "actor_id", "actor_email", "via", "action", "entity", "entity_id", "changes", "batch_id",
)  # fmt: skip
AUDIT_NAMES = tuple(name if name != "changes" else "changes_json" for name in AUDIT_COLUMNS)  # the changes go as text


def record(
    session: Session, *, actor: Actor, action: str, model: type[Base], entries: Iterable[tuple[int, dict]]
) -> None:
    """One audit event per changed row, (id, {field: [old, new]}) each (also for writes outside these functions,
    such as issuing a token); see `record_encoded`."""
    encoded = ((id, audit.encode_changes(changes)) for id, changes in entries)
    record_encoded(session, actor=actor, action=action, model=model, entries=encoded)


def record_encoded(
    session: Session,
    *,
    actor: Actor,
    action: str,
    model: type[Base],
    entries: Iterable[tuple[int, str]],
    sender: StatementSender | None = None,
) -> None:
    """One audit event per changed row, its changes already JSON text (`audit.encode_changes`), sent in chunks:
    copied in on PostgreSQL, multi-row INSERTs on SQLite (see `_insert_rows`). `entries` is read a
    chunk at a time, so a generator keeps only a chunk's texts at once."""
    now = utcnow()
    fixed = (now, actor.user_id, actor.email, actor.via, action, model.__name__)
    table = audit.AuditEvent.__table__
    pending = iter(entries)
    while chunk := [(*fixed, id, changes, actor.batch_id) for id, changes in islice(pending, SEND_CHUNK)]:
        if _copies(session) or _inserts_plain(session):
            _insert_rows(session, table, AUDIT_COLUMNS, chunk, as_is=frozenset({"changes"}), sender=sender)
            continue
        # The changes go in as the JSON text encoded above, not through the column type's encoder.
        changes = sa.cast(sa.bindparam("changes_json", type_=sa.Text), table.c.changes.type)
        statement = table.insert().values(changes=changes)
        session.execute(statement, [dict(zip(AUDIT_NAMES, values, strict=True)) for values in chunk])


def _inserts_plain(session: Session) -> bool:
    """Whether the driver takes rows of plain values positionally (SQLite's `?` placeholders)."""
    return session.get_bind().dialect.paramstyle == "qmark"


def _insert_rows(
    session: Session,
    table: sa.Table,
    names: Sequence[str],
    rows: Sequence[Sequence[Any]],
    *,
    as_is: frozenset[str] = frozenset(),
    sender: StatementSender | None = None,
) -> None:
    """Insert rows of values in `names` order, past SQLAlchemy's per-row parameter handling (which costs more than
    the database's own work for a big import): copied in on PostgreSQL, straight to the driver on SQLite as
    INSERTs of many rows each. Each column's conversion for the database (an enum as its value, a timestamp as SQLite's
    text) is applied here instead; columns in `as_is` are already in their stored form (audit changes as JSON
    text). Other connections (asyncio to PostgreSQL: small batches) insert through SQLAlchemy. On SQLite, `sender`
    runs the statements (a second thread: `statement_thread`)."""
    if not (_copies(session) or _inserts_plain(session)):
        session.execute(table.insert(), [dict(zip(names, row, strict=True)) for row in rows])
        return
    session.flush()
    dialect = session.get_bind().dialect
    converted = _converted(dialect, table, names, rows, as_is)
    if _copies(session):
        _copy_rows(session, table, names, converted)
        return
    preparer = dialect.identifier_preparer
    listed = ", ".join(preparer.quote(name) for name in names)
    head = f"INSERT INTO {preparer.format_table(table)} ({listed}) VALUES "
    row = f"({', '.join('?' for _ in names)})"
    send = sender.send if sender is not None else session.connection().exec_driver_sql
    for chunk in _per_statement(converted):
        send(head + ", ".join([row] * len(chunk)), tuple(chain.from_iterable(chunk)))


# Rows one INSERT (or UPDATE ... FROM VALUES) lists on SQLite. SQLite stores a statement's rows in one go: many rows
# per statement take about a third less time than an executemany of one row per call (100,000 audit events: 0.7 s
# against 1.1 s).
ROWS_PER_INSERT = 1_000
# The parameters one statement may have: SQLite's default limit since 3.32 (999 before).
SQLITE_PARAMETERS = 32_766 if sqlite3.sqlite_version_info >= (3, 32) else 999


def _per_statement(rows: Sequence[tuple]) -> Iterator[Sequence[tuple]]:
    """Rows (tuples of equal width) in runs of as many as one SQLite statement lists: ROWS_PER_INSERT, fewer for
    rows too wide for SQLITE_PARAMETERS."""
    if not rows:
        return
    per = max(1, min(ROWS_PER_INSERT, SQLITE_PARAMETERS // len(rows[0])))
    for start in range(0, len(rows), per):
        yield rows[start : start + per]


_NOTHING = object()


def _converted(
    dialect: sa.Dialect, table: sa.Table, names: Sequence[str], rows: Sequence[Sequence[Any]], as_is: frozenset[str]
) -> list[tuple]:
    """The rows with each column's bind conversion applied, a column at a time. A run of the same object (every
    row's `created_at`, a batch's one timestamp) is converted once."""
    processors = [
        (index, process)
        for index, name in enumerate(names)
        if name not in as_is and (process := table.c[name].type.dialect_impl(dialect).bind_processor(dialect))
    ]
    if not processors:
        return [tuple(row) for row in rows]
    lists = [list(row) for row in rows]
    for index, process in processors:
        last, stored = _NOTHING, None
        for row in lists:
            value = row[index]
            if value is None:
                continue
            if value is not last:
                last, stored = value, process(value)
            row[index] = stored
    return [tuple(row) for row in lists]


def _copies(session: Session) -> bool:
    """Whether rows can be copied in (COPY): on PostgreSQL through a synchronous psycopg connection (an import, a
    CLI job; a GraphQL request's asyncio connection writes small batches with INSERT)."""
    return isinstance(session.connection().connection.driver_connection, psycopg.Connection)


def _update_rows(
    session: Session, table: sa.Table, names: Sequence[str], rows: list[tuple], *, sender: StatementSender
) -> None:
    """Set the columns `names` of each row given as (id, old version, new values), unless its version moved on;
    the rows updated are counted in `sender.counted`. Past SQLAlchemy's per-row parameter handling as
    `_insert_rows` is: copied in and joined on PostgreSQL, straight to the driver on SQLite (`_update_plain`)."""
    if len(rows) >= COPY_UPDATES_FROM and _copies(session):
        sender.tally(_update_by_copy(session, table, names, rows))
    elif _inserts_plain(session):
        _update_plain(session, table, names, rows, sender)
    else:
        statement = (
            table.update()
            .where(table.c.id == sa.bindparam("v_id"), table.c.version == sa.bindparam("old_version"))
            .values({name: sa.bindparam(f"v_{name}") for name in names})
        )
        keys = ("v_id", "old_version", *(f"v_{name}" for name in names))
        sender.tally(session.execute(statement, [dict(zip(keys, row, strict=True)) for row in rows]).rowcount)


def _update_plain(
    session: Session, table: sa.Table, names: Sequence[str], rows: list[tuple], sender: StatementSender
) -> None:
    """`_update_rows` on SQLite: UPDATE ... FROM (VALUES ...) joining up to 1,000 rows per statement to the table by
    id and old version (about 0.35 s instead of 0.6 s for an executemany of 100,000 one-row UPDATEs); an
    executemany on SQLite before 3.33, which has no UPDATE ... FROM."""
    dialect = session.get_bind().dialect
    converted = _converted(dialect, table, ("id", "version", *names), rows, frozenset())
    preparer = dialect.identifier_preparer
    target = preparer.format_table(table)
    if sqlite3.sqlite_version_info < (3, 33):
        assignments = ", ".join(f"{preparer.quote(name)} = ?" for name in names)
        sql = f"UPDATE {target} SET {assignments} WHERE id = ? AND version = ?"
        sender.send(sql, [(*values, id, version) for id, version, *values in converted], counted=True)
        return
    # A VALUES list's columns are column1, column2, ...: the id, the old version, then the new values.
    assignments = ", ".join(f"{preparer.quote(name)} = v.column{index}" for index, name in enumerate(names, 3))
    row = f"({', '.join('?' for _ in range(len(names) + 2))})"
    for chunk in _per_statement(converted):
        sql = (
            f"UPDATE {target} SET {assignments} FROM (VALUES {', '.join([row] * len(chunk))}) AS v"
            f" WHERE {target}.id = v.column1 AND {target}.version = v.column2"
        )
        sender.send(sql, tuple(chain.from_iterable(chunk)), counted=True)


def _update_by_copy(session: Session, table: sa.Table, names: Sequence[str], rows: list[tuple]) -> int:
    """Update many rows on PostgreSQL at once: (id, old version, new values of `names`) copied into a temporary
    table, then one UPDATE joined to it that skips rows whose version moved on. Returns the rows updated."""
    dialect = session.get_bind().dialect
    processors = [table.c[name].type.dialect_impl(dialect).bind_processor(dialect) for name in names]
    if any(processors):  # what the column types do to a value on its way in (an enum as its value, JSON as text)
        rows = [(id, version, *_processed(processors, values)) for id, version, *values in rows]
    staging = f"onebook_update_{table.name}"
    listed = ", ".join(f'"{name}"' for name in names)
    session.execute(
        sa.text(
            f'CREATE TEMPORARY TABLE "{staging}" AS SELECT id, version AS old_version, {listed} FROM "{table.name}"'
            " WITH NO DATA"
        )
    )
    _copy_rows(session, sa.table(staging), ("id", "old_version", *names), rows)
    assignments = ", ".join(f'"{name}" = staged."{name}"' for name in names)
    updated = session.execute(
        sa.text(
            f'UPDATE "{table.name}" AS target SET {assignments} FROM "{staging}" AS staged'
            " WHERE target.id = staged.id AND target.version = staged.old_version"
        )
    ).rowcount
    session.execute(sa.text(f'DROP TABLE "{staging}"'))
    return updated


def _processed(processors: Sequence[Callable[[Any], Any] | None], values: Sequence[Any]) -> Iterator[Any]:
    for process, value in zip(processors, values, strict=True):
        yield value if process is None or value is None else process(value)


def _copy_rows(session: Session, table: sa.Table, columns: Sequence[str], rows: Iterable[Sequence[Any]]) -> None:
    """COPY rows of plain values (text, numbers, aware datetimes, JSON as text) into a table on PostgreSQL, in the
    session's transaction."""
    session.flush()
    connection = session.connection().connection.driver_connection
    listed = ", ".join(f'"{name}"' for name in columns)
    with connection.cursor() as cursor, cursor.copy(f'COPY "{table.name}" ({listed}) FROM STDIN') as copy:
        for row in rows:
            copy.write_row(row)


def create_many(
    session: Session,
    model: type[Base],
    rows: Sequence[dict[str, Any]],
    *,
    actor: Actor,
    action: str = "create",
    ids: Sequence[int] | None = None,
    checked: bool = False,
) -> list[SimpleNamespace]:
    """Insert rows after checking permissions, values, references, natural keys and rules; audited.

    `ids` restores rows under the ids they had (undoing a deletion); new rows get fresh ids. A numbered document
    (`__number_prefix__`) given without a number gets the next one. `checked` says each value has already passed
    its column's check (`validation.table_checkers`), as an import checks each cell where it reads it so that a
    bad one is named by its cell: the values are then not checked again, only the fields given.
    """
    check_write(actor, model)
    _check_creatable(actor, model)
    table = model.__table__
    unwritable, state = _unwritable_fields(actor, model), STATE_FIELDS.get(model)
    errors: list[UserError] = []
    names = table.c.keys()
    blank = dict.fromkeys(names) | _defaults(model)  # every column, with the defaults of those that have one
    rows = _with_numbers(session, model, rows)
    objects = []
    for index, values in enumerate(rows):
        if (state is not None and state.name in values) or not unwritable.isdisjoint(values):
            given = {name: value for name, value in values.items() if value is not None}
            errors += _forbidden_fields(actor, model, index, given, unwritable)
        if checked and checked_already(model, values):
            cleaned = values
        else:
            cleaned, row_errors = clean_values(model, values, creating=True, row=index)
            errors += row_errors
        objects.append(_row_object(blank, cleaned))
    written = [vars(obj) for obj in objects]  # the objects' own dicts, not copies
    errors += check_references(session, model, written)
    errors += check_unique(session, model, written, ids=[None] * len(rows), skip=_bad_fields(errors, len(rows)))
    del written
    errors += _apply_rules(session, model, objects, [None] * len(objects), actor) if not errors else []
    if errors:
        raise Refused(errors)
    now = utcnow()
    new_ids = list(ids) if ids is not None else _next_ids(session, table, len(objects))
    for index, obj in enumerate(objects):
        obj.id = new_ids[index] if new_ids is not None else None
        obj.created_at = obj.updated_at = now
        obj.version = 1
    entries = ((obj.id, audit.created_text(vars(obj), table)) for obj in objects)  # encoded a chunk at a time
    if new_ids is None:  # one row, or a connection that can't take plain rows: ids come back from RETURNING
        with _racing_writers(session, model):
            insert_rows = [{name: value for name, value in vars(obj).items() if name != "id"} for obj in objects]
            statement = table.insert().returning(table.c.id, sort_by_parameter_order=True)
            for obj, id in zip(objects, session.execute(statement, insert_rows).scalars(), strict=True):
                obj.id = id
        record_encoded(session, actor=actor, action=action, model=model, entries=entries)
    else:
        # On SQLite a second thread stores the rows, then their audit events, while this one builds the next ones.
        values_of = attrgetter(*names)
        with statements_sent(session, statements=2 * len(objects) // ROWS_PER_INSERT) as sender:
            with _racing_writers(session, model):
                for start in range(0, len(objects), SEND_CHUNK):
                    chunk = [values_of(obj) for obj in objects[start : start + SEND_CHUNK]]
                    _insert_rows(session, table, names, chunk, sender=sender)
            record_encoded(session, actor=actor, action=action, model=model, entries=entries, sender=sender)
    _after_write(session, model, objects, actor)
    return objects


def _next_ids(session: Session, table: sa.Table, count: int) -> list[int] | None:
    """The ids the next `count` rows get, so that they are inserted as plain rows (`_insert_rows`). SQLite gives a
    new row the largest id plus one; a write that changes nothing takes the database's write lock first (if
    `begin_writing` has not), so no other connection adds rows until this transaction ends. PostgreSQL's sequence
    hands out `count` ids in one statement. None for a single row, or a connection that inserts through SQLAlchemy
    (a GraphQL request's asyncio connection to PostgreSQL): the ids then come back from RETURNING."""
    if count < 2:
        return None
    if _inserts_plain(session):
        session.execute(table.update().where(sa.false()).values(id=table.c.id))
        last = session.scalar(sa.select(sa.func.max(table.c.id))) or 0
        return list(range(last + 1, last + 1 + count))
    if _copies(session):
        sequence = sa.func.pg_get_serial_sequence(table.fullname, "id")
        series = sa.func.generate_series(1, count).table_valued("n")
        return list(session.scalars(sa.select(sa.func.nextval(sequence)).select_from(series)))
    return None


def _bad_fields(errors: Sequence[UserError], count: int) -> list[set[str]]:
    """For each of `count` rows, the fields already reported bad (so that later checks skip them)."""
    bad: list[set[str]] = [set() for _ in range(count)]
    for error in errors:
        if error.row is not None and error.field and 0 <= error.row < count:
            bad[error.row].add(error.field[0])
    return bad


def _check_changed_keys(
    session: Session,
    model: type[Base],
    rows: list[dict[str, Any]],
    changed: list[dict[str, Any]],
    patches: Sequence[Patch],
    errors: list[UserError],
) -> list[UserError]:
    """`check_unique` for the rows whose natural key changes: a row keeping its key can't collide with a row
    the database holds (its constraints hold), and a row taking its key is checked itself."""
    key_names = {name for names in unique_keys(model) for name in names}
    rekeyed = [index for index, values in enumerate(changed) if not key_names.isdisjoint(values)]
    if not rekeyed:
        return []
    bad = _bad_fields(errors, len(rows))
    found = check_unique(
        session,
        model,
        [rows[index] for index in rekeyed],
        ids=[patches[index].id for index in rekeyed],
        skip=[bad[index] for index in rekeyed],
    )
    return [replace(error, row=rekeyed[error.row]) for error in found]


def update_many(
    session: Session,
    model: type[Base],
    patches: Sequence[Patch],
    *,
    actor: Actor,
    action: str = "update",
    current: Mapping[int, sa.Row] | None = None,
    checked: bool = False,
) -> list[SimpleNamespace]:
    """Apply patches: omitted fields stay, None clears an optional field, a stale version is a CONFLICT.

    `action` names the change in the audit trail (a workflow verb such as `close` rather than `update`).
    Rows whose values end up unchanged are not written and keep their version. `current` holds the rows as the
    caller has just read them in this transaction, locked as `_fetch_current` locks them, each starting with the
    table's columns in order (`select(table, ...)`); without it they are read here. `checked` says each value has
    already passed its column's check, as for `create_many`.
    """
    check_write(actor, model, state_changes=True)
    _check_appendable(model)
    table = model.__table__
    if current is None:
        current = _fetch_current(session, model, [patch.id for patch in patches])
    names = table.c.keys()
    errors = _missing_or_stale(model, patches, current)
    if errors:
        raise Refused(errors)
    unwritable, state = _unwritable_fields(actor, model), STATE_FIELDS.get(model)
    ruled = model in STATE_FIELDS or model in ROW_RULES  # rules may change more fields than the patch set
    objects: list[SimpleNamespace] = []  # each row as it will be written
    befores: list[dict[str, Any]] = []  # for rules: each row as it was
    changed_values: list[dict[str, Any]] = []  # per row, the fields whose value changes
    at = {name: index for index, name in enumerate(names)}  # where each column sits in a current row
    for index, patch in enumerate(patches):
        row = current[patch.id]  # the table's columns first: a caller's row may hold more
        if checked and checked_already(model, patch.values, creating=False):
            cleaned = patch.values
        else:
            cleaned, row_errors = clean_values(model, patch.values, creating=False, row=index)
            errors += row_errors
        changed = {name: value for name, value in cleaned.items() if row[at[name]] != value}
        if unwritable or state is not None:
            errors += _forbidden_fields(actor, model, index, changed, unwritable)
        changed_values.append(changed)
        merged = _row_object(zip(names, row, strict=False))  # a caller's row may hold more
        if ruled:  # rules compare with the row as it was
            befores.append(vars(merged).copy())
        vars(merged).update(cleaned)
        objects.append(merged)
    errors += check_references(session, model, changed_values)
    merged_rows = [vars(obj) for obj in objects]
    errors += _check_changed_keys(session, model, merged_rows, changed_values, patches, errors)
    del merged_rows
    errors += _apply_rules(session, model, objects, befores, actor) if not errors else []
    if errors:
        raise Refused(errors)
    now = utcnow()
    changed: list[SimpleNamespace] = []  # the rows written
    # What changes besides the audited fields: the version and the update time (never the creation time).
    bumped = tuple(column.key for column in table.c if column.key in audit.NOT_AUDITED and column.key != "created_at")
    version_at = at["version"]
    expected = 0  # the rows the UPDATEs must change
    with statements_sent(session, statements=2 * len(patches) // ROWS_PER_INSERT) as sender:
        # On SQLite a second thread stores a step's rows and audit events while this one builds the next step's.
        step = UPDATE_STEP if sender.threaded else max(1, len(patches))
        for start in range(0, len(patches), step):
            updates: dict[tuple[str, ...], list[tuple]] = {}  # the columns that change -> (id, old version, values)
            entries = []
            for index in range(start, min(start + step, len(patches))):
                patch, obj, patched = patches[index], objects[index], changed_values[index]
                row = current[patch.id]
                changes = audit.row_changes(row, obj, table) if ruled else audit.field_changes(row, at, patched, table)
                if not changes:
                    continue
                version = row[version_at]
                obj.version, obj.updated_at = version + 1, now
                columns = (*changes, *bumped)
                values = vars(obj)
                updates.setdefault(columns, []).append((patch.id, version, *[values[name] for name in columns]))
                entries.append((patch.id, audit.encode_changes(changes)))
                changed.append(obj)
            for columns, rows in updates.items():
                # Only the columns that change are set: the database then leaves the other columns' indexes alone.
                with _racing_writers(session, model):
                    _update_rows(session, table, columns, rows, sender=sender)
                expected += len(rows)
            record_encoded(session, actor=actor, action=action, model=model, entries=entries, sender=sender)
    if sender.counted is not None and sender.counted != expected:
        raise Refused.one(
            f"some {label(model)} records were changed by someone else meanwhile; reload and try again",
            ErrorCode.CONFLICT,
            "version",
        )
    if changed:
        _after_write(session, model, changed, actor)
    return objects


def delete_many(
    session: Session, model: type[Base], targets: Sequence[tuple[int, int | None]], *, actor: Actor
) -> list[SimpleNamespace]:
    """Delete rows nothing else refers to; otherwise refuse and say what still refers to each. Audited."""
    check_write(actor, model)
    _check_appendable(model)
    table = model.__table__
    patches = [Patch(id=id, values={}, version=version) for id, version in targets]
    current = _fetch_current(session, model, [patch.id for patch in patches])
    errors = _missing_or_stale(model, patches, current)
    if errors:
        raise Refused(errors)
    ids = [patch.id for patch in patches]
    blocking = dependents(session, model, ids)
    for index, id in enumerate(ids):
        if blocking.get(id):
            listed = ", ".join(
                f"{count} {name if count != 1 else name.removesuffix('s')}" for name, count in blocking[id]
            )
            errors.append(
                UserError(
                    f"{label(model)} {id} still has {listed}; remove or reassign them first",
                    ErrorCode.INVALID_STATE,
                    ("id",),
                    index,
                )
            )
    deleted = [_row_object(current[id]._mapping) for id in ids]
    for rule in DELETE_RULES.get(model, ()):
        errors += rule(session, deleted, actor)
    if errors:
        raise Refused(errors)
    entries = [(id, audit.changes_between(audit.snapshot(current[id], table), {})) for id in ids]
    with _racing_writers(session, model):
        for start in range(0, len(ids), CHUNK):
            session.execute(table.delete().where(table.c.id.in_(ids[start : start + CHUNK])))
    record(session, actor=actor, action="delete", model=model, entries=entries)
    _after_write(session, model, deleted, actor)
    return deleted


def dependents(session: Session, model: type[Base], ids: Sequence[int]) -> dict[int, list[tuple[str, int]]]:
    """For each id, which tables still reference it and how many rows each (one query per referencing column)."""
    found: dict[int, list[tuple[str, int]]] = {}
    target = model.__table__
    for table in Base.metadata.sorted_tables:
        for foreign_key in table.foreign_keys:
            if foreign_key.column.table is not target or table.name == "audit_events":
                continue
            column = foreign_key.parent
            for start in range(0, len(ids), CHUNK):
                chunk = ids[start : start + CHUNK]
                query = sa.select(column, sa.func.count()).where(column.in_(chunk)).group_by(column)
                if table is target:  # a row referring to itself (its own manager) does not block
                    query = query.where(table.c.id != column)
                for id, count in session.execute(query):
                    found.setdefault(id, []).append((table.name.replace("_", " "), count))
    return found


# --- single rows: what a GraphQL mutation or a domain verb writes -----------------------------------------------


def _single(refused: Refused) -> Refused:
    return Refused([UserError(e.message, e.code, e.field) for e in refused.errors])


def get(session: Session, model: type[Base], id: int) -> sa.Row:
    """The row with this id, or Refused(NOT_FOUND)."""
    table = model.__table__
    row = None
    if fits_integer_column(table.c.id, id):
        row = session.execute(sa.select(table).where(table.c.id == id)).first()
    if row is None:
        raise Refused.one(f"no {label(model)} with id {id}", ErrorCode.NOT_FOUND, "id")
    return row


def create(session: Session, model: type[Base], values: dict[str, Any], *, actor: Actor) -> SimpleNamespace:
    """Insert one row (a batch of one)."""
    try:
        return create_many(session, model, [values], actor=actor)[0]
    except Refused as refused:
        raise _single(refused) from None


def update(
    session: Session,
    model: type[Base],
    id: int,
    values: dict[str, Any],
    *,
    actor: Actor,
    version: int | None = None,
    action: str = "update",
) -> SimpleNamespace:
    """Patch one row (a batch of one)."""
    try:
        return update_many(session, model, [Patch(id, values, version)], actor=actor, action=action)[0]
    except Refused as refused:
        raise _single(refused) from None


def delete(
    session: Session, model: type[Base], id: int, *, actor: Actor, version: int | None = None
) -> SimpleNamespace:
    """Delete one row (a batch of one)."""
    try:
        return delete_many(session, model, [(id, version)], actor=actor)[0]
    except Refused as refused:
        raise _single(refused) from None
