"""CRM and HR: departments, employees, customers, contacts, interactions, opportunities and tickets.

Revision ID: 0001
Revises:
Create Date: 2026-11-28

Types are written out as plain SQLAlchemy types and every constraint name is final (`op.f`), so this file
stays the same whatever later happens to the models and their naming convention.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0001"
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def record_columns() -> list[sa.Column]:
    """The timestamps and optimistic-concurrency version every business row carries."""
    return [
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
    ]


def upgrade() -> None:
    op.create_table(
        "departments",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(32), nullable=False),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("head_id", sa.Integer(), nullable=True),
        *record_columns(),
        sa.ForeignKeyConstraint(
            ["head_id"],
            ["employees.id"],
            name=op.f("fk_departments_head_id_employees"),
            ondelete="SET NULL",
            use_alter=True,
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_departments")),
        sa.UniqueConstraint("code", name=op.f("uq_departments_code")),
    )
    op.create_index(op.f("ix_departments_head_id"), "departments", ["head_id"])

    op.create_table(
        "employees",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("email", sa.String(254), nullable=False),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("title", sa.String(200), nullable=True),
        sa.Column("department_id", sa.Integer(), nullable=True),
        sa.Column("manager_id", sa.Integer(), nullable=True),
        sa.Column("hire_date", sa.Date(), nullable=True),
        sa.Column("salary", sa.Numeric(14, 2), nullable=True),
        *record_columns(),
        sa.CheckConstraint("salary >= 0", name=op.f("ck_employees_salary_not_negative")),
        sa.ForeignKeyConstraint(
            ["department_id"], ["departments.id"], name=op.f("fk_employees_department_id_departments")
        ),
        sa.ForeignKeyConstraint(["manager_id"], ["employees.id"], name=op.f("fk_employees_manager_id_employees")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_employees")),
        sa.UniqueConstraint("email", name=op.f("uq_employees_email")),
    )
    op.create_index(op.f("ix_employees_department_id"), "employees", ["department_id"])
    op.create_index(op.f("ix_employees_manager_id"), "employees", ["manager_id"])

    # departments.head_id and employees.department_id reference each other. SQLite, which has no ALTER TABLE
    # ... ADD CONSTRAINT, writes the use_alter key into CREATE TABLE departments; PostgreSQL leaves it out of
    # that statement, so it is added here, once employees exists.
    if op.get_context().dialect.supports_alter:
        op.create_foreign_key(
            op.f("fk_departments_head_id_employees"),
            "departments",
            "employees",
            ["head_id"],
            ["id"],
            ondelete="SET NULL",
        )

    op.create_table(
        "customers",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(32), nullable=False),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("kind", sa.String(7), nullable=False),
        sa.Column("email", sa.String(254), nullable=True),
        sa.Column("phone", sa.String(50), nullable=True),
        sa.Column("address", sa.String(500), nullable=True),
        sa.Column("city", sa.String(100), nullable=True),
        sa.Column("country", sa.String(2), nullable=True),
        sa.Column("segment", sa.String(50), nullable=True),
        sa.Column("status", sa.String(8), nullable=False),
        sa.Column("credit_limit", sa.Numeric(14, 2), nullable=False),
        sa.Column("owner_id", sa.Integer(), nullable=True),
        sa.Column("notes", sa.Text(), nullable=True),
        *record_columns(),
        sa.CheckConstraint("credit_limit >= 0", name=op.f("ck_customers_credit_limit_not_negative")),
        sa.CheckConstraint("kind IN ('company', 'person')", name=op.f("ck_customers_customerkind")),
        sa.CheckConstraint("status IN ('prospect', 'active', 'inactive')", name=op.f("ck_customers_customerstatus")),
        sa.ForeignKeyConstraint(["owner_id"], ["employees.id"], name=op.f("fk_customers_owner_id_employees")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_customers")),
        sa.UniqueConstraint("code", name=op.f("uq_customers_code")),
    )
    op.create_index(op.f("ix_customers_name"), "customers", ["name"])
    op.create_index(op.f("ix_customers_owner_id"), "customers", ["owner_id"])
    op.create_index(op.f("ix_customers_status"), "customers", ["status"])

    op.create_table(
        "contacts",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("customer_id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("title", sa.String(200), nullable=True),
        sa.Column("email", sa.String(254), nullable=False),
        sa.Column("phone", sa.String(50), nullable=True),
        *record_columns(),
        sa.ForeignKeyConstraint(["customer_id"], ["customers.id"], name=op.f("fk_contacts_customer_id_customers")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_contacts")),
        sa.UniqueConstraint("customer_id", "email", name=op.f("uq_contacts_customer_id_email")),
    )
    op.create_index(op.f("ix_contacts_customer_id"), "contacts", ["customer_id"])

    op.create_table(
        "interactions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("customer_id", sa.Integer(), nullable=False),
        sa.Column("contact_id", sa.Integer(), nullable=True),
        sa.Column("employee_id", sa.Integer(), nullable=True),
        sa.Column("kind", sa.String(8), nullable=False),
        sa.Column("occurred_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("subject", sa.String(300), nullable=False),
        sa.Column("notes", sa.Text(), nullable=True),
        sa.Column("outcome", sa.String(300), nullable=True),
        *record_columns(),
        sa.CheckConstraint(
            "kind IN ('call', 'email', 'meeting', 'purchase', 'support', 'note')",
            name=op.f("ck_interactions_interactionkind"),
        ),
        sa.ForeignKeyConstraint(["customer_id"], ["customers.id"], name=op.f("fk_interactions_customer_id_customers")),
        sa.ForeignKeyConstraint(["contact_id"], ["contacts.id"], name=op.f("fk_interactions_contact_id_contacts")),
        sa.ForeignKeyConstraint(["employee_id"], ["employees.id"], name=op.f("fk_interactions_employee_id_employees")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_interactions")),
    )
    op.create_index(op.f("ix_interactions_customer_id_occurred_at"), "interactions", ["customer_id", "occurred_at"])
    op.create_index(op.f("ix_interactions_contact_id"), "interactions", ["contact_id"])
    op.create_index(op.f("ix_interactions_employee_id"), "interactions", ["employee_id"])

    op.create_table(
        "opportunities",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("number", sa.String(32), nullable=False),
        sa.Column("customer_id", sa.Integer(), nullable=False),
        sa.Column("title", sa.String(300), nullable=False),
        sa.Column("stage", sa.String(11), nullable=False),
        sa.Column("amount", sa.Numeric(14, 2), nullable=False),
        sa.Column("probability", sa.Integer(), nullable=False),
        sa.Column("expected_close", sa.Date(), nullable=True),
        sa.Column("owner_id", sa.Integer(), nullable=True),
        *record_columns(),
        sa.CheckConstraint("amount >= 0", name=op.f("ck_opportunities_amount_not_negative")),
        sa.CheckConstraint(
            "probability >= 0 AND probability <= 100", name=op.f("ck_opportunities_probability_percent")
        ),
        sa.CheckConstraint(
            "stage IN ('lead', 'qualified', 'proposal', 'negotiation', 'won', 'lost')",
            name=op.f("ck_opportunities_opportunitystage"),
        ),
        sa.ForeignKeyConstraint(["customer_id"], ["customers.id"], name=op.f("fk_opportunities_customer_id_customers")),
        sa.ForeignKeyConstraint(["owner_id"], ["employees.id"], name=op.f("fk_opportunities_owner_id_employees")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_opportunities")),
        sa.UniqueConstraint("number", name=op.f("uq_opportunities_number")),
    )
    op.create_index(op.f("ix_opportunities_customer_id"), "opportunities", ["customer_id"])
    op.create_index(op.f("ix_opportunities_owner_id"), "opportunities", ["owner_id"])
    op.create_index(op.f("ix_opportunities_stage"), "opportunities", ["stage"])

    op.create_table(
        "tickets",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("number", sa.String(32), nullable=False),
        sa.Column("customer_id", sa.Integer(), nullable=False),
        sa.Column("subject", sa.String(300), nullable=False),
        sa.Column("status", sa.String(11), nullable=False),
        sa.Column("priority", sa.String(6), nullable=False),
        sa.Column("assignee_id", sa.Integer(), nullable=True),
        sa.Column("resolution", sa.Text(), nullable=True),
        *record_columns(),
        sa.CheckConstraint(
            "status IN ('open', 'in_progress', 'waiting', 'closed')", name=op.f("ck_tickets_ticketstatus")
        ),
        sa.CheckConstraint("priority IN ('low', 'normal', 'high', 'urgent')", name=op.f("ck_tickets_ticketpriority")),
        sa.ForeignKeyConstraint(["customer_id"], ["customers.id"], name=op.f("fk_tickets_customer_id_customers")),
        sa.ForeignKeyConstraint(["assignee_id"], ["employees.id"], name=op.f("fk_tickets_assignee_id_employees")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_tickets")),
        sa.UniqueConstraint("number", name=op.f("uq_tickets_number")),
    )
    op.create_index(op.f("ix_tickets_customer_id"), "tickets", ["customer_id"])
    op.create_index(op.f("ix_tickets_status"), "tickets", ["status"])
    op.create_index(op.f("ix_tickets_assignee_id"), "tickets", ["assignee_id"])


def downgrade() -> None:
    """Drop every table, referencing tables first; indexes and constraints go with their tables."""
    for table in ("tickets", "opportunities", "interactions", "contacts", "customers"):
        op.drop_table(table)
    # Break the departments/employees cycle first where upgrade() added the key with ALTER TABLE.
    if op.get_context().dialect.supports_alter:
        op.drop_constraint(op.f("fk_departments_head_id_employees"), "departments", type_="foreignkey")
    op.drop_table("employees")
    op.drop_table("departments")
