"""Who may read and write what: the one permission table, applied to every client (API, imports, exports, CLI).

Entity access is declared per role; field rules narrow it for sensitive fields. `admin` may do everything.
"""

from collections.abc import Iterable
from dataclasses import dataclass, field

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


@dataclass(frozen=True)
class Actor:
    """Who is making a change or a request, with which roles, and through which channel."""

    user_id: int | None
    email: str | None
    roles: frozenset[Role] = field(default_factory=frozenset)
    via: str = "api"
    #: The import batch its changes belong to (imports and sheet syncs), so that they can be undone together.
    batch_id: int | None = None

    @classmethod
    def system(cls, via: str = "cli") -> "Actor":
        """Operators at the command line act with full rights."""
        return cls(user_id=None, email=None, roles=frozenset({ADMIN}), via=via)


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


def check_write(actor: Actor, model: type[Base]) -> None:
    """Refuse with FORBIDDEN unless the actor may write this entity (field rules are checked per changed field)."""
    if not can_write(actor.roles, model):
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
    return "\n".join(lines)
