"""Purchasing: suppliers and the purchase orders we send them."""

import enum
from datetime import date
from decimal import Decimal

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from models.base import Base, Quantity, Record, enum_column_type, today
from models.inventory import Product, Warehouse


class PurchaseOrderStatus(enum.Enum):
    DRAFT = "draft"
    ORDERED = "ordered"
    RECEIVED = "received"
    CANCELLED = "cancelled"


class Supplier(Record, Base):
    __tablename__ = "suppliers"
    __natural_key__ = ("code",)

    code: Mapped[str] = mapped_column(sa.String(32), unique=True)
    name: Mapped[str] = mapped_column(sa.String(200), index=True)
    email: Mapped[str | None] = mapped_column(sa.String(254), info={"format": "email"})
    phone: Mapped[str | None] = mapped_column(sa.String(50))
    country: Mapped[str | None] = mapped_column(sa.String(2), info={"format": "country"})


class PurchaseOrder(Record, Base):
    __tablename__ = "purchase_orders"
    __natural_key__ = ("number",)
    __number_prefix__ = "PO"

    number: Mapped[str] = mapped_column(sa.String(32), unique=True)
    supplier_id: Mapped[int] = mapped_column(sa.ForeignKey("suppliers.id"), index=True)
    warehouse_id: Mapped[int] = mapped_column(sa.ForeignKey("warehouses.id"), index=True)
    status: Mapped[PurchaseOrderStatus] = mapped_column(
        enum_column_type(PurchaseOrderStatus), default=PurchaseOrderStatus.DRAFT, index=True
    )
    order_date: Mapped[date] = mapped_column(default=today)
    expected_date: Mapped[date | None]
    #: Kept by Onebook: the ordered value, the value received so far (what we owe), and what we have paid.
    total_amount: Mapped[Decimal] = mapped_column(default=Decimal("0.00"), info={"derived": True})
    received_amount: Mapped[Decimal] = mapped_column(default=Decimal("0.00"), info={"derived": True})
    paid_amount: Mapped[Decimal] = mapped_column(default=Decimal("0.00"), info={"derived": True})

    supplier: Mapped[Supplier] = relationship()
    warehouse: Mapped[Warehouse] = relationship()


class PurchaseOrderLine(Record, Base):
    __tablename__ = "purchase_order_lines"
    __natural_key__ = ("order", "line_no")
    __table_args__ = (
        sa.UniqueConstraint("order_id", "line_no"),
        sa.CheckConstraint("line_no > 0", name="line_no_positive"),
        sa.CheckConstraint("quantity > 0", name="quantity_positive"),
        sa.CheckConstraint("unit_cost >= 0", name="unit_cost_not_negative"),
        sa.CheckConstraint("received_quantity >= 0", name="received_quantity_not_negative"),
    )

    order_id: Mapped[int] = mapped_column(sa.ForeignKey("purchase_orders.id"), index=True)
    line_no: Mapped[int] = mapped_column(info={"min": 1})
    product_id: Mapped[int] = mapped_column(sa.ForeignKey("products.id"), index=True)
    quantity: Mapped[Decimal] = mapped_column(Quantity(), info={"above": 0})
    unit_cost: Mapped[Decimal] = mapped_column(default=Decimal("0.00"), info={"min": 0})
    #: Kept by Onebook: what receipts have brought in so far.
    received_quantity: Mapped[Decimal] = mapped_column(
        Quantity(), default=Decimal("0.000"), info={"min": 0, "derived": True}
    )

    order: Mapped[PurchaseOrder] = relationship()
    product: Mapped[Product] = relationship()
