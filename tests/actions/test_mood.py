"""The mood assessment run after every message: slots, the empathetic opening, the offer of a person."""
from __future__ import annotations

from rasa_sdk.executor import CollectingDispatcher

from actions.mood import ActionAssessMood, earlier_messages
from tests.actions.conftest import responses


def slots(events) -> dict:
    return {e["name"]: e["value"] for e in events if e.get("event") == "slot"}


def user(text: str) -> dict:
    return {"event": "user", "text": text, "parse_data": {"text": text, "text_original": text}}


async def assess(tracker):
    dispatcher = CollectingDispatcher()
    events = await ActionAssessMood().run(dispatcher, tracker, {})
    return responses(dispatcher), slots(events)


async def test_a_calm_question_sets_the_mood_and_says_nothing(make_tracker, order_db):
    said, set_slots = await assess(make_tracker("logistics_track", "请问我的订单到哪了"))

    assert said == []
    assert set_slots == {"anger_score": 0.0, "anger_level": "neutral", "angry_in_a_row": 0}


async def test_an_angry_message_opens_with_empathy(make_tracker, order_db):
    said, set_slots = await assess(make_tracker("logistics_delay", "快递怎么还没到 都三天了 你们到底管不管"))

    assert said == ["utter_empathy"]
    assert set_slots["anger_level"] == "angry"
    assert 0.5 <= set_slots["anger_score"] < 0.8
    assert set_slots["angry_in_a_row"] == 1
    assert "escalation_reason" not in set_slots


async def test_an_angry_complaint_is_offered_a_person(make_tracker, order_db):
    said, set_slots = await assess(make_tracker("complaint", "说了多少遍了 还是没人处理"))

    assert said == ["utter_empathy", "utter_offer_human"]
    assert set_slots["escalation_reason"] == "angry_complaint"


async def test_very_high_anger_hands_off_at_once_whatever_the_intent(make_tracker, order_db):
    said, set_slots = await assess(make_tracker("order_status", "什么破服务 气死我了 我要投诉！！！"))

    assert said == ["utter_empathy"]  # no offer: the rule "hand off at once" runs the handoff
    assert set_slots["escalation_reason"] == "high_anger"
    assert set_slots["handoff_reason"] == "high_anger"


async def test_very_high_anger_inside_a_form_is_offered_a_person(make_tracker, order_db):
    # Rasa runs an active form before any rule, so the bot can only offer the button.
    tracker = make_tracker("order_status", "什么破服务 气死我了 我要投诉！！！", active_loop="return_form")
    said, set_slots = await assess(tracker)

    assert said == ["utter_empathy", "utter_offer_human"]
    assert "handoff_reason" not in set_slots


async def test_the_next_message_clears_the_handoff_reason(make_tracker, order_db):
    tracker = make_tracker("order_status", "我的订单到哪了", slots={"handoff_reason": "high_anger"})
    _, set_slots = await assess(tracker)

    assert set_slots["handoff_reason"] is None
    _, set_slots = await assess(make_tracker("order_status", "/order_status", slots={"handoff_reason": "vip_repeat"}))
    assert set_slots == {"handoff_reason": None}


def asked(intent: str, text: str) -> dict:
    return {"event": "user", "text": text, "parse_data": {"text": text, "intent": {"name": intent}}}


async def test_a_vip_asking_the_same_question_twice_is_handed_off(make_tracker, order_db):
    earlier = [asked("logistics_delay", "我的快递怎么还没到"), asked("thanks", "好的")]
    said, set_slots = await assess(make_tracker("logistics_delay", "还是没到啊", shopper="u1002", events=earlier))

    assert said == []
    assert set_slots["handoff_reason"] == "vip_repeat"
    # The same for a button click, which carries no mood.
    _, set_slots = await assess(make_tracker("logistics_delay", "/logistics_delay", shopper="u1002", events=earlier))
    assert set_slots == {"handoff_reason": "vip_repeat"}


async def test_a_repeated_question_is_no_handoff_for_other_shoppers_or_after_a_handoff(make_tracker, order_db):
    earlier = [asked("logistics_delay", "我的快递怎么还没到")]
    _, set_slots = await assess(make_tracker("logistics_delay", "还是没到啊", shopper="u1001", events=earlier))
    assert "handoff_reason" not in set_slots

    handed_off = earlier + [{"event": "action", "name": "action_request_human"}, {"event": "pause"}]
    _, set_slots = await assess(make_tracker("logistics_delay", "还是没到啊", shopper="u1002", events=handed_off))
    assert "handoff_reason" not in set_slots


async def test_anger_on_two_messages_in_a_row_is_offered_a_person(make_tracker, order_db):
    tracker = make_tracker(
        "logistics_delay",
        "第三次问了 到底什么时候送",
        slots={"angry_in_a_row": 1.0},
        events=[user("快递怎么还没到 都三天了 你们到底管不管")],
    )
    said, set_slots = await assess(tracker)

    assert said == ["utter_empathy", "utter_offer_human"]
    assert set_slots["angry_in_a_row"] == 2
    assert set_slots["escalation_reason"] == "angry_again"


async def test_the_offer_is_made_once_per_conversation(make_tracker, order_db):
    tracker = make_tracker(
        "complaint", "说了多少遍了 还是没人处理", slots={"escalation_reason": "angry_complaint"}
    )
    said, set_slots = await assess(tracker)

    assert said == ["utter_empathy"]
    assert "escalation_reason" not in set_slots


async def test_asking_for_a_person_angrily_is_not_offered_one_again(make_tracker, order_db):
    said, set_slots = await assess(make_tracker("request_human", "什么破服务 气死我了 给我转人工！！！"))

    assert said == ["utter_empathy"]
    assert set_slots["escalation_reason"] == "high_anger"


async def test_a_calm_message_ends_the_angry_streak(make_tracker, order_db):
    tracker = make_tracker("thanks", "好的 谢谢", slots={"angry_in_a_row": 2.0})
    said, set_slots = await assess(tracker)

    assert said == []
    assert set_slots["angry_in_a_row"] == 0


async def test_button_payloads_are_not_scored(make_tracker, order_db):
    said, set_slots = await assess(make_tracker("request_human", "/request_human"))

    assert said == [] and set_slots == {}


def test_earlier_messages_skip_payloads_and_keep_the_order(make_tracker):
    tracker = make_tracker(
        "greet",
        "现在",
        events=[user("第一"), user("/order_status"), user("第二"), user("第三")],
    )

    assert earlier_messages(tracker, 2) == ["第二", "第三"]
    assert earlier_messages(tracker, 10) == ["第一", "第二", "第三"]


async def test_a_message_is_assessed_once_even_when_a_form_starts(make_tracker, order_db):
    tracker = make_tracker("complaint", "说了多少遍了 还是没人处理")
    tracker.events.append({"event": "slot", "name": "anger_level", "value": "angry"})
    said, set_slots = await assess(tracker)

    assert said == [] and set_slots == {}
