"""CRM types: customers, contacts, interactions, opportunities and tickets."""

from datetime import date, datetime
from decimal import Decimal
from typing import TYPE_CHECKING, Annotated, Any, Optional

import strawberry
from strawberry import UNSET

from models import crm, finance, sales
from models.crm import CustomerKind, CustomerStatus, InteractionKind, OpportunityStage, TicketPriority, TicketStatus
from resolvers.listing import SortKey
from resolvers.permissions import can_read
from resolvers.reports import NO_FINANCE, customer_finance_query, customer_finances
from resolvers.validation import label
from schema.connection import Connection
from schema.errors import Forbidden, UserError
from schema.fields import nested_connection, to_many, to_one
from schema.filters import (
    DateFilter,
    DateTimeFilter,
    DecimalFilter,
    EnumFilter,
    IDFilter,
    IntFilter,
    SortDirection,
    StringFilter,
)
from schema.hr import Employee
from schema.system import AuditEvent, history_of

if TYPE_CHECKING:
    from schema.finance import Invoice
    from schema.sales import SalesOrder

strawberry.enum(CustomerKind, description="Whether a customer is a company or a private person.")
strawberry.enum(CustomerStatus, description="Where a customer stands with us.")
strawberry.enum(InteractionKind, description="How we were in touch with a customer.")
strawberry.enum(OpportunityStage, description="Sales pipeline stage; WON and LOST are final.")
strawberry.enum(TicketStatus, description="Support ticket status; CLOSED needs a resolution.")
strawberry.enum(TicketPriority, description="How urgent a support ticket is.")

customers = crm.Customer.__table__
contacts = crm.Contact.__table__
interactions = crm.Interaction.__table__
opportunities = crm.Opportunity.__table__
tickets = crm.Ticket.__table__
sales_orders = sales.SalesOrder.__table__
invoices = finance.Invoice.__table__

NEWEST_FIRST = (SortKey(interactions.c.occurred_at, descending=True), SortKey(interactions.c.id, descending=True))


def _filter(description: str):
    return strawberry.field(default=UNSET, description=description)


def customer_finance(name: str, *, description: str) -> Any:
    """A customer's open balance or lifetime value, from its invoices: one grouped statement serves the whole page
    (both fields share it); null with FORBIDDEN for roles that may not read invoices."""

    async def resolve(root: Any, info: strawberry.Info) -> Decimal:
        if not can_read(info.context.actor.roles, finance.Invoice):
            raise Forbidden(f"you may not read the {name.replace('_', ' ')} of a {label(crm.Customer)}")
        row = await info.context.loaders.aggregate(customer_finance_query).load(root.id)
        figures = NO_FINANCE if row is None else customer_finances([row])[root.id]
        return getattr(figures, name)

    return strawberry.field(resolver=resolve, description=description)


# --- object types ----------------------------------------------------------------------------------------------


