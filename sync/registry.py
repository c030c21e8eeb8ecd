"""The sheet registry: every entity's spreadsheet layout, declared once.

A layout names the sheet, its columns (model attributes, in order) and which departments use it. Everything else is
derived from the model: column titles, value kinds, which columns are required or read-only, how a relation is
written (the referenced row's natural key: `Customer Code`, `Owner Email`), dropdown values and import order. The
same layouts serve xlsx, csv and Google Sheets.
"""

import enum
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from functools import cached_property

import sqlalchemy as sa
from sqlalchemy.orm import RelationshipDirection

from models.base import Base
from models.crm import Contact, Customer, Interaction, Opportunity, Ticket
from models.finance import Account, Invoice, InvoiceLine, JournalEntry, JournalLine, Payment
from models.hr import Department, Employee
from models.inventory import Product, StockMove, Warehouse
from models.manufacturing import BillOfMaterials, BomLine, WorkOrder
from models.purchasing import PurchaseOrder, PurchaseOrderLine, Supplier
from models.sales import SalesOrder, SalesOrderLine
from models.system import AuditEvent, ImportBatch, User
from resolvers.validation import python_type, required_columns


class Kind(enum.Enum):
    """What a column holds, which decides how cells are written and parsed."""

    ID = "id"
    TEXT = "text"
    INTEGER = "integer"
    MONEY = "money"
    DECIMAL = "decimal"
    DATE = "date"
    DATETIME = "datetime"
    BOOLEAN = "boolean"
    CHOICE = "choice"
    REFERENCE = "reference"
    JSON = "json"


@dataclass(frozen=True)
class Reference:
    """A relation written as the referenced row's natural key; `scope` ties a composite key to this row.

    Example: an interaction's contact is written as its email; the contact is looked up among the contacts of the
    interaction's own customer (`scope = ("customer_id", Contact.customer_id)`).
    """

    target: type[Base]
    key: sa.Column
    scope: tuple[str, sa.Column] | None = None
    #: When the target is known by a related row's key (a bill of materials by its product's SKU): the target's
    #: column pointing at the table that holds `key`.
    via: sa.Column | None = None

    @property
    def key_name(self) -> str:
        """The key as people name it: 'code', or 'product sku' for a target known by a related row's key."""
        name = self.key.name.replace("_", " ")
        return name if self.via is None else f"{self.via.name.removesuffix('_id').replace('_', ' ')} {name}"

    @property
    def key_source(self) -> sa.FromClause:
        """The target's table, joined to the table holding its key when that is another one."""
        target = self.target.__table__
        if self.via is None:
            return target
        return target.join(self.key.table, self.key.table.c.id == self.via)


@dataclass(frozen=True)
class Column:
    """One sheet column: its title, the model attribute it holds, and how."""

    title: str
    attribute: str
    kind: Kind
    required: bool = False
    read_only: bool = False
    reference: Reference | None = None
    choices: type[enum.Enum] | None = None
    width: int = 16

    @property
    def normalized_title(self) -> str:
        return normalize_header(self.title)


def normalize_header(text: str) -> str:
    """Headers match ignoring case, spaces, underscores and dashes ('Customer Code' = 'customer_code')."""
    return re.sub(r"[\s_\-]+", "", str(text)).lower()


def choice_label(member: enum.Enum) -> str:
    """How a choice is shown in a sheet: 'in_progress' -> 'In progress'."""
    return member.value.replace("_", " ").capitalize()


ACRONYMS = {"sku": "SKU", "bom": "BOM"}


def _title(attribute: str) -> str:
    return " ".join(ACRONYMS.get(part, part.capitalize()) for part in attribute.split("_"))


