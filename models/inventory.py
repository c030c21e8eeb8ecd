"""Inventory: products, warehouses and the stock-move ledger (stock levels are derived from it)."""

import enum
from datetime import datetime
from decimal import Decimal

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from models.base import Base, Quantity, Record, enum_column_type, utcnow


class StockMoveKind(enum.Enum):
    RECEIPT = "receipt"
    SHIPMENT = "shipment"
    ADJUSTMENT = "adjustment"
    PRODUCTION_IN = "production_in"
    PRODUCTION_OUT = "production_out"


class Product(Record, Base):
    __tablename__ = "products"
    __natural_key__ = ("sku",)
    __table_args__ = (
        sa.CheckConstraint("unit_price >= 0", name="unit_price_not_negative"),
        sa.CheckConstraint("unit_cost >= 0", name="unit_cost_not_negative"),
    )

    sku: Mapped[str] = mapped_column(sa.String(64), unique=True)
    name: Mapped[str] = mapped_column(sa.String(200), index=True)
    unit: Mapped[str] = mapped_column(sa.String(16), default="pcs")
    unit_price: Mapped[Decimal] = mapped_column(default=Decimal("0.00"), info={"min": 0})
    unit_cost: Mapped[Decimal] = mapped_column(default=Decimal("0.00"), info={"min": 0})
    active: Mapped[bool] = mapped_column(default=True)


class Warehouse(Record, Base):
    __tablename__ = "warehouses"
    __natural_key__ = ("code",)

    code: Mapped[str] = mapped_column(sa.String(32), unique=True)
    name: Mapped[str] = mapped_column(sa.String(200))
    allow_negative: Mapped[bool] = mapped_column(default=False)


class StockMove(Record, Base):
    """One movement of goods in (+) or out (-) of a warehouse; never changed once written."""

    __tablename__ = "stock_moves"
    __append_only__ = True
    __table_args__ = (
        sa.CheckConstraint("quantity <> 0", name="quantity_not_zero"),
        sa.CheckConstraint("unit_cost >= 0", name="unit_cost_not_negative"),
        sa.Index(None, "product_id", "warehouse_id", "occurred_at"),
    )

    product_id: Mapped[int] = mapped_column(sa.ForeignKey("products.id"), index=True)
    warehouse_id: Mapped[int] = mapped_column(sa.ForeignKey("warehouses.id"), index=True)
    quantity: Mapped[Decimal] = mapped_column(Quantity(), info={"not_zero": True})
    unit_cost: Mapped[Decimal] = mapped_column(default=Decimal("0.00"), info={"min": 0})
    kind: Mapped[StockMoveKind] = mapped_column(enum_column_type(StockMoveKind), index=True)
    reference: Mapped[str | None] = mapped_column(sa.String(100))
    #: quantity x unit cost, rounded to cents: what the move adds to (or takes from) the inventory account.
    value: Mapped[Decimal] = mapped_column(default=Decimal("0.00"), info={"derived": True})
    occurred_at: Mapped[datetime] = mapped_column(default=utcnow)

    product: Mapped[Product] = relationship()
    warehouse: Mapped[Warehouse] = relationship()
