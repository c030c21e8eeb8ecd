"""Manufacturing types: bills of materials, their lines and work orders."""

from datetime import date, datetime
from decimal import Decimal
from typing import Optional

import strawberry
from strawberry import UNSET

from models import manufacturing
from models.manufacturing import WorkOrderStatus
from resolvers.listing import SortKey
from schema.connection import Connection
from schema.errors import UserError
from schema.fields import to_many, to_one
from schema.filters import DateFilter, DateTimeFilter, DecimalFilter, EnumFilter, IDFilter, SortDirection, StringFilter
from schema.inventory import ERRORS, OBJECT_ON_SUCCESS, Product, Warehouse
from schema.system import AuditEvent, history_of

strawberry.enum(WorkOrderStatus, description="Work order status: planned, in progress, done or cancelled.")

bills_of_materials = manufacturing.BillOfMaterials.__table__
bom_lines = manufacturing.BomLine.__table__
work_orders = manufacturing.WorkOrder.__table__


def _optional(description: str):
    return strawberry.field(default=UNSET, description=description)


@strawberry.type(description="The components one unit of a product is made of; one per product.")
class BillOfMaterials:
    id: strawberry.ID = strawberry.field(description="Unique id.")
    version: int = strawberry.field(description="Increases on every change; send it back to update or delete.")
    created_at: datetime = strawberry.field(description="When the bill of materials was created (UTC).")
    updated_at: datetime = strawberry.field(description="When the bill of materials last changed (UTC).")
    history: Connection[AuditEvent] | None = history_of(manufacturing.BillOfMaterials)
    notes: str | None = strawberry.field(description="How the product is assembled.")
    product: Product | None = to_one(bills_of_materials.c.product_id, description="The product it makes.")
    lines: list["BomLine"] | None = to_many(
        bom_lines.c.bom_id, order=(SortKey(bom_lines.c.id),), description="The components, in the order added."
    )


@strawberry.type(description="One component of a bill of materials and how much of it one unit needs.")
class BomLine:
    id: strawberry.ID = strawberry.field(description="Unique id.")
    version: int = strawberry.field(description="Increases on every change; send it back to update or delete.")
    created_at: datetime = strawberry.field(description="When the line was created (UTC).")
    updated_at: datetime = strawberry.field(description="When the line last changed (UTC).")
    history: Connection[AuditEvent] | None = history_of(manufacturing.BomLine)
    quantity_per_unit: Decimal = strawberry.field(description="Units of the component per unit made, more than 0.")
    bom: BillOfMaterials | None = to_one(bom_lines.c.bom_id, description="The bill of materials.")
    component: Product | None = to_one(bom_lines.c.component_id, description="The component product.")


@strawberry.type(description="An order to make a quantity of a product in a warehouse.")
class WorkOrder:
    id: strawberry.ID = strawberry.field(description="Unique id.")
    version: int = strawberry.field(description="Increases on every change; send it back to update or delete.")
    created_at: datetime = strawberry.field(description="When the work order was created (UTC).")
    updated_at: datetime = strawberry.field(description="When the work order last changed (UTC).")
    history: Connection[AuditEvent] | None = history_of(manufacturing.WorkOrder)
    number: str = strawberry.field(description="Unique number, e.g. WO-000009; generated when not given.")
    quantity: Decimal = strawberry.field(description="Units to make, more than 0.")
    status: WorkOrderStatus = strawberry.field(description="Planned, in progress, done or cancelled.")
    due_date: date | None = strawberry.field(description="When the goods are needed.")
    product: Product | None = to_one(work_orders.c.product_id, description="The product to make.")
    warehouse: Warehouse | None = to_one(work_orders.c.warehouse_id, description="Where it is made and stocked.")


@strawberry.input(description="Conditions on a work order status.")
class WorkOrderStatusFilter(EnumFilter[WorkOrderStatus]):
    pass


@strawberry.input(description="Conditions on bills of materials; all given conditions must hold.")
class BillOfMaterialsFilter:
    id: IDFilter | None = _optional("By id.")
    product_sku: StringFilter | None = _optional("By the product's SKU.")
    created_at: DateTimeFilter | None = _optional("By creation time.")
    updated_at: DateTimeFilter | None = _optional("By last change.")
    and_: list["BillOfMaterialsFilter"] | None = strawberry.field(
        default=UNSET, name="and", description="All must hold."
    )
    or_: list["BillOfMaterialsFilter"] | None = strawberry.field(default=UNSET, name="or", description="Any may hold.")
    not_: Optional["BillOfMaterialsFilter"] = strawberry.field(default=UNSET, name="not", description="Must not hold.")


@strawberry.input(description="Conditions on bill-of-materials lines; all given conditions must hold.")
class BomLineFilter:
    id: IDFilter | None = _optional("By id.")
    bom_id: IDFilter | None = _optional("By the bill of materials' id.")
    component_sku: StringFilter | None = _optional("By the component's SKU.")
    quantity_per_unit: DecimalFilter | None = _optional("By quantity per unit.")
    and_: list["BomLineFilter"] | None = strawberry.field(default=UNSET, name="and", description="All must hold.")
    or_: list["BomLineFilter"] | None = strawberry.field(default=UNSET, name="or", description="Any may hold.")
    not_: Optional["BomLineFilter"] = strawberry.field(default=UNSET, name="not", description="Must not hold.")


