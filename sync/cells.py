"""Cell values in both directions: what a column's value looks like in a sheet, and what people type back.

Parsing accepts the forms people actually type: dates as Excel serials, ISO text or 28/11/2026 (day first unless
configured otherwise), numbers as text with thousands separators, yes/no/true/false/1/0, choices by label or value in
any case. Text that would run as a formula in a spreadsheet (=, +, -, @) is neutralised on the way out and restored
on the way in.
"""

import enum
import json
import re
from collections.abc import Callable
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal, InvalidOperation
from functools import partial
from typing import Any

from resolvers.validation import coerce_enum
from sync.registry import Column, Kind, choice_label

EXCEL_EPOCH = datetime(1899, 12, 30)
FORMULA_PREFIXES = ("=", "+", "-", "@")
NEUTRALISER = "'"
TRUE_WORDS = {"yes", "y", "true", "t", "1", "x"}
FALSE_WORDS = {"no", "n", "false", "f", "0"}
SLASHED_DATE = re.compile(r"^(\d{1,2})[/.](\d{1,2})[/.](\d{4})$")
CENT = Decimal("0.01")
THOUSANDTH = Decimal("0.001")
FLOAT_NOISE = Decimal("0.000001")
NUMBER_TEXT = re.compile(r"^[+-]?(\d{1,3}(,\d{3})+|\d+)(\.\d+)?$")


class CellError(ValueError):
    """A cell that can't be read as its column's kind; the message says what was expected."""


# --- out: database value -> cell -------------------------------------------------------------------------------


def neutralise(text: str) -> str:
    """Text starting like a formula gets a leading apostrophe so a spreadsheet shows it instead of running it.

    So does text whose own leading apostrophes come before a formula sign (`'=x`): reading strips exactly one
    apostrophe from such text, so it comes back as it went out."""
    return NEUTRALISER + text if text.lstrip(NEUTRALISER).startswith(FORMULA_PREFIXES) else text


def to_cell(column: Column, value: Any) -> Any:
    """The value as a sheet shows it: choices as labels, timestamps as UTC without zone, JSON as text.

    Text is returned as is: each writer neutralises formulas its own way (a text-typed xlsx cell, an apostrophe
    in CSV)."""
    if value is None:
        return None
    if column.kind is Kind.CHOICE:
        return choice_label(value) if isinstance(value, enum.Enum) else str(value)
    if column.kind is Kind.DATETIME:
        return value.astimezone(UTC).replace(tzinfo=None, microsecond=0)
    if column.kind is Kind.JSON:
        return json.dumps(value, ensure_ascii=False, sort_keys=True)
    return value


# --- in: cell -> value the write path accepts -------------------------------------------------------------------


def _text(value: Any, *, apostrophes: bool = True) -> str:
    if isinstance(value, float) and value.is_integer():
        value = int(value)  # calamine reads every number as float: a code typed as 1001 is "1001"
    text = str(value).strip()
    if apostrophes and text.startswith(NEUTRALISER) and text.lstrip(NEUTRALISER).startswith(FORMULA_PREFIXES):
        text = text[1:]
    return text


def _number(value: Any) -> Decimal:
    if isinstance(value, bool):
        raise CellError("expected a number")
    if isinstance(value, int | Decimal):
        return Decimal(value)
    if isinstance(value, float):
        return Decimal(repr(value))
    text = str(value).strip().replace(" ", "").replace("\u00a0", "")
    if not NUMBER_TEXT.match(text):
        raise CellError(f"expected a number, got {str(value).strip()!r}")
    try:
        return Decimal(text.replace(",", ""))
    except InvalidOperation:
        raise CellError(f"expected a number, got {value!r}") from None


