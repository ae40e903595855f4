"""The one-line Chinese summary an agent reads first on a handoff ticket.

Pure: facts in, text out. The wording (templates and labels) is in data/policies/handoff.yml
under `summary`, loaded by handoff/policy.py; no Chinese text lives here.
"""
from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Dict, List, Mapping, Optional, Tuple, Union

# Every template and the placeholders it may use, in the order the parts are joined.
TEMPLATE_FIELDS: Dict[str, Tuple[str, ...]] = {
    "vip": (),
    "topic_order": ("topic", "order_id"),
    "topic": ("topic",),
    "order": ("order_id",),
    "no_topic": (),
    "order_status": ("status",),
    "days_late": ("days",),
    "coupon_granted": ("amount",),
    "coupon_over_limit": ("amount",),
    "mood": ("mood",),
    "reason": ("reason",),
}

Amount = Union[Decimal, int, float, str]


@dataclass(frozen=True)
class SummaryTexts:
    separator: str
    templates: Mapping[str, str]  # the keys of TEMPLATE_FIELDS
    topics: Mapping[str, str]  # intent -> what the shopper asked about
    order_statuses: Mapping[str, str]  # OrderStatus value -> label
    moods: Mapping[str, str]  # anger detector label -> label
    reasons: Mapping[str, str]  # handoff reason -> label


@dataclass(frozen=True)
class SummaryFacts:
    """What the bot knows when it hands off; None (or False) leaves the part out."""

    reason: str
    topic: Optional[str] = None  # intent of the shopper's latest question
    order_id: Optional[str] = None
    order_status: Optional[str] = None  # OrderStatus value
    days_late: Optional[int] = None
    coupon_granted: Optional[Amount] = None  # yuan
    coupon_over_limit: Optional[Amount] = None  # yuan the policy gives but the bot may not grant
    mood: Optional[str] = None  # anger detector label
    vip: bool = False


def summarize(facts: SummaryFacts, texts: SummaryTexts) -> str:
    """E.g. "用户询问物流延误（订单 800000000202），订单已发货，已延误 4 天，情绪：愤怒，…"."""
    templates = texts.templates
    parts: List[str] = []
    if facts.vip:
        parts.append(templates["vip"])
    topic = texts.topics.get(facts.topic or "")
    if topic and facts.order_id:
        parts.append(templates["topic_order"].format(topic=topic, order_id=facts.order_id))
    elif topic:
        parts.append(templates["topic"].format(topic=topic))
    elif facts.order_id:
        parts.append(templates["order"].format(order_id=facts.order_id))
    else:
        parts.append(templates["no_topic"])
    status = texts.order_statuses.get(facts.order_status or "")
    if status:
        parts.append(templates["order_status"].format(status=status))
    if facts.days_late:
        parts.append(templates["days_late"].format(days=facts.days_late))
    if facts.coupon_granted:
        parts.append(templates["coupon_granted"].format(amount=yuan(facts.coupon_granted)))
    if facts.coupon_over_limit:
        parts.append(templates["coupon_over_limit"].format(amount=yuan(facts.coupon_over_limit)))
    mood = texts.moods.get(facts.mood or "")
    if mood:
        parts.append(templates["mood"].format(mood=mood))
    # An unlabelled reason (e.g. angry_<intent> for a newly configured intent) is shown as its code.
    parts.append(templates["reason"].format(reason=texts.reasons.get(facts.reason, facts.reason)))
    return texts.separator.join(parts)


def yuan(amount: Amount) -> str:
    """Whole yuan without decimals (10, not 10.00); cents only when there are some (9.5)."""
    value = Decimal(str(amount)).normalize()
    return format(value, "f")
