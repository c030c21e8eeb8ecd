"""Property tests: random sequences of ERP operations, valid and not, keep the books and the stock consistent.

After every operation: the trial balance sums to zero; receivables equal the open invoices; payables equal what was
received and not paid; inventory equals the stock moves' value; stock never goes below zero where the warehouse
doesn't allow it. A refused operation leaves every table exactly as it was.
"""

import uuid
from decimal import Decimal

import sqlalchemy as sa
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from app.database import transaction
from models.crm import Customer
from models.finance import Invoice, InvoiceStatus, Payment, PaymentDirection
from models.inventory import Product, StockMove, StockMoveKind, Warehouse
from models.manufacturing import BillOfMaterials, BomLine, WorkOrder, WorkOrderStatus
from models.purchasing import PurchaseOrder, PurchaseOrderLine, PurchaseOrderStatus, Supplier
from models.sales import SalesOrder, SalesOrderLine, SalesOrderStatus
from resolvers import crud, purchasing
from resolvers.errors import Refused
from resolvers.permissions import Actor
from tests.erp.books import balances, snapshot

ACTOR = Actor.system(via="api")
ZERO = Decimal("0.00")

quantities = st.integers(min_value=1, max_value=6).map(Decimal)
prices = st.integers(min_value=0, max_value=5000).map(lambda cents: Decimal(cents) / 100)
discounts = st.sampled_from([Decimal(0), Decimal(10), Decimal("12.5"), Decimal(100)])
picks = st.integers(min_value=0, max_value=50)  # which product, order, invoice...: taken modulo how many exist

OPERATIONS = st.one_of(
    st.tuples(st.just("adjust"), picks, picks, st.integers(min_value=-8, max_value=12).filter(bool), prices),
    st.tuples(st.just("order"), picks, picks, st.lists(st.tuples(picks, quantities, prices, discounts), max_size=3)),
    st.tuples(st.just("sales step"), picks, st.sampled_from(list(SalesOrderStatus))),
    st.tuples(st.just("issue"), picks),
    st.tuples(st.just("collect"), picks, st.sampled_from(["all", "half", "too much"])),
    st.tuples(st.just("purchase"), picks, st.lists(st.tuples(picks, quantities, prices), min_size=1, max_size=3)),
    st.tuples(st.just("purchase step"), picks, st.sampled_from(list(PurchaseOrderStatus))),
    st.tuples(st.just("receive part"), picks, picks, quantities),
    st.tuples(st.just("pay supplier"), picks, st.sampled_from(["all", "half", "too much"])),
    st.tuples(st.just("make"), quantities),
    st.tuples(
        st.just("sale"), picks, picks, st.lists(st.tuples(picks, quantities, prices, discounts), min_size=1, max_size=3)
    ),
    st.tuples(st.just("buy"), picks, st.lists(st.tuples(picks, quantities, prices), min_size=1, max_size=3)),
    st.tuples(st.just("work step"), picks, st.sampled_from(list(WorkOrderStatus))),
)


