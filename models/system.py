"""System: users and their API tokens, the audit trail, import batches, document number counters."""

import enum
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from models.base import Base, Record, utcnow


class Role(enum.Enum):
    """What a user may see and change; the permission table (resolvers/permissions.py) says what each allows."""

    ADMIN = "admin"
    SALES = "sales"
    PURCHASING = "purchasing"
    WAREHOUSE = "warehouse"
    FINANCE = "finance"
    HR = "hr"
    READONLY = "readonly"


class User(Record, Base):
    __tablename__ = "users"
    __natural_key__ = ("email",)

    email: Mapped[str] = mapped_column(sa.String(254), unique=True, info={"format": "email"})
    name: Mapped[str | None] = mapped_column(sa.String(200))
    active: Mapped[bool] = mapped_column(default=True)
    #: Space-separated role names (admin, sales, purchasing, warehouse, finance, hr, readonly).
    roles: Mapped[str] = mapped_column(sa.String(200), default="", info={"format": "roles"})


class ApiToken(Base):
    """A bearer token: only its SHA-256 is stored; the token itself is shown once, when created."""

    __tablename__ = "api_tokens"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"), index=True)
    name: Mapped[str] = mapped_column(sa.String(200))
    token_hash: Mapped[str] = mapped_column(sa.String(64), unique=True)
    prefix: Mapped[str] = mapped_column(sa.String(16))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[datetime | None]
    revoked_at: Mapped[datetime | None]
    last_used_at: Mapped[datetime | None]

    user: Mapped[User] = relationship()


class AuditEvent(Base):
    """One change to one row: who, when, through what, and each changed field's old and new value."""

    __tablename__ = "audit_events"
    __table_args__ = (sa.Index(None, "entity", "entity_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    occurred_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    actor_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"), index=True)
    actor_email: Mapped[str | None] = mapped_column(sa.String(254))
    via: Mapped[str] = mapped_column(sa.String(16))
    action: Mapped[str] = mapped_column(sa.String(64))
    entity: Mapped[str] = mapped_column(sa.String(64))
    entity_id: Mapped[int]
    changes: Mapped[dict[str, Any]] = mapped_column(sa.JSON, default=dict)
    batch_id: Mapped[int | None] = mapped_column(sa.ForeignKey("import_batches.id"), index=True)


class ImportBatch(Base):
    """One applied sheet import (or sync), so that it can be listed and undone."""

    __tablename__ = "import_batches"

    id: Mapped[int] = mapped_column(primary_key=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    actor_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"), index=True)
    actor_email: Mapped[str | None] = mapped_column(sa.String(254))
    via: Mapped[str] = mapped_column(sa.String(16))
    filename: Mapped[str] = mapped_column(sa.String(500))
    status: Mapped[str] = mapped_column(sa.String(16), default="applied")
    summary: Mapped[dict[str, Any]] = mapped_column(sa.JSON, default=dict)


class SheetLink(Base):
    """A Google Spreadsheet kept in two-way sync: which tabs, and the last agreed state of every row (the base of the
    three-way merge), so that each side's changes since the last sync can be told apart."""

    __tablename__ = "sheet_links"

    id: Mapped[int] = mapped_column(primary_key=True)
    spreadsheet_id: Mapped[str] = mapped_column(sa.String(200), unique=True)
    #: Sheet titles, comma-separated, in import order.
    sheets: Mapped[str] = mapped_column(sa.String(1000))
    delete_missing: Mapped[bool] = mapped_column(default=False)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    created_by: Mapped[str | None] = mapped_column(sa.String(254))
    #: {sheet title: {row id: {"version": int, "values": {attribute: value}}}} as of the last sync.
    snapshot: Mapped[dict[str, Any]] = mapped_column(sa.JSON, default=dict)
    last_synced_at: Mapped[datetime | None]
    last_report: Mapped[dict[str, Any]] = mapped_column(sa.JSON, default=dict)
    #: A lease: one sync per link at a time across processes (PostgreSQL also takes an advisory lock).
    locked_until: Mapped[datetime | None]
    lock_owner: Mapped[str | None] = mapped_column(sa.String(64))


class DocumentCounter(Base):
    """The last number handed out per document prefix (SO, PO, INV, JE, WO); see `resolvers.numbering`."""

    __tablename__ = "document_counters"

    prefix: Mapped[str] = mapped_column(sa.String(16), primary_key=True)
    last_value: Mapped[int] = mapped_column(sa.BigInteger, default=0)
