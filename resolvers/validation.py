"""Value checks derived from the model declaration, shared by the API and sheet imports.

A column's type, nullability, length and `info` (`format`, `min`, `max`, `above`, `not_zero`) say what it accepts,
so the rules are declared once on the model and every write path applies the same ones.
"""

import enum
import re
from collections.abc import Iterator, Sequence
from datetime import UTC, date, datetime
from decimal import Decimal, InvalidOperation
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from models.base import Base
from models.system import Role
from resolvers.errors import UserError

EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
COUNTRY = re.compile(r"^[A-Z]{2}$")
ROLE_NAMES = tuple(role.value for role in Role)
DECIMAL_PLACES = {2: "two", 3: "three"}
SYSTEM_COLUMNS = frozenset({"id", "created_at", "updated_at", "version"})
#: Bits of each integer type on PostgreSQL; SQLite stores any of them in 64 bits, so the narrower bound holds.
INTEGER_BITS = ((sa.SmallInteger, 16), (sa.BigInteger, 64), (sa.Integer, 32))


def label(model: type[Base]) -> str:
    """'Customer' -> 'customer', for messages."""
    return re.sub(r"(?<!^)(?=[A-Z])", " ", model.__name__).lower()


def fits_integer_column(column: sa.Column, value: int) -> bool:
    """Whether an integer can be stored in (and so compared against) the column on every supported database."""
    bits = next((bits for kind, bits in INTEGER_BITS if isinstance(column.type, kind)), 64)
    return -(2 ** (bits - 1)) <= value < 2 ** (bits - 1)


def python_type(column_type: sa.types.TypeEngine) -> type | None:
    """The Python type a column holds; a TypeDecorator (UTCDateTime) reports `object`, so its stored type is asked.
    None for types SQLAlchemy can't name (JSON)."""
    if isinstance(column_type, sa.types.TypeDecorator):
        column_type = column_type.impl_instance
    try:
        return column_type.python_type
    except NotImplementedError:
        return None


def coerce_enum(enum_class: type[enum.Enum], value: Any) -> enum.Enum:
    """Accept a member, its value or its name in any case ('Active', 'ACTIVE', 'active')."""
    if isinstance(value, enum_class):
        return value
    text = str(value).strip().lower().replace(" ", "_")
    for member in enum_class:
        if text in (member.value, member.name.lower()):
            return member
    allowed = ", ".join(member.value for member in enum_class)
    raise ValueError(f"must be one of {allowed}")


def check_value(column: sa.Column, value: Any) -> Any:
    """Return the value in the column's Python type, or raise ValueError with a message for the user."""
    if isinstance(value, str) and not isinstance(column.type, sa.Enum):
        value = value.strip()
        if value == "":
            value = None
    if value is None:
        if not column.nullable:
            raise ValueError("is required")
        return None
    column_type = column.type
    info = column.info
    if isinstance(column_type, sa.Enum) and column_type.enum_class is not None:
        return coerce_enum(column_type.enum_class, value)
    kind = python_type(column_type)
    if kind is str:
        value = str(value)
        if column_type.length and len(value) > column_type.length:
            raise ValueError(f"is longer than {column_type.length} characters")
        if info.get("format") == "email":
            value = value.lower()
            if not EMAIL.match(value):
                raise ValueError(f"'{value}' is not a valid email address")
        if info.get("format") == "roles":
            names = value.replace(",", " ").lower().split()
            unknown = [name for name in names if name not in ROLE_NAMES]
            if unknown:
                raise ValueError(f"has unknown roles {', '.join(unknown)}; roles are {', '.join(ROLE_NAMES)}")
            value = " ".join(names)
        if info.get("format") == "country":
            value = value.upper()
            if not COUNTRY.match(value):
                raise ValueError(f"'{value}' is not a two-letter ISO country code")
        return value
    if kind is Decimal:
        try:
            value = Decimal(str(value))
        except InvalidOperation:
            raise ValueError(f"'{value}' is not a number") from None
        if not value.is_finite():
            raise ValueError("must be a finite number")
        if column_type.precision is not None and column_type.scale is not None:
            whole_digits = column_type.precision - column_type.scale
            if abs(value) >= Decimal(10) ** whole_digits:
                raise ValueError(f"is too large (at most {whole_digits} digits before the decimal point)")
        scale = column_type.scale if column_type.scale is not None else 2
        places = Decimal(1).scaleb(-scale)
        if value != value.quantize(places):
            raise ValueError(f"has more than {DECIMAL_PLACES.get(scale, scale)} decimal places")
        value = value.quantize(places)
    elif kind is int:
        if isinstance(value, bool) or not isinstance(value, int | Decimal | float | str):
            raise ValueError("must be a whole number")
        try:
            number = Decimal(str(value))
        except InvalidOperation:
            raise ValueError(f"'{value}' is not a whole number") from None
        if number != number.to_integral_value():
            raise ValueError(f"'{value}' is not a whole number")
        value = int(number)
        if not column.foreign_keys and not fits_integer_column(column, value):  # references: check_references
            raise ValueError(f"{value} is out of range")
    elif kind is bool:
        if not isinstance(value, bool):
            raise ValueError("must be true or false")
    elif kind is datetime:
        if not isinstance(value, datetime) or value.tzinfo is None:
            raise ValueError("must be a date and time with a timezone")
        value = value.astimezone(UTC)  # as the database returns it, so the written object reads back the same
    elif kind is date and (isinstance(value, datetime) or not isinstance(value, date)):
        raise ValueError("must be a date")
    if "above" in info and value <= info["above"]:
        raise ValueError(f"must be more than {info['above']}")
    if info.get("not_zero") and value == 0:
        raise ValueError("must not be zero")
    if "min" in info and value < info["min"]:
        raise ValueError(f"must be at least {info['min']}")
    if "max" in info and value > info["max"]:
        raise ValueError(f"must be at most {info['max']}")
    return value


