"""Who may read and write what: the one permission table, applied to every client (API, imports, exports, CLI).

Entity access is declared per role; field rules narrow it for sensitive fields. `admin` may do everything.
"""

from collections.abc import Iterable
from dataclasses import dataclass, field, replace

from models.base import Base
from models.crm import Contact, Customer, Interaction, Opportunity, Ticket
from models.finance import Account, Invoice, InvoiceLine, JournalEntry, JournalLine, Payment
from models.hr import Department, Employee
from models.inventory import Product, StockMove, Warehouse
from models.manufacturing import BillOfMaterials, BomLine, WorkOrder
from models.purchasing import PurchaseOrder, PurchaseOrderLine, Supplier
from models.sales import SalesOrder, SalesOrderLine
from models.system import ApiToken, AuditEvent, DocumentCounter, ImportBatch, Role, SheetLink, User
from resolvers.errors import ErrorCode, Refused
from resolvers.validation import label

ADMIN, SALES, PURCHASING, WAREHOUSE, FINANCE, HR, READONLY = Role

R = "read"
RW = "read, write"

#: Entity -> role -> access. A role not listed has no access; admin has full access everywhere.
ENTITY_ACCESS: dict[type[Base], dict[Role, str]] = {
    Customer: {SALES: RW, FINANCE: RW, PURCHASING: R, WAREHOUSE: R, READONLY: R},
    Contact: {SALES: RW, FINANCE: R, WAREHOUSE: R, READONLY: R},
    Interaction: {SALES: RW, FINANCE: R, READONLY: R},
    Opportunity: {SALES: RW, FINANCE: R, READONLY: R},
    Ticket: {SALES: RW, WAREHOUSE: R, READONLY: R},
    Department: {HR: RW, SALES: R, PURCHASING: R, WAREHOUSE: R, FINANCE: R, READONLY: R},
    Employee: {HR: RW, SALES: R, PURCHASING: R, WAREHOUSE: R, FINANCE: R, READONLY: R},
    Product: {WAREHOUSE: RW, SALES: R, PURCHASING: R, FINANCE: R, READONLY: R},
    Warehouse: {WAREHOUSE: RW, SALES: R, PURCHASING: R, FINANCE: R, READONLY: R},
    StockMove: {WAREHOUSE: RW, SALES: R, FINANCE: R, READONLY: R},
    Supplier: {PURCHASING: RW, WAREHOUSE: R, FINANCE: R, READONLY: R},
    PurchaseOrder: {PURCHASING: RW, WAREHOUSE: R, FINANCE: R, READONLY: R},
    PurchaseOrderLine: {PURCHASING: RW, WAREHOUSE: R, FINANCE: R, READONLY: R},
    SalesOrder: {SALES: RW, WAREHOUSE: R, FINANCE: R, READONLY: R},
    SalesOrderLine: {SALES: RW, WAREHOUSE: R, FINANCE: R, READONLY: R},
    Invoice: {FINANCE: RW, READONLY: R},
    InvoiceLine: {FINANCE: RW, READONLY: R},
    Payment: {FINANCE: RW, READONLY: R},
    Account: {FINANCE: RW, READONLY: R},
    JournalEntry: {FINANCE: RW, READONLY: R},
    JournalLine: {FINANCE: RW, READONLY: R},
    BillOfMaterials: {WAREHOUSE: RW, PURCHASING: R, FINANCE: R, READONLY: R},
    BomLine: {WAREHOUSE: RW, PURCHASING: R, FINANCE: R, READONLY: R},
    WorkOrder: {WAREHOUSE: RW, FINANCE: R, READONLY: R},
    User: {},
    ApiToken: {},
    AuditEvent: {},
    ImportBatch: {},
    SheetLink: {},
    DocumentCounter: {},
}


@dataclass(frozen=True)
class FieldRule:
    """Narrows who may read or write one field; None means whoever may read/write the entity."""

    read: frozenset[Role] | None = None
    write: frozenset[Role] | None = None


FIELD_RULES: dict[tuple[type[Base], str], FieldRule] = {
    (Employee, "salary"): FieldRule(read=frozenset({HR, ADMIN}), write=frozenset({HR, ADMIN})),
    (Customer, "credit_limit"): FieldRule(write=frozenset({FINANCE, ADMIN})),
}


#: Who may move a document into a state, when that is narrower (or, for warehouse staff shipping an order, wider)
#: than who may write the document: entity -> state -> roles. Admin may always.
STATE_ACCESS: dict[type[Base], dict[str, frozenset[Role]]] = {
    SalesOrder: {
        "confirmed": frozenset({SALES}),
        "cancelled": frozenset({SALES}),
        "shipped": frozenset({WAREHOUSE}),
        "invoiced": frozenset({FINANCE, SALES}),
    },
    PurchaseOrder: {
        "ordered": frozenset({PURCHASING}),
        "cancelled": frozenset({PURCHASING}),
        "received": frozenset({WAREHOUSE, PURCHASING}),
    },
    Invoice: {"issued": frozenset({FINANCE}), "cancelled": frozenset({FINANCE}), "paid": frozenset({FINANCE})},
    WorkOrder: {
        "in_progress": frozenset({WAREHOUSE}),
        "done": frozenset({WAREHOUSE}),
        "cancelled": frozenset({WAREHOUSE}),
    },
}


