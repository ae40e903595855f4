"""Actions against a real seeded SQLite file: returned events and the responses they pick."""
from __future__ import annotations

from datetime import timedelta
from typing import List

import pytest
from rasa_sdk.executor import CollectingDispatcher

from actions import common
from actions.after_sales import (
    ActionAnswerInvoice,
    ActionAnswerReturnPolicy,
    ActionSubmitAfterSales,
    ActionSubmitReturn,
    ValidateAfterSalesForm,
    ValidateReturnForm,
)
from actions.fallback import ActionDefaultAskAffirmation
from actions.orders import (
    ActionAnswerTopic,
    ActionHandleConfirmation,
    ActionSubmitAddressChange,
    ValidateAddressForm,
)
from actions.services.models import Order, OrderStatus
from actions.services.policies import assess_delay

DOMAIN = {}


def uttered(dispatcher: CollectingDispatcher) -> List[str]:
    return [m.get("response") for m in dispatcher.messages]


def slot_events(events) -> dict:
    return {e["name"]: e["value"] for e in events if e.get("event") == "slot"}


async def orders_of(shopper: str) -> List[Order]:
    return await common.store().recent_orders(shopper, limit=100)


async def order_where(shopper: str, predicate) -> Order:
    for order in await orders_of(shopper):
        if await predicate(order):
            return order
    raise AssertionError("the demo data has no such order")


def in_status(status: OrderStatus):
    async def check(order: Order) -> bool:
        return order.status == status

    return check


def delivered_days_ago(low: int, high: int):
    async def check(order: Order) -> bool:
        if order.status != OrderStatus.DELIVERED or order.delivered_at is None:
            return False
        age = common.now() - order.delivered_at
        return timedelta(days=low) <= age < timedelta(days=high)

    return check


def shipped(delayed: bool):
    async def check(order: Order) -> bool:
        if order.status != OrderStatus.SHIPPED:
            return False
        shipment = await common.store().get_shipment(order.shopper_id, order.order_id)
        return assess_delay(shipment, common.now(), common.policies().compensation).delayed == delayed

    return check


async def run(action, tracker) -> tuple[CollectingDispatcher, list]:
    dispatcher = CollectingDispatcher()
    events = await action.run(dispatcher, tracker, DOMAIN)
    return dispatcher, events


async def test_order_status_without_number_offers_own_orders_as_buttons(order_db, make_tracker):
    dispatcher, _ = await run(ActionAnswerTopic(), make_tracker("order_status", "我的订单呢"))
    assert uttered(dispatcher) == ["utter_choose_order"]
    payloads = " ".join(b["payload"] for b in dispatcher.messages[0]["buttons"])
    own = {o.order_id for o in await orders_of("u1001")}
    others = {o.order_id for o in await orders_of("u1002")}
    assert any(order_id in payloads for order_id in own)
    assert not any(order_id in payloads for order_id in others)


@pytest.mark.parametrize("status", list(OrderStatus))
async def test_order_status_answers_per_state(order_db, make_tracker, status):
    order = await order_where("u1001", in_status(status))
    tracker = make_tracker("order_status", entities=[{"entity": "order_id", "value": order.order_id}])
    dispatcher, events = await run(ActionAnswerTopic(), tracker)
    assert uttered(dispatcher) == [f"utter_order_status_{status.value}"]
    assert dispatcher.messages[0]["order_id"] == order.order_id
    assert slot_events(events)["order_id"] == order.order_id


async def test_another_shoppers_order_answers_like_an_unknown_one(order_db, make_tracker):
    foreign = (await orders_of("u1002"))[0]
    for order_id in (foreign.order_id, "899999999999"):
        tracker = make_tracker("order_status", entities=[{"entity": "order_id", "value": order_id}])
        dispatcher, events = await run(ActionAnswerTopic(), tracker)
        assert uttered(dispatcher) == ["utter_order_not_found"]
        assert slot_events(events) == {"order_id": None}


async def test_no_shopper_id_is_asked_to_log_in(order_db, make_tracker):
    dispatcher, events = await run(ActionAnswerTopic(), make_tracker("order_status", shopper=None))
    assert uttered(dispatcher) == ["utter_need_login"] and events == []


