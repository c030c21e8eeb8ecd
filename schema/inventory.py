"""Inventory types: products, warehouses and stock moves."""

from datetime import datetime
from decimal import Decimal
from typing import Annotated, Optional

import sqlalchemy as sa
import strawberry
from strawberry import UNSET

from models import inventory
from models.inventory import StockMoveKind
from resolvers import stock
from resolvers.loaders import Execute
from schema.connection import Connection
from schema.errors import UserError
from schema.fields import _context, require_read, to_one
from schema.filters import (
    BooleanFilter,
    DateTimeFilter,
    DecimalFilter,
    EnumFilter,
    IDFilter,
    SortDirection,
    StringFilter,
)
from schema.system import AuditEvent, history_of

strawberry.enum(StockMoveKind, description="Why goods moved: received, shipped, adjusted, or made and used.")

products = inventory.Product.__table__
warehouses = inventory.Warehouse.__table__
stock_moves = inventory.StockMove.__table__

OBJECT_ON_SUCCESS = "The object as it is now (null when errors is not empty)."
ERRORS = "Problems that prevented the change; empty on success."


def _optional(description: str):
    return strawberry.field(default=UNSET, description=description)


# --- object types ----------------------------------------------------------------------------------------------


@strawberry.type(description="Something we buy, make, stock or sell.")
class Product:
    id: strawberry.ID = strawberry.field(description="Unique id.")
    version: int = strawberry.field(description="Increases on every change; send it back to update or delete.")
    created_at: datetime = strawberry.field(description="When the product was created (UTC).")
    updated_at: datetime = strawberry.field(description="When the product last changed (UTC).")
    history: Connection[AuditEvent] | None = history_of(inventory.Product)
    sku: str = strawberry.field(description="Unique stock-keeping unit, e.g. WID-100; identifies it in sheets.")
    name: str = strawberry.field(description="Product name.")
    unit: str = strawberry.field(description="Unit of measure, e.g. pcs, kg, m.")
    unit_price: Decimal = strawberry.field(description="List price per unit.")
    unit_cost: Decimal = strawberry.field(description="Standard cost per unit.")
    active: bool = strawberry.field(description="False once the product is no longer sold or bought.")

    @strawberry.field(description="Stock in each warehouse the product has moved in or is reserved in.")
    async def stock(self, info: strawberry.Info) -> list["StockLevel"]:
        require_read(info, inventory.StockMove)
        levels = await _context(info).loaders.derived("stock by product", _stock_by_product).load(self.id)
        return levels


@strawberry.type(description="A place where stock is kept.")
class Warehouse:
    id: strawberry.ID = strawberry.field(description="Unique id.")
    version: int = strawberry.field(description="Increases on every change; send it back to update or delete.")
    created_at: datetime = strawberry.field(description="When the warehouse was created (UTC).")
    updated_at: datetime = strawberry.field(description="When the warehouse last changed (UTC).")
    history: Connection[AuditEvent] | None = history_of(inventory.Warehouse)
    code: str = strawberry.field(description="Unique warehouse code, e.g. MAIN.")
    name: str = strawberry.field(description="Display name.")
    allow_negative: bool = strawberry.field(description="Whether stock here may go below zero.")


@strawberry.type(description="How much of a product a warehouse holds, derived from the stock-move ledger.")
class StockLevel:
    on_hand: Decimal = strawberry.field(description="Units in the warehouse: the sum of the product's moves there.")
    reserved: Decimal = strawberry.field(description="Units on confirmed sales orders not yet shipped.")
    available: Decimal = strawberry.field(description="On hand less reserved: what can still be promised.")
    value: Decimal = strawberry.field(description="What the units on hand cost: the sum of their moves' values.")
    product: Product | None = to_one(stock_moves.c.product_id, description="The product.")
    warehouse: Warehouse | None = to_one(stock_moves.c.warehouse_id, description="The warehouse.")


async def _stock_by_product(product_ids: list[int], execute: Execute) -> list[list[stock.StockLevel]]:
    found = stock.levels(
        await execute(stock.holdings_query(product_ids)), await execute(stock.reservations_query(product_ids))
    )
    by_product: dict[int, list[stock.StockLevel]] = {id: [] for id in product_ids}
    for level in found:
        by_product[level.product_id].append(level)
    return [by_product[id] for id in product_ids]


