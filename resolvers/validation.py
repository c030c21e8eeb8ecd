"""Value checks derived from the model declaration, shared by the API and sheet imports.

A column's type, nullability, length and `info` (`format`, `min`, `max`, `above`, `not_zero`) say what it accepts,
so the rules are declared once on the model and every write path applies the same ones.
"""

import enum
import re
from collections.abc import Callable, Iterator, Sequence
from datetime import UTC, date, datetime
from decimal import Decimal, InvalidOperation
from functools import cache
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from models.base import Base
from models.system import Role
from resolvers.among import among
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
    member = enum_spellings(enum_class).get(str(value).strip().lower().replace(" ", "_"))
    if member is None:
        allowed = ", ".join(member.value for member in enum_class)
        raise ValueError(f"must be one of {allowed}")
    return member


@cache
def enum_spellings(enum_class: type[enum.Enum]) -> dict[str, enum.Enum]:
    """Each member by its value and by its lowercased name (the first member wins when two share a spelling)."""
    spellings: dict[str, enum.Enum] = {}
    for member in enum_class:
        spellings.setdefault(member.value, member)
        spellings.setdefault(member.name.lower(), member)
    return spellings


def check_value(column: sa.Column, value: Any) -> Any:
    """Return the value in the column's Python type, or raise ValueError with a message for the user."""
    return value_checker(column)(value)


#: A column's check: the value in the column's Python type, or ValueError with a message for the user.
Checker = Callable[[Any], Any]


def value_checker(column: sa.Column) -> Checker:
    """The column's check, built once per column: its type and rules are looked up when it is built, not for each
    value (an import checks millions)."""
    if not isinstance(getattr(column, "table", None), sa.Table):
        return _build_checker(column, column.nullable)
    return table_checkers(column.table)[column.key]


@cache
def table_checkers(table: sa.Table) -> dict[str, Checker]:
    """Every column's check, by column name."""
    return {column.key: _build_checker(column, column.nullable) for column in table.c}


@cache
def new_row_checkers(model: type[Base]) -> dict[str, Checker]:
    """Every column's check of a value typed for a new row: an empty value is refused only where one must be given
    (`required_columns`); elsewhere it passes as None, to be left out so that the column's default or a generated
    number applies."""
    return {column.key: _build_checker(column, _new_row_nullable(model, column)) for column in model.__table__.c}


def new_row_text_checker(model: type[Base], name: str, *, text_of: Callable[[Any], str]) -> Checker | None:
    """`new_row_checkers(model)[name]` for a text column, with what isn't text made text by `text_of` rather than
    `str` (a sheet's number 1001 is '1001'): a sheet's text cell is then one call. None for other columns."""
    column = model.__table__.c[name]
    if python_type(column.type) is not str or isinstance(column.type, sa.Enum):
        return None
    return _text_check(column, _new_row_nullable(model, column), strip=True, text_of=text_of)


def _new_row_nullable(model: type[Base], column: sa.Column) -> bool:
    return column.nullable or column.key not in required_set(model)


def _build_checker(column: sa.Column, nullable: bool) -> Checker:
    column_type = column.type
    if isinstance(column_type, sa.Enum) and column_type.enum_class is not None:
        return _choice_check(column_type.enum_class, nullable)
    kind = python_type(column_type)
    if kind is str:
        return _text_check(column, nullable, strip=not isinstance(column_type, sa.Enum))
    typed = {Decimal: _decimal_check, int: _integer_check, bool: _boolean_check, datetime: _datetime_check}
    check = typed[kind](column) if kind in typed else _date_check if kind is date else _as_is
    rules = _rules_check(column.info)
    if rules is not None:
        check = _then(check, rules)
    return _nullable(check, nullable)


def _nullable(check: Checker, nullable: bool) -> Checker:
    """Blank text is an empty value; an empty value is refused when the column is required."""

    def checked(value: Any) -> Any:
        if isinstance(value, str):
            value = value.strip()
            if value == "":
                value = None
        if value is None:
            if not nullable:
                raise ValueError("is required")
            return None
        return check(value)

    return checked


def _choice_check(enum_class: type[enum.Enum], nullable: bool) -> Checker:
    """A choice: a member as it is (what a parsed cell or a GraphQL enum gives), else its value or name in any case
    (blank text is not empty here: the check names the allowed values)."""

    def checked(value: Any) -> Any:
        if type(value) is enum_class:
            return value
        if value is None:
            if not nullable:
                raise ValueError("is required")
            return None
        return coerce_enum(enum_class, value)

    return checked


def _then(first: Checker, second: Checker) -> Checker:
    return lambda value: second(first(value))


