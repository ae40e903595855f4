"""Questions about one order: status, tracking, delays, cancelling, changing the address."""
from __future__ import annotations

from typing import Any, Dict, List, Optional, Text

from rasa_sdk import FormValidationAction, Tracker
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions.after_sales import answer_refund_status
from actions.common import (
    OrderAction,
    entity_value,
    latest_intent,
    offer_recent_orders,
    order_fields,
    order_in_context,
    store,
    validate_order_slot,
)
from actions.logistics import answer_delay, answer_tracking
from actions.services.models import Order, OrderStatus
from actions.services.store import OrderNotModifiable

# Questions answered from a single order; an order number on its own answers the last of them.
ORDER_TOPICS = ("order_status", "logistics_track", "logistics_delay", "order_cancel", "refund_status")


async def find_order(
    dispatcher: CollectingDispatcher, tracker: Tracker, shopper: Text
) -> Optional[Order]:
    """The order the shopper means, or None after telling them what is missing.

    Looks at an order number or tracking number in the latest message first, then at the
    order already discussed, so the shopper never has to repeat it.
    """
    tracking_number = entity_value(tracker, "tracking_number")
    order_id = entity_value(tracker, "order_id")
    if tracking_number and not order_id:
        order = await store().find_order_by_tracking(shopper, tracking_number)
        if order is None:
            dispatcher.utter_message(response="utter_order_not_found", order_id=tracking_number)
        return order
    order_id = order_id or tracker.get_slot("order_id")
    if not order_id:
        await offer_recent_orders(dispatcher, shopper)
        return None
    order = await store().get_order(shopper, order_id)
    if order is None:
        dispatcher.utter_message(response="utter_order_not_found", order_id=order_id)
    return order


class ActionAnswerTopic(OrderAction):
    """Answers the shopper's latest order question about the order in context."""

    def name(self) -> Text:
        return "action_answer_topic"

    async def answer(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, shopper: Text
    ) -> List[Dict[Text, Any]]:
        topic = latest_intent(tracker, ORDER_TOPICS) or "order_status"
        if topic == "refund_status" and not (
            entity_value(tracker, "order_id") or tracker.get_slot("order_id")
        ):
            await answer_refund_status(dispatcher, shopper, order_id=None)
            return []
        order = await find_order(dispatcher, tracker, shopper)
        if order is None:
            return [SlotSet("order_id", None)]
        events: List[Dict[Text, Any]] = [SlotSet("order_id", order.order_id)]
        if topic == "logistics_track":
            await answer_tracking(dispatcher, shopper, order)
        elif topic == "logistics_delay":
            events += await answer_delay(dispatcher, shopper, order)
        elif topic == "order_cancel":
            events += answer_cancel(dispatcher, order)
        elif topic == "refund_status":
            await answer_refund_status(dispatcher, shopper, order_id=order.order_id)
        else:
            await answer_status(dispatcher, shopper, order)
        return events


async def answer_status(dispatcher: CollectingDispatcher, shopper: Text, order: Order) -> None:
    fields = order_fields(order)
    if order.status == OrderStatus.SHIPPED:
        shipment = await store().get_shipment(shopper, order.order_id)
        if shipment is not None:
            fields.update(
                carrier=shipment.carrier,
                tracking_number=shipment.tracking_number,
                expected_delivery=f"{shipment.expected_delivery.month}月{shipment.expected_delivery.day}日",
            )
    dispatcher.utter_message(response=f"utter_order_status_{order.status.value}", **fields)


def answer_cancel(dispatcher: CollectingDispatcher, order: Order) -> List[Dict[Text, Any]]:
    fields = order_fields(order)
    if order.can_cancel:
        dispatcher.utter_message(response="utter_confirm_cancel", **fields)
        return [SlotSet("pending_confirmation", f"cancel_order:{order.order_id}")]
    if order.status == OrderStatus.CANCELLED:
        dispatcher.utter_message(response="utter_already_cancelled", **fields)
    elif order.status in (OrderStatus.SHIPPED, OrderStatus.DELIVERED):
        dispatcher.utter_message(response="utter_cannot_cancel_shipped", **fields)
    else:
        dispatcher.utter_message(response="utter_cannot_cancel_other", **fields)
    return []


