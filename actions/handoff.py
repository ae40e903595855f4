"""Passing the conversation to a person: the handoff ticket, the agent queue, what the shopper hears.

Every trigger ends in `hand_off`, which builds a Ticket (reason, priority, summary, the whole
transcript with intents and sentiment, slots), queues it in Redis (handoff/queue.py), tells the
shopper their place in the queue, or to leave a message when nobody is on duty, and pauses the bot
while a person has the conversation. If Redis is unreachable the shopper gets an apology and the
bot stays in charge. The rules (priorities, service hours, summary wording) are in
data/policies/handoff.yml.

The triggers, and the ticket reason each gives:
- request_human: the shopper types 转人工 or clicks a 转人工 button (rules in data/rules/). When the
  button came with the mood assessment's offer (actions/mood.py), the reason is the mood signal
  that made the offer (angry_again, angry_complaint).
- high_anger, vip_repeat: decided on every shopper message by action_validate_slot_mappings
  (actions/mood.py), which sets the `handoff_reason` slot for that one message; the rule "hand off
  at once" (data/rules/handoff.yml) then runs action_request_human instead of the intent's usual
  answer. A slot and a rule, because Rasa keeps only SlotSet and BotUttered events from
  action_validate_slot_mappings (ActionExtractSlots drops a FollowupAction). The slot is
  featurized (a text slot counts as set / not set) and used by rules only, so the other policies
  ignore it. While a form is active, Rasa runs the form before any rule, so the bot offers the
  转人工 button instead.
- compensation_over_limit (actions/logistics.py) and complaint (after_sales_to_person, in
  actions/after_sales.py): the answering action sets `handoff_reason` and returns
  FollowupAction("action_request_human"), a plain action's reliable way to chain another.
- fallback: Rasa's two-stage fallback runs action_default_fallback when the shopper was not
  understood twice in a row; actions/fallback.py overrides it to call `hand_off`.
"""
from __future__ import annotations

import hashlib
import logging
import os
import time
from dataclasses import dataclass
from functools import lru_cache
from typing import Any, Dict, List, Mapping, Optional, Text

import redis.asyncio
from rasa_sdk import Action, Tracker
from rasa_sdk.events import ConversationPaused, EventType, FollowupAction, SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions.common import latest_intent, now, policies, settings, shopper_id, store
from actions.services.models import OrderStatus
from actions.services.policies import assess_delay
from actions.services.store import StoreError
from handoff.connection import redis_from_url, redis_url_from_env
from handoff.keys import DEFAULT_PREFIX, Keys
from handoff.models import Message, Ticket
from handoff.policy import HandoffPolicy, load_handoff_policy
from handoff.queue import AgentQueue
from handoff.summary import SummaryFacts, summarize

logger = logging.getLogger(__name__)

HANDOFF_REASON = "handoff_reason"
# Slots that describe the bot's machinery rather than the shopper's problem.
INTERNAL_SLOTS = frozenset({"requested_slot", "session_started_metadata", HANDOFF_REASON})


# --- settings and connections (created on first use, never at import) --------------------------
@dataclass(frozen=True)
class HandoffConnection:
    redis_url: str  # from REDIS_HOST / REDIS_PORT / REDIS_DB, the Redis of the gateway
    key_prefix: str  # KEFU_HANDOFF_PREFIX, default handoff.keys.DEFAULT_PREFIX

    @classmethod
    def from_env(cls, env: Optional[Mapping[str, str]] = None) -> "HandoffConnection":
        env = os.environ if env is None else env
        return cls(redis_url_from_env(env), env.get("KEFU_HANDOFF_PREFIX") or DEFAULT_PREFIX)


@lru_cache(maxsize=1)
def connection() -> HandoffConnection:
    return HandoffConnection.from_env()


@lru_cache(maxsize=1)
def redis_client() -> redis.asyncio.Redis:
    """One client (connection pool) for the action server; connects on the first command."""
    return redis_from_url(connection().redis_url)


@lru_cache(maxsize=1)
def agent_queue() -> AgentQueue:
    return AgentQueue(redis_client(), Keys(connection().key_prefix), timezone=settings().timezone)


async def close_redis() -> None:
    """Close the Redis connections and forget the settings; the next handoff reconnects."""
    if redis_client.cache_info().currsize:
        await redis_client().close()
    for cached in (agent_queue, redis_client, connection):
        cached.cache_clear()


def handoff_policy() -> HandoffPolicy:
    return load_handoff_policy(settings().policies_dir, settings().timezone)


# --- reading the tracker -----------------------------------------------------------------------
def _intent(event: Dict[Text, Any]) -> Optional[Text]:
    return ((event.get("parse_data") or {}).get("intent") or {}).get("name")


