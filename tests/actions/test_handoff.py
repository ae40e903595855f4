"""The handoff action against a real redis-server and the seeded order database: the ticket it
queues, what the shopper is told, and the triggers that run it."""
from __future__ import annotations

import dataclasses
import logging
from datetime import time as clock_time
from datetime import timedelta
from typing import Any, Dict, List, Optional

import pytest
from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher

from actions import handoff
from actions.after_sales import ActionSubmitAfterSales
from actions.common import now
from actions.fallback import ActionDefaultFallback
from actions.handoff import ActionRequestHuman
from actions.orders import ActionAnswerTopic
from handoff.policy import ServiceHours
from handoff.queue import AgentQueue
from tests.actions.conftest import responses
from tests.redis_server import free_port

T0 = 1_732_500_000.0  # message timestamps: a fixed moment, seconds
ANGRY = {"score": 0.86, "label": "angry", "text": "都五天了还没到 气死我了", "cues": []}


@pytest.fixture
def agents_on_duty(monkeypatch):
    """handoff.yml with service hours that include now (00:00-24:00), whatever time the tests run."""
    policy = handoff.handoff_policy()
    all_day = dataclasses.replace(policy, service_hours=ServiceHours(clock_time(0, 0), None))
    monkeypatch.setattr(handoff, "handoff_policy", lambda: all_day)
    return all_day


@pytest.fixture
async def queue_env(redis_server, keys, redis, monkeypatch, order_db, agents_on_duty):
    """The action server's Redis settings point at the test's redis-server and key prefix."""
    monkeypatch.setenv("REDIS_HOST", "127.0.0.1")
    monkeypatch.setenv("REDIS_PORT", str(redis_server.port))
    monkeypatch.setenv("REDIS_DB", "0")
    monkeypatch.setenv("KEFU_HANDOFF_PREFIX", keys.prefix)
    await handoff.close_redis()
    yield AgentQueue(redis, keys)
    await handoff.close_redis()


def user(intent: str, text: str, at: float, confidence: float = 0.93, **parse: Any) -> Dict[str, Any]:
    parse_data = {
        "text": text,
        "intent": {"name": intent, "confidence": confidence},
        "entities": parse.pop("entities", []),
        **parse,
    }
    return {"event": "user", "text": text, "timestamp": at, "parse_data": parse_data}


def bot(text: str, at: float, buttons: Optional[List[Dict[str, str]]] = None) -> Dict[str, Any]:
    return {"event": "bot", "text": text, "timestamp": at, "data": {"buttons": buttons or []}}


def slot(name: str, value: Any) -> Dict[str, Any]:
    return {"event": "slot", "name": name, "value": value}


def conversation(
    *events: Dict[str, Any],
    shopper: Optional[str] = "u1001",
    slots: Optional[Dict[str, Any]] = None,
    active_loop: Optional[str] = None,
    sender: str = "c0123456789abcdef",
) -> Tracker:
    """A tracker as the action server gets it; the latest user event is the latest message."""
    latest = next(e for e in reversed(events) if e["event"] == "user")
    latest["parse_data"]["metadata"] = {"shopper_id": shopper} if shopper else {}
    return Tracker(
        sender_id=sender,
        slots=slots or {},
        latest_message=latest["parse_data"],
        events=list(events),
        paused=False,
        followup_action=None,
        active_loop={"name": active_loop} if active_loop else {},
        latest_action_name="action_listen",
    )


def late_parcel_chat(order_id: str = "800000000202") -> List[Dict[str, Any]]:
    return [
        user("greet", "你好", T0, confidence=0.99),
        bot("您好，我是小客，很高兴为您服务！", T0 + 1),
        user(
            "logistics_delay",
            f"订单{order_id}都五天了还没到 气死我了",
            T0 + 10,
            confidence=0.87,
            entities=[{"entity": "order_id", "value": order_id, "start": 2, "end": 14, "extractor": "X"}],
            sentiment=ANGRY,
        ),
        slot("order_id", order_id),
        bot("非常抱歉……", T0 + 11, buttons=[{"title": "转人工", "payload": "/request_human"}]),
        user("request_human", "/request_human", T0 + 20, confidence=1.0),
    ]


