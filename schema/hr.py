"""HR types: departments and employees."""

from datetime import date, datetime
from decimal import Decimal
from typing import Optional

import strawberry
from strawberry import UNSET

from models import hr
from resolvers.listing import SortKey
from schema.connection import Connection
from schema.errors import UserError
from schema.fields import restricted, to_many, to_one
from schema.filters import DateFilter, DateTimeFilter, DecimalFilter, IDFilter, SortDirection, StringFilter
from schema.system import AuditEvent, history_of

employees = hr.Employee.__table__
departments = hr.Department.__table__
BY_NAME = (SortKey(employees.c.name), SortKey(employees.c.id))


@strawberry.type(description="A department of the company, such as Sales or Finance.")
class Department:
    id: strawberry.ID = strawberry.field(description="Unique id.")
    version: int = strawberry.field(description="Increases on every change; send it back to update or delete.")
    created_at: datetime = strawberry.field(description="When the department was created (UTC).")
    updated_at: datetime = strawberry.field(description="When the department last changed (UTC).")
    history: Connection[AuditEvent] | None = history_of(hr.Department)
    code: str = strawberry.field(description="Unique short code, e.g. SALES.")
    name: str = strawberry.field(description="Display name.")
    head: Optional["Employee"] = to_one(departments.c.head_id, description="The employee who leads the department.")
    employees: list["Employee"] | None = to_many(
        employees.c.department_id, order=BY_NAME, description="Employees in the department, by name."
    )


@strawberry.type(description="Someone who works for the company.")
class Employee:
    id: strawberry.ID = strawberry.field(description="Unique id.")
    version: int = strawberry.field(description="Increases on every change; send it back to update or delete.")
    created_at: datetime = strawberry.field(description="When the employee record was created (UTC).")
    updated_at: datetime = strawberry.field(description="When the employee record last changed (UTC).")
    history: Connection[AuditEvent] | None = history_of(hr.Employee)
    email: str = strawberry.field(description="Work email; unique, identifies the employee in sheets.")
    name: str = strawberry.field(description="Full name.")
    title: str | None = strawberry.field(description="Job title.")
    hire_date: date | None = strawberry.field(description="First working day.")
    salary: Decimal | None = restricted(hr.Employee, "salary", description="Yearly gross salary (HR and admin only).")
    department: Department | None = to_one(employees.c.department_id, description="The department they belong to.")
    manager: Optional["Employee"] = to_one(employees.c.manager_id, description="Who they report to.")
    reports: list["Employee"] | None = to_many(
        employees.c.manager_id, order=BY_NAME, description="Who reports to them directly, by name."
    )


@strawberry.input(description="Conditions on departments; all given conditions must hold.")
class DepartmentFilter:
    id: IDFilter | None = strawberry.field(default=UNSET, description="By id.")
    code: StringFilter | None = strawberry.field(default=UNSET, description="By code.")
    name: StringFilter | None = strawberry.field(default=UNSET, description="By name.")
    head_email: StringFilter | None = strawberry.field(default=UNSET, description="By the head's email.")
    created_at: DateTimeFilter | None = strawberry.field(default=UNSET, description="By creation time.")
    updated_at: DateTimeFilter | None = strawberry.field(default=UNSET, description="By last change.")
    and_: list["DepartmentFilter"] | None = strawberry.field(default=UNSET, name="and", description="All must hold.")
    or_: list["DepartmentFilter"] | None = strawberry.field(default=UNSET, name="or", description="Any may hold.")
    not_: Optional["DepartmentFilter"] = strawberry.field(default=UNSET, name="not", description="Must not hold.")


@strawberry.input(one_of=True, description="One sort key for departments.")
class DepartmentOrderBy:
    code: SortDirection | None = strawberry.field(default=UNSET, description="By code.")
    name: SortDirection | None = strawberry.field(default=UNSET, description="By name.")
    created_at: SortDirection | None = strawberry.field(default=UNSET, description="By creation time.")
    updated_at: SortDirection | None = strawberry.field(default=UNSET, description="By last change.")