class Company:
    """A small company of its own per example (fresh codes), driven through the domain operations."""

    def __init__(self, engine: sa.Engine) -> None:
        self.engine = engine
        tag = uuid.uuid4().hex[:8]
        with transaction(engine) as session:
            create = lambda model, rows: [row.id for row in crud.create_many(session, model, rows, actor=ACTOR)]  # noqa: E731
            self.products = create(
                Product, [{"sku": f"P{tag}-{i}", "name": f"Product {i}", "unit_cost": Decimal(3)} for i in range(3)]
            )
            self.warehouses = create(
                Warehouse,
                [
                    {"code": f"W{tag}", "name": "Strict"},
                    {"code": f"N{tag}", "name": "Lenient", "allow_negative": True},
                ],
            )
            self.customers = create(
                Customer,
                [
                    {"code": f"C{tag}-0", "name": "No limit"},
                    {"code": f"C{tag}-1", "name": "Limited", "credit_limit": Decimal("60.00")},
                ],
            )
            (self.supplier,) = create(Supplier, [{"code": f"S{tag}", "name": "Supplier"}])
            (bom,) = create(BillOfMaterials, [{"product_id": self.products[0]}])
            create(
                BomLine,
                [
                    {"bom_id": bom, "component_id": self.products[1], "quantity_per_unit": Decimal(2)},
                    {"bom_id": bom, "component_id": self.products[2], "quantity_per_unit": Decimal("0.5")},
                ],
            )
        self.orders: list[int] = []
        self.purchases: list[int] = []
        self.work_orders: list[int] = []

    def pick(self, ids: list[int], index: int) -> int | None:
        return ids[index % len(ids)] if ids else None

    def run(self, operation: tuple) -> None:
        """Run one operation in its own transaction; a refusal must leave the database as it was."""
        before = snapshot(self.engine)
        try:
            with transaction(self.engine) as session:
                getattr(self, operation[0].replace(" ", "_"))(session, *operation[1:])
        except Refused:
            assert snapshot(self.engine) == before, f"{operation} was refused but changed the database"

    # --- the operations -------------------------------------------------------------------------------------

    def adjust(self, session, product: int, warehouse: int, quantity: int, unit_cost: Decimal) -> None:
        move = {
            "product_id": self.pick(self.products, product),
            "warehouse_id": self.pick(self.warehouses, warehouse),
            "quantity": Decimal(quantity),
            "unit_cost": unit_cost,
            "kind": StockMoveKind.ADJUSTMENT,
        }
        crud.create_many(session, StockMove, [move], actor=ACTOR)

    def order(self, session, customer: int, warehouse: int, lines: list) -> None:
        (order,) = crud.create_many(
            session,
            SalesOrder,
            [
                {
                    "customer_id": self.pick(self.customers, customer),
                    "warehouse_id": self.pick(self.warehouses, warehouse),
                }
            ],
            actor=ACTOR,
        )
        rows = [
            {
                "order_id": order.id,
                "line_no": number,
                "product_id": self.pick(self.products, product),
                "quantity": quantity,
                "unit_price": price,
                "discount_percent": discount,
            }
            for number, (product, quantity, price, discount) in enumerate(lines, start=1)
        ]
        if rows:
            crud.create_many(session, SalesOrderLine, rows, actor=ACTOR)
        self.orders.append(order.id)

    def sales_step(self, session, order: int, status: SalesOrderStatus) -> None:
        if self.orders:
            crud.update(session, SalesOrder, self.pick(self.orders, order), {"status": status}, actor=ACTOR)

    def _invoices(self, session) -> list[int]:
        table = Invoice.__table__
        query = sa.select(table.c.id).where(table.c.sales_order_id.in_(self.orders or [0])).order_by(table.c.id)
        return list(session.scalars(query))

    def issue(self, session, invoice: int) -> None:
        invoice_id = self.pick(self._invoices(session), invoice)
        if invoice_id is not None:
            crud.update(session, Invoice, invoice_id, {"status": InvoiceStatus.ISSUED}, actor=ACTOR)

    def _amount(self, owed: Decimal, how: str) -> Decimal:
        return {"all": owed, "half": (owed / 2).quantize(Decimal("0.01")), "too much": owed + Decimal("0.01")}[how]

    def collect(self, session, invoice: int, how: str) -> None:
        invoice_id = self.pick(self._invoices(session), invoice)
        if invoice_id is None:
            return
        row = crud.get(session, Invoice, invoice_id)
        amount = self._amount(row.total_amount - row.paid_amount, how)
        payment = {"direction": PaymentDirection.INCOMING, "invoice_id": invoice_id, "amount": amount}
        crud.create_many(session, Payment, [payment], actor=ACTOR)

    def purchase(self, session, warehouse: int, lines: list) -> None:
        (order,) = crud.create_many(
            session,
            PurchaseOrder,
            [{"supplier_id": self.supplier, "warehouse_id": self.pick(self.warehouses, warehouse)}],
            actor=ACTOR,
        )
        rows = [
            {
                "order_id": order.id,
                "line_no": number,
                "product_id": self.pick(self.products, product),
                "quantity": quantity,
                "unit_cost": cost,
            }
            for number, (product, quantity, cost) in enumerate(lines, start=1)
        ]
        crud.create_many(session, PurchaseOrderLine, rows, actor=ACTOR)
        self.purchases.append(order.id)

    def purchase_step(self, session, order: int, status: PurchaseOrderStatus) -> None:
        if self.purchases:
            crud.update(session, PurchaseOrder, self.pick(self.purchases, order), {"status": status}, actor=ACTOR)

    def receive_part(self, session, order: int, line: int, quantity: Decimal) -> None:
        if self.purchases:
            receipt = purchasing.Receipt(line_no=line % 3 + 1, quantity=quantity)
            purchasing.receive_purchase_order(
                session, id=self.pick(self.purchases, order), receipts=[receipt], actor=ACTOR
            )

    def pay_supplier(self, session, order: int, how: str) -> None:
        if not self.purchases:
            return
        row = crud.get(session, PurchaseOrder, self.pick(self.purchases, order))
        amount = self._amount(row.received_amount - row.paid_amount, how)
        payment = {"direction": PaymentDirection.OUTGOING, "purchase_order_id": row.id, "amount": amount}
        crud.create_many(session, Payment, [payment], actor=ACTOR)

    def sale(self, session, customer: int, warehouse: int, lines: list) -> None:
        """A whole sale in one transaction: order, confirm, ship, invoice, issue, collect half."""
        self.order(session, customer, warehouse, lines)
        order = self.orders[-1]
        for status in (SalesOrderStatus.CONFIRMED, SalesOrderStatus.SHIPPED, SalesOrderStatus.INVOICED):
            crud.update(session, SalesOrder, order, {"status": status}, actor=ACTOR)
        self.issue(session, -1)
        self.collect(session, -1, "half")

    def buy(self, session, warehouse: int, lines: list) -> None:
        """A whole purchase in one transaction: order, place, receive everything, pay half."""
        self.purchase(session, warehouse, lines)
        for status in (PurchaseOrderStatus.ORDERED, PurchaseOrderStatus.RECEIVED):
            crud.update(session, PurchaseOrder, self.purchases[-1], {"status": status}, actor=ACTOR)
        self.pay_supplier(session, -1, "half")

    def make(self, session, quantity: Decimal) -> None:
        work = {"product_id": self.products[0], "warehouse_id": self.warehouses[0], "quantity": quantity}
        self.work_orders.append(crud.create_many(session, WorkOrder, [work], actor=ACTOR)[0].id)

    def work_step(self, session, order: int, status: WorkOrderStatus) -> None:
        if self.work_orders:
            crud.update(session, WorkOrder, self.pick(self.work_orders, order), {"status": status}, actor=ACTOR)


