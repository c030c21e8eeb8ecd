"""One list pipeline for every entity: filters, ordering, keyset cursors and page limits.

Filters and orderings arrive as plain objects (the GraphQL inputs, or anything with the same attributes) and are
compiled against the model's columns and its many-to-one relations, which filter by their natural key
(`customer_code`, `owner_email`).
"""

import base64
import binascii
from collections.abc import Sequence
from dataclasses import dataclass, fields, is_dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Any

import orjson
import sqlalchemy as sa
from sqlalchemy.orm import RelationshipDirection

from models.base import Base
from resolvers.audit import plain
from resolvers.validation import fits_integer_column
from resolvers.validation import python_type as column_python_type

DEFAULT_PAGE_SIZE = 50
MAX_PAGE_SIZE = 500
COMBINATORS = {"and_", "or_", "not_"}


class ListError(ValueError):
    """A bad list argument (page size, cursor, ordering): shown to the client as a GraphQL error."""


def _is_set(value: Any) -> bool:
    # strawberry's UNSET is falsy and distinct from None; an omitted argument is "not given".
    return value is not None and type(value).__name__ != "UnsetType"


def _given(obj: Any) -> dict[str, Any]:
    names = [f.name for f in fields(obj)] if is_dataclass(obj) else list(vars(obj))
    return {name: getattr(obj, name) for name in names if _is_set(getattr(obj, name))}


def relation_key_columns(model: type[Base]) -> dict[str, tuple[sa.Column, sa.Column, sa.Column]]:
    """`customer_code` -> (contacts.customer_id, customers.id, customers.code) for each many-to-one relation."""
    found = {}
    for relation in sa.inspect(model).relationships:
        if relation.direction is not RelationshipDirection.MANYTOONE:
            continue
        target = relation.mapper.class_
        key = [name for name in target.__natural_key__ if name in target.__table__.c]
        if len(key) != 1:
            continue
        (local,) = relation.local_columns
        found[f"{relation.key}_{key[0]}"] = (local, target.__table__.c.id, target.__table__.c[key[0]])
    return found


def _lookup(column: sa.ColumnElement, operators: Any, python_type: type | None) -> list[sa.ColumnElement]:
    return [clause for clause, _holds_when_empty in _operator_clauses(column, operators, python_type)]


def _operator_clauses(
    column: sa.ColumnElement, operators: Any, python_type: type | None
) -> list[tuple[sa.ColumnElement[bool], bool]]:
    """Each given operator's condition, and whether it holds for an empty value (`ne`, `isNull: true`)."""
    clauses = []
    for name, value in _given(operators).items():
        if python_type is int and name in ("eq", "ne", "in_", "gt", "gte", "lt", "lte"):
            value = _ids(column, value)
        _refuse_naive_datetimes(value)
        match name:
            case "eq":
                clause = column == value
            case "ne":
                clause = sa.or_(column != value, column.is_(None))
            case "in_":
                clause = column.in_(list(value))
            case "contains":
                clause = column.icontains(value, autoescape=True)
            case "starts_with":
                clause = column.istartswith(value, autoescape=True)
            case "gt":
                clause = column > value
            case "gte":
                clause = column >= value
            case "lt":
                clause = column < value
            case "lte":
                clause = column <= value
            case "is_null":
                clause = column.is_(None) if value else column.is_not(None)
            case _:
                raise ListError(f"unknown filter operator {name}")
        clauses.append((clause, name == "ne" or (name == "is_null" and bool(value))))
    return clauses


def _refuse_naive_datetimes(value: Any) -> None:
    # A time without an offset is ambiguous; the database layer would refuse it with an unreadable error.
    for item in value if isinstance(value, list | tuple) else (value,):
        if isinstance(item, datetime) and item.tzinfo is None:
            raise ListError(f"{item.isoformat()} has no timezone: give one, e.g. {item.isoformat()}Z or +07:00")


def _ids(column: sa.ColumnElement, value: Any) -> Any:
    """Ids arrive as strings; one that is not a whole number the column can hold can't match and is refused."""
    if isinstance(value, list | tuple):
        return [_ids(column, item) for item in value]
    try:
        number = int(value)
    except (TypeError, ValueError):
        number = None
    if number is None or not fits_integer_column(column, number):
        raise ListError(f"{value!r} is not a valid id")
    return number