@strawberry.type(description="One movement of goods into (+) or out of (-) a warehouse; never changed once written.")
class StockMove:
    id: strawberry.ID = strawberry.field(description="Unique id.")
    version: int = strawberry.field(description="Always 1: stock moves are never changed.")
    created_at: datetime = strawberry.field(description="When the move was recorded (UTC).")
    updated_at: datetime = strawberry.field(description="Same as createdAt: stock moves are never changed.")
    history: Connection[AuditEvent] | None = history_of(inventory.StockMove)
    quantity: Decimal = strawberry.field(description="Units moved: positive in, negative out.")
    unit_cost: Decimal = strawberry.field(description="Cost per unit at the time of the move.")
    kind: StockMoveKind = strawberry.field(description="Receipt, shipment, adjustment, production in or out.")
    reference: str | None = strawberry.field(description="The document behind the move, e.g. SO-000123.")
    occurred_at: datetime = strawberry.field(description="When the goods moved (UTC).")
    value: Decimal = strawberry.field(description="Quantity x unit cost in cents: what the move adds to inventory.")
    product: Product | None = to_one(stock_moves.c.product_id, description="The product moved.")
    warehouse: Warehouse | None = to_one(stock_moves.c.warehouse_id, description="The warehouse it moved in or out of.")


# --- filters ---------------------------------------------------------------------------------------------------


@strawberry.input(description="Conditions on a stock move kind.")
class StockMoveKindFilter(EnumFilter[StockMoveKind]):
    pass


@strawberry.input(description="Conditions on products; all given conditions must hold.")
class ProductFilter:
    id: IDFilter | None = _optional("By id.")
    sku: StringFilter | None = _optional("By SKU.")
    name: StringFilter | None = _optional("By name.")
    unit: StringFilter | None = _optional("By unit of measure.")
    unit_price: DecimalFilter | None = _optional("By unit price.")
    unit_cost: DecimalFilter | None = _optional("By unit cost.")
    active: BooleanFilter | None = _optional("By whether it is active.")
    created_at: DateTimeFilter | None = _optional("By creation time.")
    updated_at: DateTimeFilter | None = _optional("By last change.")
    and_: list["ProductFilter"] | None = strawberry.field(default=UNSET, name="and", description="All must hold.")
    or_: list["ProductFilter"] | None = strawberry.field(default=UNSET, name="or", description="Any may hold.")
    not_: Optional["ProductFilter"] = strawberry.field(default=UNSET, name="not", description="Must not hold.")


@strawberry.input(description="Conditions on warehouses; all given conditions must hold.")
class WarehouseFilter:
    id: IDFilter | None = _optional("By id.")
    code: StringFilter | None = _optional("By code.")
    name: StringFilter | None = _optional("By name.")
    allow_negative: BooleanFilter | None = _optional("By whether negative stock is allowed.")
    created_at: DateTimeFilter | None = _optional("By creation time.")
    updated_at: DateTimeFilter | None = _optional("By last change.")
    and_: list["WarehouseFilter"] | None = strawberry.field(default=UNSET, name="and", description="All must hold.")
    or_: list["WarehouseFilter"] | None = strawberry.field(default=UNSET, name="or", description="Any may hold.")
    not_: Optional["WarehouseFilter"] = strawberry.field(default=UNSET, name="not", description="Must not hold.")


@strawberry.input(description="Conditions on stock moves; all given conditions must hold.")
class StockMoveFilter:
    id: IDFilter | None = _optional("By id.")
    kind: StockMoveKindFilter | None = _optional("By kind.")
    quantity: DecimalFilter | None = _optional("By quantity (negative for goods out).")
    reference: StringFilter | None = _optional("By reference document.")
    occurred_at: DateTimeFilter | None = _optional("By when the goods moved.")
    product_sku: StringFilter | None = _optional("By the product's SKU.")
    warehouse_code: StringFilter | None = _optional("By the warehouse's code.")
    created_at: DateTimeFilter | None = _optional("By creation time.")
    and_: list["StockMoveFilter"] | None = strawberry.field(default=UNSET, name="and", description="All must hold.")
    or_: list["StockMoveFilter"] | None = strawberry.field(default=UNSET, name="or", description="Any may hold.")
    not_: Optional["StockMoveFilter"] = strawberry.field(default=UNSET, name="not", description="Must not hold.")


# --- ordering --------------------------------------------------------------------------------------------------


@strawberry.input(one_of=True, description="One sort key for products.")
class ProductOrderBy:
    sku: SortDirection | None = _optional("By SKU.")
    name: SortDirection | None = _optional("By name.")
    unit_price: SortDirection | None = _optional("By unit price.")
    unit_cost: SortDirection | None = _optional("By unit cost.")
    created_at: SortDirection | None = _optional("By creation time.")
    updated_at: SortDirection | None = _optional("By last change.")


@strawberry.input(one_of=True, description="One sort key for warehouses.")
class WarehouseOrderBy:
    code: SortDirection | None = _optional("By code.")
    name: SortDirection | None = _optional("By name.")
    created_at: SortDirection | None = _optional("By creation time.")
    updated_at: SortDirection | None = _optional("By last change.")


