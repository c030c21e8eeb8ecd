"""Purchasing types: suppliers, purchase orders and their lines."""

from datetime import date, datetime
from decimal import Decimal
from typing import Optional

import strawberry
from strawberry import UNSET

from models import purchasing
from models.purchasing import PurchaseOrderStatus
from resolvers.listing import SortKey
from schema.connection import Connection
from schema.errors import UserError
from schema.fields import to_many, to_one
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
from schema.inventory import ERRORS, OBJECT_ON_SUCCESS, Product, Warehouse
from schema.system import AuditEvent, history_of

strawberry.enum(PurchaseOrderStatus, description="Purchase order status: draft, ordered, received or cancelled.")

suppliers = purchasing.Supplier.__table__
purchase_orders = purchasing.PurchaseOrder.__table__
purchase_order_lines = purchasing.PurchaseOrderLine.__table__


def _optional(description: str):
    return strawberry.field(default=UNSET, description=description)


# --- object types ----------------------------------------------------------------------------------------------


@strawberry.type(description="A company we buy from.")
class Supplier:
    id: strawberry.ID = strawberry.field(description="Unique id.")
    version: int = strawberry.field(description="Increases on every change; send it back to update or delete.")
    created_at: datetime = strawberry.field(description="When the supplier was created (UTC).")
    updated_at: datetime = strawberry.field(description="When the supplier last changed (UTC).")
    history: Connection[AuditEvent] | None = history_of(purchasing.Supplier)
    code: str = strawberry.field(description="Unique supplier code, e.g. S-0007; identifies it in sheets.")
    name: str = strawberry.field(description="Company name.")
    email: str | None = strawberry.field(description="Orders email address.")
    phone: str | None = strawberry.field(description="Phone number.")
    country: str | None = strawberry.field(description="Two-letter ISO country code.")
    purchase_orders: list["PurchaseOrder"] | None = to_many(
        purchase_orders.c.supplier_id,
        order=(SortKey(purchase_orders.c.order_date, descending=True), SortKey(purchase_orders.c.id, descending=True)),
        description="Purchase orders sent to this supplier, newest first.",
    )


@strawberry.type(description="An order for goods sent to a supplier, delivered to one warehouse.")
class PurchaseOrder:
    id: strawberry.ID = strawberry.field(description="Unique id.")
    version: int = strawberry.field(description="Increases on every change; send it back to update or delete.")
    created_at: datetime = strawberry.field(description="When the order was created (UTC).")
    updated_at: datetime = strawberry.field(description="When the order last changed (UTC).")
    history: Connection[AuditEvent] | None = history_of(purchasing.PurchaseOrder)
    number: str = strawberry.field(description="Unique number, e.g. PO-000042; generated when not given.")
    status: PurchaseOrderStatus = strawberry.field(description="Draft, ordered, received or cancelled.")
    order_date: date = strawberry.field(description="When the order was placed.")
    expected_date: date | None = strawberry.field(description="When the goods are expected.")
    total_amount: Decimal = strawberry.field(description="What the lines come to (quantity x unit cost).")
    received_amount: Decimal = strawberry.field(description="Value of the goods received so far: what we owe.")
    paid_amount: Decimal = strawberry.field(description="What we have paid the supplier for this order.")
    supplier: Supplier | None = to_one(purchase_orders.c.supplier_id, description="The supplier.")
    warehouse: Warehouse | None = to_one(purchase_orders.c.warehouse_id, description="Where the goods go.")
    lines: list["PurchaseOrderLine"] | None = to_many(
        purchase_order_lines.c.order_id,
        order=(SortKey(purchase_order_lines.c.line_no), SortKey(purchase_order_lines.c.id)),
        description="What is ordered, by line number.",
    )


@strawberry.type(description="One product ordered on a purchase order.")
class PurchaseOrderLine:
    id: strawberry.ID = strawberry.field(description="Unique id.")
    version: int = strawberry.field(description="Increases on every change; send it back to update or delete.")
    created_at: datetime = strawberry.field(description="When the line was created (UTC).")
    updated_at: datetime = strawberry.field(description="When the line last changed (UTC).")
    history: Connection[AuditEvent] | None = history_of(purchasing.PurchaseOrderLine)
    line_no: int = strawberry.field(description="Line number, unique within the order.")
    quantity: Decimal = strawberry.field(description="Units ordered, more than 0.")
    unit_cost: Decimal = strawberry.field(description="Price per unit we pay.")
    received_quantity: Decimal = strawberry.field(description="Units received so far.")
    order: PurchaseOrder | None = to_one(purchase_order_lines.c.order_id, description="The purchase order.")
    product: Product | None = to_one(purchase_order_lines.c.product_id, description="The product ordered.")


