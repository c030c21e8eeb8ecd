"""Value checks derived from the model declaration, shared by the API and sheet imports.

A column's type, nullability, length and `info` (`format`, `min`, `max`) say what it accepts, so the rules are
declared once on the model and every write path applies the same ones.
"""

import enum
import re
from datetime import UTC, date, datetime
from decimal import Decimal, InvalidOperation
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from models.base import Base
from resolvers.errors import UserError

EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
COUNTRY = re.compile(r"^[A-Z]{2}$")
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


def _check_column(column: sa.Column, value: Any) -> Any:
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
    # A TypeDecorator (UTCDateTime) reports `object`; the type it stores as says what a value must be.
    python_type = getattr(column_type, "impl_instance", column_type).python_type
    if python_type is str:
        value = str(value)
        if column_type.length and len(value) > column_type.length:
            raise ValueError(f"is longer than {column_type.length} characters")
        if info.get("format") == "email":
            value = value.lower()
            if not EMAIL.match(value):
                raise ValueError(f"'{value}' is not a valid email address")
        if info.get("format") == "country":
            value = value.upper()
            if not COUNTRY.match(value):
                raise ValueError(f"'{value}' is not a two-letter ISO country code")
        return value
    if python_type is Decimal:
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
        if value != value.quantize(Decimal("0.01")):
            raise ValueError("has more than two decimal places")
        value = value.quantize(Decimal("0.01"))
    elif python_type is int:
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
    elif python_type is bool:
        if not isinstance(value, bool):
            raise ValueError("must be true or false")
    elif python_type is datetime:
        if not isinstance(value, datetime) or value.tzinfo is None:
            raise ValueError("must be a date and time with a timezone")
        value = value.astimezone(UTC)  # as the database returns it, so the written object reads back the same
    elif python_type is date and (isinstance(value, datetime) or not isinstance(value, date)):
        raise ValueError("must be a date")
    if "min" in info and value < info["min"]:
        raise ValueError(f"must be at least {info['min']}")
    if "max" in info and value > info["max"]:
        raise ValueError(f"must be at most {info['max']}")
    return value


def clean_values(
    model: type[Base], values: dict[str, Any], *, creating: bool
) -> tuple[dict[str, Any], list[UserError]]:
    """Check and normalise input values against the model's columns; report every bad field at once."""
    table = model.__table__
    cleaned: dict[str, Any] = {}
    errors: list[UserError] = []
    for name, value in values.items():
        column = table.c.get(name)
        if column is None or name in SYSTEM_COLUMNS:
            errors.append(UserError(f"{name} is not a field of {label(model)}", field=(name,)))
            continue
        try:
            cleaned[name] = _check_column(column, value)
        except ValueError as exc:
            errors.append(UserError(f"{name.replace('_', ' ')} {exc}", field=(name,)))
    if creating:
        for column in table.c:
            required = not column.nullable and column.default is None and not column.primary_key
            if required and column.name not in values and column.name not in SYSTEM_COLUMNS:
                errors.append(UserError(f"{column.name.replace('_', ' ')} is required", field=(column.name,)))
    return cleaned, errors


def check_references(session: Session, model: type[Base], values: dict[str, Any]) -> list[UserError]:
    """Every foreign key in `values` must point at an existing row (one query per referenced column)."""
    errors = []
    for name, value in values.items():
        if value is None:
            continue
        for foreign_key in model.__table__.c[name].foreign_keys:
            target = foreign_key.column
            # An id the column can't hold exists nowhere, and comparing with it would fail on some databases.
            found = None
            if fits_integer_column(target, value):
                with session.no_autoflush:
                    found = session.execute(sa.select(target).where(target == value)).first()
            if found is None:
                errors.append(
                    UserError(
                        f"no {target.table.name.removesuffix('s').replace('_', ' ')} with id {value}",
                        field=(name,),
                    )
                )
    return errors


def check_unique(session: Session, model: type[Base], values: dict[str, Any], *, id: int | None) -> list[UserError]:
    """Unique constraints (natural keys) must not collide with another row; named as the user sees them."""
    errors = []
    table = model.__table__
    for constraint in table.constraints:
        if not isinstance(constraint, sa.UniqueConstraint):
            continue
        columns = list(constraint.columns)
        key = {column.name: values.get(column.name) for column in columns}
        if any(value is None for value in key.values()):
            continue
        query = sa.select(table.c.id).where(*(column == key[column.name] for column in columns))
        if id is not None:
            query = query.where(table.c.id != id)
        with session.no_autoflush:
            taken = session.execute(query.limit(1)).first() is not None
        if taken:
            shown = ", ".join(
                f"{name.replace('_', ' ')} '{value}'" for name, value in key.items() if not name.endswith("_id")
            )
            scope = " for this " + columns[0].name.removesuffix("_id") if columns[0].name.endswith("_id") else ""
            errors.append(
                UserError(
                    f"another {label(model)}{scope} already has {shown}",
                    field=tuple(name for name in key if not name.endswith("_id")) or tuple(key),
                )
            )
    return errors