async def run(action, tracker: Tracker):
    dispatcher = CollectingDispatcher()
    events = await action.run(dispatcher, tracker, {})
    return dispatcher, events


def kinds(events) -> List[str]:
    return [event["event"] for event in events]


async def test_the_ticket_carries_the_whole_conversation(queue_env, keys):
    await queue_env.heartbeat("a1")
    slots = {"order_id": "800000000202", "anger_score": 0.86, "anger_level": "angry", "requested_slot": None}
    tracker = conversation(*late_parcel_chat(), shopper="u1002", slots=slots)

    dispatcher, events = await run(ActionRequestHuman(), tracker)

    assert responses(dispatcher) == ["utter_handoff_queued"]
    assert dispatcher.messages[0]["position"] == 1
    assert kinds(events) == ["pause"]
    ticket_id = await queue_env.open_ticket_id(tracker.sender_id)
    ticket = await queue_env.get(ticket_id)
    assert ticket.conversation_id == "c0123456789abcdef" and ticket.shopper_id == "u1002"
    assert ticket.order_id == "800000000202"
    assert ticket.slots == {"order_id": "800000000202", "anger_score": 0.86, "anger_level": "angry"}

    said = ticket.transcript
    assert [m["sender"] for m in said] == ["shopper", "bot", "shopper", "bot", "shopper"]
    assert [m["at"] for m in said] == [T0, T0 + 1, T0 + 10, T0 + 11, T0 + 20]
    question = said[2]
    assert question["text"] == "订单800000000202都五天了还没到 气死我了"
    assert (question["intent"], question["confidence"]) == ("logistics_delay", 0.87)
    assert question["entities"] == [{"entity": "order_id", "value": "800000000202", "start": 2, "end": 14}]
    assert question["sentiment"] == ANGRY
    assert said[0]["intent"] == "greet" and said[0]["sentiment"] is None
    assert said[3]["buttons"] == [{"title": "转人工", "payload": "/request_human"}]
    # A click shows what the shopper clicked, with the payload kept.
    assert said[4]["text"] == "转人工" and said[4]["custom"] == {"payload": "/request_human"}


async def test_the_ticket_id_comes_from_the_conversation_and_the_message(queue_env):
    first = handoff.ticket_id_for(conversation(*late_parcel_chat()))
    assert handoff.ticket_id_for(conversation(*late_parcel_chat())) == first
    assert handoff.ticket_id_for(conversation(*late_parcel_chat(), sender="cffff")) != first
    later = late_parcel_chat() + [user("request_human", "转人工", T0 + 30)]
    assert handoff.ticket_id_for(conversation(*later)) != first


async def test_running_the_action_twice_queues_one_ticket(queue_env, keys, redis):
    await queue_env.heartbeat("a1")
    tracker = conversation(*late_parcel_chat())

    first, _ = await run(ActionRequestHuman(), tracker)
    second, events = await run(ActionRequestHuman(), tracker)

    assert await redis.zcard(keys.waiting) == 1
    assert responses(second) == ["utter_handoff_queued"]
    assert first.messages[0]["position"] == second.messages[0]["position"] == 1
    assert kinds(events) == ["pause"]


async def test_a_second_conversation_waits_behind_the_first(queue_env):
    await queue_env.heartbeat("a1")
    await run(ActionRequestHuman(), conversation(*late_parcel_chat(), sender="c1"))
    dispatcher, _ = await run(ActionRequestHuman(), conversation(*late_parcel_chat(), sender="c2"))
    assert dispatcher.messages[0]["position"] == 2


async def ticket_for(queue: AgentQueue, tracker: Tracker):
    await run(ActionRequestHuman(), tracker)
    return await queue.get(await queue.open_ticket_id(tracker.sender_id))