def compile_filter(model: type[Base], filter_: Any) -> sa.ColumnElement[bool]:
    """Turn a filter object into one SQL condition (per-field operators, combined with and/or/not)."""
    if not _is_set(filter_):
        return sa.true()
    table = model.__table__
    relations = relation_key_columns(model)
    clauses: list[sa.ColumnElement[bool]] = []
    for name, operators in _given(filter_).items():
        if name == "and_":
            clauses.extend(compile_filter(model, item) for item in operators)
        elif name == "or_":
            clauses.append(sa.or_(sa.false(), *(compile_filter(model, item) for item in operators)))
        elif name == "not_":
            # "must not hold": a condition left unknown by an empty field does not hold, so the row is kept.
            clauses.append(sa.not_(sa.func.coalesce(compile_filter(model, operators), sa.false())))
        elif name in table.c:
            column = table.c[name]
            python_type = int if name == "id" or column.foreign_keys else None
            clauses.extend(_lookup(column, operators, python_type))
        elif name in relations:
            clauses.extend(_relation_clauses(relations[name], operators))
        else:
            raise ListError(f"{name} can't be filtered on")
    return sa.and_(sa.true(), *clauses)


def fields_used(filter_: Any, order_by: Sequence[Any] | None = None) -> set[str]:
    """Every field a filter (at any depth of and/or/not) or an ordering names: permissions apply to each."""
    names: set[str] = set()
    if _is_set(filter_):
        for name, value in _given(filter_).items():
            if name in ("and_", "or_"):
                for item in value:
                    names |= fields_used(item)
            elif name == "not_":
                names |= fields_used(value)
            else:
                names.add(name)
    for item in order_by or ():
        names |= set(_given(item))
    return names


def _relation_clauses(relation: tuple[sa.Column, sa.Column, sa.Column], operators: Any) -> list[sa.ColumnElement[bool]]:
    """Conditions on a related row's natural key; a row without the relation has an empty key (`ne`, `isNull` hold)."""
    local, target_id, target_key = relation
    clauses = []
    for condition, holds_when_empty in _operator_clauses(target_key, operators, None):
        related = local.in_(sa.select(target_id).where(condition))
        clauses.append(sa.or_(local.is_(None), related) if holds_when_empty else related)
    return clauses


@dataclass(frozen=True, eq=False)  # identity equality: columns overload ==, and loaders key on these
class SortKey:
    column: sa.Column
    descending: bool = False
    nulls_first: bool = False

    def reversed(self) -> "SortKey":
        return SortKey(self.column, not self.descending, not self.nulls_first)

    def clause(self) -> sa.UnaryExpression:
        ordered = self.column.desc() if self.descending else self.column.asc()
        return ordered.nulls_first() if self.nulls_first else ordered.nulls_last()


def compile_order(model: type[Base], order_by: Sequence[Any] | None, default: Sequence[SortKey] = ()) -> list[SortKey]:
    """A list of single-key orderings applied in order; the id always breaks ties so cursors are stable."""
    table = model.__table__
    keys: list[SortKey] = []
    for item in order_by or ():
        given = _given(item)
        if len(given) != 1:
            raise ListError("each orderBy item names exactly one field, e.g. [{name: ASC}, {createdAt: DESC}]")
        ((name, direction),) = given.items()
        if name not in table.c:
            raise ListError(f"{name} can't be ordered by")
        keys.append(SortKey(table.c[name], descending=str(getattr(direction, "value", direction)).lower() == "desc"))
    if not keys:
        keys = list(default)
    if not any(key.column is table.c.id for key in keys):
        descending = keys[-1].descending if keys else False
        keys.append(SortKey(table.c.id, descending=descending))
    return keys


def _decode_value(column: sa.Column, value: Any) -> Any:
    """The cursor's JSON value as the column's Python type; ValueError when it can't be one."""
    if value is None:
        return None
    column_type = column.type
    if isinstance(column_type, sa.Enum) and column_type.enum_class is not None:
        return column_type.enum_class(value)
    python_type = column_python_type(column_type)
    if python_type is bool:
        if not isinstance(value, bool):
            raise ValueError(value)
        return value
    if python_type is int:
        if isinstance(value, bool) or not isinstance(value, int) or not fits_integer_column(column, value):
            raise ValueError(value)
        return value
    if python_type in (str, datetime, date, Decimal) and not isinstance(value, str):
        raise ValueError(value)
    if python_type is datetime:
        moment = datetime.fromisoformat(value)
        if moment.tzinfo is None:
            raise ValueError(value)
        return moment
    if python_type is date:
        return date.fromisoformat(value)
    if python_type is Decimal:
        amount = Decimal(value)
        if not amount.is_finite():
            raise ValueError(value)
        return amount
    return value


