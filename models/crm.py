"""CRM: customers, their contacts, every interaction, sales opportunities and support tickets."""

import enum
from datetime import date, datetime
from decimal import Decimal

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from models.base import Base, Record, enum_column_type
from models.hr import Employee


class CustomerKind(enum.Enum):
    COMPANY = "company"
    PERSON = "person"


class CustomerStatus(enum.Enum):
    PROSPECT = "prospect"
    ACTIVE = "active"
    INACTIVE = "inactive"


class InteractionKind(enum.Enum):
    CALL = "call"
    EMAIL = "email"
    MEETING = "meeting"
    PURCHASE = "purchase"
    SUPPORT = "support"
    NOTE = "note"


class OpportunityStage(enum.Enum):
    LEAD = "lead"
    QUALIFIED = "qualified"
    PROPOSAL = "proposal"
    NEGOTIATION = "negotiation"
    WON = "won"
    LOST = "lost"

    @property
    def is_closed(self) -> bool:
        return self in (OpportunityStage.WON, OpportunityStage.LOST)


class TicketStatus(enum.Enum):
    OPEN = "open"
    IN_PROGRESS = "in_progress"
    WAITING = "waiting"
    CLOSED = "closed"


class TicketPriority(enum.Enum):
    LOW = "low"
    NORMAL = "normal"
    HIGH = "high"
    URGENT = "urgent"


class Customer(Record, Base):
    __tablename__ = "customers"
    __natural_key__ = ("code",)
    __table_args__ = (sa.CheckConstraint("credit_limit >= 0", name="credit_limit_not_negative"),)

    code: Mapped[str] = mapped_column(sa.String(32), unique=True)
    name: Mapped[str] = mapped_column(sa.String(200), index=True)
    kind: Mapped[CustomerKind] = mapped_column(enum_column_type(CustomerKind), default=CustomerKind.COMPANY)
    email: Mapped[str | None] = mapped_column(sa.String(254), info={"format": "email"})
    phone: Mapped[str | None] = mapped_column(sa.String(50))
    address: Mapped[str | None] = mapped_column(sa.String(500))
    city: Mapped[str | None] = mapped_column(sa.String(100))
    country: Mapped[str | None] = mapped_column(sa.String(2), info={"format": "country"})
    segment: Mapped[str | None] = mapped_column(sa.String(50))
    status: Mapped[CustomerStatus] = mapped_column(
        enum_column_type(CustomerStatus), default=CustomerStatus.PROSPECT, index=True
    )
    credit_limit: Mapped[Decimal] = mapped_column(default=Decimal("0.00"), info={"min": 0})
    owner_id: Mapped[int | None] = mapped_column(sa.ForeignKey("employees.id"), index=True)
    notes: Mapped[str | None] = mapped_column(sa.Text)

    owner: Mapped[Employee | None] = relationship()


class Contact(Record, Base):
    __tablename__ = "contacts"
    __natural_key__ = ("customer", "email")
    __table_args__ = (sa.UniqueConstraint("customer_id", "email"),)

    customer_id: Mapped[int] = mapped_column(sa.ForeignKey("customers.id"), index=True)
    name: Mapped[str] = mapped_column(sa.String(200))
    title: Mapped[str | None] = mapped_column(sa.String(200))
    email: Mapped[str] = mapped_column(sa.String(254), info={"format": "email"})
    phone: Mapped[str | None] = mapped_column(sa.String(50))

    customer: Mapped[Customer] = relationship()


class Interaction(Record, Base):
    __tablename__ = "interactions"
    __table_args__ = (sa.Index(None, "customer_id", "occurred_at"),)

    customer_id: Mapped[int] = mapped_column(sa.ForeignKey("customers.id"))
    contact_id: Mapped[int | None] = mapped_column(sa.ForeignKey("contacts.id"), index=True)
    employee_id: Mapped[int | None] = mapped_column(sa.ForeignKey("employees.id"), index=True)
    kind: Mapped[InteractionKind] = mapped_column(enum_column_type(InteractionKind))
    occurred_at: Mapped[datetime]
    subject: Mapped[str] = mapped_column(sa.String(300))
    notes: Mapped[str | None] = mapped_column(sa.Text)
    outcome: Mapped[str | None] = mapped_column(sa.String(300))

    customer: Mapped[Customer] = relationship()
    contact: Mapped[Contact | None] = relationship()
    employee: Mapped[Employee | None] = relationship()


class Opportunity(Record, Base):
    __tablename__ = "opportunities"
    __natural_key__ = ("number",)
    __table_args__ = (
        sa.CheckConstraint("amount >= 0", name="amount_not_negative"),
        sa.CheckConstraint("probability >= 0 AND probability <= 100", name="probability_percent"),
    )

    number: Mapped[str] = mapped_column(sa.String(32), unique=True)
    customer_id: Mapped[int] = mapped_column(sa.ForeignKey("customers.id"), index=True)
    title: Mapped[str] = mapped_column(sa.String(300))
    stage: Mapped[OpportunityStage] = mapped_column(
        enum_column_type(OpportunityStage), default=OpportunityStage.LEAD, index=True
    )
    amount: Mapped[Decimal] = mapped_column(default=Decimal("0.00"), info={"min": 0})
    probability: Mapped[int] = mapped_column(default=10, info={"min": 0, "max": 100})
    expected_close: Mapped[date | None]
    owner_id: Mapped[int | None] = mapped_column(sa.ForeignKey("employees.id"), index=True)

    customer: Mapped[Customer] = relationship()
    owner: Mapped[Employee | None] = relationship()


class Ticket(Record, Base):
    __tablename__ = "tickets"
    __natural_key__ = ("number",)

    number: Mapped[str] = mapped_column(sa.String(32), unique=True)
    customer_id: Mapped[int] = mapped_column(sa.ForeignKey("customers.id"), index=True)
    subject: Mapped[str] = mapped_column(sa.String(300))
    status: Mapped[TicketStatus] = mapped_column(enum_column_type(TicketStatus), default=TicketStatus.OPEN, index=True)
    priority: Mapped[TicketPriority] = mapped_column(enum_column_type(TicketPriority), default=TicketPriority.NORMAL)
    assignee_id: Mapped[int | None] = mapped_column(sa.ForeignKey("employees.id"), index=True)
    resolution: Mapped[str | None] = mapped_column(sa.Text)

    customer: Mapped[Customer] = relationship()
    assignee: Mapped[Employee | None] = relationship()