def _reference(model: type[Base], attribute: str) -> tuple[str, Reference]:
    """The title and natural-key reference for a foreign-key column ('owner_id' -> 'Owner Email')."""
    for relation in sa.inspect(model).relationships:
        if relation.direction is not RelationshipDirection.MANYTOONE:
            continue
        (local,) = relation.local_columns
        if local.name != attribute:
            continue
        target = relation.mapper.class_
        own_keys = [name for name in target.__natural_key__ if name in target.__table__.c]
        scoped = [name for name in target.__natural_key__ if name not in target.__table__.c]
        if not own_keys and len(scoped) == 1:
            # Known by a related row's key: a bill of materials is written as its product's SKU.
            key_relation = sa.inspect(target).relationships[scoped[0]]
            (via,) = key_relation.local_columns
            key_model = key_relation.mapper.class_
            (key,) = key_model.__natural_key__
            title = f"{_title(relation.key)} {_title(key_relation.key)} {_title(key)}"
            return title, Reference(target, key_model.__table__.c[key], via=via)
        (key,) = own_keys
        scope = None
        if scoped:
            (scope_relation,) = scoped
            (target_column,) = sa.inspect(target).relationships[scope_relation].local_columns
            scope = (target_column.name, target_column)
        return f"{_title(relation.key)} {_title(key)}", Reference(target, target.__table__.c[key], scope)
    raise LookupError(f"{model.__name__}.{attribute} is not a many-to-one relation")


def _kind(column: sa.Column) -> Kind:
    column_type = column.type
    if isinstance(column_type, sa.Enum):
        return Kind.CHOICE
    if isinstance(column_type, sa.JSON):
        return Kind.JSON
    held = python_type(column_type)
    if held is Decimal and (column_type.precision, column_type.scale) != (14, 2):
        return Kind.DECIMAL  # quantities (three places) and percentages: numbers, not money
    return {
        str: Kind.TEXT,
        int: Kind.INTEGER,
        Decimal: Kind.MONEY,
        date: Kind.DATE,
        datetime: Kind.DATETIME,
        bool: Kind.BOOLEAN,
    }[held]


@dataclass(frozen=True)
class SheetLayout:
    """How one entity looks as a sheet."""

    title: str
    model: type[Base]
    attributes: tuple[str, ...]
    departments: frozenset[str] = field(default_factory=frozenset)
    read_only_attributes: frozenset[str] = field(default_factory=frozenset)
    importable: bool = True

    @property
    def slug(self) -> str:
        """URL form of the title: 'Sales Orders' -> 'sales-orders'."""
        return self.title.lower().replace(" ", "-")

    @cached_property
    def columns(self) -> tuple[Column, ...]:
        table = self.model.__table__
        required = set(required_columns(self.model))
        columns = [Column("ID", "id", Kind.ID, read_only=False, width=8)]
        for attribute in self.attributes:
            column = table.c[attribute]
            derived = column.info.get("derived", False)  # kept by Onebook (an order's total): shown, never read back
            read_only = attribute in self.read_only_attributes or derived or not self.importable
            if column.foreign_keys:
                title, reference = _reference(self.model, attribute)
                columns.append(
                    Column(title, attribute, Kind.REFERENCE, attribute in required, read_only, reference, width=22)
                )
                continue
            kind = _kind(column)
            choices = column.type.enum_class if kind is Kind.CHOICE else None
            width = {Kind.TEXT: 24, Kind.DATETIME: 20, Kind.JSON: 40}.get(kind, 14)
            if kind is Kind.TEXT and column.type.length and column.type.length <= 32:
                width = 14
            columns.append(
                Column(
                    _title(attribute), attribute, kind, attribute in required, read_only, choices=choices, width=width
                )
            )
        return tuple(columns)

    @cached_property
    def natural_key(self) -> tuple[str, ...]:
        """Natural key as attributes of this model ('customer' -> 'customer_id')."""
        relations = sa.inspect(self.model).relationships
        return tuple(
            name if name in self.model.__table__.c else next(iter(relations[name].local_columns)).name
            for name in self.model.__natural_key__
        )

    def column(self, attribute: str) -> Column:
        return next(column for column in self.columns if column.attribute == attribute)