def can_move_to(roles: Iterable[Role], model: type[Base], state: str) -> bool:
    """May these roles move a `model` document into `state`? (States without a rule: whoever may write it.)"""
    roles = frozenset(roles)
    allowed = STATE_ACCESS.get(model, {}).get(state)
    return ADMIN in roles or (bool(allowed & roles) if allowed is not None else can_write(roles, model))


@dataclass(frozen=True)
class Actor:
    """Who is making a change or a request, with which roles, and through which channel."""

    user_id: int | None
    email: str | None
    roles: frozenset[Role] = field(default_factory=frozenset)
    via: str = "api"
    #: The import batch its changes belong to (imports and sheet syncs), so that they can be undone together.
    batch_id: int | None = None
    #: True while writing what an allowed operation entails (the journal entry a shipment posts, the invoice an
    #: order's invoicing creates): those rows are written with full rights, and may set fields Onebook keeps.
    consequence: bool = False

    @classmethod
    def system(cls, via: str = "cli") -> "Actor":
        """Operators at the command line act with full rights."""
        return cls(user_id=None, email=None, roles=frozenset({ADMIN}), via=via)

    def for_consequences(self) -> "Actor":
        """The same person (as the audit trail records them), writing what their operation entails."""
        return replace(self, roles=self.roles | {ADMIN}, consequence=True)


def can_read(roles: Iterable[Role], model: type[Base]) -> bool:
    roles = frozenset(roles)
    return ADMIN in roles or any(role in ENTITY_ACCESS[model] for role in roles)


def can_write(roles: Iterable[Role], model: type[Base]) -> bool:
    roles = frozenset(roles)
    return ADMIN in roles or any(ENTITY_ACCESS[model].get(role) == RW for role in roles)


def can_read_field(roles: Iterable[Role], model: type[Base], name: str) -> bool:
    rule = FIELD_RULES.get((model, name))
    roles = frozenset(roles)
    allowed = can_read(roles, model)
    return allowed and (rule is None or rule.read is None or bool(rule.read & roles))


def can_write_field(roles: Iterable[Role], model: type[Base], name: str) -> bool:
    rule = FIELD_RULES.get((model, name))
    roles = frozenset(roles)
    allowed = can_write(roles, model)
    return allowed and (rule is None or rule.write is None or bool(rule.write & roles))


def check_write(actor: Actor, model: type[Base], *, state_changes: bool = False) -> None:
    """Refuse with FORBIDDEN unless the actor may write this entity (field rules are checked per changed field).

    With `state_changes`, it is enough that the actor may move the document into some state (warehouse staff ship
    sales orders they may not otherwise edit); which fields and states they change is checked per row.
    """
    if can_write(actor.roles, model):
        return
    if state_changes and any(actor.roles & roles for roles in STATE_ACCESS.get(model, {}).values()):
        return
    raise Refused.one(f"you may not change {label(model)} records", ErrorCode.FORBIDDEN)


def markdown_table() -> str:
    """The permission table as Markdown, for people who are not developers (kept in the README by a test)."""
    roles = [role for role in Role if role is not ADMIN]
    lines = [
        "| entity | " + " | ".join(role.value for role in roles) + " |",
        "|---|" + "---|" * len(roles),
    ]
    for model, access in ENTITY_ACCESS.items():
        cells = [access.get(role, "—") for role in roles]
        lines.append(f"| {model.__name__} | " + " | ".join(cells) + " |")
    lines.append("")
    lines.append("`admin` may read and write everything. Field rules narrow the table:")
    lines.append("")
    for (model, name), rule in FIELD_RULES.items():
        parts = []
        if rule.read is not None:
            parts.append("read by " + ", ".join(sorted(role.value for role in rule.read)) + " only")
        if rule.write is not None:
            parts.append("written by " + ", ".join(sorted(role.value for role in rule.write)) + " only")
        lines.append(f"- {model.__name__} `{name}`: " + "; ".join(parts))
    lines.append("")
    lines.append("Workflow steps (moving a document into a state, by verb or by its Status column) are narrower:")
    lines.append("")
    for model, states in STATE_ACCESS.items():
        steps = ", ".join(
            f"{state} by {', '.join(sorted(role.value for role in roles))}" for state, roles in states.items()
        )
        lines.append(f"- {model.__name__}: {steps}")
    return "\n".join(lines)
