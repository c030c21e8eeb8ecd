"""Sales types: sales orders and their lines."""

from datetime import date, datetime
from decimal import Decimal
from typing import Annotated, Optional

import strawberry
from strawberry import UNSET

from models import sales
from models.finance import Invoice
from models.sales import SalesOrderStatus
from resolvers.listing import SortKey
from schema.connection import Connection
from schema.crm import Customer
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

strawberry.enum(SalesOrderStatus, description="Sales order status: draft, confirmed, shipped, invoiced or cancelled.")

sales_orders = sales.SalesOrder.__table__
sales_order_lines = sales.SalesOrderLine.__table__
invoices = Invoice.__table__


def _optional(description: str):
    return strawberry.field(default=UNSET, description=description)


@strawberry.type(description="An order a customer placed, shipped from one warehouse.")
class SalesOrder:
    id: strawberry.ID = strawberry.field(description="Unique id.")
    version: int = strawberry.field(description="Increases on every change; send it back to update or delete.")
    created_at: datetime = strawberry.field(description="When the order was created (UTC).")
    updated_at: datetime = strawberry.field(description="When the order last changed (UTC).")
    history: Connection[AuditEvent] | None = history_of(sales.SalesOrder)
    number: str = strawberry.field(description="Unique number, e.g. SO-000123; generated when not given.")
    status: SalesOrderStatus = strawberry.field(description="Draft, confirmed, shipped, invoiced or cancelled.")
    order_date: date = strawberry.field(description="When the customer ordered.")
    total_amount: Decimal = strawberry.field(description="What the lines come to after discounts (before tax).")
    customer: Customer | None = to_one(sales_orders.c.customer_id, description="The customer who ordered.")
    warehouse: Warehouse | None = to_one(sales_orders.c.warehouse_id, description="Where the goods ship from.")
    lines: list["SalesOrderLine"] | None = to_many(
        sales_order_lines.c.order_id,
        order=(SortKey(sales_order_lines.c.line_no), SortKey(sales_order_lines.c.id)),
        description="What is ordered, by line number.",
    )
    invoices: list[Annotated["Invoice", strawberry.lazy("schema.finance")]] | None = to_many(
        invoices.c.sales_order_id,
        order=(SortKey(invoices.c.id),),
        description="The order's invoice (and any cancelled before it), oldest first.",
    )


@strawberry.type(description="One product ordered on a sales order.")
class SalesOrderLine:
    id: strawberry.ID = strawberry.field(description="Unique id.")
    version: int = strawberry.field(description="Increases on every change; send it back to update or delete.")
    created_at: datetime = strawberry.field(description="When the line was created (UTC).")
    updated_at: datetime = strawberry.field(description="When the line last changed (UTC).")
    history: Connection[AuditEvent] | None = history_of(sales.SalesOrderLine)
    line_no: int = strawberry.field(description="Line number, unique within the order.")
    quantity: Decimal = strawberry.field(description="Units ordered, more than 0.")
    unit_price: Decimal = strawberry.field(description="Price per unit before discount.")
    discount_percent: Decimal = strawberry.field(description="Discount on the line, 0 to 100 percent.")
    order: SalesOrder | None = to_one(sales_order_lines.c.order_id, description="The sales order.")
    product: Product | None = to_one(sales_order_lines.c.product_id, description="The product ordered.")


@strawberry.input(description="Conditions on a sales order status.")
class SalesOrderStatusFilter(EnumFilter[SalesOrderStatus]):
    pass


@strawberry.input(description="Conditions on sales orders; all given conditions must hold.")
class SalesOrderFilter:
    id: IDFilter | None = _optional("By id.")
    number: StringFilter | None = _optional("By number.")
    status: SalesOrderStatusFilter | None = _optional("By status.")
    order_date: DateFilter | None = _optional("By order date.")
    customer_code: StringFilter | None = _optional("By the customer's code.")
    warehouse_code: StringFilter | None = _optional("By the warehouse's code.")
    created_at: DateTimeFilter | None = _optional("By creation time.")
    updated_at: DateTimeFilter | None = _optional("By last change.")
    and_: list["SalesOrderFilter"] | None = strawberry.field(default=UNSET, name="and", description="All must hold.")
    or_: list["SalesOrderFilter"] | None = strawberry.field(default=UNSET, name="or", description="Any may hold.")
    not_: Optional["SalesOrderFilter"] = strawberry.field(default=UNSET, name="not", description="Must not hold.")