PURCHASE_ORDER_COLUMNS = (
    "number", "supplier_id", "warehouse_id", "status", "order_date", "expected_date",
    "total_amount", "received_amount", "paid_amount",
)  # fmt: skip
INVOICE_COLUMNS = (
    "number", "customer_id", "sales_order_id", "status", "issue_date", "due_date", "tax_rate",
    "net_amount", "tax_amount", "total_amount", "paid_amount",
)  # fmt: skip

SHEETS: tuple[SheetLayout, ...] = (
    SheetLayout(
        "Departments",
        Department,
        ("code", "name", "head_id"),
        departments=frozenset({"hr"}),
    ),
    SheetLayout(
        "Employees",
        Employee,
        ("email", "name", "title", "department_id", "manager_id", "hire_date", "salary"),
        departments=frozenset({"hr"}),
    ),
    SheetLayout(
        "Customers",
        Customer,
        (
            "code",
            "name",
            "kind",
            "email",
            "phone",
            "address",
            "city",
            "country",
            "segment",
            "status",
            "credit_limit",
            "owner_id",
            "notes",
            "updated_at",
        ),
        departments=frozenset({"sales", "finance"}),
        read_only_attributes=frozenset({"updated_at"}),
    ),
    SheetLayout(
        "Contacts",
        Contact,
        ("customer_id", "name", "title", "email", "phone"),
        departments=frozenset({"sales"}),
    ),
    SheetLayout(
        "Interactions",
        Interaction,
        ("customer_id", "contact_id", "employee_id", "kind", "occurred_at", "subject", "notes", "outcome"),
        departments=frozenset({"sales"}),
    ),
    SheetLayout(
        "Opportunities",
        Opportunity,
        ("number", "customer_id", "title", "stage", "amount", "probability", "expected_close", "owner_id"),
        departments=frozenset({"sales"}),
    ),
    SheetLayout(
        "Tickets",
        Ticket,
        ("number", "customer_id", "subject", "status", "priority", "assignee_id", "resolution"),
        departments=frozenset({"sales"}),
    ),
    SheetLayout(
        "Products",
        Product,
        ("sku", "name", "unit", "unit_price", "unit_cost", "active"),
        departments=frozenset({"warehouse", "sales", "purchasing"}),
    ),
    SheetLayout(
        "Warehouses",
        Warehouse,
        ("code", "name", "allow_negative"),
        departments=frozenset({"warehouse"}),
    ),
    SheetLayout(
        "Stock Moves",
        StockMove,
        ("occurred_at", "product_id", "warehouse_id", "quantity", "unit_cost", "value", "kind", "reference"),
        departments=frozenset({"warehouse"}),
        importable=False,  # the ledger is written by receipts, shipments and adjustments, never edited in a sheet
    ),
    SheetLayout(
        "Suppliers",
        Supplier,
        ("code", "name", "email", "phone", "country"),
        departments=frozenset({"purchasing"}),
    ),
    SheetLayout(
        "Purchase Orders",
        PurchaseOrder,
        PURCHASE_ORDER_COLUMNS,
        departments=frozenset({"purchasing"}),
    ),
    SheetLayout(
        "Purchase Order Lines",
        PurchaseOrderLine,
        ("order_id", "line_no", "product_id", "quantity", "unit_cost", "received_quantity"),
        departments=frozenset({"purchasing"}),
        read_only_attributes=frozenset({"received_quantity"}),
    ),
    SheetLayout(
        "Sales Orders",
        SalesOrder,
        ("number", "customer_id", "warehouse_id", "status", "order_date", "total_amount"),
        departments=frozenset({"sales"}),
    ),
    SheetLayout(
        "Sales Order Lines",
        SalesOrderLine,
        ("order_id", "line_no", "product_id", "quantity", "unit_price", "discount_percent"),
        departments=frozenset({"sales"}),
    ),
    SheetLayout(
        "Invoices",
        Invoice,
        INVOICE_COLUMNS,
        departments=frozenset({"finance"}),
    ),
    SheetLayout(
        "Invoice Lines",
        InvoiceLine,
        ("invoice_id", "line_no", "description", "quantity", "unit_price"),
        departments=frozenset({"finance"}),
    ),
    SheetLayout(
        "Payments",
        Payment,
        ("direction", "invoice_id", "purchase_order_id", "amount", "paid_at", "method", "reference"),
        departments=frozenset({"finance"}),
    ),
    SheetLayout(
        "Accounts",
        Account,
        ("code", "name", "kind"),
        departments=frozenset({"finance"}),
    ),
    SheetLayout(
        "Journal Entries",
        JournalEntry,
        ("number", "posted_at", "memo", "source"),
        departments=frozenset({"finance"}),
        importable=False,  # posted by operations (invoicing, receiving, ...), never edited in a sheet
    ),
    SheetLayout(
        "Journal Lines",
        JournalLine,
        ("entry_id", "account_id", "debit", "credit", "memo"),
        departments=frozenset({"finance"}),
        importable=False,
    ),
    SheetLayout(
        "Bills of Materials",
        BillOfMaterials,
        ("product_id", "notes"),
        departments=frozenset({"warehouse"}),
    ),
    SheetLayout(
        "BOM Lines",
        BomLine,
        ("bom_id", "component_id", "quantity_per_unit"),
        departments=frozenset({"warehouse"}),
    ),
    SheetLayout(
        "Work Orders",
        WorkOrder,
        ("number", "product_id", "quantity", "warehouse_id", "status", "due_date"),
        departments=frozenset({"warehouse"}),
    ),
    SheetLayout("Users", User, ("email", "name", "active", "roles")),
    SheetLayout(
        "Audit Events",
        AuditEvent,
        ("occurred_at", "actor_email", "via", "action", "entity", "entity_id", "changes"),
        importable=False,
    ),
    SheetLayout(
        "Import Batches",
        ImportBatch,
        ("created_at", "actor_email", "filename", "status", "summary"),
        importable=False,
    ),
)