async def test_order_number_from_context_is_reused(order_db, make_tracker):
    order = await order_where("u1001", shipped(delayed=False))
    tracker = make_tracker("logistics_track", "到哪了", slots={"order_id": order.order_id})
    dispatcher, _ = await run(ActionAnswerTopic(), tracker)
    assert uttered(dispatcher) == ["utter_tracking"]
    message = dispatcher.messages[0]
    shipment = await common.store().get_shipment("u1001", order.order_id)
    assert message["tracking_number"] == shipment.tracking_number
    assert shipment.events[-1].description in message["timeline"]


async def test_tracking_number_finds_the_order(order_db, make_tracker):
    order = await order_where("u1001", shipped(delayed=False))
    shipment = await common.store().get_shipment("u1001", order.order_id)
    tracker = make_tracker(
        "logistics_track", entities=[{"entity": "tracking_number", "value": shipment.tracking_number}]
    )
    dispatcher, events = await run(ActionAnswerTopic(), tracker)
    assert uttered(dispatcher) == ["utter_tracking"]
    assert slot_events(events)["order_id"] == order.order_id


async def test_order_number_alone_answers_the_previous_question(order_db, make_tracker):
    order = await order_where("u1001", shipped(delayed=False))
    earlier = [{"event": "user", "parse_data": {"intent": {"name": "logistics_track"}}}]
    tracker = make_tracker(
        "inform_order_number", entities=[{"entity": "order_id", "value": order.order_id}], events=earlier
    )
    dispatcher, _ = await run(ActionAnswerTopic(), tracker)
    assert uttered(dispatcher) == ["utter_tracking"]


async def test_late_parcel_gets_one_coupon_per_order(order_db, make_tracker):
    order = await order_where("u1001", shipped(delayed=True))
    tracker = make_tracker("logistics_delay", slots={"order_id": order.order_id})
    first, _ = await run(ActionAnswerTopic(), tracker)
    second, _ = await run(ActionAnswerTopic(), tracker)
    assert uttered(first) == ["utter_delay_coupon_granted"]
    assert uttered(second) == ["utter_delay_coupon_already"]
    coupons = await common.store().coupons_for_order("u1001", order.order_id)
    assert len(coupons) == 1
    assert 0 < coupons[0].amount <= common.policies().compensation.auto_grant_limit


async def test_parcel_on_time_gets_no_coupon(order_db, make_tracker):
    order = await order_where("u1001", shipped(delayed=False))
    dispatcher, _ = await run(ActionAnswerTopic(), make_tracker("logistics_delay", slots={"order_id": order.order_id}))
    assert uttered(dispatcher) == ["utter_delay_on_time"]
    assert await common.store().coupons_for_order("u1001", order.order_id) == []


async def test_cancel_before_shipping_needs_confirmation(order_db, make_tracker):
    order = await order_where("u1001", in_status(OrderStatus.PAID))
    dispatcher, events = await run(ActionAnswerTopic(), make_tracker("order_cancel", slots={"order_id": order.order_id}))
    assert uttered(dispatcher) == ["utter_confirm_cancel"]
    pending = slot_events(events)["pending_confirmation"]
    assert (await common.store().get_order("u1001", order.order_id)).status == OrderStatus.PAID

    dispatcher, events = await run(
        ActionHandleConfirmation(), make_tracker("affirm", slots={"pending_confirmation": pending})
    )
    assert uttered(dispatcher) == ["utter_order_cancelled"]
    assert slot_events(events)["pending_confirmation"] is None
    assert (await common.store().get_order("u1001", order.order_id)).status == OrderStatus.CANCELLED


async def test_deny_keeps_the_order(order_db, make_tracker):
    order = await order_where("u1001", in_status(OrderStatus.PAID))
    pending = f"cancel_order:{order.order_id}"
    dispatcher, _ = await run(ActionHandleConfirmation(), make_tracker("deny", slots={"pending_confirmation": pending}))
    assert uttered(dispatcher) == ["utter_keep_as_is"]
    assert (await common.store().get_order("u1001", order.order_id)).status == OrderStatus.PAID