def since_last_handoff(tracker: Tracker) -> List[Dict[Text, Any]]:
    """The events after the bot last paused for a person (or after the session started)."""
    events = tracker.events
    for index in range(len(events) - 1, -1, -1):
        if events[index].get("event") in ("pause", "session_started"):
            return events[index + 1:]
    return list(events)


def offered_reason(tracker: Tracker) -> Optional[Text]:
    """The mood signal that offered the shopper a person since the last handoff, if any."""
    for event in reversed(since_last_handoff(tracker)):
        if event.get("event") == "slot" and event.get("name") == "escalation_reason" and event.get("value"):
            return event["value"]
    return None


def handoff_reason(tracker: Tracker) -> Text:
    """Why the conversation goes to a person now (see the module docstring)."""
    return tracker.get_slot(HANDOFF_REASON) or offered_reason(tracker) or "request_human"


async def is_vip(tracker: Tracker) -> bool:
    shopper = shopper_id(tracker)
    if not shopper:
        return False
    try:
        found = await store().get_shopper(shopper)
    except StoreError:
        logger.warning("handoff.vip.unknown conversation=%s", tracker.sender_id)
        return False
    return bool(found and found.vip)


async def reason_to_hand_off_at_once(tracker: Tracker, mood_reason: Optional[Text]) -> Optional[Text]:
    """The reason to hand the conversation over without asking, after the latest message.

    A mood signal listed in handoff.yml hand_off_at_once, or vip_repeat: a VIP shopper asking the
    same question as their previous one. None when the shopper asks for a person anyway, and while
    a form or the fallback loop is active (Rasa runs the loop before any rule).
    """
    policy = handoff_policy()
    if _intent({"parse_data": tracker.latest_message}) == "request_human" or tracker.active_loop_name:
        return None
    if mood_reason in policy.hand_off_at_once:
        return mood_reason
    if "vip_repeat" in policy.hand_off_at_once:
        intents = [_intent(e) for e in since_last_handoff(tracker) if e.get("event") == "user"]
        if policy.repeated_question(intents) and await is_vip(tracker):
            return "vip_repeat"
    return None


# --- the ticket --------------------------------------------------------------------------------
def ticket_id_for(tracker: Tracker) -> Text:
    """Derived from the conversation and the message that triggered the handoff, so running the
    action again for the same message gives the same id (the queue then keeps one ticket)."""
    users = [e for e in tracker.events if e.get("event") == "user"]
    stamp = users[-1].get("timestamp") if users else None
    moment = f"{float(stamp):.6f}" if stamp is not None else f"#{len(users)}"
    digest = hashlib.sha1(f"{tracker.sender_id}\n{moment}".encode("utf-8")).hexdigest()
    return f"t{digest[:20]}"


def transcript(events: List[Dict[Text, Any]], limit: int) -> List[Dict[Text, Any]]:
    """The conversation as Message dicts, oldest first, at most the `limit` latest."""
    messages: List[Message] = []
    button_titles: Dict[Text, Text] = {}  # payload -> title of the buttons last shown
    for event in events:
        kind = event.get("event")
        if kind == "user":
            messages.append(_shopper_message(event, button_titles))
        elif kind == "bot":
            message = _bot_message(event)
            button_titles = {b.get("payload"): b.get("title") for b in message.buttons if b.get("payload")}
            messages.append(message)
    return [message.to_dict() for message in messages[-limit:]]


def _shopper_message(event: Dict[Text, Any], button_titles: Dict[Text, Text]) -> Message:
    parse = event.get("parse_data") or {}
    intent = parse.get("intent") or {}
    text = event.get("text") or parse.get("text") or ""
    custom = None
    if text.startswith("/"):  # a button: show what the shopper clicked
        custom = {"payload": text}
        text = button_titles.get(text, text)
    return Message(
        sender="shopper",
        text=text,
        at=float(event.get("timestamp") or 0.0),
        intent=intent.get("name"),
        confidence=intent.get("confidence"),
        entities=[
            {key: entity[key] for key in ("entity", "value", "start", "end") if key in entity}
            for entity in parse.get("entities") or []
        ],
        sentiment=parse.get("sentiment"),
        custom=custom,
    )


def _bot_message(event: Dict[Text, Any]) -> Message:
    data = event.get("data") or {}
    metadata = event.get("metadata") or {}
    agent_id = metadata.get("agent_id")  # what a person said, added to the tracker at hand-back
    return Message(
        sender="agent" if agent_id else "bot",
        text=event.get("text") or "",
        at=float(event.get("timestamp") or 0.0),
        agent_id=agent_id,
        agent_name=metadata.get("agent_name"),
        buttons=list(data.get("buttons") or []),
        custom=data.get("custom") if isinstance(data.get("custom"), dict) else None,
    )


