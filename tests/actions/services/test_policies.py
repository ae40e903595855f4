import shutil
from dataclasses import replace
from datetime import datetime, timedelta
from decimal import Decimal
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
import yaml

from actions.services.models import Order, OrderItem, OrderStatus, Shipment, TrackingEvent
from actions.services.policies import (
    CompensationPolicy,
    PolicyError,
    ReturnPolicy,
    assess_delay,
    check_return,
    load_policies,
)
from actions.services.settings import PROJECT_ROOT

POLICIES_DIR = PROJECT_ROOT / "data" / "policies"
NOW = datetime(2024, 11, 25, 10, 0, tzinfo=ZoneInfo("Asia/Shanghai"))
H = timedelta(hours=1)
D = timedelta(days=1)


@pytest.fixture
def compensation() -> CompensationPolicy:
    return load_policies(POLICIES_DIR).compensation


@pytest.fixture
def returns() -> ReturnPolicy:
    return load_policies(POLICIES_DIR).returns


def shipment(
    expected_in: timedelta, updated_ago: timedelta | None, delivered: bool = False
) -> Shipment:
    shipped_at = NOW - 10 * D
    events = (
        TrackingEvent(shipped_at, "杭州市", "商家已发货，快递员已揽收"),
        *(
            [TrackingEvent(NOW - updated_ago, "上海市", "快件已到达【上海浦东转运中心】")]
            if updated_ago
            else []
        ),
    )
    return Shipment(
        order_id="800000000104",
        carrier="中通快递",
        tracking_number="75312845906213",
        shipped_at=shipped_at,
        expected_delivery=NOW + expected_in,
        events=events,
        delivered_at=NOW - updated_ago if delivered and updated_ago else None,
    )


def order(status: OrderStatus, delivered_ago: timedelta | None) -> Order:
    return Order(
        order_id="800000000105",
        shopper_id="u1001",
        status=status,
        total_amount=Decimal("459.00"),
        created_at=NOW - 30 * D,
        paid_at=NOW - 30 * D,
        shipped_at=NOW - 29 * D,
        delivered_at=None if delivered_ago is None else NOW - delivered_ago,
        address="上海市浦东新区张江镇祖冲之路887弄12号1202室",
        items=(OrderItem(1, "LN-ARHT-42", "李宁 男子跑步鞋 赤兔6 42码", 1, Decimal("459.00")),),
    )


def test_shipped_policy_files_load() -> None:
    policies = load_policies(POLICIES_DIR)

    assert policies.compensation.stale_tracking_hours == 24
    assert policies.compensation.auto_grant_limit == Decimal(50)
    assert policies.compensation.coupon_valid_days > 0
    assert (policies.returns.no_reason_days, policies.returns.exchange_days) == (7, 15)
    assert policies.returns.reasons["size"].label == "尺码不合适"
    assert policies.returns.pickup_available and policies.returns.pickup_window
    assert policies.invoice.types == ("电子普通发票", "增值税专用发票")
    assert "24 小时" in policies.invoice.issue_time
    assert load_policies(POLICIES_DIR) is policies


@pytest.mark.parametrize(
    ("expected_in", "updated_ago", "delayed", "hours_late", "coupon", "needs_human"),
    [
        (1 * D, 3 * H, False, 0, 0, False),  # on time, fresh tracking
        (-2 * D, 50 * H, True, 48, 10, False),  # the seeded delay: late since the expected time
        (-1 * D, 2 * H, True, 24, 10, False),  # the first tier starts at exactly 24 h
        (-23 * H, 2 * H, True, 23, 0, False),  # late, but below the first tier: apology only
        (2 * D, 30 * H, True, 6, 0, False),  # stale tracking alone makes it delayed
        (2 * D, 96 * H, True, 72, 20, False),  # stale for 72 h past the threshold
        (-5 * D, 1 * H, True, 120, 30, False),
        (-8 * D, 9 * D, True, 192, 60, True),  # a week late: above the bot's limit
    ],
)
def test_assess_delay(
    compensation: CompensationPolicy,
    expected_in: timedelta,
    updated_ago: timedelta,
    delayed: bool,
    hours_late: float,
    coupon: int,
    needs_human: bool,
) -> None:
    result = assess_delay(shipment(expected_in, updated_ago), NOW, compensation)

    assert (result.delayed, result.coupon_amount, result.needs_human) == (
        delayed,
        Decimal(coupon),
        needs_human,
    )
    assert result.hours_late == pytest.approx(hours_late)
    assert result.hours_since_update == pytest.approx(updated_ago / H)


def test_no_tracking_event_counts_from_shipping(compensation: CompensationPolicy) -> None:
    result = assess_delay(shipment(3 * D, None), NOW, compensation)

    assert result.delayed
    assert result.hours_since_update == pytest.approx(240)


def test_a_delivered_parcel_is_never_delayed(compensation: CompensationPolicy) -> None:
    result = assess_delay(shipment(-5 * D, 2 * D, delivered=True), NOW, compensation)

    assert not result.delayed
    assert (result.hours_late, result.coupon_amount, result.needs_human) == (0, 0, False)


def test_amount_above_the_auto_grant_limit_needs_a_person(compensation: CompensationPolicy) -> None:
    strict = replace(compensation, auto_grant_limit=Decimal(5))

    result = assess_delay(shipment(-2 * D, 50 * H), NOW, strict)

    assert result.coupon_amount == Decimal(10)
    assert result.needs_human