async def test_shipped_order_cannot_be_cancelled(order_db, make_tracker):
    order = await order_where("u1001", in_status(OrderStatus.SHIPPED))
    dispatcher, events = await run(ActionAnswerTopic(), make_tracker("order_cancel", slots={"order_id": order.order_id}))
    assert uttered(dispatcher) == ["utter_cannot_cancel_shipped"]
    assert "pending_confirmation" not in slot_events(events)


async def test_address_change_before_shipping(order_db, make_tracker):
    order = await order_where("u1001", in_status(OrderStatus.PAID))
    validator = ValidateAddressForm()
    assert await validator.validate_new_address("北京", CollectingDispatcher(), make_tracker("x"), DOMAIN) == {"new_address": None}
    address = "北京市朝阳区建国路88号 2号楼 1201"
    slots = {"order_id": order.order_id, "new_address": address}
    dispatcher, events = await run(ActionSubmitAddressChange(), make_tracker("x", slots=slots))
    assert uttered(dispatcher) == ["utter_confirm_address_change"]
    slots["pending_confirmation"] = slot_events(events)["pending_confirmation"]
    dispatcher, _ = await run(ActionHandleConfirmation(), make_tracker("affirm", slots=slots))
    assert uttered(dispatcher) == ["utter_address_changed"]
    assert (await common.store().get_order("u1001", order.order_id)).address == address


async def test_address_form_stops_early_for_a_shipped_order(order_db, make_tracker):
    order = await order_where("u1001", in_status(OrderStatus.SHIPPED))
    tracker = make_tracker("order_change_address", slots={"order_id": order.order_id})
    required = await ValidateAddressForm().required_slots(["order_id", "new_address"], CollectingDispatcher(), tracker, DOMAIN)
    assert required == ["order_id"]
    dispatcher, _ = await run(ActionSubmitAddressChange(), tracker)
    assert uttered(dispatcher) == ["utter_cannot_change_address_shipped"]


async def _return(make_tracker, order: Order, reason: str, intent: str = "return_request"):
    """Validate the reason as the form would, then submit."""
    history = [{"event": "user", "parse_data": {"intent": {"name": intent}}}]
    slots = {"order_id": order.order_id, "item": order.items[0].name, "return_pickup": True}
    validated = await ValidateReturnForm().validate_return_reason(
        reason, CollectingDispatcher(), make_tracker("inform_reason", slots=slots, events=history), DOMAIN
    )
    slots.update(validated)
    dispatcher, _ = await run(ActionSubmitReturn(), make_tracker("affirm", slots=slots, events=history))
    return validated, dispatcher


async def test_return_within_seven_days(order_db, make_tracker):
    order = await order_where("u1001", delivered_days_ago(0, 7))
    validated, dispatcher = await _return(make_tracker, order, "size")
    assert validated == {"return_reason": "size", "return_decision": "allowed"}
    assert uttered(dispatcher) == ["utter_return_created", "utter_return_shipping_paid", "utter_return_pickup_booked"]
    returns = await common.store().list_returns("u1001", order.order_id)
    assert [r.return_id for r in returns] == [dispatcher.messages[0]["return_id"]]


async def test_no_reason_return_after_the_window_is_refused(order_db, make_tracker):
    order = await order_where("u1001", delivered_days_ago(8, 14))
    validated, dispatcher = await _return(make_tracker, order, "不想要了")
    assert validated == {"return_reason": "no_reason", "return_decision": "denied:window_expired"}
    assert uttered(dispatcher) == ["utter_return_denied_window_expired"]
    assert await common.store().list_returns("u1001", order.order_id) == []


async def test_quality_return_after_seven_days_ships_free(order_db, make_tracker):
    order = await order_where("u1001", delivered_days_ago(8, 14))
    validated, dispatcher = await _return(make_tracker, order, "quality", intent="exchange_request")
    assert validated["return_decision"] == "allowed"
    assert uttered(dispatcher)[:2] == ["utter_return_created", "utter_return_shipping_free"]
    assert (await common.store().list_returns("u1001", order.order_id))[0].kind == "exchange"