def check_the_books(engine: sa.Engine) -> None:
    books = balances(engine)
    assert sum(books.values(), ZERO) == 0, "the trial balance must sum to zero"
    invoices, orders, moves = Invoice.__table__, PurchaseOrder.__table__, StockMove.__table__
    with engine.connect() as connection:
        open_invoices = connection.scalar(
            sa.select(sa.func.coalesce(sa.func.sum(invoices.c.total_amount - invoices.c.paid_amount), 0)).where(
                invoices.c.status == InvoiceStatus.ISSUED.value
            )
        )
        owed_suppliers = connection.scalar(
            sa.select(sa.func.coalesce(sa.func.sum(orders.c.received_amount - orders.c.paid_amount), 0))
        )
        stock_value = connection.scalar(sa.select(sa.func.coalesce(sa.func.sum(moves.c.value), 0)))
        negative = connection.execute(
            sa.select(moves.c.product_id, moves.c.warehouse_id, sa.func.sum(moves.c.quantity))
            .join(Warehouse.__table__, Warehouse.__table__.c.id == moves.c.warehouse_id)
            .where(Warehouse.__table__.c.allow_negative.is_(False))
            .group_by(moves.c.product_id, moves.c.warehouse_id)
            .having(sa.func.sum(moves.c.quantity) < 0)
        ).all()
        paid_invoices_open = connection.scalar(
            sa.select(sa.func.count()).where(
                invoices.c.status == InvoiceStatus.PAID.value, invoices.c.paid_amount != invoices.c.total_amount
            )
        )
    assert books.get("1100", ZERO) == Decimal(open_invoices), "receivables must equal the open invoices"
    assert -books.get("2000", ZERO) == Decimal(owed_suppliers), "payables must equal received, unpaid purchases"
    assert books.get("1200", ZERO) == Decimal(stock_value), "inventory must equal the stock moves' value"
    assert negative == [], "stock went below zero in a warehouse that doesn't allow it"
    assert paid_invoices_open == 0, "a paid invoice is paid in full"


@settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(operations=st.lists(OPERATIONS, min_size=5, max_size=25))
def test_random_operations_keep_the_books_and_the_stock_consistent(engine, operations):
    company = Company(engine)
    for operation in operations:
        company.run(operation)
        check_the_books(engine)