async def test_reason_and_priority(queue_env, agents_on_duty):
    policy = agents_on_duty
    asked = await ticket_for(queue_env, conversation(*late_parcel_chat(), sender="c1"))
    assert (asked.reason, asked.vip, asked.priority) == ("request_human", False, policy.priorities["request_human"])

    vip = await ticket_for(queue_env, conversation(*late_parcel_chat(), shopper="u1002", sender="c2"))
    assert vip.vip and vip.priority == policy.priorities["request_human"] + policy.vip_bonus

    # The shopper took the button the mood assessment offered: the offer's signal is the reason.
    offered = late_parcel_chat()
    offered.insert(3, slot("escalation_reason", "angry_complaint"))
    angry = await ticket_for(queue_env, conversation(*offered, slots={"anger_score": 0.6}, sender="c3"))
    assert angry.reason == "angry_complaint" and angry.anger_score == 0.6
    assert angry.priority == policy.priorities["angry_complaint"] + round(policy.anger_weight * 0.6)

    # ... but not after a person has had the conversation since.
    offered.insert(4, {"event": "pause"})
    again = await ticket_for(queue_env, conversation(*offered, sender="c4"))
    assert again.reason == "request_human"


async def test_a_reason_set_for_this_message_is_used_and_cleared(queue_env):
    tracker = conversation(*late_parcel_chat(), slots={"handoff_reason": "high_anger", "anger_score": 0.9})
    _, events = await run(ActionRequestHuman(), tracker)

    assert {"event": "slot", "name": "handoff_reason", "value": None, "timestamp": None} in events
    ticket = await queue_env.get(await queue_env.open_ticket_id(tracker.sender_id))
    assert ticket.reason == "high_anger"


async def test_the_summary_says_what_happened(queue_env):
    slots = {"order_id": "800000000202", "anger_level": "angry"}
    ticket = await ticket_for(queue_env, conversation(*late_parcel_chat(), shopper="u1002", slots=slots))

    assert ticket.summary == (
        "VIP 客户，用户询问物流延误（订单 800000000202），订单已发货，已延误 4 天，"
        "已发放 20 元券，情绪：愤怒，转人工原因：用户主动要求"
    )


async def test_no_agent_online_asks_for_a_message_and_still_queues(queue_env, keys, redis):
    tracker = conversation(*late_parcel_chat())
    dispatcher, events = await run(ActionRequestHuman(), tracker)

    assert responses(dispatcher) == ["utter_handoff_leave_message"]
    assert dispatcher.messages[0]["service_hours"] == "00:00–24:00"
    assert kinds(events) == ["pause"]
    assert await redis.zcard(keys.waiting) == 1


async def test_a_stale_heartbeat_does_not_count(queue_env, agents_on_duty, keys, redis):
    stale_ms = int((now().timestamp() - agents_on_duty.agent_heartbeat_seconds - 5) * 1000)
    await redis.zadd(keys.agents_online, {"a1": stale_ms})
    dispatcher, _ = await run(ActionRequestHuman(), conversation(*late_parcel_chat()))
    assert responses(dispatcher) == ["utter_handoff_leave_message"]


async def test_outside_service_hours_asks_for_a_message(queue_env, agents_on_duty, monkeypatch):
    await queue_env.heartbeat("a1")
    start = (now() + timedelta(hours=1)).time().replace(second=0, microsecond=0)
    end = (now() + timedelta(hours=2)).time().replace(second=0, microsecond=0)
    closed = dataclasses.replace(agents_on_duty, service_hours=ServiceHours(start, end))
    monkeypatch.setattr(handoff, "handoff_policy", lambda: closed)

    dispatcher, events = await run(ActionRequestHuman(), conversation(*late_parcel_chat()))

    assert responses(dispatcher) == ["utter_handoff_leave_message"]
    assert kinds(events) == ["pause"]