@strawberry.input(one_of=True, description="One sort key for stock moves.")
class StockMoveOrderBy:
    occurred_at: SortDirection | None = _optional("By when the goods moved.")
    quantity: SortDirection | None = _optional("By quantity.")
    kind: SortDirection | None = _optional("By kind.")
    created_at: SortDirection | None = _optional("By creation time.")


# --- inputs ----------------------------------------------------------------------------------------------------


@strawberry.input(description="A new product.")
class CreateProductInput:
    sku: str = strawberry.field(description="Unique stock-keeping unit.")
    name: str = strawberry.field(description="Product name.")
    unit: str | None = _optional("Unit of measure; pcs by default.")
    unit_price: Decimal | None = _optional("List price per unit, not negative; 0 by default.")
    unit_cost: Decimal | None = _optional("Standard cost per unit, not negative; 0 by default.")
    active: bool | None = _optional("Whether it is sold and bought; true by default.")


@strawberry.input(description="Changes to a product; omitted fields stay as they are, null clears.")
class UpdateProductInput:
    sku: str | None = _optional("Unique stock-keeping unit.")
    name: str | None = _optional("Product name.")
    unit: str | None = _optional("Unit of measure.")
    unit_price: Decimal | None = _optional("List price per unit, not negative.")
    unit_cost: Decimal | None = _optional("Standard cost per unit, not negative.")
    active: bool | None = _optional("Whether it is sold and bought.")


@strawberry.input(description="A new warehouse.")
class CreateWarehouseInput:
    code: str = strawberry.field(description="Unique warehouse code.")
    name: str = strawberry.field(description="Display name.")
    allow_negative: bool | None = _optional("Whether stock may go below zero; false by default.")


@strawberry.input(description="Changes to a warehouse; omitted fields stay as they are, null clears.")
class UpdateWarehouseInput:
    code: str | None = _optional("Unique warehouse code.")
    name: str | None = _optional("Display name.")
    allow_negative: bool | None = _optional("Whether stock may go below zero.")


@strawberry.input(description="A stock adjustment or other movement of goods, recorded once and never changed.")
class CreateStockMoveInput:
    product_id: strawberry.ID = strawberry.field(description="Id of the product.")
    warehouse_id: strawberry.ID = strawberry.field(description="Id of the warehouse.")
    quantity: Decimal = strawberry.field(description="Units moved, up to three decimals: positive in, negative out.")
    kind: StockMoveKind = strawberry.field(description="Why the goods moved.")
    unit_cost: Decimal | None = _optional("Cost per unit; 0 by default.")
    reference: str | None = _optional("The document behind the move.")
    occurred_at: datetime | None = _optional("When the goods moved; now by default.")


# --- payloads --------------------------------------------------------------------------------------------------


@strawberry.type(description="Result of a product mutation.")
class ProductPayload:
    product: Product | None = strawberry.field(description=OBJECT_ON_SUCCESS)
    errors: list[UserError] = strawberry.field(description=ERRORS)


@strawberry.type(description="Result of a warehouse mutation.")
class WarehousePayload:
    warehouse: Warehouse | None = strawberry.field(description=OBJECT_ON_SUCCESS)
    errors: list[UserError] = strawberry.field(description=ERRORS)


@strawberry.type(description="Result of recording a stock move.")
class StockMovePayload:
    stock_move: StockMove | None = strawberry.field(description=OBJECT_ON_SUCCESS)
    errors: list[UserError] = strawberry.field(description=ERRORS)


@strawberry.type
class StockQueries:
    @strawberry.field(
        description="Stock levels (on hand, reserved, available, value) per product and warehouse, by product then"
        " warehouse; narrowed to one product or warehouse by their natural keys (an unknown one matches nothing)."
    )
    async def stock_levels(
        self,
        info: strawberry.Info,
        product_sku: Annotated[str | None, strawberry.argument(description="Only this product (its SKU).")] = None,
        warehouse_code: Annotated[
            str | None, strawberry.argument(description="Only this warehouse (its code).")
        ] = None,
    ) -> list[StockLevel]:
        require_read(info, inventory.StockMove)
        context = _context(info)
        product_ids = warehouse_ids = None
        if product_sku is not None:
            product_ids = [
                row.id for row in await context.execute(sa.select(products.c.id).where(products.c.sku == product_sku))
            ]
        if warehouse_code is not None:
            query = sa.select(warehouses.c.id).where(warehouses.c.code == warehouse_code)
            warehouse_ids = [row.id for row in await context.execute(query)]
        held = await context.execute(stock.holdings_query(product_ids, warehouse_ids))
        return stock.levels(held, await context.execute(stock.reservations_query(product_ids, warehouse_ids)))
