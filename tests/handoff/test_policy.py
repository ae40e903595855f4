"""data/policies/handoff.yml: loading and checking, priority, service hours, repeated questions."""
from __future__ import annotations

from datetime import datetime, time
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
import yaml

from actions.services.policies import PolicyError
from handoff.policy import FILE_NAME, HandoffPolicy, ServiceHours, load_handoff_policy

POLICIES = Path(__file__).resolve().parents[2] / "data" / "policies"
SHANGHAI = ZoneInfo("Asia/Shanghai")


@pytest.fixture
def policy() -> HandoffPolicy:
    return HandoffPolicy.load(POLICIES / FILE_NAME)


def write_policy(tmp_path: Path, **changes) -> Path:
    data = yaml.safe_load((POLICIES / FILE_NAME).read_text(encoding="utf-8"))
    data.update(changes)
    path = tmp_path / FILE_NAME
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    return path


def test_the_project_policy_loads_with_the_gateway_limits(policy):
    assert policy.max_message_chars == 500
    assert policy.answer_within_seconds > 0 and policy.agent_heartbeat_seconds > 0
    assert "high_anger" in policy.hand_off_at_once
    assert "complaint" in policy.after_sales_to_person
    assert load_handoff_policy(POLICIES) is load_handoff_policy(POLICIES)  # cached per directory


def test_every_reason_the_code_gives_has_a_priority_and_a_label(policy):
    reasons = {
        "request_human", "high_anger", "angry_again", "angry_complaint", "complaint",
        "fallback", "compensation_over_limit", "vip_repeat",
    }
    assert reasons <= set(policy.priorities)
    assert reasons <= set(policy.summary.reasons)


@pytest.mark.parametrize(
    "reason, vip, anger, expected",
    [
        ("request_human", False, 0.0, 50),
        ("request_human", True, 0.0, 80),
        ("high_anger", False, 0.9, 80 + 18),
        ("vip_repeat", True, 0.25, 60 + 30 + 5),
        ("angry_order_cancel", False, None, 50),  # not listed: default_priority
        ("fallback", False, 7.0, 40 + 20),  # the score is kept within 0..1
    ],
)
def test_priority_adds_the_vip_bonus_and_the_anger(policy, reason, vip, anger, expected):
    assert policy.priority(reason, vip, anger) == expected


def test_priority_stays_within_the_queue_range(tmp_path):
    path = write_policy(tmp_path, vip_bonus=500, anger_weight=500)
    assert HandoffPolicy.load(path).priority("high_anger", True, 1.0) == 500


@pytest.mark.parametrize(
    "hour, minute, on_duty",
    [(8, 59, False), (9, 0, True), (13, 30, True), (21, 59, True), (22, 0, False), (3, 0, False)],
)
def test_service_hours_are_in_the_shop_time_zone(policy, hour, minute, on_duty):
    local = datetime(2024, 11, 25, hour, minute, tzinfo=SHANGHAI)
    assert policy.in_service_hours(local) is on_duty
    # The same moment seen from UTC, and as a naive local time.
    assert policy.in_service_hours(local.astimezone(ZoneInfo("UTC"))) is on_duty
    assert policy.in_service_hours(local.replace(tzinfo=None)) is on_duty


def test_service_hours_past_midnight_and_all_day():
    night = ServiceHours(time(20, 0), time(2, 0))
    assert night.contains(time(23, 0)) and night.contains(time(1, 59))
    assert not night.contains(time(2, 0)) and not night.contains(time(12, 0))
    all_day = ServiceHours(time(0, 0), None)
    assert all_day.contains(time(0, 0)) and all_day.contains(time(23, 59))
    assert all_day.label == "00:00–24:00"


def test_a_repeated_question_skips_what_is_not_a_question(policy):
    assert policy.repeated_question(["logistics_delay", "thanks", "logistics_delay"])
    assert policy.repeated_question(["order_status", "inform_order_number", "order_status"])
    assert not policy.repeated_question(["logistics_delay", "order_status"])
    assert not policy.repeated_question(["logistics_delay", "order_status", "logistics_delay"])
    assert not policy.repeated_question(["thanks", "thanks"])
    assert not policy.repeated_question(["logistics_delay"])
    assert not policy.repeated_question([])


@pytest.mark.parametrize(
    "changes, message",
    [
        ({"vip_bonus": 12.5}, "vip_bonus must be a whole number"),
        ({"default_priority": 900}, "default_priority must be a whole number from 0 to 500"),
        ({"answer_within_seconds": 0}, "answer_within_seconds must be more than 0"),
        ({"max_message_chars": 0}, "max_message_chars"),
        ({"service_hours": {"start": "9点", "end": "22:00"}}, "must be a time like"),
        ({"service_hours": {"start": "09:00", "end": "09:00"}}, "start and end must differ"),
        ({"priorities": {"request_human": "high"}}, "request_human must be a number"),
        ({"hand_of_at_once": ["high_anger"]}, "unknown keys ['hand_of_at_once']"),
    ],
)
def test_mistakes_in_the_file_are_reported(tmp_path, changes, message):
    with pytest.raises(PolicyError, match=message.replace("[", r"\[").replace("]", r"\]")):
        HandoffPolicy.load(write_policy(tmp_path, **changes))


def test_a_summary_template_with_an_unknown_placeholder_is_reported(tmp_path):
    data = yaml.safe_load((POLICIES / FILE_NAME).read_text(encoding="utf-8"))
    data["summary"]["templates"]["days_late"] = "已延误 {day} 天"
    with pytest.raises(PolicyError, match=r"days_late may only use \{days\}"):
        HandoffPolicy.load(write_policy(tmp_path, summary=data["summary"]))


def test_the_trigger_lists_may_be_empty(tmp_path):
    policy = HandoffPolicy.load(write_policy(tmp_path, hand_off_at_once=[], after_sales_to_person=[]))
    assert policy.hand_off_at_once == () and policy.after_sales_to_person == ()
