"""Where a parcel is, and what happens when it is late (apology, next step, coupon by policy)."""
from __future__ import annotations

from typing import Any, Dict, List, Text

from rasa_sdk.executor import CollectingDispatcher

from actions.common import format_time, format_yuan, now, order_fields, policies, store
from actions.handoff import hand_off_next
from actions.services.models import CouponReason, Order, OrderStatus, Shipment
from actions.services.policies import assess_delay

TIMELINE_EVENTS = 4


def timeline(shipment: Shipment) -> Text:
    """The newest tracking events, newest first, one per line."""
    lines = [
        f"{format_time(e.time)} {e.location} {e.description}"
        for e in reversed(shipment.events[-TIMELINE_EVENTS:])
    ]
    return "\n".join(lines) or "暂无物流记录"


def last_event(shipment: Shipment) -> Text:
    if not shipment.events:
        return "暂无物流记录"
    event = shipment.events[-1]
    return f"{format_time(event.time)} {event.description}"


def shipment_fields(shipment: Shipment) -> dict:
    return {
        "carrier": shipment.carrier,
        "tracking_number": shipment.tracking_number,
        "expected_delivery": format_time(shipment.expected_delivery),
        "timeline": timeline(shipment),
        "last_event": last_event(shipment),
    }


async def answer_tracking(dispatcher: CollectingDispatcher, shopper: Text, order: Order) -> None:
    shipment = await store().get_shipment(shopper, order.order_id)
    if shipment is None or order.status in (OrderStatus.UNPAID, OrderStatus.PAID):
        dispatcher.utter_message(response="utter_not_shipped_yet", **order_fields(order))
        return
    fields = {**order_fields(order), **shipment_fields(shipment)}
    if order.status == OrderStatus.SHIPPED:
        dispatcher.utter_message(response="utter_tracking", **fields)
    else:
        dispatcher.utter_message(response="utter_tracking_delivered", **fields)


async def answer_delay(
    dispatcher: CollectingDispatcher, shopper: Text, order: Order
) -> List[Dict[Text, Any]]:
    """Apologise and act: a coupon within the policy limit, a person above it.

    Returns the events that hand the conversation to a person when the coupon is above the limit.
    """
    shipment = await store().get_shipment(shopper, order.order_id)
    if shipment is None or order.status in (OrderStatus.UNPAID, OrderStatus.PAID):
        dispatcher.utter_message(response="utter_delay_not_shipped", **order_fields(order))
        return []
    fields = {**order_fields(order), **shipment_fields(shipment)}
    if order.status != OrderStatus.SHIPPED:
        dispatcher.utter_message(response="utter_delay_delivered", **fields)
        return []
    policy = policies().compensation
    delay = assess_delay(shipment, now(), policy)
    if not delay.delayed:
        dispatcher.utter_message(response="utter_delay_on_time", **fields)
    elif delay.coupon_amount <= 0:
        dispatcher.utter_message(response="utter_delay_urged", **fields)
    elif delay.needs_human:
        dispatcher.utter_message(response="utter_delay_needs_human", days_late=delay.days_late, **fields)
        return hand_off_next("compensation_over_limit")
    else:
        coupon = await store().grant_coupon(shopper, order.order_id, delay.coupon_amount, CouponReason.DELIVERY_DELAY)
        if coupon is None:
            granted = await store().coupons_for_order(shopper, order.order_id)
            amount = granted[0].amount if granted else delay.coupon_amount
            dispatcher.utter_message(response="utter_delay_coupon_already", coupon_amount=format_yuan(amount), **fields)
        else:
            dispatcher.utter_message(
                response="utter_delay_coupon_granted",
                coupon_amount=format_yuan(coupon.amount),
                valid_days=policy.coupon_valid_days,
                **fields,
            )
    return []
