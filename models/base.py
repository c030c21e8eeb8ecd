"""Declarative base, the columns every business row shares, and column types used across departments."""

import enum
from collections.abc import Callable
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column
from sqlalchemy.types import TypeDecorator

NAMING_CONVENTION = {
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class UTCDateTime(TypeDecorator[datetime]):
    """A timestamp stored in UTC and always returned timezone-aware, on SQLite as on PostgreSQL."""

    impl = sa.DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: sa.Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetimes are ambiguous; pass a timezone-aware value")
        return value.astimezone(UTC)

    def process_result_value(self, value: datetime | None, dialect: sa.Dialect) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)

    def result_processor(self, dialect: sa.Dialect, coltype: object) -> Callable[[Any], datetime | None]:
        """`process_result_value` after the driver's own conversion, in one call per value, and once per run of
        equal values: the rows an import or a batch wrote share their timestamps, and an import reads them all back.
        The last value and its result are kept as one tuple, read and replaced at once (connections in several
        threads share this processor)."""
        read = super().result_processor(dialect, coltype)  # the driver's conversion, then process_result_value
        last: tuple[Any, datetime | None] = (None, None)

        def process(value: Any) -> datetime | None:
            nonlocal last
            if value is None:
                return None
            seen, result = last
            if value == seen:
                return result
            result = read(value)
            last = (value, result)
            return result

        return process


def Money() -> sa.Numeric:
    """Decimal with two places; never a float."""
    return sa.Numeric(14, 2, asdecimal=True)


def Quantity() -> sa.Numeric:
    """Decimal with three places, for quantities of goods (2.5 kg, 0.125 m)."""
    return sa.Numeric(14, 3, asdecimal=True)


def Percent() -> sa.Numeric:
    """Decimal percentage with two places, 0 to 100 where the column's `info` says so."""
    return sa.Numeric(5, 2, asdecimal=True)


def enum_column_type(enum_class: type[enum.Enum]) -> sa.Enum:
    """Store an enum as its lowercase value in a VARCHAR with a CHECK constraint (portable, easy to migrate)."""
    return sa.Enum(
        enum_class,
        native_enum=False,
        create_constraint=True,
        length=max(len(member.value) for member in enum_class),
        values_callable=lambda members: [member.value for member in members],
        validate_strings=True,
        name=enum_class.__name__.lower(),
    )


def utcnow() -> datetime:
    return datetime.now(UTC)


def today() -> date:
    """Today's date in UTC, the default for document dates."""
    return utcnow().date()


class Base(DeclarativeBase):
    metadata = sa.MetaData(naming_convention=NAMING_CONVENTION)
    type_annotation_map = {datetime: UTCDateTime, Decimal: Money()}

    #: Attribute names that identify a row to people and spreadsheets (DESIGN.md, Domain).
    __natural_key__: tuple[str, ...] = ()
    #: Documents numbered by Onebook (`SO` -> SO-000123): a new row without a `number` gets the next one.
    __number_prefix__: str | None = None
    #: Ledgers (stock moves, journal lines): rows are only ever added; updates and deletes are refused.
    __append_only__: bool = False
    #: Rows only operations write (journal entries): why, as the refusal says it to anyone else who tries.
    __operations_only__: str | None = None


class Record:
    """Columns every business row carries: id, timestamps and an optimistic-concurrency version."""

    id: Mapped[int] = mapped_column(primary_key=True, sort_order=-10)
    created_at: Mapped[datetime] = mapped_column(default=utcnow, sort_order=10)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow, sort_order=10)
    version: Mapped[int] = mapped_column(default=1, sort_order=10)
