"""Assembles Query and Mutation from every department's types through the generic field factories."""

from typing import Annotated

import strawberry
from graphql import GraphQLError
from sqlalchemy.orm import Session
from strawberry.extensions import (
    MaskErrors,
    MaxAliasesLimiter,
    MaxTokensLimiter,
    ParserCache,
    QueryDepthLimiter,
    ValidationCache,
)

from models import crm as crm_models
from models import hr as hr_models
from models import system as system_models
from models.crm import OpportunityStage
from resolvers import crm as crm_operations
from resolvers.listing import ListError, SortKey
from schema import crm, hr, system
from schema.fields import (
    VERSION,
    create_mutation,
    delete_mutation,
    get_field,
    list_field,
    parse_id,
    run_mutation,
    update_mutation,
)
from schema.sheets import SheetLinkMutations, SheetLinkQueries, SheetMutations, SheetQueries

NEWEST_INTERACTIONS = (
    SortKey(crm.interactions.c.occurred_at, descending=True),
    SortKey(crm.interactions.c.id, descending=True),
)
ID_ARGUMENT = strawberry.argument(description="Which object.")


@strawberry.type(description="Everything Onebook holds, readable in one place.")
class Query(SheetQueries, SheetLinkQueries):
    customer = get_field(crm_models.Customer, crm.Customer, description="One customer, by id or by code.")
    customers = list_field(
        crm_models.Customer, crm.Customer, crm.CustomerFilter, crm.CustomerOrderBy, description="Customers, by code."
    )
    contact = get_field(
        crm_models.Contact, crm.Contact, description="One contact, by id or by customer code and email."
    )
    contacts = list_field(
        crm_models.Contact, crm.Contact, crm.ContactFilter, crm.ContactOrderBy, description="Contacts, by id."
    )
    interaction = get_field(crm_models.Interaction, crm.Interaction, description="One interaction, by id.")
    interactions = list_field(
        crm_models.Interaction,
        crm.Interaction,
        crm.InteractionFilter,
        crm.InteractionOrderBy,
        description="Interactions across all customers, newest first.",
        default_order=NEWEST_INTERACTIONS,
    )
    opportunity = get_field(crm_models.Opportunity, crm.Opportunity, description="One opportunity, by id or number.")
    opportunities = list_field(
        crm_models.Opportunity,
        crm.Opportunity,
        crm.OpportunityFilter,
        crm.OpportunityOrderBy,
        description="Sales opportunities, by id.",
    )
    ticket = get_field(crm_models.Ticket, crm.Ticket, description="One support ticket, by id or number.")
    tickets = list_field(
        crm_models.Ticket, crm.Ticket, crm.TicketFilter, crm.TicketOrderBy, description="Support tickets, by id."
    )
    department = get_field(hr_models.Department, hr.Department, description="One department, by id or code.")
    departments = list_field(
        hr_models.Department, hr.Department, hr.DepartmentFilter, hr.DepartmentOrderBy, description="Departments."
    )
    employee = get_field(hr_models.Employee, hr.Employee, description="One employee, by id or email.")
    employees = list_field(
        hr_models.Employee, hr.Employee, hr.EmployeeFilter, hr.EmployeeOrderBy, description="Employees, by id."
    )
    user = get_field(system_models.User, system.User, description="One user, by id or email (admin only).")
    users = list_field(
        system_models.User, system.User, system.UserFilter, system.UserOrderBy, description="Users (admin only)."
    )
    audit_events = list_field(
        system_models.AuditEvent,
        system.AuditEvent,
        system.AuditEventFilter,
        system.AuditEventOrderBy,
        description="Every recorded change, newest first (admin only).",
        default_order=system.NEWEST_EVENTS,
    )

    import_batches = list_field(
        system_models.ImportBatch,
        system.ImportBatch,
        system.ImportBatchFilter,
        system.ImportBatchOrderBy,
        description="Applied imports and sheet syncs, newest first (admin only).",
        default_order=(SortKey(system_models.ImportBatch.__table__.c.id, descending=True),),
    )

    @strawberry.field(description="The user this request authenticated as.")
    async def me(self, info: strawberry.Info) -> system.User | None:
        actor = info.context.actor
        if actor.user_id is None:
            return None
        return await info.context.loaders.row(system_models.User.__table__.c.id).load(actor.user_id)