@strawberry.type(description="A company or person we sell to, with everything we know about them.")
class Customer:
    id: strawberry.ID = strawberry.field(description="Unique id.")
    version: int = strawberry.field(description="Increases on every change; send it back to update or delete.")
    created_at: datetime = strawberry.field(description="When the customer was created (UTC).")
    updated_at: datetime = strawberry.field(description="When the customer last changed (UTC).")
    history: Connection[AuditEvent] | None = history_of(crm.Customer)
    code: str = strawberry.field(description="Unique customer code, e.g. C-00042; identifies it in sheets.")
    name: str = strawberry.field(description="Company or person name.")
    kind: CustomerKind = strawberry.field(description="Company or person.")
    email: str | None = strawberry.field(description="Main email address.")
    phone: str | None = strawberry.field(description="Main phone number.")
    address: str | None = strawberry.field(description="Street address.")
    city: str | None = strawberry.field(description="City.")
    country: str | None = strawberry.field(description="Two-letter ISO country code, e.g. TH.")
    segment: str | None = strawberry.field(description="Market segment, e.g. Retail or Enterprise.")
    status: CustomerStatus = strawberry.field(description="Prospect, active or inactive.")
    credit_limit: Decimal = strawberry.field(description="Most we let the customer owe us.")
    notes: str | None = strawberry.field(description="Needs and preferences worth remembering.")
    owner: Employee | None = to_one(customers.c.owner_id, description="The employee who owns the relationship.")
    contacts: list["Contact"] | None = to_many(
        contacts.c.customer_id,
        order=(SortKey(contacts.c.name), SortKey(contacts.c.id)),
        description="People we deal with at this customer, by name.",
    )
    interactions: Connection["Interaction"] | None = nested_connection(
        interactions.c.customer_id, order=NEWEST_FIRST, description="Calls, emails, meetings and more, newest first."
    )
    opportunities: list["Opportunity"] | None = to_many(
        opportunities.c.customer_id,
        order=(SortKey(opportunities.c.created_at, descending=True), SortKey(opportunities.c.id, descending=True)),
        description="Sales opportunities with this customer, newest first.",
    )
    tickets: list["Ticket"] | None = to_many(
        tickets.c.customer_id,
        order=(SortKey(tickets.c.created_at, descending=True), SortKey(tickets.c.id, descending=True)),
        description="Support tickets of this customer, newest first.",
    )
    orders: Connection[Annotated["SalesOrder", strawberry.lazy("schema.sales")]] | None = nested_connection(
        sales_orders.c.customer_id,
        order=(SortKey(sales_orders.c.order_date, descending=True), SortKey(sales_orders.c.id, descending=True)),
        description="Sales orders of this customer, latest order date first.",
    )
    invoices: Connection[Annotated["Invoice", strawberry.lazy("schema.finance")]] | None = nested_connection(
        invoices.c.customer_id,
        order=(SortKey(invoices.c.created_at, descending=True), SortKey(invoices.c.id, descending=True)),
        description="Invoices of this customer, newest first.",
    )
    open_balance: Decimal | None = customer_finance(
        "open_balance",
        description="What the customer owes: total less paid of its issued invoices (roles that may read invoices).",
    )
    lifetime_value: Decimal | None = customer_finance(
        "lifetime_value",
        description="Net amount invoiced to the customer ever, issued or paid (roles that may read invoices).",
    )


@strawberry.type(description="A person we deal with at a customer.")
class Contact:
    id: strawberry.ID = strawberry.field(description="Unique id.")
    version: int = strawberry.field(description="Increases on every change; send it back to update or delete.")
    created_at: datetime = strawberry.field(description="When the contact was created (UTC).")
    updated_at: datetime = strawberry.field(description="When the contact last changed (UTC).")
    history: Connection[AuditEvent] | None = history_of(crm.Contact)
    name: str = strawberry.field(description="Full name.")
    title: str | None = strawberry.field(description="Job title at the customer.")
    email: str = strawberry.field(description="Email; unique within the customer.")
    phone: str | None = strawberry.field(description="Phone number.")
    customer: Customer | None = to_one(contacts.c.customer_id, description="The customer this person works for.")


@strawberry.type(description="One touch point with a customer: a call, email, meeting, purchase, support case or note.")
class Interaction:
    id: strawberry.ID = strawberry.field(description="Unique id.")
    version: int = strawberry.field(description="Increases on every change; send it back to update or delete.")
    created_at: datetime = strawberry.field(description="When it was recorded (UTC).")
    updated_at: datetime = strawberry.field(description="When the record last changed (UTC).")
    history: Connection[AuditEvent] | None = history_of(crm.Interaction)
    kind: InteractionKind = strawberry.field(description="Call, email, meeting, purchase, support or note.")
    occurred_at: datetime = strawberry.field(description="When it happened (UTC).")
    subject: str = strawberry.field(description="What it was about.")
    notes: str | None = strawberry.field(description="Details.")
    outcome: str | None = strawberry.field(description="What came of it.")
    customer: Customer | None = to_one(interactions.c.customer_id, description="The customer.")
    contact: Contact | None = to_one(interactions.c.contact_id, description="The customer's person involved.")
    employee: Employee | None = to_one(interactions.c.employee_id, description="Our employee involved.")


@strawberry.type(description="A possible sale moving through the pipeline.")
class Opportunity:
    id: strawberry.ID = strawberry.field(description="Unique id.")
    version: int = strawberry.field(description="Increases on every change; send it back to update or delete.")
    created_at: datetime = strawberry.field(description="When the opportunity was created (UTC).")
    updated_at: datetime = strawberry.field(description="When the opportunity last changed (UTC).")
    history: Connection[AuditEvent] | None = history_of(crm.Opportunity)
    number: str = strawberry.field(description="Unique number, e.g. OPP-00012.")
    title: str = strawberry.field(description="What we hope to sell.")
    stage: OpportunityStage = strawberry.field(description="Pipeline stage.")
    amount: Decimal = strawberry.field(description="Expected value of the sale.")
    probability: int = strawberry.field(description="Chance of winning, 0 to 100 percent.")
    expected_close: date | None = strawberry.field(description="When we expect to win or lose it.")
    customer: Customer | None = to_one(opportunities.c.customer_id, description="The customer.")
    owner: Employee | None = to_one(opportunities.c.owner_id, description="The salesperson in charge.")


