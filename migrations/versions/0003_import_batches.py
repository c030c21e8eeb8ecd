"""Import batches, and the audit events each batch wrote (so a batch can be undone).

Revision ID: 0003
Revises: 0002
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "import_batches",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("actor_id", sa.Integer(), nullable=True),
        sa.Column("actor_email", sa.String(length=254), nullable=True),
        sa.Column("via", sa.String(length=16), nullable=False),
        sa.Column("filename", sa.String(length=500), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("summary", sa.JSON(), nullable=False),
        sa.ForeignKeyConstraint(
            ["actor_id"], ["users.id"], name=op.f("fk_import_batches_actor_id_users"), ondelete="SET NULL"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_import_batches")),
    )
    op.create_index(op.f("ix_import_batches_actor_id"), "import_batches", ["actor_id"], unique=False)
    context = op.get_context()
    if context.dialect.name == "sqlite" and not context.as_sql:
        with op.batch_alter_table("audit_events") as batch_op:  # SQLite rebuilds the table to name the constraint
            batch_op.add_column(sa.Column("batch_id", sa.Integer(), nullable=True))
            batch_op.create_foreign_key(
                op.f("fk_audit_events_batch_id_import_batches"), "import_batches", ["batch_id"], ["id"]
            )
    elif context.dialect.name == "sqlite":
        # Offline SQL for SQLite can't reflect a table to rebuild it: add the column with its REFERENCES in place.
        op.execute(
            "ALTER TABLE audit_events ADD COLUMN batch_id INTEGER"
            " CONSTRAINT fk_audit_events_batch_id_import_batches REFERENCES import_batches (id)"
        )
    else:
        op.add_column("audit_events", sa.Column("batch_id", sa.Integer(), nullable=True))
        op.create_foreign_key(
            op.f("fk_audit_events_batch_id_import_batches"), "audit_events", "import_batches", ["batch_id"], ["id"]
        )
    op.create_index(op.f("ix_audit_events_batch_id"), "audit_events", ["batch_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("audit_events", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("fk_audit_events_batch_id_import_batches"), type_="foreignkey")
        batch_op.drop_index(batch_op.f("ix_audit_events_batch_id"))
        batch_op.drop_column("batch_id")

    with op.batch_alter_table("import_batches", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_import_batches_actor_id"))

    op.drop_table("import_batches")