def _date(value: Any, *, day_first: bool) -> date:
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    if isinstance(value, int | float) and not isinstance(value, bool):
        return (EXCEL_EPOCH + timedelta(days=float(value))).date()
    text = str(value).strip()
    match = SLASHED_DATE.match(text)
    if match:
        first, second, year = (int(part) for part in match.groups())
        day, month = (first, second) if day_first else (second, first)
        try:
            return date(year, month, day)
        except ValueError:
            raise CellError(f"{text!r} is not a real date") from None
    try:
        return date.fromisoformat(text[:10]) if len(text) >= 10 else date.fromisoformat(text)
    except ValueError:
        order = "day/month/year" if day_first else "month/day/year"
        raise CellError(f"expected a date (2026-11-28 or {order}), got {text!r}") from None


def _datetime(value: Any, *, day_first: bool) -> datetime:
    if isinstance(value, datetime):
        moment = value
    elif isinstance(value, date):
        moment = datetime.combine(value, time())
    elif isinstance(value, int | float) and not isinstance(value, bool):
        moment = EXCEL_EPOCH + timedelta(days=float(value))
    else:
        text = str(value).strip()
        try:
            moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
        except ValueError:
            parts = text.split(" ", 1)
            day = _date(parts[0], day_first=day_first)
            try:
                clock = time.fromisoformat(parts[1]) if len(parts) == 2 else time()
            except ValueError:
                raise CellError(f"expected a date and time (2026-11-28 14:30), got {text!r}") from None
            moment = datetime.combine(day, clock)
    # Sheets hold times without a zone: Onebook writes and reads them as UTC.
    moment = moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)
    return moment.replace(microsecond=0)


def _boolean(value: Any) -> bool:
    if isinstance(value, bool):
        return value
    text = _text(value).lower()
    if text in TRUE_WORDS:
        return True
    if text in FALSE_WORDS:
        return False
    raise CellError(f"expected yes or no, got {value!r}")


def from_cell(column: Column, value: Any, *, day_first: bool = True, apostrophes: bool = True) -> Any:
    """The value a cell holds for this column, in the type the write path expects; None for an empty cell.

    References come back as their natural-key text; the importer resolves them in bulk. With `apostrophes` (CSV,
    Google Sheets), one leading apostrophe before formula-like text is the neutraliser, not part of the text; an
    xlsx cell marks such text with its style instead, so there (`apostrophes=False`) an apostrophe is the text's.
    """
    return cell_parser(column, day_first=day_first, apostrophes=apostrophes)(value)


def cell_parser(column: Column, *, day_first: bool = True, apostrophes: bool = True) -> Callable[[Any], Any]:
    """`from_cell` for one column, with its kind looked up once (an import parses millions of cells)."""
    if column.kind in (Kind.TEXT, Kind.REFERENCE):
        return _text_parser(apostrophes=apostrophes)
    parse = _kind_parser(column, day_first=day_first, apostrophes=apostrophes)

    def parsed(value: Any) -> Any:
        if value is None or (isinstance(value, str) and not value.strip()):
            return None
        return parse(value)

    if column.kind is Kind.CHOICE:
        return _exactly_spelled(parsed, [spelling for member in column.choices for spelling in _spellings(member)])
    return parsed


def _spellings(member: enum.Enum) -> tuple[str, ...]:
    return (choice_label(member), member.value, member.name)


def _exactly_spelled(parsed: Callable[[Any], Any], spellings: list[str]) -> Callable[[Any], Any]:
    """`parsed` with the usual spellings (a choice's label as exported) looked up first, each mapped to what
    `parsed` itself reads it as: a cell spelled so is one dictionary lookup."""
    known = {}
    for spelling in spellings:
        try:
            known[spelling] = parsed(spelling)
        except CellError:
            continue

    def looked_up(value: Any) -> Any:
        found = known.get(value) if type(value) is str else None
        return found if found is not None else parsed(value)

    return looked_up


def _text_parser(*, apostrophes: bool) -> Callable[[Any], Any]:
    """`_text` for a whole cell in one call: most cells of an import are text already in its final form."""

    def parsed(value: Any) -> str | None:
        if type(value) is str:
            text = value.strip()
            if not text:
                return None
            if apostrophes and text[0] == NEUTRALISER and text.lstrip(NEUTRALISER).startswith(FORMULA_PREFIXES):
                return text[1:]
            return text
        return None if value is None else _text(value, apostrophes=apostrophes)

    return parsed