@strawberry.type(description="A customer's support case.")
class Ticket:
    id: strawberry.ID = strawberry.field(description="Unique id.")
    version: int = strawberry.field(description="Increases on every change; send it back to update or delete.")
    created_at: datetime = strawberry.field(description="When the ticket was opened (UTC).")
    updated_at: datetime = strawberry.field(description="When the ticket last changed (UTC).")
    history: Connection[AuditEvent] | None = history_of(crm.Ticket)
    number: str = strawberry.field(description="Unique number, e.g. T-00007.")
    subject: str = strawberry.field(description="What the customer needs.")
    status: TicketStatus = strawberry.field(description="Open, in progress, waiting or closed.")
    priority: TicketPriority = strawberry.field(description="How urgent it is.")
    resolution: str | None = strawberry.field(description="How it was solved; required to close.")
    customer: Customer | None = to_one(tickets.c.customer_id, description="The customer.")
    assignee: Employee | None = to_one(tickets.c.assignee_id, description="The employee working on it.")


# --- filters ---------------------------------------------------------------------------------------------------


@strawberry.input(description="Conditions on a customer kind.")
class CustomerKindFilter(EnumFilter[CustomerKind]):
    pass


@strawberry.input(description="Conditions on a customer status.")
class CustomerStatusFilter(EnumFilter[CustomerStatus]):
    pass


@strawberry.input(description="Conditions on an interaction kind.")
class InteractionKindFilter(EnumFilter[InteractionKind]):
    pass


@strawberry.input(description="Conditions on an opportunity stage.")
class OpportunityStageFilter(EnumFilter[OpportunityStage]):
    pass


@strawberry.input(description="Conditions on a ticket status.")
class TicketStatusFilter(EnumFilter[TicketStatus]):
    pass


@strawberry.input(description="Conditions on a ticket priority.")
class TicketPriorityFilter(EnumFilter[TicketPriority]):
    pass


@strawberry.input(description="Conditions on customers; all given conditions must hold.")
class CustomerFilter:
    id: IDFilter | None = _filter("By id.")
    code: StringFilter | None = _filter("By code.")
    name: StringFilter | None = _filter("By name.")
    kind: CustomerKindFilter | None = _filter("By kind.")
    email: StringFilter | None = _filter("By email.")
    phone: StringFilter | None = _filter("By phone.")
    city: StringFilter | None = _filter("By city.")
    country: StringFilter | None = _filter("By country code.")
    segment: StringFilter | None = _filter("By segment.")
    status: CustomerStatusFilter | None = _filter("By status.")
    credit_limit: DecimalFilter | None = _filter("By credit limit.")
    owner_email: StringFilter | None = _filter("By the owner's email.")
    created_at: DateTimeFilter | None = _filter("By creation time.")
    updated_at: DateTimeFilter | None = _filter("By last change.")
    and_: list["CustomerFilter"] | None = strawberry.field(default=UNSET, name="and", description="All must hold.")
    or_: list["CustomerFilter"] | None = strawberry.field(default=UNSET, name="or", description="Any may hold.")
    not_: Optional["CustomerFilter"] = strawberry.field(default=UNSET, name="not", description="Must not hold.")


@strawberry.input(description="Conditions on contacts; all given conditions must hold.")
class ContactFilter:
    id: IDFilter | None = _filter("By id.")
    name: StringFilter | None = _filter("By name.")
    title: StringFilter | None = _filter("By title.")
    email: StringFilter | None = _filter("By email.")
    phone: StringFilter | None = _filter("By phone.")
    customer_code: StringFilter | None = _filter("By the customer's code.")
    created_at: DateTimeFilter | None = _filter("By creation time.")
    updated_at: DateTimeFilter | None = _filter("By last change.")
    and_: list["ContactFilter"] | None = strawberry.field(default=UNSET, name="and", description="All must hold.")
    or_: list["ContactFilter"] | None = strawberry.field(default=UNSET, name="or", description="Any may hold.")
    not_: Optional["ContactFilter"] = strawberry.field(default=UNSET, name="not", description="Must not hold.")


