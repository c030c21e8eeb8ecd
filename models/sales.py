"""Sales: orders our customers place and the lines they order."""

import enum
from datetime import date
from decimal import Decimal

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from models.base import Base, Percent, Quantity, Record, enum_column_type, today
from models.crm import Customer
from models.inventory import Product, Warehouse


class SalesOrderStatus(enum.Enum):
    DRAFT = "draft"
    CONFIRMED = "confirmed"
    SHIPPED = "shipped"
    INVOICED = "invoiced"
    CANCELLED = "cancelled"


class SalesOrder(Record, Base):
    __tablename__ = "sales_orders"
    __natural_key__ = ("number",)
    __number_prefix__ = "SO"

    number: Mapped[str] = mapped_column(sa.String(32), unique=True)
    customer_id: Mapped[int] = mapped_column(sa.ForeignKey("customers.id"), index=True)
    warehouse_id: Mapped[int] = mapped_column(sa.ForeignKey("warehouses.id"), index=True)
    status: Mapped[SalesOrderStatus] = mapped_column(
        enum_column_type(SalesOrderStatus), default=SalesOrderStatus.DRAFT, index=True
    )
    order_date: Mapped[date] = mapped_column(default=today)
    #: Sum of the lines after discount, kept by Onebook whenever a line changes.
    total_amount: Mapped[Decimal] = mapped_column(default=Decimal("0.00"), info={"derived": True})

    customer: Mapped[Customer] = relationship()
    warehouse: Mapped[Warehouse] = relationship()


class SalesOrderLine(Record, Base):
    __tablename__ = "sales_order_lines"
    __natural_key__ = ("order", "line_no")
    __table_args__ = (
        sa.UniqueConstraint("order_id", "line_no"),
        sa.CheckConstraint("line_no > 0", name="line_no_positive"),
        sa.CheckConstraint("quantity > 0", name="quantity_positive"),
        sa.CheckConstraint("unit_price >= 0", name="unit_price_not_negative"),
        sa.CheckConstraint("discount_percent >= 0 AND discount_percent <= 100", name="discount_percent_range"),
    )

    order_id: Mapped[int] = mapped_column(sa.ForeignKey("sales_orders.id"), index=True)
    line_no: Mapped[int] = mapped_column(info={"min": 1})
    product_id: Mapped[int] = mapped_column(sa.ForeignKey("products.id"), index=True)
    quantity: Mapped[Decimal] = mapped_column(Quantity(), info={"above": 0})
    unit_price: Mapped[Decimal] = mapped_column(default=Decimal("0.00"), info={"min": 0})
    discount_percent: Mapped[Decimal] = mapped_column(Percent(), default=Decimal("0.00"), info={"min": 0, "max": 100})

    order: Mapped[SalesOrder] = relationship()
    product: Mapped[Product] = relationship()