def stored_matcher(column: Column, *, apostrophes: bool = True) -> Callable[[Any, Any], bool]:
    """For one column, whether a raw cell is exactly what the record stores, in the form a sheet holds it (text as
    text, a choice as its label, money as the number an export wrote): such a cell would parse into the stored
    value, so an import takes it as stored without parsing. Conservative: False sends the cell to its parser."""
    kind = column.kind
    if kind is Kind.CHOICE:
        labels = {member: choice_label(member) for member in column.choices}
        return lambda raw, stored: raw is stored is None or (type(raw) is str and raw == labels.get(stored))
    if kind in (Kind.MONEY, Kind.DECIMAL):
        return lambda raw, stored: (
            raw is stored is None or (type(raw) is float and type(stored) is Decimal and raw == float(stored))
        )
    if kind in (Kind.TEXT, Kind.JSON) and apostrophes:
        # One leading apostrophe before formula-like text is the neutraliser: such text is parsed.
        return lambda raw, stored: raw == stored and (raw is None or (type(raw) is str and raw[:1] != NEUTRALISER))
    return lambda raw, stored: raw == stored and type(raw) is type(stored)


def _kind_parser(column: Column, *, day_first: bool, apostrophes: bool) -> Callable[[Any], Any]:
    kind = column.kind
    if kind in (Kind.TEXT, Kind.REFERENCE):
        return partial(_text, apostrophes=apostrophes)
    if kind is Kind.DATE:
        return partial(_date, day_first=day_first)
    if kind is Kind.DATETIME:
        return partial(_datetime, day_first=day_first)
    if kind is Kind.CHOICE:
        return partial(_choice, column.choices)
    parsers = {
        Kind.ID: _id,
        Kind.INTEGER: _integer,
        Kind.MONEY: _money,
        Kind.DECIMAL: _quantity,
        Kind.BOOLEAN: _boolean,
        Kind.JSON: _json,
    }
    if kind not in parsers:
        raise AssertionError(kind)
    return parsers[kind]


def _id(value: Any) -> int:
    if type(value) is float and value.is_integer() and 0 < value < 2**53:  # how calamine gives an exported ID
        return int(value)
    number = _number(value)
    if number != number.to_integral_value() or number <= 0:
        raise CellError(f"expected a whole number, got {value!r}")
    return int(number)


def _integer(value: Any) -> int:
    number = _number(value)
    if isinstance(value, float) and abs(number - number.to_integral_value()) < Decimal("0.000001"):
        number = number.to_integral_value()  # a formula's 30.000000000000004 shows as 30
    if number != number.to_integral_value():
        raise CellError(f"expected a whole number, got {value!r}")
    return int(number)


def _money(value: Any) -> Decimal:
    number = _number(value)
    rounded = number.quantize(CENT)
    if isinstance(value, float) and abs(number - rounded) < FLOAT_NOISE:
        return rounded  # binary floats: 12.1 arrives as 12.0999999; the cell showed 12.10
    return number


def _quantity(value: Any) -> Decimal:
    number = _number(value)
    rounded = number.quantize(THOUSANDTH)
    if isinstance(value, float) and abs(number - rounded) < FLOAT_NOISE:
        return rounded  # binary floats, as for money
    return number


def _choice(choices: type[enum.Enum], value: Any) -> enum.Enum:
    try:
        return coerce_enum(choices, _text(value))
    except ValueError:
        labels = ", ".join(choice_label(member) for member in choices)
        raise CellError(f"{_text(value)!r} is not one of: {labels}") from None


def _json(value: Any) -> Any:
    try:
        return json.loads(_text(value))
    except json.JSONDecodeError:
        raise CellError("expected JSON") from None