class ActionHandleConfirmation(OrderAction):
    """Carries out (affirm) or drops (deny) what the bot last asked the shopper to confirm."""

    def name(self) -> Text:
        return "action_handle_confirmation"

    async def answer(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, shopper: Text
    ) -> List[Dict[Text, Any]]:
        pending = tracker.get_slot("pending_confirmation")
        confirmed = tracker.latest_message.get("intent", {}).get("name") == "affirm"
        if not pending:
            dispatcher.utter_message(response="utter_anything_else")
            return []
        events: List[Dict[Text, Any]] = [SlotSet("pending_confirmation", None)]
        if not confirmed:
            dispatcher.utter_message(response="utter_keep_as_is")
            return events
        what, _, order_id = pending.partition(":")
        try:
            if what == "cancel_order":
                order = await store().cancel_order(shopper, order_id)
                dispatcher.utter_message(response="utter_order_cancelled", **order_fields(order))
            elif what == "change_address":
                address = tracker.get_slot("new_address")
                order = await store().change_address(shopper, order_id, address)
                dispatcher.utter_message(
                    response="utter_address_changed", order_id=order.order_id, new_address=address
                )
                events.append(SlotSet("new_address", None))
        except OrderNotModifiable as refused:
            # The order shipped between the question and the answer.
            response = (
                "utter_cannot_cancel_shipped" if what == "cancel_order"
                else "utter_cannot_change_address_shipped"
            )
            dispatcher.utter_message(response=response, **order_fields(refused.order))
        return events


class ActionAskOrderId(OrderAction):
    """Form question for `order_id`: the shopper's recent orders as buttons."""

    def name(self) -> Text:
        return "action_ask_order_id"

    async def answer(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, shopper: Text
    ) -> List[Dict[Text, Any]]:
        await offer_recent_orders(dispatcher, shopper)
        return []


class ValidateAddressForm(FormValidationAction):
    """Order first; the new address is asked only while the order can still be changed."""

    def name(self) -> Text:
        return "validate_address_form"

    async def required_slots(
        self,
        domain_slots: List[Text],
        dispatcher: CollectingDispatcher,
        tracker: Tracker,
        domain: DomainDict,
    ) -> List[Text]:
        if tracker.get_slot("order_id") and tracker.get_slot("new_address") is None:
            order = await order_in_context(tracker)
            if order is not None and not order.can_change_address:
                return ["order_id"]
        return domain_slots

    async def validate_order_id(
        self, slot_value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> Dict[Text, Any]:
        order = await validate_order_slot(slot_value, dispatcher, tracker)
        return {"order_id": order.order_id if order else None}

    async def validate_new_address(
        self, slot_value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> Dict[Text, Any]:
        address = " ".join(str(slot_value).split())
        if not 6 <= len(address) <= 120:
            dispatcher.utter_message(response="utter_address_too_short")
            return {"new_address": None}
        return {"new_address": address}


class ActionSubmitAddressChange(OrderAction):
    """After address_form: ask to confirm the change, or explain why it cannot be made."""

    def name(self) -> Text:
        return "action_submit_address_change"

    async def answer(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, shopper: Text
    ) -> List[Dict[Text, Any]]:
        order = await store().get_order(shopper, tracker.get_slot("order_id") or "")
        if order is None:
            dispatcher.utter_message(response="utter_order_not_found", order_id=tracker.get_slot("order_id"))
            return [SlotSet("new_address", None)]
        if not order.can_change_address:
            dispatcher.utter_message(response="utter_cannot_change_address_shipped", **order_fields(order))
            return [SlotSet("new_address", None)]
        dispatcher.utter_message(
            response="utter_confirm_address_change",
            order_id=order.order_id,
            old_address=order.address,
            new_address=tracker.get_slot("new_address"),
        )
        return [SlotSet("pending_confirmation", f"change_address:{order.order_id}")]
