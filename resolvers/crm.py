"""CRM domain rules: how opportunities move through stages and how tickets close."""

from sqlalchemy.orm import Session

from models.crm import Opportunity, OpportunityStage, Ticket, TicketStatus
from resolvers import crud
from resolvers.errors import ErrorCode, Refused
from resolvers.workflow import state_field


@state_field(Opportunity, "stage")
def move_opportunity(
    session: Session, opportunity: Opportunity, before: OpportunityStage | None, stage: OpportunityStage
) -> None:
    """A won or lost opportunity is final; winning sets probability to 100, losing to 0."""
    if before is not None and before.is_closed and not stage.is_closed:
        raise Refused.one(
            f"opportunity {opportunity.number} is {before.value}; it can't move back to {stage.value}",
            ErrorCode.INVALID_STATE,
            "stage",
        )
    opportunity.stage = stage
    if stage is OpportunityStage.WON:
        opportunity.probability = 100
    elif stage is OpportunityStage.LOST:
        opportunity.probability = 0


@state_field(Ticket, "status")
def change_ticket_status(session: Session, ticket: Ticket, before: TicketStatus | None, status: TicketStatus) -> None:
    """Closing a ticket needs a resolution; reopening keeps it for the record."""
    if status is TicketStatus.CLOSED and not (ticket.resolution or "").strip():
        raise Refused.one("a ticket can only be closed with a resolution", ErrorCode.VALIDATION, "resolution")
    ticket.status = status


def move_opportunity_stage(
    session: Session, *, id: int, stage: OpportunityStage, version: int | None = None
) -> Opportunity:
    """Move an opportunity to another stage (the `moveOpportunityStage` verb)."""
    return crud.update(session, Opportunity, id, {"stage": stage}, version=version)


def close_ticket(session: Session, *, id: int, resolution: str, version: int | None = None) -> Ticket:
    """Close a ticket with its resolution (the `closeTicket` verb)."""
    return crud.update(session, Ticket, id, {"resolution": resolution, "status": TicketStatus.CLOSED}, version=version)


def reopen_ticket(session: Session, *, id: int, version: int | None = None) -> Ticket:
    """Reopen a closed ticket (the `reopenTicket` verb)."""
    ticket = crud.get(session, Ticket, id)
    if ticket.status is not TicketStatus.CLOSED:
        raise Refused.one(f"ticket {ticket.number} is not closed", ErrorCode.INVALID_STATE, "status")
    return crud.update(session, Ticket, id, {"status": TicketStatus.OPEN}, version=version)
