"""The demo company's books: two years of buying, selling, billing, collecting and making, as Onebook's operations
would have recorded them.

Documents are planned first (an order, its lines, when each step of its workflow happened), then replayed in time
order: a confirmation over the customer's credit limit is refused as `resolvers.sales` refuses it, goods leave a
warehouse at the moving average cost of what it holds (`resolvers.stock`), and every step posts the journal entry
and notes the timeline event its operation does. Opening stock is what keeps every warehouse at or above zero,
opening cash what keeps the bank above zero; both are posted against owner's equity. Steps that would fall after
the reference time have not happened yet, which is what leaves the newest documents open.

Amounts come from the resolvers' own helpers (`line_amount`, `net_unit_price`, `cents`, the account codes), so the
demo can't drift from the rules. Rows come out as dicts with explicit ids, for bulk inserts.
"""

import enum
import heapq
import itertools
import math
import random
from bisect import bisect_left
from collections import defaultdict
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import Decimal

from app.demo import HISTORY_DAYS, REFERENCE_TIME, SYSTEM_START, _apportion, _record_columns
from models.crm import InteractionKind
from models.finance import InvoiceStatus, PaymentDirection
from models.inventory import StockMoveKind
from models.manufacturing import WorkOrderStatus
from models.purchasing import PurchaseOrderStatus
from models.sales import SalesOrderStatus
from resolvers.documents import line_amount, money, net_unit_price
from resolvers.invoicing import PAYMENT_TERMS_DAYS
from resolvers.ledger import (
    CASH,
    COST_OF_GOODS_SOLD,
    INVENTORY,
    PAYABLES,
    RECEIVABLES,
    SALES_REVENUE,
    TAX_PAYABLE,
    ZERO,
    cents,
)
from resolvers.numbering import format_number
from resolvers.stock import QUANTITY_ZERO, Place

OWNERS_EQUITY = "3000"
"""Where the opening cash and stock come from (the chart of accounts migration seeds it; the resolvers never post
to it, so it has no constant there)."""

OPENING_STOCK = "Opening stock"
OPENING_BALANCE = "Opening balance"

PAYMENT_METHODS = (("bank transfer", 70), ("card", 20), ("cheque", 10))


@dataclass(frozen=True)
class Buyer:
    """A customer who may order: when it became a customer, its credit limit (0: none) and the VAT it pays."""

    id: int
    age_days: int
    credit_limit: Decimal
    tax_rate: Decimal


@dataclass(frozen=True)
class Item:
    """A product as the books need it."""

    id: int
    sku: str
    name: str
    unit_cost: Decimal
    unit_price: Decimal


class SaleStop(enum.Enum):
    """The last step a planned sale takes (if the reference time and the credit limit let it)."""

    DRAFT = 1
    CONFIRMED = 2
    SHIPPED = 3
    INVOICED = 4  # the invoice is still a draft
    ISSUED = 5
    CANCELLED = 6


class Payer(enum.Enum):
    """How a customer pays an issued invoice."""

    PROMPT = "prompt"  # in full within the terms
    LATE = "late"  # in full after the due date
    SPLIT = "split"  # in two instalments
    PARTIAL = "partial"  # part of it, the rest still open
    NEVER = "never"


PAYER_WEIGHTS = ((Payer.PROMPT, 55), (Payer.LATE, 20), (Payer.SPLIT, 10), (Payer.PARTIAL, 7), (Payer.NEVER, 8))

#: The first sales planned take each of these (stop, payer, days before the reference time), so that even the small
#: demo has every order status, a draft invoice, and open invoices in every aging bucket.
COVERING_SALES = (
    (SaleStop.DRAFT, Payer.PROMPT, 2),
    (SaleStop.CONFIRMED, Payer.PROMPT, 4),
    (SaleStop.SHIPPED, Payer.PROMPT, 10),
    (SaleStop.INVOICED, Payer.PROMPT, 12),
    (SaleStop.CANCELLED, Payer.PROMPT, 30),
    (SaleStop.ISSUED, Payer.NEVER, 20),  # not yet due
    (SaleStop.ISSUED, Payer.NEVER, 55),  # 1-30 days overdue
    (SaleStop.ISSUED, Payer.PARTIAL, 85),  # 31-60
    (SaleStop.ISSUED, Payer.NEVER, 115),  # 61-90
    (SaleStop.ISSUED, Payer.PARTIAL, 200),  # over 90
    (SaleStop.ISSUED, Payer.PROMPT, 120),
    (SaleStop.ISSUED, Payer.SPLIT, 150),
)


class PurchaseStop(enum.Enum):
    DRAFT = 1
    ORDERED = 2
    PARTLY_RECEIVED = 3
    RECEIVED = 4
    CANCELLED = 5


COVERING_PURCHASES = (
    (PurchaseStop.DRAFT, 1),
    (PurchaseStop.ORDERED, 3),
    (PurchaseStop.PARTLY_RECEIVED, 25),
    (PurchaseStop.RECEIVED, 90),
    (PurchaseStop.CANCELLED, 60),
)

COVERING_WORK_ORDERS = (
    (WorkOrderStatus.PLANNED, 1),
    (WorkOrderStatus.IN_PROGRESS, 3),
    (WorkOrderStatus.DONE, 40),
    (WorkOrderStatus.CANCELLED, 50),
)


# --- Plans: documents and the moments of their steps ------------------------------------------------------------