def _as_is(value: Any) -> Any:
    return value


def _text_check(column: sa.Column, nullable: bool, *, strip: bool, text_of: Callable[[Any], str] = str) -> Checker:
    """Text: stripped (blank is empty), then its length and `format` checked, in one call per value (an import
    checks millions). Text of a plain-string choice column is not stripped, so its check names the bad value."""
    length, text_format = column.type.length, column.info.get("format")

    def check(value: Any) -> str | None:
        if type(value) is not str:
            if value is None:
                if not nullable:
                    raise ValueError("is required")
                return None
            value = value.strip() if strip and isinstance(value, str) else text_of(value)
        if strip:
            value = value.strip()
            if not value:
                if not nullable:
                    raise ValueError("is required")
                return None
        if length and len(value) > length:
            raise ValueError(f"is longer than {length} characters")
        if text_format is None:
            return value
        if text_format == "email":
            value = value.lower()
            if not EMAIL.match(value):
                raise ValueError(f"'{value}' is not a valid email address")
        elif text_format == "roles":
            names = value.replace(",", " ").lower().split()
            unknown = [name for name in names if name not in ROLE_NAMES]
            if unknown:
                raise ValueError(f"has unknown roles {', '.join(unknown)}; roles are {', '.join(ROLE_NAMES)}")
            value = " ".join(names)
        elif text_format == "country":
            value = value.upper()
            if not COUNTRY.match(value):
                raise ValueError(f"'{value}' is not a two-letter ISO country code")
        return value

    return check


def _decimal_check(column: sa.Column) -> Checker:
    column_type = column.type
    limit = None
    if column_type.precision is not None and column_type.scale is not None:
        whole_digits = column_type.precision - column_type.scale
        limit = Decimal(10) ** whole_digits
        too_large = f"is too large (at most {whole_digits} digits before the decimal point)"
    scale = column_type.scale if column_type.scale is not None else 2
    places = Decimal(1).scaleb(-scale)
    too_precise = f"has more than {DECIMAL_PLACES.get(scale, scale)} decimal places"

    def check(value: Any) -> Decimal:
        if type(value) is not Decimal:
            try:
                value = Decimal(str(value))
            except InvalidOperation:
                raise ValueError(f"'{value}' is not a number") from None
        if not value.is_finite():
            raise ValueError("must be a finite number")
        if limit is not None and abs(value) >= limit:
            raise ValueError(too_large)
        quantized = value.quantize(places)
        if value != quantized:
            raise ValueError(too_precise)
        return quantized

    return check


def _integer_check(column: sa.Column) -> Checker:
    checks_range = not column.foreign_keys  # references: check_references

    def check(value: Any) -> int:
        if isinstance(value, bool) or not isinstance(value, int | Decimal | float | str):
            raise ValueError("must be a whole number")
        if type(value) is not int:
            try:
                number = Decimal(str(value))
            except InvalidOperation:
                raise ValueError(f"'{value}' is not a whole number") from None
            if number != number.to_integral_value():
                raise ValueError(f"'{value}' is not a whole number")
            value = int(number)
        if checks_range and not fits_integer_column(column, value):
            raise ValueError(f"{value} is out of range")
        return value

    return check


def _boolean_check(column: sa.Column) -> Checker:
    def check(value: Any) -> bool:
        if not isinstance(value, bool):
            raise ValueError("must be true or false")
        return value

    return check


def _datetime_check(column: sa.Column) -> Checker:
    def check(value: Any) -> datetime:
        if not isinstance(value, datetime) or value.tzinfo is None:
            raise ValueError("must be a date and time with a timezone")
        return value.astimezone(UTC)  # as the database returns it, so the written object reads back the same

    return check


def _date_check(value: Any) -> date:
    if isinstance(value, datetime) or not isinstance(value, date):
        raise ValueError("must be a date")
    return value


def _rules_check(info: dict[str, Any]) -> Checker | None:
    """The bounds a column's `info` declares (`above`, `not_zero`, `min`, `max`), or None when it declares none."""
    if not {"above", "not_zero", "min", "max"} & set(info):
        return None
    above, not_zero, least, most = info.get("above"), info.get("not_zero"), info.get("min"), info.get("max")

    def check(value: Any) -> Any:
        if above is not None and value <= above:
            raise ValueError(f"must be more than {above}")
        if not_zero and value == 0:
            raise ValueError("must not be zero")
        if least is not None and value < least:
            raise ValueError(f"must be at least {least}")
        if most is not None and value > most:
            raise ValueError(f"must be at most {most}")
        return value

    return check