@strawberry.input(description="Conditions on interactions; all given conditions must hold.")
class InteractionFilter:
    id: IDFilter | None = _filter("By id.")
    kind: InteractionKindFilter | None = _filter("By kind.")
    occurred_at: DateTimeFilter | None = _filter("By when it happened.")
    subject: StringFilter | None = _filter("By subject.")
    outcome: StringFilter | None = _filter("By outcome.")
    customer_code: StringFilter | None = _filter("By the customer's code.")
    employee_email: StringFilter | None = _filter("By our employee's email.")
    created_at: DateTimeFilter | None = _filter("By creation time.")
    updated_at: DateTimeFilter | None = _filter("By last change.")
    and_: list["InteractionFilter"] | None = strawberry.field(default=UNSET, name="and", description="All must hold.")
    or_: list["InteractionFilter"] | None = strawberry.field(default=UNSET, name="or", description="Any may hold.")
    not_: Optional["InteractionFilter"] = strawberry.field(default=UNSET, name="not", description="Must not hold.")


@strawberry.input(description="Conditions on opportunities; all given conditions must hold.")
class OpportunityFilter:
    id: IDFilter | None = _filter("By id.")
    number: StringFilter | None = _filter("By number.")
    title: StringFilter | None = _filter("By title.")
    stage: OpportunityStageFilter | None = _filter("By stage.")
    amount: DecimalFilter | None = _filter("By amount.")
    probability: IntFilter | None = _filter("By probability.")
    expected_close: DateFilter | None = _filter("By expected close date.")
    customer_code: StringFilter | None = _filter("By the customer's code.")
    owner_email: StringFilter | None = _filter("By the owner's email.")
    created_at: DateTimeFilter | None = _filter("By creation time.")
    updated_at: DateTimeFilter | None = _filter("By last change.")
    and_: list["OpportunityFilter"] | None = strawberry.field(default=UNSET, name="and", description="All must hold.")
    or_: list["OpportunityFilter"] | None = strawberry.field(default=UNSET, name="or", description="Any may hold.")
    not_: Optional["OpportunityFilter"] = strawberry.field(default=UNSET, name="not", description="Must not hold.")


@strawberry.input(description="Conditions on tickets; all given conditions must hold.")
class TicketFilter:
    id: IDFilter | None = _filter("By id.")
    number: StringFilter | None = _filter("By number.")
    subject: StringFilter | None = _filter("By subject.")
    status: TicketStatusFilter | None = _filter("By status.")
    priority: TicketPriorityFilter | None = _filter("By priority.")
    customer_code: StringFilter | None = _filter("By the customer's code.")
    assignee_email: StringFilter | None = _filter("By the assignee's email.")
    created_at: DateTimeFilter | None = _filter("By creation time.")
    updated_at: DateTimeFilter | None = _filter("By last change.")
    and_: list["TicketFilter"] | None = strawberry.field(default=UNSET, name="and", description="All must hold.")
    or_: list["TicketFilter"] | None = strawberry.field(default=UNSET, name="or", description="Any may hold.")
    not_: Optional["TicketFilter"] = strawberry.field(default=UNSET, name="not", description="Must not hold.")


# --- ordering --------------------------------------------------------------------------------------------------


@strawberry.input(one_of=True, description="One sort key for customers.")
class CustomerOrderBy:
    code: SortDirection | None = _filter("By code.")
    name: SortDirection | None = _filter("By name.")
    city: SortDirection | None = _filter("By city.")
    country: SortDirection | None = _filter("By country.")
    status: SortDirection | None = _filter("By status.")
    credit_limit: SortDirection | None = _filter("By credit limit.")
    created_at: SortDirection | None = _filter("By creation time.")
    updated_at: SortDirection | None = _filter("By last change.")


@strawberry.input(one_of=True, description="One sort key for contacts.")
class ContactOrderBy:
    name: SortDirection | None = _filter("By name.")
    email: SortDirection | None = _filter("By email.")
    created_at: SortDirection | None = _filter("By creation time.")
    updated_at: SortDirection | None = _filter("By last change.")


@strawberry.input(one_of=True, description="One sort key for interactions.")
class InteractionOrderBy:
    occurred_at: SortDirection | None = _filter("By when it happened.")
    kind: SortDirection | None = _filter("By kind.")
    created_at: SortDirection | None = _filter("By creation time.")
    updated_at: SortDirection | None = _filter("By last change.")