@pytest.mark.parametrize(
    ("reason", "kind", "delivered_ago", "allowed", "code", "free_shipping"),
    [
        ("no_reason", "return", 2 * D, True, "ok", False),
        ("size", "return", 7 * D, True, "ok", False),  # the last moment of the 7-day window
        ("no_reason", "return", 7 * D + 1 * H, False, "window_expired", False),
        ("size", "return", 10 * D, False, "window_expired", False),
        ("size", "exchange", 10 * D, True, "ok", False),  # exchanges have 15 days
        ("size", "exchange", 16 * D, False, "window_expired", False),
        ("quality", "return", 10 * D, True, "ok", True),  # defects: 15 days, shop pays shipping
        ("damaged", "exchange", 2 * D, True, "ok", True),
        ("wrong_item", "return", 15 * D, True, "ok", True),
        ("quality", "return", 16 * D, False, "window_expired", True),
    ],
)
def test_check_return_windows(
    returns: ReturnPolicy,
    reason: str,
    kind: str,
    delivered_ago: timedelta,
    allowed: bool,
    code: str,
    free_shipping: bool,
) -> None:
    decision = check_return(order(OrderStatus.DELIVERED, delivered_ago), reason, kind, NOW, returns)

    assert (decision.allowed, decision.code, decision.free_shipping) == (
        allowed,
        code,
        free_shipping,
    )
    assert decision.days_since_delivery == delivered_ago.days


@pytest.mark.parametrize(
    ("status", "delivered_ago", "code"),
    [
        (OrderStatus.UNPAID, None, "not_delivered"),
        (OrderStatus.PAID, None, "not_delivered"),
        (OrderStatus.SHIPPED, None, "not_delivered"),
        (OrderStatus.RETURNING, 3 * D, "already_returning"),
        (OrderStatus.CANCELLED, None, "not_returnable"),
        (OrderStatus.REFUNDED, 20 * D, "not_returnable"),
        (OrderStatus.DELIVERED, None, "not_delivered"),  # delivered without a delivery time
    ],
)
def test_check_return_needs_a_delivered_order(
    returns: ReturnPolicy, status: OrderStatus, delivered_ago: timedelta | None, code: str
) -> None:
    decision = check_return(order(status, delivered_ago), "quality", "return", NOW, returns)

    assert (decision.allowed, decision.code, decision.days_since_delivery) == (False, code, None)


def test_check_return_rejects_unknown_codes(returns: ReturnPolicy) -> None:
    delivered = order(OrderStatus.DELIVERED, 1 * D)

    with pytest.raises(ValueError, match="reason"):
        check_return(delivered, "changed_my_mind", "return", NOW, returns)
    with pytest.raises(ValueError):
        check_return(delivered, "size", "swap", NOW, returns)


def _edit(path: Path, change: str) -> None:
    """Apply one edit to a policy file: "a.b=value" sets, "a.b=" deletes, "a.b->c" renames."""
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    if "->" in change:
        key, new_key = change.split("->")
        data[new_key] = data.pop(key)
    else:
        dotted, value = change.split("=", 1)
        *parents, last = dotted.split(".")
        target = data
        for part in parents:
            target = target[int(part)] if isinstance(target, list) else target[part]
        if value:
            target[int(last) if isinstance(target, list) else last] = yaml.safe_load(value)
        else:
            del target[last]
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")


@pytest.mark.parametrize(
    ("file_name", "change", "message"),
    [
        ("compensation.yml", "stale_tracking_hours=", "missing stale_tracking_hours"),
        (
            "compensation.yml",
            "stale_tracking_hours->stale_tracking_hour",
            "missing stale_tracking_hours",
        ),
        ("compensation.yml", "coupon_valid_dayz=30", "unknown keys"),
        ("compensation.yml", "coupon_tiers.1.min_hours_late=12", "increasing min_hours_late"),
        ("compensation.yml", "coupon_tiers.0.amount=-5", "positive amount"),
        ("compensation.yml", "auto_grant_limit_yuan=lots", "positive amount"),
        ("compensation.yml", "once_per_order=false", "once_per_order must be true"),
        ("returns.yml", "no_reason_days=0", "no_reason_days"),
        ("returns.yml", "reasons.size.defect=maybe", "true or false"),
        ("returns.yml", "reasons.size.label=", "missing label"),
        ("returns.yml", "blocked_statuses.lost=not_delivered", "unknown order status"),
        ("invoice.yml", "types=[]", "non-empty list"),
        ("invoice.yml", "issue_time=", "missing issue_time"),
        ("escalation.yml", "high_anger_score=1.5", "between 0 and 1"),
        ("escalation.yml", "consecutive_angry_messages=0", "whole number of messages"),
        ("escalation.yml", "angry_intents=[]", "non-empty list"),
    ],
)
def test_invalid_policy_files_are_reported(
    tmp_path: Path, file_name: str, change: str, message: str
) -> None:
    policies_dir = tmp_path / "policies"
    shutil.copytree(POLICIES_DIR, policies_dir)
    _edit(policies_dir / file_name, change)

    with pytest.raises(PolicyError, match=message) as caught:
        load_policies(policies_dir)

    assert file_name in str(caught.value)


def test_missing_policy_file_is_reported(tmp_path: Path) -> None:
    with pytest.raises(PolicyError, match="compensation.yml"):
        load_policies(tmp_path)


@pytest.mark.parametrize(
    ("score", "angry", "in_a_row", "intent", "reason"),
    [
        (0.9, False, 0, "complaint", None),  # not angry: never, whatever the rest says
        (0.85, True, 1, "order_status", "high_anger"),
        (0.6, True, 2, "logistics_delay", "angry_again"),
        (0.6, True, 1, "complaint", "angry_complaint"),
        (0.6, True, 1, "logistics_delay", None),  # one sharp message about a parcel: answer it
    ],
)
def test_escalation_reason(
    score: float, angry: bool, in_a_row: int, intent: str, reason: str | None
) -> None:
    policy = load_policies(POLICIES_DIR).escalation
    assert policy.reason(score, angry, in_a_row, intent) == reason