#: Models that deliberately have no sheet, with the reason.
NO_SHEET = {
    "ApiToken": "token hashes are secrets; tokens are managed with `onebook tokens`",
    "SheetLink": "links are managed with `onebook sheets link`; a link's snapshot is internal state",
    "DocumentCounter": "internal: the last document number per prefix, advanced only by `next_number`",
}

DEPARTMENTS = ("sales", "purchasing", "warehouse", "finance", "hr")


def layout_for(name: str) -> SheetLayout:
    """A layout by title, slug or model name, ignoring case and spacing."""
    wanted = normalize_header(name)
    for layout in SHEETS:
        if wanted in (normalize_header(layout.title), normalize_header(layout.slug), layout.model.__name__.lower()):
            return layout
    raise KeyError(name)


def layout_of(model: type[Base]) -> SheetLayout:
    return next(layout for layout in SHEETS if layout.model is model)


def select_layouts(sheets: Iterable[str] | None = None, department: str | None = None) -> list[SheetLayout]:
    """Layouts named (by title or slug) or used by a department, in import order; all importable ones by default."""
    if sheets:
        chosen = {layout_for(name).title for name in sheets}
        return [layout for layout in SHEETS if layout.title in chosen]
    if department:
        return [layout for layout in SHEETS if department in layout.departments]
    return [layout for layout in SHEETS if layout.importable]


def deferred_references(layouts: Sequence[SheetLayout]) -> set[tuple[str, str]]:
    """(sheet title, attribute) of references to a sheet imported at the same time or later (cycles, self
    references): those cells are applied in a second pass, once every row they may point at exists."""
    position = {layout.model: index for index, layout in enumerate(SHEETS)}
    deferred = set()
    for layout in layouts:
        for column in layout.columns:
            if column.reference is not None and position.get(column.reference.target, -1) >= position[layout.model]:
                deferred.add((layout.title, column.attribute))
    return deferred