async def test_return_of_an_undelivered_order_is_refused_before_asking_more(order_db, make_tracker):
    order = await order_where("u1001", in_status(OrderStatus.PAID))
    history = [{"event": "user", "parse_data": {"intent": {"name": "return_request"}}}]
    tracker = make_tracker("return_request", events=history)
    result = await ValidateReturnForm().validate_order_id(order.order_id, CollectingDispatcher(), tracker, DOMAIN)
    assert result["return_decision"] == "denied:not_delivered"


async def test_refund_status_lists_the_shoppers_returns(order_db, make_tracker):
    dispatcher, _ = await run(ActionAnswerTopic(), make_tracker("refund_status", "退款到哪了"))
    assert uttered(dispatcher) == ["utter_refund_status"]
    for record in await common.store().list_returns("u1001"):
        assert record.return_id in dispatcher.messages[0]["returns"]


async def test_after_sales_record_keeps_the_first_description(order_db, make_tracker):
    order = await order_where("u1001", delivered_days_ago(0, 7))
    text = "耳机用了两天左边就没声音了"
    tracker = make_tracker("quality_problem", text, slots={"order_id": order.order_id})
    extracted = await ValidateAfterSalesForm().extract_issue_description(CollectingDispatcher(), tracker, DOMAIN)
    assert extracted == {"issue_description": text}
    short = make_tracker("quality_problem", "质量问题")
    assert await ValidateAfterSalesForm().extract_issue_description(CollectingDispatcher(), short, DOMAIN) == {}

    slots = {"order_id": order.order_id, "item": order.items[0].name, "issue_description": text}
    dispatcher, events = await run(ActionSubmitAfterSales(), make_tracker("quality_problem", slots=slots))
    assert uttered(dispatcher) == ["utter_after_sales_created"]
    assert dispatcher.messages[0]["record_id"]
    assert slot_events(events) == {"item": None, "issue_description": None}


async def test_payment_problem_does_not_ask_for_an_item(order_db, make_tracker):
    tracker = make_tracker("payment_problem", "付款失败了")
    required = await ValidateAfterSalesForm().required_slots(
        ["order_id", "item", "issue_description"], CollectingDispatcher(), tracker, DOMAIN
    )
    assert required == ["order_id", "issue_description"]


async def test_policy_answers_come_from_the_policy_files(order_db, make_tracker):
    dispatcher, _ = await run(ActionAnswerReturnPolicy(), make_tracker("return_policy"))
    assert dispatcher.messages[0]["no_reason_days"] == common.policies().returns.no_reason_days
    dispatcher, _ = await run(ActionAnswerInvoice(), make_tracker("invoice_request"))
    assert uttered(dispatcher) == ["utter_invoice_info"]


async def test_broken_database_gets_a_polite_answer(tmp_path, monkeypatch, make_tracker):
    monkeypatch.setenv("KEFU_DB_PATH", str(tmp_path))  # a directory, not a database
    for cached in (common.settings, common.store):
        cached.cache_clear()
    try:
        dispatcher, events = await run(ActionAnswerTopic(), make_tracker("order_status"))
    finally:
        for cached in (common.settings, common.store):
            cached.cache_clear()
    assert uttered(dispatcher) == ["utter_service_unavailable"] and events == []


async def test_low_confidence_offers_the_likely_questions(make_tracker):
    tracker = make_tracker("nlu_fallback")
    tracker.latest_message["intent_ranking"] = [
        {"name": "nlu_fallback", "confidence": 0.5},
        {"name": "logistics_delay", "confidence": 0.3},
        {"name": "logistics_track", "confidence": 0.25},
        {"name": "order_status", "confidence": 0.1},
        {"name": "greet", "confidence": 0.05},
    ]
    dispatcher, _ = await run(ActionDefaultAskAffirmation(), tracker)
    payloads = [b["payload"] for b in dispatcher.messages[0]["buttons"]]
    assert payloads == ["/logistics_delay", "/logistics_track", "/order_status", "/deny"]