def encode_cursor(keys: Sequence[SortKey], row: Any) -> str:
    values = [
        plain(row._mapping[key.column.name] if hasattr(row, "_mapping") else getattr(row, key.column.name))
        for key in keys
    ]
    return base64.urlsafe_b64encode(orjson.dumps(values)).decode().rstrip("=")


def decode_cursor(keys: Sequence[SortKey], cursor: str) -> list[Any]:
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        values = orjson.loads(raw)
        if not isinstance(values, list) or len(values) != len(keys):
            raise ValueError
        return [_decode_value(key.column, value) for key, value in zip(keys, values, strict=True)]
    except (ValueError, ArithmeticError, binascii.Error, TypeError, KeyError, orjson.JSONDecodeError):
        raise ListError(f"cursor {cursor[:40]!r} is not valid for this list and ordering") from None


def after_condition(keys: Sequence[SortKey], values: Sequence[Any]) -> sa.ColumnElement[bool]:
    """Rows strictly after the cursor position in this ordering (nulls placed as the ordering says)."""
    alternatives = []
    equal_so_far: list[sa.ColumnElement[bool]] = []
    for key, value in zip(keys, values, strict=True):
        column = key.column
        if value is None:
            beyond = column.is_not(None) if key.nulls_first else sa.false()
            same = column.is_(None)
        else:
            beyond = column < value if key.descending else column > value
            if not key.nulls_first:
                beyond = sa.or_(beyond, column.is_(None))
            same = column == value
        alternatives.append(sa.and_(*equal_so_far, beyond))
        equal_so_far.append(same)
    return sa.or_(*alternatives)


@dataclass(frozen=True)
class PageWindow:
    """Validated pagination arguments: how many rows, from which cursor, in which direction."""

    size: int
    cursor: str | None
    backwards: bool

    @classmethod
    def from_arguments(
        cls,
        *,
        first: int | None = None,
        after: str | None = None,
        last: int | None = None,
        before: str | None = None,
        default_size: int = DEFAULT_PAGE_SIZE,
        max_size: int = MAX_PAGE_SIZE,
    ) -> "PageWindow":
        forward = [name for name, value in (("first", first), ("after", after)) if _is_set(value)]
        backward = [name for name, value in (("last", last), ("before", before)) if _is_set(value)]
        if forward and backward:
            # One window, one direction: mixing them would silently ignore half the arguments.
            raise ListError(f"pass either first/after or last/before, not {' and '.join(forward + backward)}")
        for name, value in (("first", first), ("last", last)):
            if _is_set(value) and not 0 <= value <= max_size:
                raise ListError(f"{name} must be between 0 and {max_size}, got {value}")
        if backward:
            return cls(
                size=last if _is_set(last) else default_size,
                cursor=before if _is_set(before) else None,
                backwards=True,
            )
        return cls(
            size=first if _is_set(first) else default_size,
            cursor=after if _is_set(after) else None,
            backwards=False,
        )

    def keys(self, keys: Sequence[SortKey]) -> list[SortKey]:
        return [key.reversed() for key in keys] if self.backwards else list(keys)


@dataclass(frozen=True)
class Page:
    """Rows of one page in display order, with their cursors and whether more rows lie either side."""

    rows: list[Any]
    cursors: list[str]
    has_next: bool
    has_previous: bool


def page_query(
    table: sa.Table, where: sa.ColumnElement[bool], keys: Sequence[SortKey], window: PageWindow
) -> sa.Select:
    """The SELECT for one page: one row more than asked, to learn whether another page follows."""
    scan_keys = window.keys(keys)
    query = sa.select(table).where(where)
    if window.cursor is not None:
        query = query.where(after_condition(scan_keys, decode_cursor(keys, window.cursor)))
    return query.order_by(*(key.clause() for key in scan_keys)).limit(window.size + 1)


def make_page(rows: Sequence[Any], keys: Sequence[SortKey], window: PageWindow) -> Page:
    """Trim the extra row, restore display order and attach cursors."""
    rows = list(rows)
    more = len(rows) > window.size
    rows = rows[: window.size]
    if window.backwards:
        rows.reverse()
    cursors = [encode_cursor(keys, row) for row in rows]
    has_cursor = window.cursor is not None
    return Page(
        rows=rows,
        cursors=cursors,
        has_next=has_cursor if window.backwards else more,
        has_previous=more if window.backwards else has_cursor,
    )