# --- filters ---------------------------------------------------------------------------------------------------


@strawberry.input(description="Conditions on a purchase order status.")
class PurchaseOrderStatusFilter(EnumFilter[PurchaseOrderStatus]):
    pass


@strawberry.input(description="Conditions on suppliers; all given conditions must hold.")
class SupplierFilter:
    id: IDFilter | None = _optional("By id.")
    code: StringFilter | None = _optional("By code.")
    name: StringFilter | None = _optional("By name.")
    email: StringFilter | None = _optional("By email.")
    country: StringFilter | None = _optional("By country code.")
    created_at: DateTimeFilter | None = _optional("By creation time.")
    updated_at: DateTimeFilter | None = _optional("By last change.")
    and_: list["SupplierFilter"] | None = strawberry.field(default=UNSET, name="and", description="All must hold.")
    or_: list["SupplierFilter"] | None = strawberry.field(default=UNSET, name="or", description="Any may hold.")
    not_: Optional["SupplierFilter"] = strawberry.field(default=UNSET, name="not", description="Must not hold.")


@strawberry.input(description="Conditions on purchase orders; all given conditions must hold.")
class PurchaseOrderFilter:
    id: IDFilter | None = _optional("By id.")
    number: StringFilter | None = _optional("By number.")
    status: PurchaseOrderStatusFilter | None = _optional("By status.")
    order_date: DateFilter | None = _optional("By order date.")
    expected_date: DateFilter | None = _optional("By expected date.")
    supplier_code: StringFilter | None = _optional("By the supplier's code.")
    warehouse_code: StringFilter | None = _optional("By the warehouse's code.")
    created_at: DateTimeFilter | None = _optional("By creation time.")
    updated_at: DateTimeFilter | None = _optional("By last change.")
    and_: list["PurchaseOrderFilter"] | None = strawberry.field(default=UNSET, name="and", description="All must hold.")
    or_: list["PurchaseOrderFilter"] | None = strawberry.field(default=UNSET, name="or", description="Any may hold.")
    not_: Optional["PurchaseOrderFilter"] = strawberry.field(default=UNSET, name="not", description="Must not hold.")


@strawberry.input(description="Conditions on purchase order lines; all given conditions must hold.")
class PurchaseOrderLineFilter:
    id: IDFilter | None = _optional("By id.")
    line_no: IntFilter | None = _optional("By line number.")
    quantity: DecimalFilter | None = _optional("By quantity.")
    unit_cost: DecimalFilter | None = _optional("By unit cost.")
    order_number: StringFilter | None = _optional("By the order's number.")
    product_sku: StringFilter | None = _optional("By the product's SKU.")
    created_at: DateTimeFilter | None = _optional("By creation time.")
    updated_at: DateTimeFilter | None = _optional("By last change.")
    and_: list["PurchaseOrderLineFilter"] | None = strawberry.field(
        default=UNSET, name="and", description="All must hold."
    )
    or_: list["PurchaseOrderLineFilter"] | None = strawberry.field(
        default=UNSET, name="or", description="Any may hold."
    )
    not_: Optional["PurchaseOrderLineFilter"] = strawberry.field(
        default=UNSET, name="not", description="Must not hold."
    )


# --- ordering --------------------------------------------------------------------------------------------------


@strawberry.input(one_of=True, description="One sort key for suppliers.")
class SupplierOrderBy:
    code: SortDirection | None = _optional("By code.")
    name: SortDirection | None = _optional("By name.")
    country: SortDirection | None = _optional("By country.")
    created_at: SortDirection | None = _optional("By creation time.")
    updated_at: SortDirection | None = _optional("By last change.")


