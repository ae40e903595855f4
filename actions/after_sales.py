"""Returns, exchanges, refunds and after-sales records (damage, wrong items, quality, payment)."""
from __future__ import annotations

from abc import ABC, abstractmethod
from typing import Any, Dict, List, Optional, Text

from rasa_sdk import Action, FormValidationAction, Tracker
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions.common import (
    OrderAction,
    format_amount,
    labels,
    latest_intent,
    now,
    offer_recent_orders,
    order_in_context,
    policies,
    store,
    validate_order_slot,
)
from actions.handoff import hand_off_next, handoff_policy
from actions.services.models import Order
from actions.services.policies import check_return

RETURN_INTENTS = {"return_request": "return", "exchange_request": "exchange"}
AFTER_SALES_INTENTS = (
    "payment_problem",
    "wrong_or_missing_item",
    "package_damaged",
    "quality_problem",
    "complaint",
    "price_protection",
    "warranty_repair",
)
RETURN_FORM_SLOTS = ("item", "return_reason", "return_pickup", "return_decision")
ORDINALS = ("第一", "第二", "第三", "第四", "第五")


async def answer_refund_status(
    dispatcher: CollectingDispatcher, shopper: Text, order_id: Optional[Text]
) -> None:
    returns = await store().list_returns(shopper, order_id)
    if not returns:
        dispatcher.utter_message(response="utter_no_refund")
        return
    kinds, statuses = labels()["return_kinds"], labels()["return_statuses"]
    lines = [
        f"{r.return_id}（订单 {r.order_id}，{kinds[r.kind]}）：{statuses[r.status.value]}"
        + (f"，退款 ¥{format_amount(r.refund_amount)}" if r.kind == "return" else "")
        for r in returns[:5]
    ]
    dispatcher.utter_message(response="utter_refund_status", returns="\n".join(lines))


def match_item(order: Order, said: Text) -> Optional[Text]:
    """The name of the order item the shopper means ("耳机", "第二个"), if any."""
    said = said.strip()
    for index, ordinal in enumerate(ORDINALS[: len(order.items)]):
        if said.startswith(ordinal):
            return order.items[index].name
    for item in order.items:
        if said and (said in item.name or item.name in said):
            return item.name
    return None


def reason_code(said: Text) -> Text:
    """Map a reason (a code from a button or an entity, or free text) to a policy reason code."""
    reasons = policies().returns.reasons
    if said in reasons:
        return said
    for reason in reasons.values():
        if any(word in said for word in reason.keywords):
            return reason.code
    return "other"


class ActionAskItem(OrderAction):
    """Form question for `item`: the order's items as buttons."""

    def name(self) -> Text:
        return "action_ask_item"

    async def answer(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, shopper: Text
    ) -> List[Dict[Text, Any]]:
        order = await store().get_order(shopper, tracker.get_slot("order_id") or "")
        buttons = [
            {"title": item.name, "payload": f'/inform_item{{"product": "{item.name}"}}'}
            for item in (order.items if order else ())
        ]
        dispatcher.utter_message(response="utter_ask_item", buttons=buttons)
        return []


class ActionAskReturnPickup(Action):
    def name(self) -> Text:
        return "action_ask_return_pickup"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[Text, Any]
    ) -> List[Dict[Text, Any]]:
        dispatcher.utter_message(
            response="utter_ask_return_pickup", pickup_window=policies().returns.pickup_window
        )
        return []


