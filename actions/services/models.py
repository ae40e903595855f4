"""Immutable records returned by the order store.

Every datetime is timezone-aware (the shop's zone, Asia/Shanghai by default) and every amount of
money is a Decimal in yuan.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from enum import Enum


class OrderStatus(str, Enum):
    UNPAID = "unpaid"
    PAID = "paid"  # paid, not shipped yet
    SHIPPED = "shipped"
    DELIVERED = "delivered"
    CANCELLED = "cancelled"
    RETURNING = "returning"  # an after-sales return or exchange is in progress
    REFUNDED = "refunded"


# Before shipping, the warehouse can still stop the parcel or relabel it.
MODIFIABLE_STATUSES = frozenset({OrderStatus.UNPAID, OrderStatus.PAID})


class ReturnKind(str, Enum):
    RETURN = "return"
    EXCHANGE = "exchange"


class ReturnStatus(str, Enum):
    REQUESTED = "requested"
    PICKUP_SCHEDULED = "pickup_scheduled"
    RECEIVED = "received"
    REFUNDING = "refunding"
    REFUNDED = "refunded"
    REJECTED = "rejected"
    EXCHANGED = "exchanged"


class AfterSalesKind(str, Enum):
    PAYMENT_PROBLEM = "payment_problem"
    WRONG_OR_MISSING_ITEM = "wrong_or_missing_item"
    PACKAGE_DAMAGED = "package_damaged"
    QUALITY_PROBLEM = "quality_problem"
    COMPLAINT = "complaint"
    WARRANTY_REPAIR = "warranty_repair"
    PRICE_PROTECTION = "price_protection"


class CouponReason(str, Enum):
    DELIVERY_DELAY = "delivery_delay"


@dataclass(frozen=True)
class Shopper:
    shopper_id: str
    name: str
    phone: str  # masked, e.g. 138****5621
    vip: bool


@dataclass(frozen=True)
class OrderItem:
    item_id: int
    sku: str
    name: str
    quantity: int
    unit_price: Decimal

    @property
    def line_total(self) -> Decimal:
        return self.unit_price * self.quantity


@dataclass(frozen=True)
class Order:
    order_id: str
    shopper_id: str
    status: OrderStatus
    total_amount: Decimal
    created_at: datetime
    paid_at: datetime | None
    shipped_at: datetime | None
    delivered_at: datetime | None
    address: str
    items: tuple[OrderItem, ...]
    cancelled_at: datetime | None = None

    @property
    def can_cancel(self) -> bool:
        return self.status in MODIFIABLE_STATUSES

    @property
    def can_change_address(self) -> bool:
        return self.status in MODIFIABLE_STATUSES


@dataclass(frozen=True)
class TrackingEvent:
    time: datetime
    location: str
    description: str  # carrier wording, e.g. 快件已到达【上海转运中心】


@dataclass(frozen=True)
class Shipment:
    order_id: str
    carrier: str
    tracking_number: str
    shipped_at: datetime
    expected_delivery: datetime
    events: tuple[TrackingEvent, ...]  # oldest first, newest last
    delivered_at: datetime | None = None

    @property
    def last_event(self) -> TrackingEvent | None:
        return self.events[-1] if self.events else None

    @property
    def last_update(self) -> datetime:
        """Time of the newest tracking event, or the shipping time if there is none yet."""
        return self.events[-1].time if self.events else self.shipped_at


@dataclass(frozen=True)
class ReturnRecord:
    return_id: str  # "R" + digits
    order_id: str
    shopper_id: str
    item_id: int
    kind: ReturnKind
    reason: str  # a reason code from data/policies/returns.yml, e.g. "quality", "size"
    status: ReturnStatus
    refund_amount: Decimal
    free_shipping: bool
    pickup: bool
    created_at: datetime
    updated_at: datetime
    item_name: str = ""  # copied from the order item so a progress list needs no extra query


@dataclass(frozen=True)
class Coupon:
    coupon_id: str  # "CP" + digits
    shopper_id: str
    order_id: str
    amount: Decimal
    reason: str  # a CouponReason value
    created_at: datetime


@dataclass(frozen=True)
class AfterSalesRecord:
    record_id: str  # "AS" + digits
    shopper_id: str
    order_id: str | None
    kind: AfterSalesKind
    item: str | None
    description: str
    status: str  # "open" until an agent handles it
    created_at: datetime
