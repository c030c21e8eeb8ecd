"""`stored_matcher`: a cell it takes as the stored value must be one that parsing turns into that value."""

from datetime import UTC, date, datetime
from decimal import Decimal

import pytest

from models.crm import CustomerStatus
from sync.cells import from_cell, stored_matcher
from sync.registry import layout_for

CUSTOMERS = layout_for("customers")
NAME, STATUS, CREDIT, NOTES = (CUSTOMERS.column(name) for name in ("name", "status", "credit_limit", "notes"))

CASES = [
    (NAME, "Acme Ltd", "Acme Ltd", True),
    (NAME, " Acme Ltd", "Acme Ltd", False),  # parsed: trimmed
    (NAME, None, None, True),
    (NOTES, "'=1+1", "'=1+1", False),  # CSV: the apostrophe neutralises, the text is =1+1
    (NOTES, "=1+1", "=1+1", True),
    (STATUS, "Active", CustomerStatus.ACTIVE, True),
    (STATUS, "active", CustomerStatus.ACTIVE, False),  # parsed: a label in another case
    (STATUS, "Prospect", CustomerStatus.ACTIVE, False),
    (STATUS, None, None, True),
    (CREDIT, 12.1, Decimal("12.10"), True),
    (CREDIT, 0.1, Decimal("0.10"), True),
    (CREDIT, 1234.5, Decimal("1234.50"), True),
    (CREDIT, 12.1, Decimal("12.11"), False),
    (CREDIT, "12.10", Decimal("12.10"), False),  # text: parsed
    (CREDIT, None, None, True),
    (CREDIT, None, Decimal("0.00"), False),
]


@pytest.mark.parametrize(("column", "raw", "stored", "same"), CASES)
def test_a_cell_taken_as_stored_parses_into_the_stored_value(column, raw, stored, same):
    assert stored_matcher(column, apostrophes=True)(raw, stored) is same
    if same:
        assert from_cell(column, raw, apostrophes=True) == stored


def test_dates_and_times_are_always_parsed():
    """calamine reads date cells as naive datetimes: never the stored date or aware time itself."""
    column = layout_for("interactions").column("occurred_at")
    moment = datetime(2026, 11, 28, 14, 30)
    assert not stored_matcher(column)(moment, moment.replace(tzinfo=UTC))
    assert not stored_matcher(layout_for("sales_orders").column("order_date"))(moment, date(2026, 11, 28))