@strawberry.input(one_of=True, description="One sort key for opportunities.")
class OpportunityOrderBy:
    number: SortDirection | None = _filter("By number.")
    stage: SortDirection | None = _filter("By stage.")
    amount: SortDirection | None = _filter("By amount.")
    probability: SortDirection | None = _filter("By probability.")
    expected_close: SortDirection | None = _filter("By expected close date.")
    created_at: SortDirection | None = _filter("By creation time.")
    updated_at: SortDirection | None = _filter("By last change.")


@strawberry.input(one_of=True, description="One sort key for tickets.")
class TicketOrderBy:
    number: SortDirection | None = _filter("By number.")
    status: SortDirection | None = _filter("By status.")
    priority: SortDirection | None = _filter("By priority.")
    created_at: SortDirection | None = _filter("By creation time.")
    updated_at: SortDirection | None = _filter("By last change.")


# --- inputs ----------------------------------------------------------------------------------------------------


@strawberry.input(description="A new customer.")
class CreateCustomerInput:
    code: str = strawberry.field(description="Unique customer code.")
    name: str = strawberry.field(description="Company or person name.")
    kind: CustomerKind | None = _filter("Company (default) or person.")
    email: str | None = _filter("Main email address.")
    phone: str | None = _filter("Main phone number.")
    address: str | None = _filter("Street address.")
    city: str | None = _filter("City.")
    country: str | None = _filter("Two-letter ISO country code.")
    segment: str | None = _filter("Market segment.")
    status: CustomerStatus | None = _filter("Prospect (default), active or inactive.")
    credit_limit: Decimal | None = _filter("Most the customer may owe us; 0 by default.")
    owner_id: strawberry.ID | None = _filter("Id of the employee who owns the relationship.")
    notes: str | None = _filter("Needs and preferences.")


@strawberry.input(description="Changes to a customer; omitted fields stay as they are, null clears.")
class UpdateCustomerInput:
    code: str | None = _filter("Unique customer code.")
    name: str | None = _filter("Company or person name.")
    kind: CustomerKind | None = _filter("Company or person.")
    email: str | None = _filter("Main email address.")
    phone: str | None = _filter("Main phone number.")
    address: str | None = _filter("Street address.")
    city: str | None = _filter("City.")
    country: str | None = _filter("Two-letter ISO country code.")
    segment: str | None = _filter("Market segment.")
    status: CustomerStatus | None = _filter("Prospect, active or inactive.")
    credit_limit: Decimal | None = _filter("Most the customer may owe us.")
    owner_id: strawberry.ID | None = _filter("Id of the employee who owns the relationship.")
    notes: str | None = _filter("Needs and preferences.")


@strawberry.input(description="A new contact person at a customer.")
class CreateContactInput:
    customer_id: strawberry.ID = strawberry.field(description="Id of the customer.")
    name: str = strawberry.field(description="Full name.")
    email: str = strawberry.field(description="Email, unique within the customer.")
    title: str | None = _filter("Job title.")
    phone: str | None = _filter("Phone number.")


@strawberry.input(description="Changes to a contact; omitted fields stay as they are, null clears.")
class UpdateContactInput:
    customer_id: strawberry.ID | None = _filter("Id of the customer.")
    name: str | None = _filter("Full name.")
    email: str | None = _filter("Email, unique within the customer.")
    title: str | None = _filter("Job title.")
    phone: str | None = _filter("Phone number.")


@strawberry.input(description="A new interaction on a customer's timeline.")
class CreateInteractionInput:
    customer_id: strawberry.ID = strawberry.field(description="Id of the customer.")
    kind: InteractionKind = strawberry.field(description="Call, email, meeting, purchase, support or note.")
    occurred_at: datetime = strawberry.field(description="When it happened (ISO 8601 with timezone).")
    subject: str = strawberry.field(description="What it was about.")
    contact_id: strawberry.ID | None = _filter("Id of the customer's person involved.")
    employee_id: strawberry.ID | None = _filter("Id of our employee involved.")
    notes: str | None = _filter("Details.")
    outcome: str | None = _filter("What came of it.")


