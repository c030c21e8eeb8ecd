"""Amounts Onebook keeps on documents (order, invoice and purchase totals, what is received and paid) and the value of
each stock move, so that balances and reports add up stored cents instead of re-rounding products in SQL.

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-28
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

#: table -> the money columns it gains, each NOT NULL with 0.00 for existing rows.
AMOUNTS = {
    "sales_orders": ("total_amount",),
    "purchase_orders": ("total_amount", "received_amount", "paid_amount"),
    "invoices": ("net_amount", "tax_amount", "total_amount", "paid_amount"),
    "stock_moves": ("value",),
}


def upgrade() -> None:
    # A plain ADD COLUMN (no table rebuild on SQLite); the default only fills existing rows, so PostgreSQL drops it
    # (SQLite can't drop a default without rebuilding the table; there it stays, unused: Onebook always writes a value).
    postgresql = op.get_context().dialect.name == "postgresql"
    for table, columns in AMOUNTS.items():
        for name in columns:
            op.add_column(table, sa.Column(name, sa.Numeric(14, 2), nullable=False, server_default="0"))
            if postgresql:
                op.alter_column(table, name, server_default=None)


def downgrade() -> None:
    for table, columns in AMOUNTS.items():
        with op.batch_alter_table(table) as batch_op:
            for name in columns:
                batch_op.drop_column(name)