@strawberry.type(description="Every change goes through here, validated, with errors returned as values.")
class Mutation(SheetMutations, SheetLinkMutations):
    create_customer = create_mutation(
        crm_models.Customer, crm.CreateCustomerInput, crm.CustomerPayload, description="Create a customer."
    )
    update_customer = update_mutation(
        crm_models.Customer, crm.UpdateCustomerInput, crm.CustomerPayload, description="Change a customer."
    )
    delete_customer = delete_mutation(
        crm_models.Customer, crm.CustomerPayload, description="Delete a customer nothing refers to any more."
    )
    create_contact = create_mutation(
        crm_models.Contact, crm.CreateContactInput, crm.ContactPayload, description="Add a contact to a customer."
    )
    update_contact = update_mutation(
        crm_models.Contact, crm.UpdateContactInput, crm.ContactPayload, description="Change a contact."
    )
    delete_contact = delete_mutation(crm_models.Contact, crm.ContactPayload, description="Delete a contact.")
    create_interaction = create_mutation(
        crm_models.Interaction,
        crm.CreateInteractionInput,
        crm.InteractionPayload,
        description="Log a call, email, meeting, purchase, support case or note.",
    )
    update_interaction = update_mutation(
        crm_models.Interaction,
        crm.UpdateInteractionInput,
        crm.InteractionPayload,
        description="Change an interaction.",
    )
    delete_interaction = delete_mutation(
        crm_models.Interaction, crm.InteractionPayload, description="Delete an interaction."
    )
    create_opportunity = create_mutation(
        crm_models.Opportunity,
        crm.CreateOpportunityInput,
        crm.OpportunityPayload,
        description="Open a sales opportunity.",
    )
    update_opportunity = update_mutation(
        crm_models.Opportunity,
        crm.UpdateOpportunityInput,
        crm.OpportunityPayload,
        description="Change an opportunity; stage changes follow moveOpportunityStage's rules.",
    )
    delete_opportunity = delete_mutation(
        crm_models.Opportunity, crm.OpportunityPayload, description="Delete an opportunity."
    )
    create_ticket = create_mutation(
        crm_models.Ticket, crm.CreateTicketInput, crm.TicketPayload, description="Open a support ticket."
    )
    update_ticket = update_mutation(
        crm_models.Ticket,
        crm.UpdateTicketInput,
        crm.TicketPayload,
        description="Change a ticket; closing follows closeTicket's rules.",
    )
    delete_ticket = delete_mutation(crm_models.Ticket, crm.TicketPayload, description="Delete a ticket.")
    create_department = create_mutation(
        hr_models.Department, hr.CreateDepartmentInput, hr.DepartmentPayload, description="Create a department."
    )
    update_department = update_mutation(
        hr_models.Department, hr.UpdateDepartmentInput, hr.DepartmentPayload, description="Change a department."
    )
    delete_department = delete_mutation(
        hr_models.Department, hr.DepartmentPayload, description="Delete an empty department."
    )
    create_employee = create_mutation(
        hr_models.Employee, hr.CreateEmployeeInput, hr.EmployeePayload, description="Add an employee."
    )
    update_employee = update_mutation(
        hr_models.Employee, hr.UpdateEmployeeInput, hr.EmployeePayload, description="Change an employee."
    )
    delete_employee = delete_mutation(
        hr_models.Employee, hr.EmployeePayload, description="Delete an employee nothing refers to any more."
    )

    @strawberry.mutation(description="Move an opportunity to another stage; WON and LOST are final.")
    async def move_opportunity_stage(
        self,
        info: strawberry.Info,
        id: Annotated[strawberry.ID, ID_ARGUMENT],
        stage: Annotated[OpportunityStage, strawberry.argument(description="The new stage.")],
        version: Annotated[int | None, VERSION] = None,
    ) -> crm.OpportunityPayload:
        actor = info.context.actor

        def operation(session: Session) -> crm_models.Opportunity:
            opportunity_id = parse_id(crm_models.Opportunity, id)
            return crm_operations.move_opportunity_stage(
                session, id=opportunity_id, stage=stage, actor=actor, version=version
            )

        return await run_mutation(info, crm.OpportunityPayload, operation, arguments={"id", "version", "stage"})

    @strawberry.mutation(description="Close a support ticket with its resolution.")
    async def close_ticket(
        self,
        info: strawberry.Info,
        id: Annotated[strawberry.ID, ID_ARGUMENT],
        resolution: Annotated[str, strawberry.argument(description="How the case was solved.")],
        version: Annotated[int | None, VERSION] = None,
    ) -> crm.TicketPayload:
        actor = info.context.actor

        def operation(session: Session) -> crm_models.Ticket:
            ticket_id = parse_id(crm_models.Ticket, id)
            return crm_operations.close_ticket(
                session, id=ticket_id, resolution=resolution, actor=actor, version=version
            )

        return await run_mutation(info, crm.TicketPayload, operation, arguments={"id", "version", "resolution"})

    @strawberry.mutation(description="Reopen a closed support ticket.")
    async def reopen_ticket(
        self,
        info: strawberry.Info,
        id: Annotated[strawberry.ID, ID_ARGUMENT],
        version: Annotated[int | None, VERSION] = None,
    ) -> crm.TicketPayload:
        actor = info.context.actor

        def operation(session: Session) -> crm_models.Ticket:
            ticket_id = parse_id(crm_models.Ticket, id)
            return crm_operations.reopen_ticket(session, id=ticket_id, actor=actor, version=version)

        return await run_mutation(info, crm.TicketPayload, operation)


#: Request limits: each breach is a GraphQL error before anything runs (README, "Limits").
MAX_QUERY_DEPTH = 12
MAX_ALIASES = 50
MAX_TOKENS = 5_000


def is_unexpected(error: GraphQLError) -> bool:
    """Hide the text of errors nobody meant to show (a database failure may name hosts or SQL)."""
    original = error.original_error
    return original is not None and not isinstance(original, ListError | GraphQLError)


schema = strawberry.Schema(
    query=Query,
    mutation=Mutation,
    extensions=[
        lambda: MaxTokensLimiter(max_token_count=MAX_TOKENS),
        lambda: QueryDepthLimiter(max_depth=MAX_QUERY_DEPTH),
        lambda: MaxAliasesLimiter(max_alias_count=MAX_ALIASES),
        lambda: ParserCache(maxsize=256),  # the caches themselves are shared, keyed by maxsize
        lambda: ValidationCache(maxsize=256),
        lambda: MaskErrors(should_mask_error=is_unexpected, error_message="Unexpected error; it has been logged."),
    ],
)