@strawberry.input(one_of=True, description="One sort key for purchase orders.")
class PurchaseOrderOrderBy:
    number: SortDirection | None = _optional("By number.")
    status: SortDirection | None = _optional("By status.")
    order_date: SortDirection | None = _optional("By order date.")
    expected_date: SortDirection | None = _optional("By expected date.")
    created_at: SortDirection | None = _optional("By creation time.")
    updated_at: SortDirection | None = _optional("By last change.")


@strawberry.input(one_of=True, description="One sort key for purchase order lines.")
class PurchaseOrderLineOrderBy:
    line_no: SortDirection | None = _optional("By line number.")
    quantity: SortDirection | None = _optional("By quantity.")
    created_at: SortDirection | None = _optional("By creation time.")
    updated_at: SortDirection | None = _optional("By last change.")


# --- inputs ----------------------------------------------------------------------------------------------------


@strawberry.input(description="A new supplier.")
class CreateSupplierInput:
    code: str = strawberry.field(description="Unique supplier code.")
    name: str = strawberry.field(description="Company name.")
    email: str | None = _optional("Orders email address.")
    phone: str | None = _optional("Phone number.")
    country: str | None = _optional("Two-letter ISO country code.")


@strawberry.input(description="Changes to a supplier; omitted fields stay as they are, null clears.")
class UpdateSupplierInput:
    code: str | None = _optional("Unique supplier code.")
    name: str | None = _optional("Company name.")
    email: str | None = _optional("Orders email address.")
    phone: str | None = _optional("Phone number.")
    country: str | None = _optional("Two-letter ISO country code.")


@strawberry.input(description="A new purchase order.")
class CreatePurchaseOrderInput:
    supplier_id: strawberry.ID = strawberry.field(description="Id of the supplier.")
    warehouse_id: strawberry.ID = strawberry.field(description="Id of the warehouse the goods go to.")
    number: str | None = _optional("Unique number; the next PO-number when omitted.")
    status: PurchaseOrderStatus | None = _optional("DRAFT by default.")
    order_date: date | None = _optional("When the order is placed; today by default.")
    expected_date: date | None = _optional("When the goods are expected.")


@strawberry.input(description="Changes to a purchase order; omitted fields stay as they are, null clears.")
class UpdatePurchaseOrderInput:
    supplier_id: strawberry.ID | None = _optional("Id of the supplier.")
    warehouse_id: strawberry.ID | None = _optional("Id of the warehouse the goods go to.")
    number: str | None = _optional("Unique number.")
    status: PurchaseOrderStatus | None = _optional("New status.")
    order_date: date | None = _optional("When the order is placed.")
    expected_date: date | None = _optional("When the goods are expected.")


@strawberry.input(description="A new line on a purchase order.")
class CreatePurchaseOrderLineInput:
    order_id: strawberry.ID = strawberry.field(description="Id of the purchase order.")
    line_no: int = strawberry.field(description="Line number, 1 or more, unique within the order.")
    product_id: strawberry.ID = strawberry.field(description="Id of the product.")
    quantity: Decimal = strawberry.field(description="Units ordered, more than 0, up to three decimals.")
    unit_cost: Decimal | None = _optional("Price per unit, not negative; 0 by default.")


@strawberry.input(description="Changes to a purchase order line; omitted fields stay as they are.")
class UpdatePurchaseOrderLineInput:
    line_no: int | None = _optional("Line number, unique within the order.")
    product_id: strawberry.ID | None = _optional("Id of the product.")
    quantity: Decimal | None = _optional("Units ordered, more than 0.")
    unit_cost: Decimal | None = _optional("Price per unit, not negative.")


# --- payloads --------------------------------------------------------------------------------------------------


@strawberry.type(description="Result of a supplier mutation.")
class SupplierPayload:
    supplier: Supplier | None = strawberry.field(description=OBJECT_ON_SUCCESS)
    errors: list[UserError] = strawberry.field(description=ERRORS)


@strawberry.type(description="Result of a purchase order mutation.")
class PurchaseOrderPayload:
    purchase_order: PurchaseOrder | None = strawberry.field(description=OBJECT_ON_SUCCESS)
    errors: list[UserError] = strawberry.field(description=ERRORS)


@strawberry.type(description="Result of a purchase order line mutation.")
class PurchaseOrderLinePayload:
    purchase_order_line: PurchaseOrderLine | None = strawberry.field(description=OBJECT_ON_SUCCESS)
    errors: list[UserError] = strawberry.field(description=ERRORS)