@cache
def required_columns(model: type[Base]) -> tuple[str, ...]:
    """Columns a new row must be given: not nullable, no default, not managed by Onebook (nor a generated number)."""
    return tuple(
        column.name
        for column in model.__table__.c
        if not column.nullable
        and column.default is None
        and not column.primary_key
        and column.name not in SYSTEM_COLUMNS
        and not (column.name == "number" and model.__number_prefix__ is not None)
    )


def clean_values(
    model: type[Base], values: dict[str, Any], *, creating: bool, row: int | None = None
) -> tuple[dict[str, Any], list[UserError]]:
    """Check and normalise input values against the model's columns; report every bad field at once."""
    checkers = writable_checkers(model.__table__)
    try:  # the common case, every value good: one pass with nothing to report (an import checks a million rows)
        cleaned = {name: checkers[name](value) for name, value in values.items()}
    except (KeyError, ValueError):
        return _cleaned_reporting(model, values, creating=creating, row=row)
    if creating and not required_set(model).issubset(values):
        return _cleaned_reporting(model, values, creating=creating, row=row)
    return cleaned, []


def _cleaned_reporting(
    model: type[Base], values: dict[str, Any], *, creating: bool, row: int | None
) -> tuple[dict[str, Any], list[UserError]]:
    """`clean_values` field by field, collecting every error."""
    checkers = writable_checkers(model.__table__)
    cleaned: dict[str, Any] = {}
    errors: list[UserError] = []
    for name, value in values.items():
        check = checkers.get(name)
        if check is None:
            errors.append(UserError(f"{name} is not a field of {label(model)}", field=(name,), row=row))
            continue
        try:
            cleaned[name] = check(value)
        except ValueError as exc:
            errors.append(UserError(field_message(name, exc), field=(name,), row=row))
    if creating:
        for name in required_columns(model):
            if name not in values:
                errors.append(UserError(field_message(name, "is required"), field=(name,), row=row))
    return cleaned, errors


def field_message(name: str, problem: object) -> str:
    """A value's problem as the user reads it: 'credit limit is required'."""
    return f"{name.replace('_', ' ')} {problem}"


def checked_already(model: type[Base], values: dict[str, Any], *, creating: bool = True) -> bool:
    """Whether values that passed their columns' checks one by one (an import checks each cell as it reads it) are
    all `clean_values` would accept: each a field that may be written, and for a new row every required one
    there."""
    if not writable_checkers(model.__table__).keys() >= values.keys():
        return False
    return not creating or required_set(model) <= values.keys()


@cache
def writable_checkers(table: sa.Table) -> dict[str, Checker]:
    """The checks of the columns a write may give (not those Onebook manages: id, timestamps, version)."""
    return {name: check for name, check in table_checkers(table).items() if name not in SYSTEM_COLUMNS}


@cache
def required_set(model: type[Base]) -> frozenset[str]:
    return frozenset(required_columns(model))


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
        if storable:
            with session.no_autoflush:
                found.update(session.scalars(sa.select(target).where(among(session, target, storable))))
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
        fields = set(names)
        for index, row in enumerate(rows):
            if skip and skip[index] and not fields.isdisjoint(skip[index]):
                continue
            key = tuple([row.get(name) for name in names])
            if None in key:
                continue
            if key in keyed:
                keyed[key].append(index)
            else:
                keyed[key] = [index]
        existing: dict[tuple, int] = {}
        columns = [table.c[name] for name in names]
        keys = list(keyed)
        # One statement for a single-column key (`among`); a composite key is looked up in chunks.
        chunks = [keys] if len(columns) == 1 else list(_chunks(keys))
        with session.no_autoflush:
            for chunk in chunks if keys else []:
                condition = (
                    among(session, columns[0], [key[0] for key in chunk])
                    if len(columns) == 1
                    else sa.tuple_(*columns).in_(chunk)
                )
                for found in session.execute(sa.select(table.c.id, *columns).where(condition)):
                    existing[tuple(found[1:])] = found[0]
        for key, indexes in keyed.items():
            owner = existing.get(key)
            if len(indexes) == 1 and (owner is None or owner == ids[indexes[0]]):
                continue  # the common case, decided without describing the key
            what, shown, field = _describe_key(model, dict(zip(names, key, strict=True)))
            batch_ids = {ids[index] for index in indexes}
            for position, index in enumerate(indexes):
                if owner is not None and owner != ids[index] and owner not in batch_ids:
                    errors.append(UserError(f"another {what} already has {shown}", field=field, row=index))
                elif position > 0:
                    message = f"{shown} is given to another {what} earlier in the same batch"
                    errors.append(UserError(message, field=field, row=index))
    return errors
