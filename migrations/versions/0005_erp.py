"""ERP: inventory, purchasing, sales, finance and manufacturing tables, document counters, a default chart of accounts.

Revision ID: 0005
Revises: 0003
Create Date: 2026-11-28

Types are written out as plain SQLAlchemy types and every constraint name is final (`op.f`), as in 0001. Enumerations
are VARCHAR columns with a CHECK constraint listing their values.
"""

from collections.abc import Sequence
from datetime import datetime

import sqlalchemy as sa
from alembic import op

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

#: The default chart of accounts: (code, name, kind). Postings (sales, purchasing, invoicing) refer to these codes.
CHART_OF_ACCOUNTS = (
    ("1000", "Cash", "asset"),
    ("1100", "Accounts receivable", "asset"),
    ("1200", "Inventory", "asset"),
    ("2000", "Accounts payable", "liability"),
    ("2100", "Tax payable", "liability"),
    ("3000", "Owner's equity", "equity"),
    ("3100", "Retained earnings", "equity"),
    ("4000", "Sales revenue", "income"),
    ("4900", "Other income", "income"),
    ("5000", "Cost of goods sold", "expense"),
    ("5100", "Inventory adjustments", "expense"),
    ("6000", "Operating expenses", "expense"),
)
#: When the seeded accounts count as created: a fixed moment, so every database migrates to the same rows.
SEEDED_AT = "2026-11-28T00:00:00+00:00"

TABLES = (
    "document_counters",
    "products",
    "warehouses",
    "stock_moves",
    "suppliers",
    "purchase_orders",
    "purchase_order_lines",
    "sales_orders",
    "sales_order_lines",
    "invoices",
    "invoice_lines",
    "payments",
    "accounts",
    "journal_entries",
    "journal_lines",
    "bills_of_materials",
    "bom_lines",
    "work_orders",
)


def record_columns() -> list[sa.Column]:
    """The timestamps and optimistic-concurrency version every business row carries."""
    return [
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
    ]