@strawberry.input(description="Changes to an interaction; omitted fields stay as they are, null clears.")
class UpdateInteractionInput:
    customer_id: strawberry.ID | None = _filter("Id of the customer.")
    kind: InteractionKind | None = _filter("Call, email, meeting, purchase, support or note.")
    occurred_at: datetime | None = _filter("When it happened.")
    subject: str | None = _filter("What it was about.")
    contact_id: strawberry.ID | None = _filter("Id of the customer's person involved.")
    employee_id: strawberry.ID | None = _filter("Id of our employee involved.")
    notes: str | None = _filter("Details.")
    outcome: str | None = _filter("What came of it.")


@strawberry.input(description="A new sales opportunity.")
class CreateOpportunityInput:
    number: str = strawberry.field(description="Unique number.")
    customer_id: strawberry.ID = strawberry.field(description="Id of the customer.")
    title: str = strawberry.field(description="What we hope to sell.")
    stage: OpportunityStage | None = _filter("Pipeline stage; LEAD by default.")
    amount: Decimal | None = _filter("Expected value, not negative.")
    probability: int | None = _filter("Chance of winning, 0 to 100.")
    expected_close: date | None = _filter("When we expect to close it.")
    owner_id: strawberry.ID | None = _filter("Id of the salesperson in charge.")


@strawberry.input(description="Changes to an opportunity; omitted fields stay as they are, null clears.")
class UpdateOpportunityInput:
    number: str | None = _filter("Unique number.")
    customer_id: strawberry.ID | None = _filter("Id of the customer.")
    title: str | None = _filter("What we hope to sell.")
    stage: OpportunityStage | None = _filter("Pipeline stage; a WON or LOST opportunity can't reopen.")
    amount: Decimal | None = _filter("Expected value, not negative.")
    probability: int | None = _filter("Chance of winning, 0 to 100.")
    expected_close: date | None = _filter("When we expect to close it.")
    owner_id: strawberry.ID | None = _filter("Id of the salesperson in charge.")


@strawberry.input(description="A new support ticket.")
class CreateTicketInput:
    number: str = strawberry.field(description="Unique number.")
    customer_id: strawberry.ID = strawberry.field(description="Id of the customer.")
    subject: str = strawberry.field(description="What the customer needs.")
    priority: TicketPriority | None = _filter("How urgent; NORMAL by default.")
    status: TicketStatus | None = _filter("OPEN by default; CLOSED needs a resolution.")
    assignee_id: strawberry.ID | None = _filter("Id of the employee working on it.")
    resolution: str | None = _filter("How it was solved.")


@strawberry.input(description="Changes to a ticket; omitted fields stay as they are, null clears.")
class UpdateTicketInput:
    number: str | None = _filter("Unique number.")
    customer_id: strawberry.ID | None = _filter("Id of the customer.")
    subject: str | None = _filter("What the customer needs.")
    priority: TicketPriority | None = _filter("How urgent.")
    status: TicketStatus | None = _filter("New status; CLOSED needs a resolution.")
    assignee_id: strawberry.ID | None = _filter("Id of the employee working on it.")
    resolution: str | None = _filter("How it was solved.")


# --- payloads --------------------------------------------------------------------------------------------------

OBJECT_ON_SUCCESS = "The object as it is now (null when errors is not empty)."
ERRORS = "Problems that prevented the change; empty on success."


@strawberry.type(description="Result of a customer mutation.")
class CustomerPayload:
    customer: Customer | None = strawberry.field(description=OBJECT_ON_SUCCESS)
    errors: list[UserError] = strawberry.field(description=ERRORS)


@strawberry.type(description="Result of a contact mutation.")
class ContactPayload:
    contact: Contact | None = strawberry.field(description=OBJECT_ON_SUCCESS)
    errors: list[UserError] = strawberry.field(description=ERRORS)


@strawberry.type(description="Result of an interaction mutation.")
class InteractionPayload:
    interaction: Interaction | None = strawberry.field(description=OBJECT_ON_SUCCESS)
    errors: list[UserError] = strawberry.field(description=ERRORS)


@strawberry.type(description="Result of an opportunity mutation.")
class OpportunityPayload:
    opportunity: Opportunity | None = strawberry.field(description=OBJECT_ON_SUCCESS)
    errors: list[UserError] = strawberry.field(description=ERRORS)


@strawberry.type(description="Result of a ticket mutation.")
class TicketPayload:
    ticket: Ticket | None = strawberry.field(description=OBJECT_ON_SUCCESS)
    errors: list[UserError] = strawberry.field(description=ERRORS)