class OrderItemValidation(FormValidationAction, ABC):
    """Validation shared by the forms that start with an order and an item."""

    @abstractmethod
    def name(self) -> Text:
        """The form validation action's name."""

    async def validate_order_id(
        self, slot_value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> Dict[Text, Any]:
        order = await validate_order_slot(slot_value, dispatcher, tracker)
        if order is None:
            return {"order_id": None}
        result: Dict[Text, Any] = {"order_id": order.order_id}
        if len(order.items) == 1:
            result["item"] = order.items[0].name
        return result

    async def validate_item(
        self, slot_value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> Dict[Text, Any]:
        order = await order_in_context(tracker)
        if order is None:
            return {"item": None}
        name = match_item(order, str(slot_value))
        if name is None:
            dispatcher.utter_message(
                response="utter_item_not_in_order", order_id=order.order_id, item=slot_value
            )
        return {"item": name}


class ValidateReturnForm(OrderItemValidation):
    """order -> item -> reason -> policy check -> pickup. A refused check ends the form early."""

    def name(self) -> Text:
        return "validate_return_form"

    async def required_slots(
        self,
        domain_slots: List[Text],
        dispatcher: CollectingDispatcher,
        tracker: Tracker,
        domain: DomainDict,
    ) -> List[Text]:
        decision = tracker.get_slot("return_decision") or ""
        if decision.startswith("denied"):
            return [slot for slot in domain_slots if tracker.get_slot(slot) is not None]
        return domain_slots

    async def validate_order_id(
        self, slot_value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> Dict[Text, Any]:
        result = await super().validate_order_id(slot_value, dispatcher, tracker, domain)
        order = await order_in_context(tracker, result.get("order_id"))
        if order is not None:
            # Not delivered yet or already returning: refuse before asking anything else.
            decision = check_return(order, "no_reason", _kind(tracker), now(), policies().returns)
            if decision.code in ("not_delivered", "already_returning"):
                result["return_decision"] = f"denied:{decision.code}"
        return result

    async def validate_return_reason(
        self, slot_value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> Dict[Text, Any]:
        code = reason_code(str(slot_value))
        order = await order_in_context(tracker)
        if order is None:
            return {"return_reason": None}
        decision = check_return(order, code, _kind(tracker), now(), policies().returns)
        return {
            "return_reason": code,
            "return_decision": "allowed" if decision.allowed else f"denied:{decision.code}",
        }


def _kind(tracker: Tracker) -> Text:
    return RETURN_INTENTS.get(latest_intent(tracker, RETURN_INTENTS) or "", "return")


class ActionSubmitReturn(OrderAction):
    """Creates the return record, or explains the policy decision that refused it."""

    def name(self) -> Text:
        return "action_submit_return"

    async def answer(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, shopper: Text
    ) -> List[Dict[Text, Any]]:
        reset = [SlotSet(slot, None) for slot in RETURN_FORM_SLOTS]
        order = await store().get_order(shopper, tracker.get_slot("order_id") or "")
        if order is None:
            await offer_recent_orders(dispatcher, shopper)
            return reset
        kind = _kind(tracker)
        reason = tracker.get_slot("return_reason") or "other"
        policy = policies().returns
        decision = check_return(order, reason, kind, now(), policy)
        if not decision.allowed:
            dispatcher.utter_message(
                response=f"utter_return_denied_{decision.code}"
                if decision.code in ("not_delivered", "window_expired", "already_returning", "not_returnable")
                else "utter_return_denied_other",
                order_id=order.order_id,
                days=decision.days_since_delivery,
                no_reason_days=policy.no_reason_days,
            )
            return reset
        item_name = tracker.get_slot("item")
        item = next((i for i in order.items if i.name == item_name), order.items[0])
        pickup = bool(tracker.get_slot("return_pickup"))
        record = await store().create_return(
            shopper,
            order.order_id,
            item.item_id,
            kind,
            reason,
            free_shipping=decision.free_shipping,
            pickup=pickup,
            refund_amount=item.unit_price * item.quantity,
        )
        dispatcher.utter_message(
            response="utter_return_created",
            kind_label=labels()["return_kinds"][kind],
            return_id=record.return_id,
            order_id=order.order_id,
            item=item.name,
            reason_label=policy.reasons[reason].label if reason in policy.reasons else reason,
        )
        dispatcher.utter_message(
            response="utter_return_shipping_free" if decision.free_shipping else "utter_return_shipping_paid"
        )
        if pickup:
            dispatcher.utter_message(response="utter_return_pickup_booked", pickup_window=policy.pickup_window)
        else:
            dispatcher.utter_message(response="utter_return_self_ship")
        return reset


def _after_sales_kind(tracker: Tracker) -> Text:
    return latest_intent(tracker, AFTER_SALES_INTENTS) or "quality_problem"


class ValidateAfterSalesForm(OrderItemValidation):
    """Collects what an agent needs: order, item (when it matters) and a description."""

    def name(self) -> Text:
        return "validate_after_sales_form"

    async def required_slots(
        self,
        domain_slots: List[Text],
        dispatcher: CollectingDispatcher,
        tracker: Tracker,
        domain: DomainDict,
    ) -> List[Text]:
        if _after_sales_kind(tracker) in policies().after_sales.whole_order_kinds:
            return [slot for slot in domain_slots if slot != "item"]
        return domain_slots

    async def extract_issue_description(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> Dict[Text, Any]:
        """The message that opened the request already describes the problem when long enough."""
        if tracker.get_slot("issue_description"):
            return {}
        intent = tracker.latest_message.get("intent", {}).get("name")
        text = tracker.latest_message.get("text") or ""
        if intent in AFTER_SALES_INTENTS and len(text) >= policies().after_sales.min_description_chars:
            return {"issue_description": text}
        return {}


class ActionSubmitAfterSales(OrderAction):
    def name(self) -> Text:
        return "action_submit_after_sales"

    async def answer(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, shopper: Text
    ) -> List[Dict[Text, Any]]:
        kind = _after_sales_kind(tracker)
        policy = policies().after_sales
        if kind == "price_protection":
            dispatcher.utter_message(response="utter_price_protection_policy", days=policy.price_protection_days)
        elif kind == "warranty_repair":
            dispatcher.utter_message(response="utter_warranty_policy", months=policy.warranty_months)
        record = await store().create_after_sales(
            shopper,
            tracker.get_slot("order_id"),
            kind,
            tracker.get_slot("item"),
            tracker.get_slot("issue_description") or "",
        )
        # Some problems (handoff.yml after_sales_to_person) go to a person as soon as they are recorded.
        to_person = kind in handoff_policy().after_sales_to_person
        dispatcher.utter_message(
            response="utter_after_sales_created_handoff" if to_person else "utter_after_sales_created",
            kind_label=labels()["after_sales_kinds"][kind],
            record_id=record.record_id,
            order_id=record.order_id,
            response_hours=policy.response_hours,
        )
        events = [SlotSet("item", None), SlotSet("issue_description", None)]
        return events + hand_off_next(kind) if to_person else events


class ActionAnswerReturnPolicy(Action):
    def name(self) -> Text:
        return "action_answer_return_policy"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[Text, Any]
    ) -> List[Dict[Text, Any]]:
        policy = policies().returns
        dispatcher.utter_message(
            response="utter_return_policy",
            no_reason_days=policy.no_reason_days,
            exchange_days=policy.exchange_days,
            defect_days=policy.defect_days,
        )
        return []


class ActionAnswerInvoice(Action):
    def name(self) -> Text:
        return "action_answer_invoice"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[Text, Any]
    ) -> List[Dict[Text, Any]]:
        invoice = policies().invoice
        dispatcher.utter_message(
            response="utter_invoice_info",
            invoice_types="、".join(invoice.types),
            how_to_request=invoice.how_to_request,
            issue_time=invoice.issue_time,
            where_to_download=invoice.where_to_download,
        )
        return []
