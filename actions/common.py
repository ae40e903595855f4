"""What every action needs: the shopper, the order store, policies, labels and formatting."""
from __future__ import annotations

import logging
from abc import ABC, abstractmethod
from datetime import date, datetime
from decimal import Decimal
from functools import lru_cache
from pathlib import Path
from typing import Any, Dict, Iterable, List, Optional, Text
from zoneinfo import ZoneInfo

import yaml
from rasa_sdk import Action, Tracker
from rasa_sdk.executor import CollectingDispatcher

from actions.services.models import Order
from actions.services.policies import Policies, load_policies
from actions.services.settings import Settings
from actions.services.store import OrderStore, StoreError, open_store

logger = logging.getLogger(__name__)

PROJECT_ROOT = Path(__file__).resolve().parents[1]
LABELS_PATH = PROJECT_ROOT / "data" / "labels.yml"


@lru_cache(maxsize=1)
def settings() -> Settings:
    return Settings.from_env()


@lru_cache(maxsize=1)
def store() -> OrderStore:
    return open_store(settings())


@lru_cache(maxsize=1)
def policies() -> Policies:
    return load_policies(settings().policies_dir)


@lru_cache(maxsize=1)
def labels() -> Dict[Text, Dict[Text, Text]]:
    with LABELS_PATH.open(encoding="utf-8") as f:
        return yaml.safe_load(f)


def now() -> datetime:
    return datetime.now(ZoneInfo(settings().timezone))


def shopper_id(tracker: Tracker) -> Optional[Text]:
    """The shopper this conversation is bound to, from the trusted channel metadata.

    The gateway (or the REST client) puts `shopper_id` into every message's metadata;
    nothing the shopper types can change it.
    """
    metadata = tracker.latest_message.get("metadata") or {}
    return metadata.get("shopper_id") or tracker.get_slot("shopper_id")


def latest_intent(tracker: Tracker, among: Iterable[Text]) -> Optional[Text]:
    """The most recent user intent that is one of `among`."""
    wanted = set(among)
    for event in reversed(tracker.events):
        if event.get("event") == "user":
            name = (event.get("parse_data") or {}).get("intent", {}).get("name")
            if name in wanted:
                return name
    return None


def entity_value(tracker: Tracker, entity: Text) -> Optional[Text]:
    """The value of `entity` in the latest message, if the shopper just mentioned one."""
    return next(tracker.get_latest_entity_values(entity), None)


def format_time(moment: Optional[datetime | date]) -> Text:
    if moment is None:
        return "-"
    if isinstance(moment, datetime):
        return f"{moment.month}月{moment.day}日 {moment:%H:%M}"
    return f"{moment.month}月{moment.day}日"


def format_amount(amount: Decimal) -> Text:
    return f"{amount:.2f}"


def format_yuan(amount: Decimal) -> Text:
    """A whole-yuan amount without decimals (coupons): 10 rather than 10.00."""
    return format(amount.normalize(), "f")


def format_items(order: Order) -> Text:
    return "、".join(f"{item.name} ×{item.quantity}" for item in order.items)


def order_button(order: Order) -> Dict[Text, Text]:
    first = order.items[0].name if order.items else ""
    more = f"等{len(order.items)}件" if len(order.items) > 1 else ""
    return {
        "title": f"{order.order_id} · {first}{more} · ¥{format_amount(order.total_amount)}",
        "payload": f'/inform_order_number{{"order_id": "{order.order_id}"}}',
    }


def order_fields(order: Order) -> Dict[Text, Any]:
    """Template variables shared by the order responses."""
    return {
        "order_id": order.order_id,
        "items": format_items(order),
        "amount": format_amount(order.total_amount),
        "created_at": format_time(order.created_at),
        "paid_at": format_time(order.paid_at),
        "shipped_at": format_time(order.shipped_at),
        "delivered_at": format_time(order.delivered_at),
    }


async def offer_recent_orders(dispatcher: CollectingDispatcher, shopper: Text) -> None:
    """Ask which order is meant, with the shopper's recent orders as buttons."""
    orders = await store().recent_orders(shopper, limit=5)
    if orders:
        dispatcher.utter_message(
            response="utter_choose_order", buttons=[order_button(o) for o in orders]
        )
    else:
        dispatcher.utter_message(response="utter_no_orders")


async def validate_order_slot(
    slot_value: Any, dispatcher: CollectingDispatcher, tracker: Tracker
) -> Optional[Order]:
    """The shopper's order for a form's `order_id`, or None after saying why not."""
    shopper = shopper_id(tracker)
    if not shopper:
        dispatcher.utter_message(response="utter_need_login")
        return None
    try:
        order = await store().get_order(shopper, str(slot_value))
    except StoreError:
        logger.exception("orders.store.unavailable")
        dispatcher.utter_message(response="utter_service_unavailable")
        return None
    if order is None:
        dispatcher.utter_message(response="utter_order_not_found", order_id=slot_value)
    return order


async def order_in_context(tracker: Tracker, order_id: Optional[Text] = None) -> Optional[Order]:
    """The shopper's order `order_id` (default: the `order_id` slot); None if unknown or unavailable."""
    shopper = shopper_id(tracker)
    order_id = order_id or tracker.get_slot("order_id")
    if not (shopper and order_id):
        return None
    try:
        return await store().get_order(shopper, order_id)
    except StoreError:
        return None


class OrderAction(Action, ABC):
    """An action that needs the shopper's identity and the order store.

    Subclasses implement `answer`; a missing shopper id or an unavailable order
    system gets a polite reply instead of an exception.
    """

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[Text, Any]
    ) -> List[Dict[Text, Any]]:
        shopper = shopper_id(tracker)
        if not shopper:
            dispatcher.utter_message(response="utter_need_login")
            return []
        try:
            return await self.answer(dispatcher, tracker, shopper)
        except StoreError:
            logger.exception("orders.store.unavailable action=%s", self.name())
            dispatcher.utter_message(response="utter_service_unavailable")
            return []

    @abstractmethod
    async def answer(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, shopper: Text
    ) -> List[Dict[Text, Any]]:
        """Answer for `shopper`; return the events to apply."""
