"""System types: users, the audit trail, and who is asking."""

from datetime import datetime
from typing import Optional

import strawberry
from strawberry import UNSET
from strawberry.scalars import JSON

from models import system
from models.base import Base
from resolvers.listing import SortKey
from resolvers.permissions import Role, can_read_field
from schema.fields import nested_connection
from schema.filters import DateTimeFilter, IDFilter, SortDirection, StringFilter

strawberry.enum(Role, description="What a user may see and change; see the permission table in the README.")

audit_events = system.AuditEvent.__table__
MODELS_BY_NAME = {mapper.class_.__name__: mapper.class_ for mapper in Base.registry.mappers}
NEWEST_EVENTS = (SortKey(audit_events.c.occurred_at, descending=True), SortKey(audit_events.c.id, descending=True))


def history_of(model: type[Base]):
    """The `history` field of an audited type: its audit events, newest first, for whoever may read the object."""
    return nested_connection(
        audit_events.c.entity_id,
        order=NEWEST_EVENTS,
        where=audit_events.c.entity == model.__name__,
        readable_as=model,
        description="Every recorded change to this object, newest first.",
    )


@strawberry.type(description="Someone who may use Onebook, with their roles.")
class User:
    id: strawberry.ID = strawberry.field(description="Unique id.")
    version: int = strawberry.field(description="Increases on every change.")
    created_at: datetime = strawberry.field(description="When the user was added (UTC).")
    updated_at: datetime = strawberry.field(description="When the user last changed (UTC).")
    email: str = strawberry.field(description="Login email, unique.")
    name: str | None = strawberry.field(description="Display name.")
    active: bool = strawberry.field(description="Deactivated users can't authenticate.")

    @strawberry.field(description="The user's roles.")
    def roles(self) -> list[Role]:
        return [Role(name) for name in self.roles.split()]  # type: ignore[attr-defined]


@strawberry.type(description="One recorded change: who changed which object, when, through what, and how.")
class AuditEvent:
    id: strawberry.ID = strawberry.field(description="Unique id.")
    occurred_at: datetime = strawberry.field(description="When the change was committed (UTC).")
    actor_email: str | None = strawberry.field(description="Who made it (null for operators at the command line).")
    via: str = strawberry.field(description="Through what: api, import, sheets or cli.")
    action: str = strawberry.field(description="create, update, delete, or the workflow step's name.")
    entity: str = strawberry.field(description="The kind of object, e.g. Customer.")
    entity_id: strawberry.ID = strawberry.field(description="The object's id.")

    @strawberry.field(description="Each changed field's [old, new] value (fields you may not read are left out).")
    def changes(self, info: strawberry.Info) -> JSON:
        roles = info.context.actor.roles
        model = MODELS_BY_NAME.get(self.entity)  # type: ignore[attr-defined]
        recorded = self.changes  # type: ignore[attr-defined]
        return {name: values for name, values in recorded.items() if can_read_field(roles, model, name)}


@strawberry.input(description="Conditions on audit events; all given conditions must hold.")
class AuditEventFilter:
    id: IDFilter | None = strawberry.field(default=UNSET, description="By id.")
    occurred_at: DateTimeFilter | None = strawberry.field(default=UNSET, description="By time of the change.")
    actor_email: StringFilter | None = strawberry.field(default=UNSET, description="By who made the change.")
    via: StringFilter | None = strawberry.field(default=UNSET, description="By channel: api, import, sheets, cli.")
    action: StringFilter | None = strawberry.field(default=UNSET, description="By action.")
    entity: StringFilter | None = strawberry.field(default=UNSET, description="By kind of object, e.g. Customer.")
    entity_id: IDFilter | None = strawberry.field(default=UNSET, description="By object id.")
    and_: list["AuditEventFilter"] | None = strawberry.field(default=UNSET, name="and", description="All must hold.")
    or_: list["AuditEventFilter"] | None = strawberry.field(default=UNSET, name="or", description="Any may hold.")
    not_: Optional["AuditEventFilter"] = strawberry.field(default=UNSET, name="not", description="Must not hold.")


@strawberry.input(one_of=True, description="One sort key for audit events.")
class AuditEventOrderBy:
    occurred_at: SortDirection | None = strawberry.field(default=UNSET, description="By time of the change.")


@strawberry.input(description="Conditions on users; all given conditions must hold.")
class UserFilter:
    id: IDFilter | None = strawberry.field(default=UNSET, description="By id.")
    email: StringFilter | None = strawberry.field(default=UNSET, description="By email.")
    name: StringFilter | None = strawberry.field(default=UNSET, description="By name.")
    and_: list["UserFilter"] | None = strawberry.field(default=UNSET, name="and", description="All must hold.")
    or_: list["UserFilter"] | None = strawberry.field(default=UNSET, name="or", description="Any may hold.")
    not_: Optional["UserFilter"] = strawberry.field(default=UNSET, name="not", description="Must not hold.")


@strawberry.input(one_of=True, description="One sort key for users.")
class UserOrderBy:
    email: SortDirection | None = strawberry.field(default=UNSET, description="By email.")
    name: SortDirection | None = strawberry.field(default=UNSET, description="By name.")


@strawberry.type(description="One applied import or sheet sync, which `onebook import undo` can revert.")
class ImportBatch:
    id: strawberry.ID = strawberry.field(description="Batch number.")
    created_at: datetime = strawberry.field(description="When it was applied (UTC).")
    actor_email: str | None = strawberry.field(description="Who imported (null for the command line).")
    via: str = strawberry.field(description="import (a file) or sheets (a Google Sheets sync).")
    filename: str = strawberry.field(description="The file or spreadsheet imported.")
    status: str = strawberry.field(description="applied, or undone.")
    summary: JSON = strawberry.field(description="Per sheet: created, updated, unchanged, deleted, conflicts.")


@strawberry.input(description="Conditions on import batches; all given conditions must hold.")
class ImportBatchFilter:
    id: IDFilter | None = strawberry.field(default=UNSET, description="By batch number.")
    created_at: DateTimeFilter | None = strawberry.field(default=UNSET, description="By when it was applied.")
    actor_email: StringFilter | None = strawberry.field(default=UNSET, description="By who imported.")
    via: StringFilter | None = strawberry.field(default=UNSET, description="By channel: import or sheets.")
    status: StringFilter | None = strawberry.field(default=UNSET, description="By status: applied or undone.")
    and_: list["ImportBatchFilter"] | None = strawberry.field(default=UNSET, name="and", description="All must hold.")
    or_: list["ImportBatchFilter"] | None = strawberry.field(default=UNSET, name="or", description="Any may hold.")
    not_: Optional["ImportBatchFilter"] = strawberry.field(default=UNSET, name="not", description="Must not hold.")


@strawberry.input(one_of=True, description="One sort key for import batches.")
class ImportBatchOrderBy:
    created_at: SortDirection | None = strawberry.field(default=UNSET, description="By when it was applied.")