@strawberry.input(description="Conditions on employees; all given conditions must hold.")
class EmployeeFilter:
    id: IDFilter | None = strawberry.field(default=UNSET, description="By id.")
    email: StringFilter | None = strawberry.field(default=UNSET, description="By email.")
    name: StringFilter | None = strawberry.field(default=UNSET, description="By name.")
    title: StringFilter | None = strawberry.field(default=UNSET, description="By job title.")
    hire_date: DateFilter | None = strawberry.field(default=UNSET, description="By hire date.")
    salary: DecimalFilter | None = strawberry.field(default=UNSET, description="By salary.")
    department_code: StringFilter | None = strawberry.field(default=UNSET, description="By department code.")
    manager_email: StringFilter | None = strawberry.field(default=UNSET, description="By the manager's email.")
    created_at: DateTimeFilter | None = strawberry.field(default=UNSET, description="By creation time.")
    updated_at: DateTimeFilter | None = strawberry.field(default=UNSET, description="By last change.")
    and_: list["EmployeeFilter"] | None = strawberry.field(default=UNSET, name="and", description="All must hold.")
    or_: list["EmployeeFilter"] | None = strawberry.field(default=UNSET, name="or", description="Any may hold.")
    not_: Optional["EmployeeFilter"] = strawberry.field(default=UNSET, name="not", description="Must not hold.")


@strawberry.input(one_of=True, description="One sort key for employees.")
class EmployeeOrderBy:
    email: SortDirection | None = strawberry.field(default=UNSET, description="By email.")
    name: SortDirection | None = strawberry.field(default=UNSET, description="By name.")
    hire_date: SortDirection | None = strawberry.field(default=UNSET, description="By hire date.")
    salary: SortDirection | None = strawberry.field(default=UNSET, description="By salary.")
    created_at: SortDirection | None = strawberry.field(default=UNSET, description="By creation time.")
    updated_at: SortDirection | None = strawberry.field(default=UNSET, description="By last change.")


@strawberry.input(description="A new department.")
class CreateDepartmentInput:
    code: str = strawberry.field(description="Unique short code.")
    name: str = strawberry.field(description="Display name.")
    head_id: strawberry.ID | None = strawberry.field(default=UNSET, description="Id of the employee who leads it.")


@strawberry.input(description="Changes to a department; omitted fields stay as they are, null clears.")
class UpdateDepartmentInput:
    code: str | None = strawberry.field(default=UNSET, description="Unique short code.")
    name: str | None = strawberry.field(default=UNSET, description="Display name.")
    head_id: strawberry.ID | None = strawberry.field(default=UNSET, description="Id of the employee who leads it.")


@strawberry.input(description="A new employee.")
class CreateEmployeeInput:
    email: str = strawberry.field(description="Work email, unique.")
    name: str = strawberry.field(description="Full name.")
    title: str | None = strawberry.field(default=UNSET, description="Job title.")
    department_id: strawberry.ID | None = strawberry.field(default=UNSET, description="Id of their department.")
    manager_id: strawberry.ID | None = strawberry.field(default=UNSET, description="Id of their manager.")
    hire_date: date | None = strawberry.field(default=UNSET, description="First working day.")
    salary: Decimal | None = strawberry.field(default=UNSET, description="Yearly gross salary, not negative.")


@strawberry.input(description="Changes to an employee; omitted fields stay as they are, null clears.")
class UpdateEmployeeInput:
    email: str | None = strawberry.field(default=UNSET, description="Work email, unique.")
    name: str | None = strawberry.field(default=UNSET, description="Full name.")
    title: str | None = strawberry.field(default=UNSET, description="Job title.")
    department_id: strawberry.ID | None = strawberry.field(default=UNSET, description="Id of their department.")
    manager_id: strawberry.ID | None = strawberry.field(default=UNSET, description="Id of their manager.")
    hire_date: date | None = strawberry.field(default=UNSET, description="First working day.")
    salary: Decimal | None = strawberry.field(default=UNSET, description="Yearly gross salary, not negative.")


@strawberry.type(description="Result of a department mutation: the department, or why nothing changed.")
class DepartmentPayload:
    department: Department | None = strawberry.field(description="The department as it is now (null on error).")
    errors: list[UserError] = strawberry.field(description="Problems that prevented the change; empty on success.")


@strawberry.type(description="Result of an employee mutation: the employee, or why nothing changed.")
class EmployeePayload:
    employee: Employee | None = strawberry.field(description="The employee as it is now (null on error).")
    errors: list[UserError] = strawberry.field(description="Problems that prevented the change; empty on success.")