@dataclass(slots=True)
class _SalesOrder:
    customer: Buyer
    warehouse_id: int
    created_at: datetime
    lines: list[tuple[int, Decimal, Decimal, Decimal]]  # product id, quantity, unit price, discount percent
    total: Decimal
    confirmed_at: datetime | None = None
    shipped_at: datetime | None = None
    invoiced_at: datetime | None = None
    issued_at: datetime | None = None
    cancelled_at: datetime | None = None
    payments: list[tuple[datetime, Decimal]] = field(default_factory=list)
    id: int = 0
    number: str = ""
    invoice_id: int = 0
    invoice_number: str = ""
    tax: Decimal = ZERO
    cost: Decimal = ZERO

    @property
    def status(self) -> SalesOrderStatus:
        if self.cancelled_at:
            return SalesOrderStatus.CANCELLED
        if self.invoiced_at:
            return SalesOrderStatus.INVOICED
        if self.shipped_at:
            return SalesOrderStatus.SHIPPED
        return SalesOrderStatus.CONFIRMED if self.confirmed_at else SalesOrderStatus.DRAFT

    @property
    def invoice_total(self) -> Decimal:
        return self.total + self.tax

    @property
    def paid(self) -> Decimal:
        return sum((amount for _, amount in self.payments), ZERO)

    @property
    def due_date(self) -> date | None:
        return self.issued_at.date() + timedelta(days=PAYMENT_TERMS_DAYS) if self.issued_at else None


@dataclass(slots=True)
class _PurchaseOrder:
    supplier_id: int
    warehouse_id: int
    created_at: datetime
    expected_date: date
    lines: list[list] = field(default_factory=list)  # [product id, quantity, unit cost, received quantity]
    ordered_at: datetime | None = None
    cancelled_at: datetime | None = None
    receipts: list[tuple[datetime, list[tuple[int, Decimal]]]] = field(default_factory=list)  # (when, [(line, qty)])
    payments: list[tuple[datetime, Decimal]] = field(default_factory=list)
    id: int = 0
    number: str = ""

    @property
    def status(self) -> PurchaseOrderStatus:
        if self.cancelled_at:
            return PurchaseOrderStatus.CANCELLED
        if self.lines and all(line[3] >= line[1] for line in self.lines):
            return PurchaseOrderStatus.RECEIVED
        return PurchaseOrderStatus.ORDERED if self.ordered_at else PurchaseOrderStatus.DRAFT

    @property
    def total(self) -> Decimal:
        return sum((line_amount(quantity, cost) for _, quantity, cost, _ in self.lines), ZERO)

    def receipt_value(self, received: list[tuple[int, Decimal]]) -> Decimal:
        return sum((cents(quantity * self.lines[index][2]) for index, quantity in received), ZERO)


@dataclass(slots=True)
class _WorkOrder:
    product_id: int
    warehouse_id: int
    quantity: Decimal
    created_at: datetime
    due_date: date
    started_at: datetime | None = None
    done_at: datetime | None = None
    cancelled_at: datetime | None = None
    id: int = 0
    number: str = ""

    @property
    def status(self) -> WorkOrderStatus:
        if self.cancelled_at:
            return WorkOrderStatus.CANCELLED
        if self.done_at:
            return WorkOrderStatus.DONE
        return WorkOrderStatus.IN_PROGRESS if self.started_at else WorkOrderStatus.PLANNED


@dataclass(slots=True)
class _Move:
    """A stock move in the making: its cost and value are set when the ledger is replayed in time order."""

    at: datetime
    seq: int
    product_id: int
    warehouse_id: int
    quantity: Decimal
    kind: StockMoveKind
    reference: str
    unit_cost: Decimal = ZERO
    value: Decimal = ZERO
    document: object = None  # the sales or work order whose cost this move adds to


@dataclass(slots=True)
class _Entry:
    at: datetime
    seq: int
    memo: str
    source: str
    postings: list[tuple[str, Decimal]]  # (account code, debit if positive, credit if negative)


def _hours_later(rng: random.Random, moment: datetime, low: int, high: int) -> datetime:
    """Some time between `low` and `high` hours (and 59 minutes) after a moment."""
    return moment + timedelta(minutes=rng.randrange(low * 60, high * 60 + 60))


def _happened(moment: datetime | None) -> datetime | None:
    """A step planned for after the reference time hasn't happened (yet)."""
    return moment if moment is not None and moment < REFERENCE_TIME else None


def _days_ago(rng: random.Random, oldest: int) -> int:
    """Days before the reference time, more of them recent (the business grows), mostly on working days."""
    for _ in range(4):
        days = max(1, round(rng.triangular(1, oldest, 1)))
        if (REFERENCE_TIME.weekday() - days) % 7 < 5:
            break
    return days


def _moment(rng: random.Random, days_before: int) -> datetime:
    return REFERENCE_TIME - timedelta(days=days_before) + timedelta(seconds=rng.randrange(8 * 3600, 18 * 3600))


def _weighted(rng: random.Random, pairs: Sequence[tuple[object, int]]) -> object:
    return rng.choices([value for value, _ in pairs], weights=[weight for _, weight in pairs])[0]


def _distinct_choices(rng: random.Random, population: Sequence[int], cum_weights: Sequence[float], k: int) -> list:
    """`k` different members, more often the heavier ones."""
    k = min(k, len(population))
    chosen: dict[int, None] = {}
    while len(chosen) < k:
        chosen.update(dict.fromkeys(rng.choices(population, cum_weights=cum_weights, k=k - len(chosen))))
    return list(chosen)[:k]


