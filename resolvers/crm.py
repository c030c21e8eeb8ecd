"""CRM domain rules: how opportunities move through stages and how tickets close."""

from collections.abc import Mapping
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from models.base import utcnow
from models.crm import Contact, Interaction, InteractionKind, Opportunity, OpportunityStage, Ticket, TicketStatus
from resolvers import crud
from resolvers.errors import ErrorCode, Refused, UserError
from resolvers.permissions import Actor, check_write
from resolvers.workflow import row_rule, state_field


@state_field(Opportunity, "stage")
def move_opportunity(
    session: Session, opportunity: Any, before: Mapping[str, Any] | None, stage: OpportunityStage, actor: Actor
) -> None:
    """A won or lost opportunity is final; winning sets probability to 100, losing to 0."""
    was = before["stage"] if before is not None else None
    if was is not None and was.is_closed and stage is not was:
        raise Refused.one(
            f"opportunity {opportunity.number} is {was.value}, which is final; it can't move to {stage.value}",
            ErrorCode.INVALID_STATE,
            "stage",
        )
    opportunity.stage = stage
    if stage is OpportunityStage.WON:
        opportunity.probability = 100
    elif stage is OpportunityStage.LOST:
        opportunity.probability = 0


@state_field(Ticket, "status")
def change_ticket_status(
    session: Session, ticket: Any, before: Mapping[str, Any] | None, status: TicketStatus, actor: Actor
) -> None:
    """Closing a ticket needs a resolution; reopening keeps it for the record."""
    if status is TicketStatus.CLOSED and not (ticket.resolution or "").strip():
        raise Refused.one("a ticket can only be closed with a resolution", ErrorCode.VALIDATION, "resolution")
    ticket.status = status


@row_rule(Interaction)
def contact_works_for_the_customer(session: Session, interactions: list[Any], actor: Actor) -> list[UserError]:
    """An interaction's contact must be one of the interaction's customer's people (one query per batch)."""
    contact_ids = {row.contact_id for row in interactions if row.contact_id is not None}
    if not contact_ids:
        return []
    contacts = Contact.__table__
    query = sa.select(contacts.c.id, contacts.c.customer_id, contacts.c.email).where(contacts.c.id.in_(contact_ids))
    employer = {id: (customer_id, email) for id, customer_id, email in session.execute(query)}
    errors = []
    for index, row in enumerate(interactions):
        found = employer.get(row.contact_id)
        if found is not None and found[0] != row.customer_id:
            errors.append(UserError(f"contact {found[1]} works for another customer", field=("contact_id",), row=index))
    return errors


def move_opportunity_stage(
    session: Session, *, id: int, stage: OpportunityStage, actor: Actor, version: int | None = None
) -> Opportunity:
    """Move an opportunity to another stage (the `moveOpportunityStage` verb)."""
    return crud.update(session, Opportunity, id, {"stage": stage}, actor=actor, version=version, action="move_stage")


def close_ticket(session: Session, *, id: int, resolution: str, actor: Actor, version: int | None = None) -> Ticket:
    """Close a ticket with its resolution (the `closeTicket` verb)."""
    values = {"resolution": resolution, "status": TicketStatus.CLOSED}
    return crud.update(session, Ticket, id, values, actor=actor, version=version, action="close")


def reopen_ticket(session: Session, *, id: int, actor: Actor, version: int | None = None) -> Ticket:
    """Reopen a closed ticket (the `reopenTicket` verb)."""
    check_write(actor, Ticket)  # before reading it: a caller without access learns nothing about the ticket
    ticket = crud.get(session, Ticket, id)
    if ticket.status is not TicketStatus.CLOSED:
        # No argument is at fault (reopenTicket takes only id and version): the ticket's state is, so no field.
        raise Refused.one(f"ticket {ticket.number} is {ticket.status.value}, not closed", ErrorCode.INVALID_STATE)
    return crud.update(
        session, Ticket, id, {"status": TicketStatus.OPEN}, actor=actor, version=version, action="reopen"
    )


def on_timeline(
    session: Session, *, customer_id: int, subject: str, actor: Actor, occurred_at: datetime | None = None
) -> None:
    """Note a business event (an order confirmed, a payment received) on the customer's interaction timeline."""
    event = {
        "customer_id": customer_id,
        "kind": InteractionKind.PURCHASE,
        "occurred_at": occurred_at or utcnow(),
        "subject": subject[:300],
    }
    crud.create_many(session, Interaction, [event], actor=actor.for_consequences(), action="record")
