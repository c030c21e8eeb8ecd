"""HR: departments and employees."""

from datetime import date
from decimal import Decimal

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from models.base import Base, Record


class Department(Record, Base):
    __tablename__ = "departments"
    __natural_key__ = ("code",)

    code: Mapped[str] = mapped_column(sa.String(32), unique=True)
    name: Mapped[str] = mapped_column(sa.String(200))
    head_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("employees.id", ondelete="SET NULL", use_alter=True), index=True
    )

    head: Mapped["Employee | None"] = relationship(foreign_keys=[head_id])


class Employee(Record, Base):
    __tablename__ = "employees"
    __natural_key__ = ("email",)
    __table_args__ = (sa.CheckConstraint("salary >= 0", name="salary_not_negative"),)

    email: Mapped[str] = mapped_column(sa.String(254), unique=True, info={"format": "email"})
    name: Mapped[str] = mapped_column(sa.String(200))
    title: Mapped[str | None] = mapped_column(sa.String(200))
    department_id: Mapped[int | None] = mapped_column(sa.ForeignKey("departments.id"), index=True)
    manager_id: Mapped[int | None] = mapped_column(sa.ForeignKey("employees.id"), index=True)
    hire_date: Mapped[date | None]
    salary: Mapped[Decimal | None] = mapped_column(info={"min": 0})

    department: Mapped[Department | None] = relationship(foreign_keys=[department_id])
    manager: Mapped["Employee | None"] = relationship(remote_side="Employee.id")