@strawberry.input(description="Conditions on sales order lines; all given conditions must hold.")
class SalesOrderLineFilter:
    id: IDFilter | None = _optional("By id.")
    line_no: IntFilter | None = _optional("By line number.")
    quantity: DecimalFilter | None = _optional("By quantity.")
    unit_price: DecimalFilter | None = _optional("By unit price.")
    discount_percent: DecimalFilter | None = _optional("By discount percent.")
    order_number: StringFilter | None = _optional("By the order's number.")
    product_sku: StringFilter | None = _optional("By the product's SKU.")
    created_at: DateTimeFilter | None = _optional("By creation time.")
    updated_at: DateTimeFilter | None = _optional("By last change.")
    and_: list["SalesOrderLineFilter"] | None = strawberry.field(
        default=UNSET, name="and", description="All must hold."
    )
    or_: list["SalesOrderLineFilter"] | None = strawberry.field(default=UNSET, name="or", description="Any may hold.")
    not_: Optional["SalesOrderLineFilter"] = strawberry.field(default=UNSET, name="not", description="Must not hold.")


@strawberry.input(one_of=True, description="One sort key for sales orders.")
class SalesOrderOrderBy:
    number: SortDirection | None = _optional("By number.")
    status: SortDirection | None = _optional("By status.")
    order_date: SortDirection | None = _optional("By order date.")
    created_at: SortDirection | None = _optional("By creation time.")
    updated_at: SortDirection | None = _optional("By last change.")


@strawberry.input(one_of=True, description="One sort key for sales order lines.")
class SalesOrderLineOrderBy:
    line_no: SortDirection | None = _optional("By line number.")
    quantity: SortDirection | None = _optional("By quantity.")
    unit_price: SortDirection | None = _optional("By unit price.")
    created_at: SortDirection | None = _optional("By creation time.")
    updated_at: SortDirection | None = _optional("By last change.")


@strawberry.input(description="A new sales order.")
class CreateSalesOrderInput:
    customer_id: strawberry.ID = strawberry.field(description="Id of the customer.")
    warehouse_id: strawberry.ID = strawberry.field(description="Id of the warehouse the goods ship from.")
    number: str | None = _optional("Unique number; the next SO-number when omitted.")
    status: SalesOrderStatus | None = _optional("DRAFT by default.")
    order_date: date | None = _optional("When the customer ordered; today by default.")


@strawberry.input(description="Changes to a sales order; omitted fields stay as they are, null clears.")
class UpdateSalesOrderInput:
    customer_id: strawberry.ID | None = _optional("Id of the customer.")
    warehouse_id: strawberry.ID | None = _optional("Id of the warehouse the goods ship from.")
    number: str | None = _optional("Unique number.")
    status: SalesOrderStatus | None = _optional("New status.")
    order_date: date | None = _optional("When the customer ordered.")


@strawberry.input(description="A new line on a sales order.")
class CreateSalesOrderLineInput:
    order_id: strawberry.ID = strawberry.field(description="Id of the sales order.")
    line_no: int = strawberry.field(description="Line number, 1 or more, unique within the order.")
    product_id: strawberry.ID = strawberry.field(description="Id of the product.")
    quantity: Decimal = strawberry.field(description="Units ordered, more than 0, up to three decimals.")
    unit_price: Decimal | None = _optional("Price per unit, not negative; 0 by default.")
    discount_percent: Decimal | None = _optional("Discount, 0 to 100 percent; 0 by default.")


@strawberry.input(description="Changes to a sales order line; omitted fields stay as they are.")
class UpdateSalesOrderLineInput:
    line_no: int | None = _optional("Line number, unique within the order.")
    product_id: strawberry.ID | None = _optional("Id of the product.")
    quantity: Decimal | None = _optional("Units ordered, more than 0.")
    unit_price: Decimal | None = _optional("Price per unit, not negative.")
    discount_percent: Decimal | None = _optional("Discount, 0 to 100 percent.")


@strawberry.type(description="Result of a sales order mutation.")
class SalesOrderPayload:
    sales_order: SalesOrder | None = strawberry.field(description=OBJECT_ON_SUCCESS)
    errors: list[UserError] = strawberry.field(description=ERRORS)


@strawberry.type(description="Result of a sales order line mutation.")
class SalesOrderLinePayload:
    sales_order_line: SalesOrderLine | None = strawberry.field(description=OBJECT_ON_SUCCESS)
    errors: list[UserError] = strawberry.field(description=ERRORS)