async def summary_facts(tracker: Tracker, reason: Text, vip: bool, policy: HandoffPolicy) -> SummaryFacts:
    """What the agent should know first: the question, the order and its delay, the mood."""
    shopper, order_id = shopper_id(tracker), tracker.get_slot("order_id")
    facts: Dict[Text, Any] = {}
    if shopper and order_id:
        try:
            facts = await _order_facts(shopper, order_id)
        except StoreError:
            logger.warning("handoff.summary.order_unavailable conversation=%s", tracker.sender_id)
    return SummaryFacts(
        reason=reason,
        topic=latest_intent(tracker, policy.summary.topics),
        order_id=order_id,
        mood=tracker.get_slot("anger_level"),
        vip=vip,
        **facts,
    )


async def _order_facts(shopper: Text, order_id: Text) -> Dict[Text, Any]:
    order = await store().get_order(shopper, order_id)
    if order is None:
        return {}
    facts: Dict[Text, Any] = {"order_status": order.status.value}
    if order.status == OrderStatus.SHIPPED:
        shipment = await store().get_shipment(shopper, order_id)
        if shipment is not None:
            delay = assess_delay(shipment, now(), policies().compensation)
            facts["days_late"] = delay.days_late or None
            facts["coupon_over_limit"] = delay.coupon_amount if delay.needs_human else None
    coupons = await store().coupons_for_order(shopper, order_id)
    if coupons:
        facts["coupon_granted"] = sum(coupon.amount for coupon in coupons)
    return facts


async def build_ticket(tracker: Tracker, reason: Text, policy: HandoffPolicy) -> Ticket:
    vip = await is_vip(tracker)
    anger = float(tracker.get_slot("anger_score") or 0.0)
    return Ticket(
        ticket_id=ticket_id_for(tracker),
        conversation_id=tracker.sender_id,
        shopper_id=shopper_id(tracker) or "",
        reason=reason,
        priority=policy.priority(reason, vip, anger),
        summary=summarize(await summary_facts(tracker, reason, vip, policy), policy.summary),
        created_at=time.time(),
        vip=vip,
        anger_score=anger,
        order_id=tracker.get_slot("order_id"),
        slots={
            name: value
            for name, value in tracker.slots.items()
            if value is not None and name not in INTERNAL_SLOTS
        },
        transcript=transcript(tracker.events, policy.transcript_messages),
    )


# --- handing off -------------------------------------------------------------------------------
def hand_off_next(reason: Text) -> List[EventType]:
    """Events for an answering action after which a person takes over, for `reason`."""
    return [SlotSet(HANDOFF_REASON, reason), FollowupAction("action_request_human")]


async def hand_off(dispatcher: CollectingDispatcher, tracker: Tracker, reason: Text) -> List[EventType]:
    """Queue the conversation for a person and tell the shopper; never raises."""
    events: List[EventType] = [SlotSet(HANDOFF_REASON, None)] if tracker.get_slot(HANDOFF_REASON) else []
    try:
        policy = handoff_policy()
        queue = agent_queue()
        ticket = await build_ticket(tracker, reason, policy)
        result = await queue.enqueue(ticket)
    except Exception as exc:  # Redis down, bad settings: the bot stays in charge and says so
        logger.warning(
            "handoff.ticket.enqueue_failed conversation=%s reason=%s error=%s: %s",
            tracker.sender_id, reason, type(exc).__name__, exc,
        )
        dispatcher.utter_message(response="utter_handoff_unavailable")
        return events + [FollowupAction("action_listen")]
    logger.info(
        "handoff.ticket.enqueued ticket=%s conversation=%s reason=%s priority=%d position=%s new=%s",
        result.ticket_id, tracker.sender_id, reason, ticket.priority, result.position, result.created,
    )
    if result.position is None:  # the ticket was queued before and a person has it already
        dispatcher.utter_message(response="utter_handoff_in_progress")
    elif policy.in_service_hours(now()) and await _agents_online(queue, policy, tracker.sender_id):
        dispatcher.utter_message(response="utter_handoff_queued", position=result.position)
    else:
        dispatcher.utter_message(response="utter_handoff_leave_message", service_hours=policy.service_hours.label)
    return events + [ConversationPaused()]


async def _agents_online(queue: AgentQueue, policy: HandoffPolicy, conversation_id: Text) -> bool:
    try:
        return bool(await queue.online_agents(policy.agent_heartbeat_seconds))
    except Exception as exc:  # the ticket is queued; only the wording depends on this
        logger.warning("handoff.agents.unknown conversation=%s error=%s", conversation_id, type(exc).__name__)
        return False


class ActionRequestHuman(Action):
    """Hands the conversation to a person; every handoff rule runs this action."""

    def name(self) -> Text:
        return "action_request_human"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[Text, Any]
    ) -> List[Dict[Text, Any]]:
        return await hand_off(dispatcher, tracker, handoff_reason(tracker))
