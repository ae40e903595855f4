"""The one-line summary on a handoff ticket, with the wording of data/policies/handoff.yml."""
from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest

from handoff.policy import FILE_NAME, HandoffPolicy
from handoff.summary import SummaryFacts, summarize, yuan

POLICIES = Path(__file__).resolve().parents[2] / "data" / "policies"


@pytest.fixture(scope="module")
def texts():
    return HandoffPolicy.load(POLICIES / FILE_NAME).summary


@pytest.mark.parametrize(
    "facts, expected",
    [
        (
            SummaryFacts(
                reason="request_human", topic="logistics_delay", order_id="800000000102",
                order_status="shipped", days_late=5, coupon_granted=Decimal("10.00"), mood="angry",
            ),
            "用户询问物流延误（订单 800000000102），订单已发货，已延误 5 天，已发放 10 元券，"
            "情绪：愤怒，转人工原因：用户主动要求",
        ),
        (
            SummaryFacts(
                reason="compensation_over_limit", topic="logistics_delay", order_id="800000000303",
                order_status="shipped", days_late=8, coupon_over_limit=Decimal("60"), mood="negative",
                vip=True,
            ),
            "VIP 客户，用户询问物流延误（订单 800000000303），订单已发货，已延误 8 天，"
            "按规定应补偿 60 元券，超出机器人权限，情绪：不满，转人工原因：延误补偿超出机器人权限",
        ),
        (
            SummaryFacts(reason="complaint", topic="complaint", mood="neutral"),
            "用户询问投诉，情绪：平静，转人工原因：投诉需要人工跟进",
        ),
        (
            SummaryFacts(reason="request_human", order_id="800000000105", order_status="delivered"),
            "用户询问订单 800000000105，订单已签收，转人工原因：用户主动要求",
        ),
        (
            SummaryFacts(reason="fallback"),
            "用户未说明具体问题，转人工原因：机器人连续两次没能理解",
        ),
    ],
)
def test_the_summary_names_the_facts_the_agent_needs(texts, facts, expected):
    assert summarize(facts, texts) == expected


def test_unknown_codes_leave_their_part_out_or_show_the_code(texts):
    facts = SummaryFacts(reason="angry_order_cancel", topic="greet", order_status="lost", mood="bored")
    assert summarize(facts, texts) == "用户未说明具体问题，转人工原因：angry_order_cancel"


@pytest.mark.parametrize(
    "amount, shown", [(Decimal("10.00"), "10"), (Decimal("9.50"), "9.5"), (20, "20"), ("30.0", "30")]
)
def test_amounts_are_whole_yuan_when_they_can_be(amount, shown):
    assert yuan(amount) == shown