async def test_redis_down_gets_an_apology_and_the_bot_stays(monkeypatch, order_db, agents_on_duty, caplog):
    monkeypatch.setenv("REDIS_HOST", "127.0.0.1")
    monkeypatch.setenv("REDIS_PORT", str(free_port()))  # nothing listens there
    await handoff.close_redis()
    try:
        with caplog.at_level(logging.INFO):
            dispatcher, events = await run(ActionRequestHuman(), conversation(*late_parcel_chat()))
    finally:
        await handoff.close_redis()

    assert responses(dispatcher) == ["utter_handoff_unavailable"]
    assert "pause" not in kinds(events)
    assert events == [{"event": "followup", "name": "action_listen", "timestamp": None}]
    failures = [r for r in caplog.records if "handoff.ticket.enqueue_failed" in r.getMessage()]
    assert failures and failures[0].levelno == logging.WARNING


async def test_logs_name_the_ticket_not_the_words(queue_env, caplog):
    with caplog.at_level(logging.DEBUG):
        await run(ActionRequestHuman(), conversation(*late_parcel_chat()))
    logged = "\n".join(r.getMessage() for r in caplog.records if r.name.startswith("actions"))
    assert "handoff.ticket.enqueued" in logged
    assert "气死我了" not in logged and "五天" not in logged


# --- triggers ----------------------------------------------------------------------------------
async def test_compensation_above_the_limit_hands_off(queue_env):
    # u1003's 800000000303 is 8 days late: its coupon is above the bot's limit.
    ask = user("logistics_delay", "800000000303 怎么还没到", T0, entities=[{"entity": "order_id", "value": "800000000303"}])
    dispatcher, events = await run(ActionAnswerTopic(), conversation(ask, shopper="u1003"))

    assert responses(dispatcher) == ["utter_delay_needs_human"]
    assert {"event": "slot", "name": "handoff_reason", "value": "compensation_over_limit", "timestamp": None} in events
    assert events[-1] == {"event": "followup", "name": "action_request_human", "timestamp": None}

    slots = {"order_id": "800000000303", "handoff_reason": "compensation_over_limit"}
    ticket = await ticket_for(queue_env, conversation(ask, shopper="u1003", slots=slots))
    assert ticket.reason == "compensation_over_limit"
    assert "按规定应补偿 60 元券" in ticket.summary


async def test_a_recorded_complaint_hands_off(order_db, make_tracker):
    slots = {"order_id": "800000000105", "issue_description": "客服态度太差了 一直不处理"}
    dispatcher, events = await run(ActionSubmitAfterSales(), make_tracker("complaint", slots=slots))

    assert responses(dispatcher) == ["utter_after_sales_created_handoff"]
    assert {"event": "slot", "name": "handoff_reason", "value": "complaint", "timestamp": None} in events
    assert events[-1]["event"] == "followup" and events[-1]["name"] == "action_request_human"


async def test_the_second_misunderstanding_hands_off(queue_env):
    chat = [
        user("nlu_fallback", "那个东西你懂的", T0, confidence=0.2),
        bot("抱歉，我不太确定您的意思……", T0 + 1),
        user("nlu_fallback", "就是那个啊", T0 + 5, confidence=0.25),
    ]
    tracker = conversation(*chat, active_loop="action_two_stage_fallback")
    dispatcher, events = await run(ActionDefaultFallback(), tracker)

    assert responses(dispatcher) == ["utter_handoff_leave_message"]
    assert kinds(events) == ["pause"]
    ticket = await queue_env.get(await queue_env.open_ticket_id(tracker.sender_id))
    assert ticket.reason == "fallback"
    assert ticket.summary.startswith("用户未说明具体问题")


async def test_an_unsure_dialogue_keeps_rasas_default_fallback(make_tracker):
    dispatcher, events = await run(ActionDefaultFallback(), make_tracker("greet", "你好"))
    assert responses(dispatcher) == ["utter_default"]
    assert kinds(events) == ["rewind"]