class DemoBooks:
    """Plans the demo's ERP history, replays it in time order and hands out each table's rows."""

    def __init__(
        self,
        *,
        random_for: Callable[[str], random.Random],
        counts: dict[str, int],
        buyers: Sequence[Buyer],
        items: Sequence[Item],
        warehouse_ids: Sequence[int],
        supplier_ids: Sequence[int],
    ) -> None:
        self._random = random_for
        self.counts = counts
        self.buyers = sorted(buyers, key=lambda buyer: -buyer.age_days)  # oldest customer first
        self.items = {item.id: item for item in items}
        self.warehouse_ids = list(warehouse_ids)
        self.warehouse_weights = [max(1, 6 - index) for index in range(len(warehouse_ids))]  # MAIN is the busiest
        self.supplier_ids = list(supplier_ids)
        self._seq = itertools.count()
        self.boms: dict[int, list[tuple[int, Decimal]]] = {}
        self.sales: list[_SalesOrder] = []
        self.purchases: list[_PurchaseOrder] = []
        self.work_orders: list[_WorkOrder] = []
        self.moves: list[_Move] = []
        self.entries: list[_Entry] = []
        self.timeline_events: list[tuple[datetime, int, int, str]] = []  # (when, seq, customer id, subject)
        self.invoiced: list[_SalesOrder] = []

    def build(self) -> None:
        """Plan every document, refuse what credit limits refuse, then replay the stock and the ledger."""
        self._plan_bills_of_materials()
        self._plan_sales()
        self._apply_credit_limits()
        self._number_sales()
        self._plan_work_orders()
        self._plan_purchases(self._demand())
        self._replay_stock()
        self._post()

    # --- planning -------------------------------------------------------------------------------------------------

    def _plan_bills_of_materials(self) -> None:
        """Some products are assembled from two or three others (which are bought, never made)."""
        rng = self._random("bills_of_materials")
        ids = list(self.items)
        made = rng.sample(ids, min(self.counts["bills_of_materials"], len(ids) // 3))
        bought = [id for id in ids if id not in set(made)]
        for product_id in sorted(made):
            components = rng.sample(bought, rng.choice((2, 2, 3)))
            self.boms[product_id] = [(id, Decimal(rng.choice(("0.5", "1", "1", "2", "3", "4")))) for id in components]

    def _plan_sales(self) -> None:
        rng = self._random("sales_orders")
        ages = [buyer.age_days for buyer in reversed(self.buyers)]  # ascending, for bisect
        product_ids = list(self.items)
        popularity = list(itertools.accumulate(rng.choice((1, 1, 2, 3, 5, 8)) for _ in product_ids))
        warehouse_weights = list(itertools.accumulate(self.warehouse_weights))
        line_counts = _apportion(
            self.counts["sales_order_lines"], [rng.choice((1, 2, 2, 3, 4)) for _ in range(self.counts["sales_orders"])]
        )
        oldest = min(HISTORY_DAYS, self.buyers[0].age_days - 1) if self.buyers else 1
        payers, payer_weights = (
            [payer for payer, _ in PAYER_WEIGHTS],
            list(itertools.accumulate(w for _, w in PAYER_WEIGHTS)),
        )
        quantities = [Decimal(quantity) for quantity in range(41)]
        discounts = [Decimal(percent) for percent in (0, 0, 0, 5, 10)]
        # At most 40 of a product on a line, and at most what 1,500.00 buys.
        most = {id: max(1, min(40, int(1500 / max(item.unit_price, 1)))) for id, item in self.items.items()}
        by_limit = sorted(self.buyers, key=lambda buyer: (buyer.credit_limit != 0, -buyer.credit_limit, buyer.id))
        for draw, line_count in enumerate(line_counts):
            if draw < len(COVERING_SALES):
                stop, payer, days = COVERING_SALES[draw]
                old_enough = [buyer for buyer in by_limit if buyer.age_days > days] or self.buyers[:1]
                customer = old_enough[rng.randrange(min(3, len(old_enough)))]
                days = min(days, customer.age_days - 1)
            else:
                stop = SaleStop.CANCELLED if rng.random() < 0.05 else SaleStop.ISSUED
                payer = rng.choices(payers, cum_weights=payer_weights)[0]
                days = _days_ago(rng, oldest)
                # Customers who had signed up by then: a suffix of the ages, oldest customers at the end.
                first = bisect_left(ages, days + 1)
                if first == len(ages):
                    first = len(ages) - 1
                customer = self.buyers[rng.randrange(len(ages) - first)]
                days = min(days, customer.age_days - 1)
            lines = []
            for product_id in _distinct_choices(rng, product_ids, popularity, line_count):
                price = self.items[product_id].unit_price
                lines.append((product_id, quantities[rng.randint(1, most[product_id])], price, rng.choice(discounts)))
            order = _SalesOrder(
                customer=customer,
                warehouse_id=rng.choices(self.warehouse_ids, cum_weights=warehouse_weights)[0],
                created_at=_moment(rng, days),
                lines=lines,
                total=sum((line_amount(quantity, price, discount) for _, quantity, price, discount in lines), ZERO),
            )
            order.tax = cents(order.total * customer.tax_rate / 100)
            self._plan_sale_steps(rng, order, stop, payer)
            self.sales.append(order)

    def _plan_sale_steps(self, rng: random.Random, order: _SalesOrder, stop: SaleStop, payer: Payer) -> None:
        """When the order was confirmed, shipped, invoiced, its invoice issued and paid (those before the reference
        time); a cancelled order is cancelled as a draft or after its confirmation."""
        if stop is SaleStop.CANCELLED:
            cancelled_at = _happened(_hours_later(rng, order.created_at, 2, 120))
            confirmed_at = _happened(_hours_later(rng, order.created_at, 1, 24))
            if confirmed_at and cancelled_at and confirmed_at < cancelled_at and rng.random() < 0.5:
                order.confirmed_at = confirmed_at
            order.cancelled_at = cancelled_at
            return
        steps = (SaleStop.CONFIRMED, SaleStop.SHIPPED, SaleStop.INVOICED, SaleStop.ISSUED)
        lags = ((1, 48), (20, 150), (1, 60), (1, 30))
        moment = order.created_at
        moments = []
        for step, (low, high) in zip(steps, lags, strict=True):
            if step.value > stop.value:
                break
            moment = _happened(_hours_later(rng, moment, low, high))
            if moment is None:
                break
            moments.append(moment)
        moments += [None] * (4 - len(moments))
        order.confirmed_at, order.shipped_at, order.invoiced_at, order.issued_at = moments
        if order.issued_at is not None:
            order.payments = self._plan_payments(rng, order, payer)

    @staticmethod
    def _plan_payments(rng: random.Random, order: _SalesOrder, payer: Payer) -> list[tuple[datetime, Decimal]]:
        total, issued_at = order.invoice_total, order.issued_at
        due = datetime.combine(order.due_date, issued_at.timetz())
        if total < Decimal("0.02") and payer in (Payer.SPLIT, Payer.PARTIAL):
            payer = Payer.PROMPT
        if payer is Payer.PROMPT:
            planned = [(_hours_later(rng, issued_at, 3 * 24, 29 * 24), total)]
        elif payer is Payer.LATE:
            planned = [(_hours_later(rng, due, 24, 45 * 24), total)]
        elif payer is Payer.SPLIT:
            first = cents(total * Decimal(rng.randint(30, 60)) / 100)
            first_at = _hours_later(rng, issued_at, 5 * 24, 25 * 24)
            planned = [(first_at, first), (_hours_later(rng, max(due, first_at), 1, 30 * 24), total - first)]
        elif payer is Payer.PARTIAL:
            planned = [
                (_hours_later(rng, issued_at, 10 * 24, 40 * 24), cents(total * Decimal(rng.randint(30, 70)) / 100))
            ]
        else:
            planned = []
        return [(at, amount) for at, amount in planned if _happened(at) and amount > 0]

    def _apply_credit_limits(self) -> None:
        """Replay confirmations, invoices and payments in time order; a confirmation that takes the customer over
        its credit limit is refused (as `resolvers.sales` does), and the order stays a draft or is cancelled later."""
        events = []
        for order in self.sales:
            steps = (
                (order.confirmed_at, 0, order.total),
                (order.cancelled_at if order.confirmed_at else None, 1, -order.total),
                (order.invoiced_at, 2, -order.total),
                (order.issued_at, 3, order.invoice_total),
                *((at, 4, -amount) for at, amount in order.payments),
            )
            for at, kind, change in steps:
                if at is not None:
                    events.append((at, kind, order.created_at, order.customer.id, order, change))
        events.sort(key=lambda event: event[:4])
        exposure: dict[int, Decimal] = defaultdict(lambda: ZERO)
        refused: set[int] = set()
        rng = self._random("credit_holds")
        for at, kind, _created, customer_id, order, change in events:
            if id(order) in refused:
                continue
            limit = order.customer.credit_limit
            if kind == 0 and limit > 0 and exposure[customer_id] + change > limit:
                refused.add(id(order))
                order.confirmed_at = order.shipped_at = order.invoiced_at = order.issued_at = None
                order.payments = []
                held_days = (REFERENCE_TIME - order.created_at).days
                order.cancelled_at = _happened(_hours_later(rng, at, 24, 96)) if held_days > 14 else None
                continue
            exposure[customer_id] += change

    def _number_sales(self) -> None:
        self.sales.sort(key=lambda order: (order.created_at, order.customer.id))
        for id, order in enumerate(self.sales, start=1):
            order.id, order.number = id, format_number("SO", id)
        self.invoiced = sorted(
            (order for order in self.sales if order.invoiced_at), key=lambda o: (o.invoiced_at, o.id)
        )
        for id, order in enumerate(self.invoiced, start=1):
            order.invoice_id, order.invoice_number = id, format_number("INV", id)

    def _plan_work_orders(self) -> None:
        rng = self._random("work_orders")
        made = sorted(self.boms)
        if not made:
            return
        for draw in range(self.counts["work_orders"]):
            if draw < len(COVERING_WORK_ORDERS):
                stop, days = COVERING_WORK_ORDERS[draw]
            else:
                stop = WorkOrderStatus.CANCELLED if rng.random() < 0.08 else WorkOrderStatus.DONE
                days = _days_ago(rng, HISTORY_DAYS - 30)
            created_at = _moment(rng, days)
            order = _WorkOrder(
                product_id=rng.choice(made),
                warehouse_id=self.warehouse_ids[0] if rng.random() < 0.7 else rng.choice(self.warehouse_ids),
                quantity=Decimal(rng.randint(5, 40)),
                created_at=created_at,
                due_date=(created_at + timedelta(days=rng.randint(7, 30))).date(),
            )
            if stop is WorkOrderStatus.CANCELLED:
                order.cancelled_at = _happened(_hours_later(rng, created_at, 24, 10 * 24))
            elif stop is not WorkOrderStatus.PLANNED:
                order.started_at = _happened(_hours_later(rng, created_at, 1, 48))
                if stop is WorkOrderStatus.DONE and order.started_at:
                    order.done_at = _happened(_hours_later(rng, order.started_at, 24, 10 * 24))
            self.work_orders.append(order)
        self.work_orders.sort(key=lambda order: order.created_at)
        for id, order in enumerate(self.work_orders, start=1):
            order.id, order.number = id, format_number("WO", id)

    def _demand(self) -> dict[Place, Decimal]:
        """What left each warehouse, product by product: purchases are sized to replace it."""
        demand: dict[Place, Decimal] = defaultdict(lambda: QUANTITY_ZERO)
        for order in self.sales:
            if order.shipped_at:
                for product_id, quantity, _, _ in order.lines:
                    demand[product_id, order.warehouse_id] += quantity
        for order in self.work_orders:
            if order.done_at:
                for component_id, per_unit in self.boms[order.product_id]:
                    demand[component_id, order.warehouse_id] += per_unit * order.quantity
        return demand

    def _plan_purchases(self, demand: dict[Place, Decimal]) -> None:
        """Orders to suppliers for what sells (more lines for what sells more), received, paid, some still open."""
        rng = self._random("purchase_orders")
        count = self.counts["purchase_orders"]
        line_counts = _apportion(self.counts["purchase_order_lines"], [rng.choice((1, 2, 3, 4)) for _ in range(count)])
        product_ids = list(self.items)
        warehouse_weights = list(itertools.accumulate(self.warehouse_weights))
        cum_by_warehouse = {
            warehouse_id: list(itertools.accumulate(float(demand.get((id, warehouse_id), 0)) + 1 for id in product_ids))
            for warehouse_id in self.warehouse_ids
        }
        lines_per_place: dict[Place, int] = defaultdict(int)
        stops = []
        for draw, line_count in enumerate(line_counts):
            if draw < len(COVERING_PURCHASES):
                stop, days = COVERING_PURCHASES[draw]
            else:
                stop = PurchaseStop.CANCELLED if rng.random() < 0.07 else PurchaseStop.RECEIVED
                days = _days_ago(rng, HISTORY_DAYS - 5)
            created_at = _moment(rng, days)
            warehouse_id = rng.choices(self.warehouse_ids, cum_weights=warehouse_weights)[0]
            order = _PurchaseOrder(
                supplier_id=rng.choice(self.supplier_ids),
                warehouse_id=warehouse_id,
                created_at=created_at,
                expected_date=(created_at + timedelta(days=rng.randint(7, 30))).date(),
            )
            for product_id in _distinct_choices(rng, product_ids, cum_by_warehouse[warehouse_id], line_count):
                # Suppliers' prices drift around the catalogue cost, which keeps the moving average moving.
                cost = cents(self.items[product_id].unit_cost * Decimal(rng.randint(90, 110)) / 100)
                order.lines.append([product_id, QUANTITY_ZERO, cost, QUANTITY_ZERO])
                lines_per_place[product_id, warehouse_id] += 1
            self.purchases.append(order)
            stops.append(stop)
        for order in self.purchases:
            for line in order.lines:
                place = (line[0], order.warehouse_id)
                share = float(demand.get(place, 0)) / lines_per_place[place] * rng.uniform(0.8, 1.3)
                line[1] = Decimal(max(5, math.ceil(share)))
        for order, stop in zip(self.purchases, stops, strict=True):
            self._plan_purchase_steps(rng, order, stop)
        self.purchases.sort(key=lambda order: order.created_at)
        for id, order in enumerate(self.purchases, start=1):
            order.id, order.number = id, format_number("PO", id)

    def _plan_purchase_steps(self, rng: random.Random, order: _PurchaseOrder, stop: PurchaseStop) -> None:
        if stop is PurchaseStop.DRAFT:
            return
        ordered_at = _happened(_hours_later(rng, order.created_at, 1, 48))
        if stop is PurchaseStop.CANCELLED:
            cancelled_at = _happened(_hours_later(rng, order.created_at, 2, 100))
            if ordered_at and cancelled_at and ordered_at < cancelled_at:
                order.ordered_at = ordered_at
            order.cancelled_at = cancelled_at
            return
        order.ordered_at = ordered_at
        if ordered_at is None or stop is PurchaseStop.ORDERED:
            return
        everything = [(index, line[1]) for index, line in enumerate(order.lines)]
        if stop is PurchaseStop.PARTLY_RECEIVED or rng.random() < 0.2:  # delivered in two parts
            first = [(index, max(Decimal(1), (quantity / 2).to_integral_value())) for index, quantity in everything]
            rest = [(index, quantity - part) for (index, quantity), (_, part) in zip(everything, first, strict=True)]
            first_at = _hours_later(rng, ordered_at, 4 * 24, 12 * 24)
            second_at = _hours_later(rng, first_at, 5 * 24, 20 * 24)
            if stop is PurchaseStop.PARTLY_RECEIVED:
                second_at = REFERENCE_TIME
            planned = [(first_at, first), (second_at, [part for part in rest if part[1] > 0])]
        else:
            planned = [(_hours_later(rng, ordered_at, 5 * 24, 25 * 24), everything)]
        paying = rng.random()
        for at, received in planned:
            if not received or not _happened(at):
                break
            order.receipts.append((at, received))
            for index, quantity in received:
                order.lines[index][3] += quantity
            # Each delivery is paid after it arrives (in full, half of it, or not yet): never more than received.
            value = order.receipt_value(received)
            amount = value if paying < 0.8 else cents(value / 2) if paying < 0.9 else ZERO
            paid_at = _happened(_hours_later(rng, at, 15 * 24, 45 * 24))
            if paid_at and amount > 0:
                order.payments.append((paid_at, amount))

    # --- replaying --------------------------------------------------------------------------------------------------

    def _replay_stock(self) -> None:
        """Every move in time order, after opening stock that keeps each warehouse at or above zero; outgoing goods
        are costed at the moving average of what their warehouse holds at that moment (as `resolvers.stock`)."""
        moves = []
        for order in self.purchases:
            for at, received in order.receipts:
                for index, quantity in received:
                    product_id, _, cost, _ = order.lines[index]
                    moves.append(self._move(at, product_id, order.warehouse_id, quantity, StockMoveKind.RECEIPT,
                                            order.number, unit_cost=cost))  # fmt: skip
        for order in self.sales:
            if order.shipped_at:
                for product_id, quantity, _, _ in order.lines:
                    moves.append(self._move(order.shipped_at, product_id, order.warehouse_id, -quantity,
                                            StockMoveKind.SHIPMENT, order.number, document=order))  # fmt: skip
        for order in self.work_orders:
            if order.done_at:
                for component_id, per_unit in self.boms[order.product_id]:
                    used = -(per_unit * order.quantity)
                    moves.append(self._move(order.done_at, component_id, order.warehouse_id, used,
                                            StockMoveKind.PRODUCTION_OUT, order.number, document=order))  # fmt: skip
                moves.append(self._move(order.done_at, order.product_id, order.warehouse_id, order.quantity,
                                        StockMoveKind.PRODUCTION_IN, order.number, document=order))  # fmt: skip
        moves.sort(key=lambda move: (move.at, move.seq))

        lowest: dict[Place, Decimal] = defaultdict(lambda: QUANTITY_ZERO)
        running: dict[Place, Decimal] = defaultdict(lambda: QUANTITY_ZERO)
        for move in moves:
            place = (move.product_id, move.warehouse_id)
            running[place] += move.quantity
            lowest[place] = min(lowest[place], running[place])
        rng = self._random("opening_stock")
        opening = []
        for product_id, item in self.items.items():
            for warehouse_id in self.warehouse_ids:
                quantity = -lowest.get((product_id, warehouse_id), QUANTITY_ZERO) + rng.randint(2, 25)
                opening.append(self._move(SYSTEM_START, product_id, warehouse_id, quantity, StockMoveKind.ADJUSTMENT,
                                          OPENING_STOCK, unit_cost=item.unit_cost))  # fmt: skip

        held: dict[Place, tuple[Decimal, Decimal]] = {}
        production_cost: dict[int, Decimal] = defaultdict(lambda: ZERO)
        for move in itertools.chain(opening, moves):
            place = (move.product_id, move.warehouse_id)
            quantity, value = held.get(place, (QUANTITY_ZERO, ZERO))
            if move.kind is StockMoveKind.PRODUCTION_IN:
                move.value = production_cost.pop(id(move.document))
                move.unit_cost = cents(move.value / move.quantity)
            elif move.quantity > 0:
                move.value = cents(move.quantity * move.unit_cost)
            else:
                left = quantity + move.quantity
                assert left >= 0, f"{move.reference} would take {place} below zero"  # opening stock prevents it
                move.unit_cost = cents(value / quantity) if quantity > 0 else self.items[move.product_id].unit_cost
                move.value = -value if left == 0 else cents(move.quantity * move.unit_cost)
                if move.kind is StockMoveKind.SHIPMENT:
                    move.document.cost -= move.value
                else:
                    production_cost[id(move.document)] -= move.value
            held[place] = (quantity + move.quantity, value + move.value)
        self.moves = opening + moves

    def _move(
        self, at: datetime, product_id: int, warehouse_id: int, quantity: Decimal, kind: StockMoveKind, reference: str,
        *, unit_cost: Decimal = ZERO, document: object = None,
    ) -> _Move:  # fmt: skip
        return _Move(at, next(self._seq), product_id, warehouse_id, quantity, kind, reference, unit_cost,
                     document=document)  # fmt: skip

    def _post(self) -> None:
        """The journal entries the operations post, the timeline they note, and the opening balances, in time order."""
        entries, timeline = [], []

        def entry(at: datetime, memo: str, source: str, *postings: tuple[str, Decimal]) -> None:
            entries.append(_Entry(at, next(self._seq), memo, source, [p for p in postings if p[1] != 0]))

        def note(at: datetime, customer_id: int, subject: str) -> None:
            timeline.append((at, next(self._seq), customer_id, subject[:300]))

        opening_value = sum((move.value for move in self.moves if move.kind is StockMoveKind.ADJUSTMENT), ZERO)
        entry(SYSTEM_START, OPENING_STOCK, OPENING_STOCK, (INVENTORY, opening_value), (OWNERS_EQUITY, -opening_value))
        cash_moves = []
        for order in self.purchases:
            for at, received in order.receipts:
                value = order.receipt_value(received)
                entry(at, f"Goods received on {order.number}", order.number, (INVENTORY, value), (PAYABLES, -value))
            for at, amount in order.payments:
                entry(at, f"Payment made for {order.number}", order.number, (PAYABLES, amount), (CASH, -amount))
                cash_moves.append((at, -amount))
        for order in self.sales:
            customer_id = order.customer.id
            if order.confirmed_at:
                note(order.confirmed_at, customer_id, f"Order {order.number} confirmed: {money(order.total)}")
            if order.shipped_at:
                entry(order.shipped_at, f"Cost of goods shipped on {order.number}", order.number,
                      (COST_OF_GOODS_SOLD, order.cost), (INVENTORY, -order.cost))  # fmt: skip
                note(order.shipped_at, customer_id, f"Order {order.number} shipped")
            if order.issued_at:
                number, total = order.invoice_number, order.invoice_total
                entry(order.issued_at, f"Invoice {number} issued", number,
                      (RECEIVABLES, total), (SALES_REVENUE, -order.total), (TAX_PAYABLE, -order.tax))  # fmt: skip
                note(order.issued_at, customer_id,
                     f"Invoice {number} issued: {money(total)}, due {order.due_date.isoformat()}")  # fmt: skip
            for at, amount in order.payments:
                entry(at, f"Payment received for {order.invoice_number}", order.invoice_number,
                      (CASH, amount), (RECEIVABLES, -amount))  # fmt: skip
                note(at, customer_id, f"Payment of {money(amount)} received for invoice {order.invoice_number}")
                cash_moves.append((at, amount))
        # Enough opening cash that the bank never goes below zero, in round ten thousands.
        lowest = min(itertools.accumulate(amount for _, amount in sorted(cash_moves)), default=ZERO)
        opening_cash = Decimal(math.ceil((max(-lowest, ZERO) + 50_000) / 10_000) * 10_000).quantize(Decimal("0.01"))
        entry(
            SYSTEM_START, "Opening cash balance", OPENING_BALANCE, (CASH, opening_cash), (OWNERS_EQUITY, -opening_cash)
        )
        entries.sort(key=lambda entry: (entry.at, entry.seq))
        timeline.sort()
        self.entries, self.timeline_events = entries, timeline

    # --- rows -------------------------------------------------------------------------------------------------------

    def bills_of_materials(self) -> Iterator[dict]:
        for id, product_id in enumerate(self.boms, start=1):
            notes = "Assembled in-house" if id % 2 else None
            yield {"id": id, "product_id": product_id, "notes": notes, **_record_columns(SYSTEM_START)}

    def bom_lines(self) -> Iterator[dict]:
        id = 0
        for bom_id, components in enumerate(self.boms.values(), start=1):
            for component_id, per_unit in components:
                id += 1
                yield {"id": id, "bom_id": bom_id, "component_id": component_id, "quantity_per_unit": per_unit,
                       **_record_columns(SYSTEM_START)}  # fmt: skip

    def purchase_orders(self) -> Iterator[dict]:
        for order in self.purchases:
            steps = [order.ordered_at, order.cancelled_at, *(at for at, _ in order.receipts),
                     *(at for at, _ in order.payments)]  # fmt: skip
            happened = [at for at in steps if at]
            yield {
                "id": order.id,
                "number": order.number,
                "supplier_id": order.supplier_id,
                "warehouse_id": order.warehouse_id,
                "status": order.status,
                "order_date": order.created_at.date(),
                "expected_date": order.expected_date,
                "total_amount": order.total,
                "received_amount": sum((order.receipt_value(received) for _, received in order.receipts), ZERO),
                "paid_amount": sum((amount for _, amount in order.payments), ZERO),
                **_record_columns(order.created_at, happened),
            }

    def purchase_order_lines(self) -> Iterator[dict]:
        id = 0
        for order in self.purchases:
            for index, (product_id, quantity, cost, received) in enumerate(order.lines):
                id += 1
                receipts = [at for at, lines in order.receipts if any(line == index for line, _ in lines)]
                yield {
                    "id": id,
                    "order_id": order.id,
                    "line_no": index + 1,
                    "product_id": product_id,
                    "quantity": quantity,
                    "unit_cost": cost,
                    "received_quantity": received,
                    **_record_columns(order.created_at, receipts),
                }

    def sales_orders(self) -> Iterator[dict]:
        for order in self.sales:
            steps = [at for at in (order.confirmed_at, order.shipped_at, order.invoiced_at, order.cancelled_at) if at]
            yield {
                "id": order.id,
                "number": order.number,
                "customer_id": order.customer.id,
                "warehouse_id": order.warehouse_id,
                "status": order.status,
                "order_date": order.created_at.date(),
                "total_amount": order.total,
                **_record_columns(order.created_at, steps),
            }

    def sales_order_lines(self) -> Iterator[dict]:
        id = 0
        for order in self.sales:
            for line_no, (product_id, quantity, price, discount) in enumerate(order.lines, start=1):
                id += 1
                yield {"id": id, "order_id": order.id, "line_no": line_no, "product_id": product_id,
                       "quantity": quantity, "unit_price": price, "discount_percent": discount,
                       **_record_columns(order.created_at)}  # fmt: skip

    def work_order_rows(self) -> Iterator[dict]:
        for order in self.work_orders:
            steps = [at for at in (order.started_at, order.done_at, order.cancelled_at) if at]
            yield {
                "id": order.id,
                "number": order.number,
                "product_id": order.product_id,
                "quantity": order.quantity,
                "warehouse_id": order.warehouse_id,
                "status": order.status,
                "due_date": order.due_date,
                **_record_columns(order.created_at, steps),
            }

    def invoices(self) -> Iterator[dict]:
        for order in self.invoiced:
            paid = order.paid
            if order.issued_at is None:
                status = InvoiceStatus.DRAFT
            else:
                status = InvoiceStatus.PAID if paid == order.invoice_total else InvoiceStatus.ISSUED
            steps = [at for at in (order.issued_at, *(at for at, _ in order.payments)) if at]
            yield {
                "id": order.invoice_id,
                "number": order.invoice_number,
                "customer_id": order.customer.id,
                "sales_order_id": order.id,
                "status": status,
                "issue_date": order.issued_at.date() if order.issued_at else None,
                "due_date": order.due_date,
                "tax_rate": order.customer.tax_rate,
                "net_amount": order.total,
                "tax_amount": order.tax,
                "total_amount": order.invoice_total,
                "paid_amount": paid,
                **_record_columns(order.invoiced_at, steps),
            }

    def invoice_lines(self) -> Iterator[dict]:
        id = 0
        for order in self.invoiced:
            for line_no, (product_id, quantity, price, discount) in enumerate(order.lines, start=1):
                id += 1
                item = self.items[product_id]
                yield {
                    "id": id,
                    "invoice_id": order.invoice_id,
                    "line_no": line_no,
                    "description": f"{item.name} ({item.sku})"[:300],
                    "quantity": quantity,
                    "unit_price": net_unit_price(price, discount),
                    **_record_columns(order.invoiced_at),
                }

    def payments(self) -> Iterator[dict]:
        rng = self._random("payments")
        incoming = [(at, PaymentDirection.INCOMING, order.invoice_id, amount)
                    for order in self.invoiced for at, amount in order.payments]  # fmt: skip
        outgoing = [(at, PaymentDirection.OUTGOING, order.id, amount)
                    for order in self.purchases for at, amount in order.payments]  # fmt: skip
        in_time_order = sorted(incoming + outgoing, key=lambda payment: (payment[0], payment[1].value, payment[2]))
        for id, (at, direction, document_id, amount) in enumerate(in_time_order, start=1):
            yield {
                "id": id,
                "direction": direction,
                "invoice_id": document_id if direction is PaymentDirection.INCOMING else None,
                "purchase_order_id": document_id if direction is PaymentDirection.OUTGOING else None,
                "amount": amount,
                "paid_at": at,
                "method": _weighted(rng, PAYMENT_METHODS),
                "reference": None,
                **_record_columns(at),
            }

    def stock_moves(self) -> Iterator[dict]:
        for id, move in enumerate(self.moves, start=1):
            yield {
                "id": id,
                "product_id": move.product_id,
                "warehouse_id": move.warehouse_id,
                "quantity": move.quantity,
                "unit_cost": move.unit_cost,
                "kind": move.kind,
                "reference": move.reference,
                "value": move.value,
                "occurred_at": move.at,
                **_record_columns(move.at),
            }

    def journal_entries(self) -> Iterator[dict]:
        for id, entry in enumerate(self.entries, start=1):
            yield {"id": id, "number": format_number("JE", id), "posted_at": entry.at, "memo": entry.memo,
                   "source": entry.source, **_record_columns(entry.at)}  # fmt: skip

    def journal_lines(self, account_ids: dict[str, int]) -> Iterator[dict]:
        id = 0
        for entry_id, entry in enumerate(self.entries, start=1):
            for code, amount in entry.postings:
                id += 1
                yield {"id": id, "entry_id": entry_id, "account_id": account_ids[code],
                       "debit": amount if amount > 0 else ZERO, "credit": -amount if amount < 0 else ZERO,
                       "memo": None, **_record_columns(entry.at)}  # fmt: skip

    def timeline(self) -> Iterator[tuple[datetime, dict]]:
        """The purchase events the operations note on customers' timelines, oldest first (ids are given later)."""
        for at, _seq, customer_id, subject in self.timeline_events:
            yield at, {"customer_id": customer_id, "contact_id": None, "employee_id": None,
                       "kind": InteractionKind.PURCHASE, "occurred_at": at, "subject": subject, "notes": None,
                       "outcome": None, **_record_columns(at)}  # fmt: skip

    @property
    def last_numbers(self) -> dict[str, int]:
        """The highest number handed out per document prefix, for the counters."""
        return {"SO": len(self.sales), "PO": len(self.purchases), "INV": len(self.invoiced),
                "JE": len(self.entries), "WO": len(self.work_orders)}  # fmt: skip


def merge_timelines(*streams: Iterator[tuple[datetime, dict]]) -> Iterator[dict]:
    """Interactions from several time-ordered streams, merged in time order and numbered from 1."""
    merged = heapq.merge(*streams, key=lambda pair: pair[0])
    for id, (_at, row) in enumerate(merged, start=1):
        yield {"id": id, **row}
