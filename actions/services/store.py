"""The order store interface used by the actions, and the factory that picks an implementation.

Every method is scoped to one shopper: another shopper's order behaves exactly like an unknown
order id (None, or OrderNotFound), so a shopper can never see or change someone else's data.
"""

from __future__ import annotations

import importlib
from datetime import datetime
from decimal import Decimal
from functools import partial
from typing import TYPE_CHECKING, Protocol

from actions.services.models import (
    AfterSalesRecord,
    Coupon,
    Order,
    ReturnRecord,
    Shipment,
    Shopper,
)

if TYPE_CHECKING:
    from actions.services.settings import Settings


class StoreError(Exception):
    """The order system is unavailable (database missing, corrupt or locked).

    Base class of the store's exceptions: catch OrderNotFound and OrderNotModifiable first.
    """


class OrderNotFound(StoreError):
    """No such order for this shopper (also raised for another shopper's order)."""

    def __init__(self, order_id: str) -> None:
        super().__init__(f"order {order_id} not found")
        self.order_id = order_id


class OrderNotModifiable(StoreError):
    """The order's status does not allow the change.

    reason is a short code:
    cancel / change address: "already_cancelled", "shipped" (shipped or delivered),
      "after_sales" (returning or refunded);
    return: "not_delivered", "already_returning", "not_returnable" (cancelled or refunded).
    """

    def __init__(self, order: Order, reason: str) -> None:
        super().__init__(f"order {order.order_id} ({order.status.value}) not modifiable: {reason}")
        self.order = order
        self.reason = reason


class OrderStore(Protocol):
    async def get_shopper(self, shopper_id: str) -> Shopper | None: ...

    async def recent_orders(self, shopper_id: str, limit: int = 5) -> list[Order]:
        """Newest first."""

    async def get_order(self, shopper_id: str, order_id: str) -> Order | None: ...

    async def get_shipment(self, shopper_id: str, order_id: str) -> Shipment | None:
        """None for an unknown order and for an order that has not shipped."""

    async def find_order_by_tracking(self, shopper_id: str, tracking_number: str) -> Order | None:
        """Case and spaces in the tracking number are ignored."""

    async def cancel_order(self, shopper_id: str, order_id: str) -> Order:
        """Cancel an unpaid or paid order; raises OrderNotFound or OrderNotModifiable."""

    async def change_address(self, shopper_id: str, order_id: str, address: str) -> Order:
        """Change the address before shipping; raises OrderNotFound or OrderNotModifiable."""

    async def create_return(
        self,
        shopper_id: str,
        order_id: str,
        item_id: int,
        kind: str,
        reason: str,
        free_shipping: bool,
        pickup: bool,
        refund_amount: Decimal,
    ) -> ReturnRecord:
        """Open a return or exchange on a delivered order and mark the order as returning.

        Raises OrderNotFound, OrderNotModifiable (order not delivered or already returning) or
        ValueError (item not in the order, unknown kind, refund above the item's price).
        The return policy (windows, who pays shipping) is checked by the caller with
        policies.check_return; the store only guards the state change.
        """

    async def list_returns(
        self, shopper_id: str, order_id: str | None = None
    ) -> list[ReturnRecord]:
        """Newest first."""

    async def grant_coupon(
        self, shopper_id: str, order_id: str, amount: Decimal, reason: str
    ) -> Coupon | None:
        """None if this order already got a coupon for this reason (once per order, atomically)."""

    async def coupons_for_order(self, shopper_id: str, order_id: str) -> list[Coupon]: ...

    async def create_after_sales(
        self,
        shopper_id: str,
        order_id: str | None,
        kind: str,
        item: str | None,
        description: str,
    ) -> AfterSalesRecord:
        """Raises OrderNotFound if order_id is given but is not this shopper's order."""


def open_store(settings: Settings) -> OrderStore:
    """Build the store named by settings.order_store.

    "sqlite" is built in. A shop can plug in its own system with "package.module:factory", where
    factory(settings) returns an object implementing OrderStore.
    """
    name = settings.order_store
    if name == "sqlite":
        from actions.services.sqlite_store import SQLiteOrderStore

        return SQLiteOrderStore(settings.db_path, clock=partial(datetime.now, settings.tzinfo))
    module_name, sep, factory_name = name.partition(":")
    if not sep or not module_name or not factory_name:
        raise ValueError(f"unknown order store {name!r}: use 'sqlite' or 'package.module:factory'")
    factory = getattr(importlib.import_module(module_name), factory_name)
    return factory(settings)
