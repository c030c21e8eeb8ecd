"""Manufacturing: what a product is made of, and work orders that make it."""

import enum
from datetime import date
from decimal import Decimal

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from models.base import Base, Quantity, Record, enum_column_type
from models.inventory import Product, Warehouse


class WorkOrderStatus(enum.Enum):
    PLANNED = "planned"
    IN_PROGRESS = "in_progress"
    DONE = "done"
    CANCELLED = "cancelled"


class BillOfMaterials(Record, Base):
    """The components one unit of a product needs; at most one per product."""

    __tablename__ = "bills_of_materials"
    __natural_key__ = ("product",)

    product_id: Mapped[int] = mapped_column(sa.ForeignKey("products.id"), unique=True)
    notes: Mapped[str | None] = mapped_column(sa.Text)

    product: Mapped[Product] = relationship()


class BomLine(Record, Base):
    __tablename__ = "bom_lines"
    __table_args__ = (
        sa.UniqueConstraint("bom_id", "component_id"),
        sa.CheckConstraint("quantity_per_unit > 0", name="quantity_per_unit_positive"),
    )

    bom_id: Mapped[int] = mapped_column(sa.ForeignKey("bills_of_materials.id"), index=True)
    component_id: Mapped[int] = mapped_column(sa.ForeignKey("products.id"), index=True)
    quantity_per_unit: Mapped[Decimal] = mapped_column(Quantity(), info={"above": 0})

    bom: Mapped[BillOfMaterials] = relationship()
    component: Mapped[Product] = relationship()


class WorkOrder(Record, Base):
    __tablename__ = "work_orders"
    __natural_key__ = ("number",)
    __number_prefix__ = "WO"
    __table_args__ = (sa.CheckConstraint("quantity > 0", name="quantity_positive"),)

    number: Mapped[str] = mapped_column(sa.String(32), unique=True)
    product_id: Mapped[int] = mapped_column(sa.ForeignKey("products.id"), index=True)
    quantity: Mapped[Decimal] = mapped_column(Quantity(), info={"above": 0})
    warehouse_id: Mapped[int] = mapped_column(sa.ForeignKey("warehouses.id"), index=True)
    status: Mapped[WorkOrderStatus] = mapped_column(
        enum_column_type(WorkOrderStatus), default=WorkOrderStatus.PLANNED, index=True
    )
    due_date: Mapped[date | None]

    product: Mapped[Product] = relationship()
    warehouse: Mapped[Warehouse] = relationship()