def upgrade() -> None:
    op.create_table(
        "document_counters",
        sa.Column("prefix", sa.String(16), nullable=False),
        sa.Column("last_value", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("prefix", name=op.f("pk_document_counters")),
    )

    op.create_table(
        "products",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("sku", sa.String(64), nullable=False),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("unit", sa.String(16), nullable=False),
        sa.Column("unit_price", sa.Numeric(14, 2), nullable=False),
        sa.Column("unit_cost", sa.Numeric(14, 2), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        *record_columns(),
        sa.CheckConstraint("unit_cost >= 0", name=op.f("ck_products_unit_cost_not_negative")),
        sa.CheckConstraint("unit_price >= 0", name=op.f("ck_products_unit_price_not_negative")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_products")),
        sa.UniqueConstraint("sku", name=op.f("uq_products_sku")),
        sa.UniqueConstraint("sku", name=op.f("uq_products_sku")),
    )
    op.create_index(op.f("ix_products_name"), "products", ["name"])

    op.create_table(
        "warehouses",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(32), nullable=False),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("allow_negative", sa.Boolean(), nullable=False),
        *record_columns(),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_warehouses")),
        sa.UniqueConstraint("code", name=op.f("uq_warehouses_code")),
        sa.UniqueConstraint("code", name=op.f("uq_warehouses_code")),
    )

    op.create_table(
        "stock_moves",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("product_id", sa.Integer(), nullable=False),
        sa.Column("warehouse_id", sa.Integer(), nullable=False),
        sa.Column("quantity", sa.Numeric(14, 3), nullable=False),
        sa.Column("unit_cost", sa.Numeric(14, 2), nullable=False),
        sa.Column("kind", sa.String(14), nullable=False),
        sa.Column("reference", sa.String(100), nullable=True),
        sa.Column("occurred_at", sa.DateTime(timezone=True), nullable=False),
        *record_columns(),
        sa.CheckConstraint("quantity <> 0", name=op.f("ck_stock_moves_quantity_not_zero")),
        sa.CheckConstraint(
            "kind IN ('receipt', 'shipment', 'adjustment', 'production_in', 'production_out')",
            name=op.f("ck_stock_moves_stockmovekind"),
        ),
        sa.CheckConstraint("unit_cost >= 0", name=op.f("ck_stock_moves_unit_cost_not_negative")),
        sa.ForeignKeyConstraint(["product_id"], ["products.id"], name=op.f("fk_stock_moves_product_id_products")),
        sa.ForeignKeyConstraint(
            ["warehouse_id"], ["warehouses.id"], name=op.f("fk_stock_moves_warehouse_id_warehouses")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_stock_moves")),
    )
    op.create_index(op.f("ix_stock_moves_kind"), "stock_moves", ["kind"])
    op.create_index(op.f("ix_stock_moves_product_id"), "stock_moves", ["product_id"])
    op.create_index(
        op.f("ix_stock_moves_product_id_warehouse_id_occurred_at"),
        "stock_moves",
        ["product_id", "warehouse_id", "occurred_at"],
    )
    op.create_index(op.f("ix_stock_moves_warehouse_id"), "stock_moves", ["warehouse_id"])

    op.create_table(
        "suppliers",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(32), nullable=False),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("email", sa.String(254), nullable=True),
        sa.Column("phone", sa.String(50), nullable=True),
        sa.Column("country", sa.String(2), nullable=True),
        *record_columns(),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_suppliers")),
        sa.UniqueConstraint("code", name=op.f("uq_suppliers_code")),
        sa.UniqueConstraint("code", name=op.f("uq_suppliers_code")),
    )
    op.create_index(op.f("ix_suppliers_name"), "suppliers", ["name"])

    op.create_table(
        "purchase_orders",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("number", sa.String(32), nullable=False),
        sa.Column("supplier_id", sa.Integer(), nullable=False),
        sa.Column("warehouse_id", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(9), nullable=False),
        sa.Column("order_date", sa.Date(), nullable=False),
        sa.Column("expected_date", sa.Date(), nullable=True),
        *record_columns(),
        sa.CheckConstraint(
            "status IN ('draft', 'ordered', 'received', 'cancelled')",
            name=op.f("ck_purchase_orders_purchaseorderstatus"),
        ),
        sa.ForeignKeyConstraint(
            ["supplier_id"], ["suppliers.id"], name=op.f("fk_purchase_orders_supplier_id_suppliers")
        ),
        sa.ForeignKeyConstraint(
            ["warehouse_id"], ["warehouses.id"], name=op.f("fk_purchase_orders_warehouse_id_warehouses")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_purchase_orders")),
        sa.UniqueConstraint("number", name=op.f("uq_purchase_orders_number")),
        sa.UniqueConstraint("number", name=op.f("uq_purchase_orders_number")),
    )
    op.create_index(op.f("ix_purchase_orders_status"), "purchase_orders", ["status"])
    op.create_index(op.f("ix_purchase_orders_supplier_id"), "purchase_orders", ["supplier_id"])
    op.create_index(op.f("ix_purchase_orders_warehouse_id"), "purchase_orders", ["warehouse_id"])

    op.create_table(
        "purchase_order_lines",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("order_id", sa.Integer(), nullable=False),
        sa.Column("line_no", sa.Integer(), nullable=False),
        sa.Column("product_id", sa.Integer(), nullable=False),
        sa.Column("quantity", sa.Numeric(14, 3), nullable=False),
        sa.Column("unit_cost", sa.Numeric(14, 2), nullable=False),
        sa.Column("received_quantity", sa.Numeric(14, 3), nullable=False),
        *record_columns(),
        sa.CheckConstraint("line_no > 0", name=op.f("ck_purchase_order_lines_line_no_positive")),
        sa.CheckConstraint("quantity > 0", name=op.f("ck_purchase_order_lines_quantity_positive")),
        sa.CheckConstraint(
            "received_quantity >= 0", name=op.f("ck_purchase_order_lines_received_quantity_not_negative")
        ),
        sa.CheckConstraint("unit_cost >= 0", name=op.f("ck_purchase_order_lines_unit_cost_not_negative")),
        sa.ForeignKeyConstraint(
            ["order_id"], ["purchase_orders.id"], name=op.f("fk_purchase_order_lines_order_id_purchase_orders")
        ),
        sa.ForeignKeyConstraint(
            ["product_id"], ["products.id"], name=op.f("fk_purchase_order_lines_product_id_products")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_purchase_order_lines")),
        sa.UniqueConstraint("order_id", "line_no", name=op.f("uq_purchase_order_lines_order_id_line_no")),
    )
    op.create_index(op.f("ix_purchase_order_lines_order_id"), "purchase_order_lines", ["order_id"])
    op.create_index(op.f("ix_purchase_order_lines_product_id"), "purchase_order_lines", ["product_id"])

    op.create_table(
        "sales_orders",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("number", sa.String(32), nullable=False),
        sa.Column("customer_id", sa.Integer(), nullable=False),
        sa.Column("warehouse_id", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(9), nullable=False),
        sa.Column("order_date", sa.Date(), nullable=False),
        *record_columns(),
        sa.CheckConstraint(
            "status IN ('draft', 'confirmed', 'shipped', 'invoiced', 'cancelled')",
            name=op.f("ck_sales_orders_salesorderstatus"),
        ),
        sa.ForeignKeyConstraint(["customer_id"], ["customers.id"], name=op.f("fk_sales_orders_customer_id_customers")),
        sa.ForeignKeyConstraint(
            ["warehouse_id"], ["warehouses.id"], name=op.f("fk_sales_orders_warehouse_id_warehouses")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_sales_orders")),
        sa.UniqueConstraint("number", name=op.f("uq_sales_orders_number")),
        sa.UniqueConstraint("number", name=op.f("uq_sales_orders_number")),
    )
    op.create_index(op.f("ix_sales_orders_customer_id"), "sales_orders", ["customer_id"])
    op.create_index(op.f("ix_sales_orders_status"), "sales_orders", ["status"])
    op.create_index(op.f("ix_sales_orders_warehouse_id"), "sales_orders", ["warehouse_id"])

    op.create_table(
        "sales_order_lines",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("order_id", sa.Integer(), nullable=False),
        sa.Column("line_no", sa.Integer(), nullable=False),
        sa.Column("product_id", sa.Integer(), nullable=False),
        sa.Column("quantity", sa.Numeric(14, 3), nullable=False),
        sa.Column("unit_price", sa.Numeric(14, 2), nullable=False),
        sa.Column("discount_percent", sa.Numeric(5, 2), nullable=False),
        *record_columns(),
        sa.CheckConstraint(
            "discount_percent >= 0 AND discount_percent <= 100",
            name=op.f("ck_sales_order_lines_discount_percent_range"),
        ),
        sa.CheckConstraint("line_no > 0", name=op.f("ck_sales_order_lines_line_no_positive")),
        sa.CheckConstraint("quantity > 0", name=op.f("ck_sales_order_lines_quantity_positive")),
        sa.CheckConstraint("unit_price >= 0", name=op.f("ck_sales_order_lines_unit_price_not_negative")),
        sa.ForeignKeyConstraint(
            ["order_id"], ["sales_orders.id"], name=op.f("fk_sales_order_lines_order_id_sales_orders")
        ),
        sa.ForeignKeyConstraint(["product_id"], ["products.id"], name=op.f("fk_sales_order_lines_product_id_products")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_sales_order_lines")),
        sa.UniqueConstraint("order_id", "line_no", name=op.f("uq_sales_order_lines_order_id_line_no")),
    )
    op.create_index(op.f("ix_sales_order_lines_order_id"), "sales_order_lines", ["order_id"])
    op.create_index(op.f("ix_sales_order_lines_product_id"), "sales_order_lines", ["product_id"])

    op.create_table(
        "invoices",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("number", sa.String(32), nullable=False),
        sa.Column("customer_id", sa.Integer(), nullable=False),
        sa.Column("sales_order_id", sa.Integer(), nullable=True),
        sa.Column("status", sa.String(9), nullable=False),
        sa.Column("issue_date", sa.Date(), nullable=True),
        sa.Column("due_date", sa.Date(), nullable=True),
        sa.Column("tax_rate", sa.Numeric(5, 2), nullable=False),
        *record_columns(),
        sa.CheckConstraint(
            "status IN ('draft', 'issued', 'paid', 'cancelled')", name=op.f("ck_invoices_invoicestatus")
        ),
        sa.CheckConstraint("tax_rate >= 0 AND tax_rate <= 100", name=op.f("ck_invoices_tax_rate_percent")),
        sa.ForeignKeyConstraint(["customer_id"], ["customers.id"], name=op.f("fk_invoices_customer_id_customers")),
        sa.ForeignKeyConstraint(
            ["sales_order_id"], ["sales_orders.id"], name=op.f("fk_invoices_sales_order_id_sales_orders")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_invoices")),
        sa.UniqueConstraint("number", name=op.f("uq_invoices_number")),
        sa.UniqueConstraint("number", name=op.f("uq_invoices_number")),
    )
    op.create_index(op.f("ix_invoices_customer_id"), "invoices", ["customer_id"])
    op.create_index(op.f("ix_invoices_due_date"), "invoices", ["due_date"])
    op.create_index(op.f("ix_invoices_sales_order_id"), "invoices", ["sales_order_id"])
    op.create_index(op.f("ix_invoices_status"), "invoices", ["status"])

    op.create_table(
        "invoice_lines",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("invoice_id", sa.Integer(), nullable=False),
        sa.Column("line_no", sa.Integer(), nullable=False),
        sa.Column("description", sa.String(300), nullable=False),
        sa.Column("quantity", sa.Numeric(14, 3), nullable=False),
        sa.Column("unit_price", sa.Numeric(14, 2), nullable=False),
        *record_columns(),
        sa.CheckConstraint("line_no > 0", name=op.f("ck_invoice_lines_line_no_positive")),
        sa.CheckConstraint("quantity > 0", name=op.f("ck_invoice_lines_quantity_positive")),
        sa.CheckConstraint("unit_price >= 0", name=op.f("ck_invoice_lines_unit_price_not_negative")),
        sa.ForeignKeyConstraint(["invoice_id"], ["invoices.id"], name=op.f("fk_invoice_lines_invoice_id_invoices")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_invoice_lines")),
        sa.UniqueConstraint("invoice_id", "line_no", name=op.f("uq_invoice_lines_invoice_id_line_no")),
    )
    op.create_index(op.f("ix_invoice_lines_invoice_id"), "invoice_lines", ["invoice_id"])

    op.create_table(
        "payments",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("direction", sa.String(8), nullable=False),
        sa.Column("invoice_id", sa.Integer(), nullable=True),
        sa.Column("purchase_order_id", sa.Integer(), nullable=True),
        sa.Column("amount", sa.Numeric(14, 2), nullable=False),
        sa.Column("paid_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("method", sa.String(32), nullable=True),
        sa.Column("reference", sa.String(100), nullable=True),
        *record_columns(),
        sa.CheckConstraint("amount > 0", name=op.f("ck_payments_amount_positive")),
        sa.CheckConstraint(
            "(direction = 'incoming' AND invoice_id IS NOT NULL AND purchase_order_id IS NULL)"
            " OR (direction = 'outgoing' AND purchase_order_id IS NOT NULL AND invoice_id IS NULL)",
            name=op.f("ck_payments_document_matches_direction"),
        ),
        sa.CheckConstraint("direction IN ('incoming', 'outgoing')", name=op.f("ck_payments_paymentdirection")),
        sa.ForeignKeyConstraint(["invoice_id"], ["invoices.id"], name=op.f("fk_payments_invoice_id_invoices")),
        sa.ForeignKeyConstraint(
            ["purchase_order_id"], ["purchase_orders.id"], name=op.f("fk_payments_purchase_order_id_purchase_orders")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_payments")),
    )
    op.create_index(op.f("ix_payments_invoice_id"), "payments", ["invoice_id"])
    op.create_index(op.f("ix_payments_paid_at"), "payments", ["paid_at"])
    op.create_index(op.f("ix_payments_purchase_order_id"), "payments", ["purchase_order_id"])

    op.create_table(
        "accounts",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(16), nullable=False),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("kind", sa.String(9), nullable=False),
        *record_columns(),
        sa.CheckConstraint(
            "kind IN ('asset', 'liability', 'equity', 'income', 'expense')", name=op.f("ck_accounts_accountkind")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_accounts")),
        sa.UniqueConstraint("code", name=op.f("uq_accounts_code")),
        sa.UniqueConstraint("code", name=op.f("uq_accounts_code")),
    )

    op.create_table(
        "journal_entries",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("number", sa.String(32), nullable=False),
        sa.Column("posted_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("memo", sa.String(500), nullable=True),
        sa.Column("source", sa.String(100), nullable=True),
        *record_columns(),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_journal_entries")),
        sa.UniqueConstraint("number", name=op.f("uq_journal_entries_number")),
        sa.UniqueConstraint("number", name=op.f("uq_journal_entries_number")),
    )
    op.create_index(op.f("ix_journal_entries_posted_at"), "journal_entries", ["posted_at"])
    op.create_index(op.f("ix_journal_entries_source"), "journal_entries", ["source"])

    op.create_table(
        "journal_lines",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("entry_id", sa.Integer(), nullable=False),
        sa.Column("account_id", sa.Integer(), nullable=False),
        sa.Column("debit", sa.Numeric(14, 2), nullable=False),
        sa.Column("credit", sa.Numeric(14, 2), nullable=False),
        sa.Column("memo", sa.String(300), nullable=True),
        *record_columns(),
        sa.CheckConstraint("credit >= 0", name=op.f("ck_journal_lines_credit_not_negative")),
        sa.CheckConstraint("debit >= 0", name=op.f("ck_journal_lines_debit_not_negative")),
        sa.CheckConstraint(
            "(debit > 0 AND credit = 0) OR (credit > 0 AND debit = 0)", name=op.f("ck_journal_lines_one_side")
        ),
        sa.ForeignKeyConstraint(["account_id"], ["accounts.id"], name=op.f("fk_journal_lines_account_id_accounts")),
        sa.ForeignKeyConstraint(
            ["entry_id"], ["journal_entries.id"], name=op.f("fk_journal_lines_entry_id_journal_entries")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_journal_lines")),
    )
    op.create_index(op.f("ix_journal_lines_account_id"), "journal_lines", ["account_id"])
    op.create_index(op.f("ix_journal_lines_entry_id"), "journal_lines", ["entry_id"])

    op.create_table(
        "bills_of_materials",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("product_id", sa.Integer(), nullable=False),
        sa.Column("notes", sa.Text(), nullable=True),
        *record_columns(),
        sa.ForeignKeyConstraint(
            ["product_id"], ["products.id"], name=op.f("fk_bills_of_materials_product_id_products")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_bills_of_materials")),
        sa.UniqueConstraint("product_id", name=op.f("uq_bills_of_materials_product_id")),
        sa.UniqueConstraint("product_id", name=op.f("uq_bills_of_materials_product_id")),
    )

    op.create_table(
        "bom_lines",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("bom_id", sa.Integer(), nullable=False),
        sa.Column("component_id", sa.Integer(), nullable=False),
        sa.Column("quantity_per_unit", sa.Numeric(14, 3), nullable=False),
        *record_columns(),
        sa.CheckConstraint("quantity_per_unit > 0", name=op.f("ck_bom_lines_quantity_per_unit_positive")),
        sa.ForeignKeyConstraint(
            ["bom_id"], ["bills_of_materials.id"], name=op.f("fk_bom_lines_bom_id_bills_of_materials")
        ),
        sa.ForeignKeyConstraint(["component_id"], ["products.id"], name=op.f("fk_bom_lines_component_id_products")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_bom_lines")),
        sa.UniqueConstraint("bom_id", "component_id", name=op.f("uq_bom_lines_bom_id_component_id")),
    )
    op.create_index(op.f("ix_bom_lines_bom_id"), "bom_lines", ["bom_id"])
    op.create_index(op.f("ix_bom_lines_component_id"), "bom_lines", ["component_id"])

    op.create_table(
        "work_orders",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("number", sa.String(32), nullable=False),
        sa.Column("product_id", sa.Integer(), nullable=False),
        sa.Column("quantity", sa.Numeric(14, 3), nullable=False),
        sa.Column("warehouse_id", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(11), nullable=False),
        sa.Column("due_date", sa.Date(), nullable=True),
        *record_columns(),
        sa.CheckConstraint("quantity > 0", name=op.f("ck_work_orders_quantity_positive")),
        sa.CheckConstraint(
            "status IN ('planned', 'in_progress', 'done', 'cancelled')", name=op.f("ck_work_orders_workorderstatus")
        ),
        sa.ForeignKeyConstraint(["product_id"], ["products.id"], name=op.f("fk_work_orders_product_id_products")),
        sa.ForeignKeyConstraint(
            ["warehouse_id"], ["warehouses.id"], name=op.f("fk_work_orders_warehouse_id_warehouses")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_work_orders")),
        sa.UniqueConstraint("number", name=op.f("uq_work_orders_number")),
        sa.UniqueConstraint("number", name=op.f("uq_work_orders_number")),
    )
    op.create_index(op.f("ix_work_orders_product_id"), "work_orders", ["product_id"])
    op.create_index(op.f("ix_work_orders_status"), "work_orders", ["status"])
    op.create_index(op.f("ix_work_orders_warehouse_id"), "work_orders", ["warehouse_id"])

    seed_chart_of_accounts()


def seed_chart_of_accounts() -> None:
    """Insert the default accounts (offline SQL writes them as literal INSERTs)."""
    accounts = sa.table(
        "accounts",
        sa.column("code", sa.String()),
        sa.column("name", sa.String()),
        sa.column("kind", sa.String()),
        sa.column("created_at", sa.DateTime(timezone=True)),
        sa.column("updated_at", sa.DateTime(timezone=True)),
        sa.column("version", sa.Integer()),
    )
    seeded_at = datetime.fromisoformat(SEEDED_AT)
    op.bulk_insert(
        accounts,
        [
            {"code": code, "name": name, "kind": kind, "created_at": seeded_at, "updated_at": seeded_at, "version": 1}
            for code, name, kind in CHART_OF_ACCOUNTS
        ],
    )


def downgrade() -> None:
    """Drop every table this revision created, referencing tables first; indexes and constraints go with them."""
    for table in reversed(TABLES):
        op.drop_table(table)