def required_columns(model: type[Base]) -> list[str]:
    """Columns a new row must be given: not nullable, no default, not managed by Onebook (nor a generated number)."""
    return [
        column.name
        for column in model.__table__.c
        if not column.nullable
        and column.default is None
        and not column.primary_key
        and column.name not in SYSTEM_COLUMNS
        and not (column.name == "number" and model.__number_prefix__ is not None)
    ]


def clean_values(
    model: type[Base], values: dict[str, Any], *, creating: bool, row: int | None = None
) -> tuple[dict[str, Any], list[UserError]]:
    """Check and normalise input values against the model's columns; report every bad field at once."""
    table = model.__table__
    cleaned: dict[str, Any] = {}
    errors: list[UserError] = []
    for name, value in values.items():
        column = table.c.get(name)
        if column is None or name in SYSTEM_COLUMNS:
            errors.append(UserError(f"{name} is not a field of {label(model)}", field=(name,), row=row))
            continue
        try:
            cleaned[name] = check_value(column, value)
        except ValueError as exc:
            errors.append(UserError(f"{name.replace('_', ' ')} {exc}", field=(name,), row=row))
    if creating:
        for name in required_columns(model):
            if name not in values:
                errors.append(UserError(f"{name.replace('_', ' ')} is required", field=(name,), row=row))
    return cleaned, errors


def _chunks(items: list[Any], size: int = 500) -> Iterator[list[Any]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


def check_references(session: Session, model: type[Base], rows: Sequence[dict[str, Any]]) -> list[UserError]:
    """Every foreign key in every row must point at an existing row: one query per referenced column and chunk."""
    errors = []
    table = model.__table__
    for column in table.c:
        if not column.foreign_keys:
            continue
        (foreign_key,) = column.foreign_keys
        target = foreign_key.column
        wanted = {row[column.name] for row in rows if row.get(column.name) is not None}
        storable = [value for value in wanted if fits_integer_column(target, value)]
        found: set[Any] = set()
        with session.no_autoflush:
            for chunk in _chunks(storable):
                found.update(session.scalars(sa.select(target).where(target.in_(chunk))))
        what = next(label(mapper.class_) for mapper in Base.registry.mappers if mapper.local_table is target.table)
        for index, row in enumerate(rows):
            value = row.get(column.name)
            if value is not None and value not in found:
                errors.append(UserError(f"no {what} with id {value}", field=(column.name,), row=index))
    return errors


def unique_keys(model: type[Base]) -> list[tuple[str, ...]]:
    """The column names of each unique constraint (natural keys)."""
    return [
        tuple(column.name for column in constraint.columns)
        for constraint in model.__table__.constraints
        if isinstance(constraint, sa.UniqueConstraint)
    ]


def _describe_key(model: type[Base], key: dict[str, Any]) -> tuple[str, str, tuple[str, ...]]:
    """('customer', "code 'C-1'", ('code',)); scoped keys read 'contact for this customer'."""
    shown = ", ".join(f"{name.replace('_', ' ')} '{value}'" for name, value in key.items() if not name.endswith("_id"))
    first = next(iter(key))
    scope = " for this " + first.removesuffix("_id") if first.endswith("_id") else ""
    field = tuple(name for name in key if not name.endswith("_id")) or tuple(key)
    return label(model) + scope, shown, field


def check_unique(
    session: Session,
    model: type[Base],
    rows: Sequence[dict[str, Any]],
    *,
    ids: Sequence[int | None],
    skip: Sequence[set[str]] = (),
) -> list[UserError]:
    """Natural keys must not collide with other rows, in the database or within the batch.

    `rows` hold each row's full values, `ids` its id (None when new), `skip` the fields already known to be bad.
    One query per unique constraint and chunk.
    """
    errors = []
    table = model.__table__
    for names in unique_keys(model):
        keyed: dict[tuple, list[int]] = {}
        for index, row in enumerate(rows):
            if skip and skip[index] & set(names):
                continue
            key = tuple(row.get(name) for name in names)
            if any(value is None for value in key):
                continue
            keyed.setdefault(key, []).append(index)
        existing: dict[tuple, int] = {}
        columns = [table.c[name] for name in names]
        with session.no_autoflush:
            for chunk in _chunks(list(keyed)):
                condition = (
                    columns[0].in_([key[0] for key in chunk]) if len(columns) == 1 else (sa.tuple_(*columns).in_(chunk))
                )
                for found in session.execute(sa.select(table.c.id, *columns).where(condition)):
                    existing[tuple(found[1:])] = found[0]
        for key, indexes in keyed.items():
            what, shown, field = _describe_key(model, dict(zip(names, key, strict=True)))
            owner = existing.get(key)
            batch_ids = {ids[index] for index in indexes}
            for position, index in enumerate(indexes):
                if owner is not None and owner != ids[index] and owner not in batch_ids:
                    errors.append(UserError(f"another {what} already has {shown}", field=field, row=index))
                elif position > 0:
                    message = f"{shown} is given to another {what} earlier in the same batch"
                    errors.append(UserError(message, field=field, row=index))
    return errors