@strawberry.input(description="Conditions on work orders; all given conditions must hold.")
class WorkOrderFilter:
    id: IDFilter | None = _optional("By id.")
    number: StringFilter | None = _optional("By number.")
    status: WorkOrderStatusFilter | None = _optional("By status.")
    quantity: DecimalFilter | None = _optional("By quantity.")
    due_date: DateFilter | None = _optional("By due date.")
    product_sku: StringFilter | None = _optional("By the product's SKU.")
    warehouse_code: StringFilter | None = _optional("By the warehouse's code.")
    created_at: DateTimeFilter | None = _optional("By creation time.")
    updated_at: DateTimeFilter | None = _optional("By last change.")
    and_: list["WorkOrderFilter"] | None = strawberry.field(default=UNSET, name="and", description="All must hold.")
    or_: list["WorkOrderFilter"] | None = strawberry.field(default=UNSET, name="or", description="Any may hold.")
    not_: Optional["WorkOrderFilter"] = strawberry.field(default=UNSET, name="not", description="Must not hold.")


@strawberry.input(one_of=True, description="One sort key for bills of materials.")
class BillOfMaterialsOrderBy:
    created_at: SortDirection | None = _optional("By creation time.")
    updated_at: SortDirection | None = _optional("By last change.")


@strawberry.input(one_of=True, description="One sort key for bill-of-materials lines.")
class BomLineOrderBy:
    quantity_per_unit: SortDirection | None = _optional("By quantity per unit.")
    created_at: SortDirection | None = _optional("By creation time.")


@strawberry.input(one_of=True, description="One sort key for work orders.")
class WorkOrderOrderBy:
    number: SortDirection | None = _optional("By number.")
    status: SortDirection | None = _optional("By status.")
    due_date: SortDirection | None = _optional("By due date.")
    created_at: SortDirection | None = _optional("By creation time.")
    updated_at: SortDirection | None = _optional("By last change.")


@strawberry.input(description="A new bill of materials for a product that has none.")
class CreateBillOfMaterialsInput:
    product_id: strawberry.ID = strawberry.field(description="Id of the product it makes.")
    notes: str | None = _optional("How the product is assembled.")


@strawberry.input(description="Changes to a bill of materials; omitted fields stay as they are, null clears.")
class UpdateBillOfMaterialsInput:
    product_id: strawberry.ID | None = _optional("Id of the product it makes.")
    notes: str | None = _optional("How the product is assembled.")


@strawberry.input(description="A new component on a bill of materials.")
class CreateBomLineInput:
    bom_id: strawberry.ID = strawberry.field(description="Id of the bill of materials.")
    component_id: strawberry.ID = strawberry.field(description="Id of the component product.")
    quantity_per_unit: Decimal = strawberry.field(description="Units of the component per unit made, more than 0.")


@strawberry.input(description="Changes to a bill-of-materials line; omitted fields stay as they are.")
class UpdateBomLineInput:
    component_id: strawberry.ID | None = _optional("Id of the component product.")
    quantity_per_unit: Decimal | None = _optional("Units of the component per unit made, more than 0.")


@strawberry.input(description="A new work order.")
class CreateWorkOrderInput:
    product_id: strawberry.ID = strawberry.field(description="Id of the product to make.")
    warehouse_id: strawberry.ID = strawberry.field(description="Id of the warehouse where it is made.")
    quantity: Decimal = strawberry.field(description="Units to make, more than 0.")
    number: str | None = _optional("Unique number; the next WO-number when omitted.")
    status: WorkOrderStatus | None = _optional("PLANNED by default.")
    due_date: date | None = _optional("When the goods are needed.")


@strawberry.input(description="Changes to a work order; omitted fields stay as they are, null clears.")
class UpdateWorkOrderInput:
    product_id: strawberry.ID | None = _optional("Id of the product to make.")
    warehouse_id: strawberry.ID | None = _optional("Id of the warehouse where it is made.")
    quantity: Decimal | None = _optional("Units to make, more than 0.")
    number: str | None = _optional("Unique number.")
    status: WorkOrderStatus | None = _optional("New status.")
    due_date: date | None = _optional("When the goods are needed.")


@strawberry.type(description="Result of a bill-of-materials mutation.")
class BillOfMaterialsPayload:
    bill_of_materials: BillOfMaterials | None = strawberry.field(description=OBJECT_ON_SUCCESS)
    errors: list[UserError] = strawberry.field(description=ERRORS)


@strawberry.type(description="Result of a bill-of-materials line mutation.")
class BomLinePayload:
    bom_line: BomLine | None = strawberry.field(description=OBJECT_ON_SUCCESS)
    errors: list[UserError] = strawberry.field(description=ERRORS)


@strawberry.type(description="Result of a work order mutation.")
class WorkOrderPayload:
    work_order: WorkOrder | None = strawberry.field(description=OBJECT_ON_SUCCESS)
    errors: list[UserError] = strawberry.field(description=ERRORS)
