"""Filter operators and sort directions, written once and reused by every entity's filter and orderBy inputs."""

import enum
from datetime import date, datetime
from decimal import Decimal
from typing import Generic, TypeVar

import strawberry
from strawberry import UNSET

T = TypeVar("T")


@strawberry.enum(description="Sort direction.")
class SortDirection(enum.Enum):
    ASC = "asc"
    DESC = "desc"


def _operator(description: str, name: str | None = None):
    return strawberry.field(default=UNSET, description=description, name=name)


@strawberry.input(description="Conditions on an ID; every given condition must hold.")
class IDFilter:
    eq: strawberry.ID | None = _operator("Equal to.")
    ne: strawberry.ID | None = _operator("Not equal to.")
    in_: list[strawberry.ID] | None = _operator("One of these.", name="in")


@strawberry.input(
    description="Conditions on a text field; every given condition must hold. Text matching ignores case."
)
class StringFilter:
    eq: str | None = _operator("Exactly equal to.")
    ne: str | None = _operator("Not equal to (empty values match).")
    in_: list[str] | None = _operator("One of these.", name="in")
    contains: str | None = _operator("Contains this text, ignoring case.")
    starts_with: str | None = _operator("Starts with this text, ignoring case.")
    is_null: bool | None = _operator("true: the field is empty; false: it has a value.")


@strawberry.input(description="Conditions on an ordered value; every given condition must hold.")
class ComparisonFilter(Generic[T]):
    eq: T | None = _operator("Equal to.")
    ne: T | None = _operator("Not equal to (empty values match).")
    in_: list[T] | None = _operator("One of these.", name="in")
    gt: T | None = _operator("Greater than.")
    gte: T | None = _operator("Greater than or equal to.")
    lt: T | None = _operator("Less than.")
    lte: T | None = _operator("Less than or equal to.")
    is_null: bool | None = _operator("true: the field is empty; false: it has a value.")


@strawberry.input(description="Conditions on an enumerated value; every given condition must hold.")
class EnumFilter(Generic[T]):
    eq: T | None = _operator("Equal to.")
    ne: T | None = _operator("Not equal to.")
    in_: list[T] | None = _operator("One of these.", name="in")
    is_null: bool | None = _operator("true: the field is empty; false: it has a value.")


@strawberry.input(description="Conditions on a true/false field.")
class BooleanFilter:
    eq: bool | None = _operator("Equal to.")
    is_null: bool | None = _operator("true: the field is empty; false: it has a value.")


@strawberry.input(description="Conditions on a whole number.")
class IntFilter(ComparisonFilter[int]):
    pass


@strawberry.input(description="Conditions on a decimal amount.")
class DecimalFilter(ComparisonFilter[Decimal]):
    pass


@strawberry.input(description="Conditions on a calendar date.")
class DateFilter(ComparisonFilter[date]):
    pass


@strawberry.input(description="Conditions on a point in time (ISO 8601 with timezone).")
class DateTimeFilter(ComparisonFilter[datetime]):
    pass
