"""Business rules from data/policies/*.yml, and the pure decisions built on them.

The YAML files are what trainers edit; this module loads and validates them once
(load_policies is cached per directory) and never does I/O at import time.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal, InvalidOperation
from functools import lru_cache
from pathlib import Path
from types import MappingProxyType
from typing import Any

import yaml

from actions.services.models import Order, OrderStatus, ReturnKind, Shipment


class PolicyError(ValueError):
    """A policy file is missing, unreadable or has an invalid value."""


@dataclass(frozen=True)
class CouponTier:
    min_hours_late: float
    amount: Decimal


@dataclass(frozen=True)
class CompensationPolicy:
    stale_tracking_hours: float
    coupon_tiers: tuple[CouponTier, ...]  # ascending min_hours_late
    auto_grant_limit: Decimal
    once_per_order: bool
    coupon_valid_days: int

    def coupon_for(self, hours_late: float) -> Decimal:
        """Amount of the highest tier reached; 0 below the first tier."""
        amount = Decimal(0)
        for tier in self.coupon_tiers:
            if hours_late >= tier.min_hours_late:
                amount = tier.amount
        return amount


@dataclass(frozen=True)
class ReturnReason:
    code: str
    label: str
    defect: bool
    shop_pays_shipping: bool
    keywords: tuple[str, ...] = ()  # free-text wordings that mean this reason


@dataclass(frozen=True)
class ReturnPolicy:
    no_reason_days: int
    exchange_days: int
    defect_days: int
    reasons: Mapping[str, ReturnReason]  # by code, in file order
    blocked_statuses: Mapping[OrderStatus, str]  # status -> denial code
    pickup_available: bool
    pickup_window: str

    def window_days(self, reason: ReturnReason, kind: ReturnKind) -> int:
        if reason.defect:
            return self.defect_days
        return self.exchange_days if kind is ReturnKind.EXCHANGE else self.no_reason_days


@dataclass(frozen=True)
class InvoicePolicy:
    types: tuple[str, ...]
    how_to_request: str
    issue_time: str
    where_to_download: str


@dataclass(frozen=True)
class AfterSalesPolicy:
    response_hours: int
    price_protection_days: int
    warranty_months: int
    min_description_chars: int
    whole_order_kinds: tuple[str, ...]  # problems that concern the whole order, not one item


@dataclass(frozen=True)
class EscalationPolicy:
    high_anger_score: float
    consecutive_angry_messages: int
    angry_intents: tuple[str, ...]
    history_messages: int

    def reason(self, score: float, angry: bool, angry_in_a_row: int, intent: str | None) -> str | None:
        """Why the shopper's mood calls for a person ("high_anger", "angry_again",
        "angry_<intent>"), or None."""
        if not angry:
            return None
        if score >= self.high_anger_score:
            return "high_anger"
        if angry_in_a_row >= self.consecutive_angry_messages:
            return "angry_again"
        if intent in self.angry_intents:
            return f"angry_{intent}"
        return None


@dataclass(frozen=True)
class Policies:
    compensation: CompensationPolicy
    returns: ReturnPolicy
    invoice: InvoicePolicy
    after_sales: AfterSalesPolicy
    escalation: EscalationPolicy


@dataclass(frozen=True)
class DelayAssessment:
    delayed: bool
    hours_late: float  # 0 unless delayed
    hours_since_update: float
    coupon_amount: Decimal  # what the policy grants; 0 if not delayed or below the first tier
    needs_human: bool  # coupon_amount is above the bot's auto-grant limit

    @property
    def days_late(self) -> int:
        """Whole days late as told to people (at least 1 once delayed); 0 if not delayed."""
        return max(1, round(self.hours_late / 24)) if self.delayed else 0


@dataclass(frozen=True)
class ReturnDecision:
    allowed: bool
    code: str  # "ok", "not_delivered", "window_expired" or a code from returns.yml blocked_statuses
    free_shipping: bool  # the shop pays the return shipping
    days_since_delivery: int | None  # whole days; None if not delivered


def assess_delay(shipment: Shipment, now: datetime, policy: CompensationPolicy) -> DelayAssessment:
    """Is this parcel late, by how much, and what coupon does the policy give for it.

    A delivered parcel is never delayed. Otherwise it became delayed at the expected delivery time
    or when tracking went stale (last update + stale_tracking_hours), whichever came first.
    """
    hours_since_update = _hours(now - shipment.last_update)
    delayed_since = min(
        shipment.expected_delivery,
        shipment.last_update + timedelta(hours=policy.stale_tracking_hours),
    )
    if shipment.delivered_at is not None or now <= delayed_since:
        return DelayAssessment(False, 0.0, hours_since_update, Decimal(0), False)
    hours_late = _hours(now - delayed_since)
    coupon = policy.coupon_for(hours_late)
    return DelayAssessment(
        True, hours_late, hours_since_update, coupon, coupon > policy.auto_grant_limit
    )


def check_return(
    order: Order, reason: str, kind: str, now: datetime, policy: ReturnPolicy
) -> ReturnDecision:
    """May this order be returned or exchanged for this reason now.

    Raises ValueError for a reason code not in returns.yml or an unknown kind.
    """
    rule = policy.reasons.get(reason)
    if rule is None:
        raise ValueError(f"unknown return reason {reason!r}")
    return_kind = ReturnKind(kind)
    free_shipping = rule.shop_pays_shipping
    blocked = policy.blocked_statuses.get(order.status)
    if blocked is not None:
        return ReturnDecision(False, blocked, free_shipping, None)
    if order.delivered_at is None:
        return ReturnDecision(False, "not_delivered", free_shipping, None)
    elapsed = now - order.delivered_at
    days = max(elapsed.days, 0)
    if elapsed > timedelta(days=policy.window_days(rule, return_kind)):
        return ReturnDecision(False, "window_expired", free_shipping, days)
    return ReturnDecision(True, "ok", free_shipping, days)


def _hours(delta: timedelta) -> float:
    return delta.total_seconds() / 3600


@lru_cache(maxsize=None)
def load_policies(policies_dir: Path) -> Policies:
    """Load and validate every policy file; raises PolicyError."""
    return Policies(
        compensation=_compensation(
            _Section(_read(policies_dir / "compensation.yml"), "compensation.yml")
        ),
        returns=_returns(_Section(_read(policies_dir / "returns.yml"), "returns.yml")),
        invoice=_invoice(_Section(_read(policies_dir / "invoice.yml"), "invoice.yml")),
        after_sales=_after_sales(
            _Section(_read(policies_dir / "after_sales.yml"), "after_sales.yml")
        ),
        escalation=_escalation(
            _Section(_read(policies_dir / "escalation.yml"), "escalation.yml")
        ),
    )


def _read(path: Path) -> Any:
    try:
        with path.open(encoding="utf-8") as handle:
            return yaml.safe_load(handle)
    except (OSError, yaml.YAMLError) as exc:
        raise PolicyError(f"cannot read {path}: {exc}") from exc


class _Section:
    """Typed access to one mapping of a policy file, with messages a trainer can act on.

    done() reports keys that were never read, which catches misspelt keys.
    """

    def __init__(self, data: Any, where: str) -> None:
        if not isinstance(data, dict):
            raise PolicyError(f"{where}: expected a mapping")
        self._data = data
        self._where = where
        self._unread = set(data)

    def _get(self, key: str) -> Any:
        if key not in self._data:
            raise PolicyError(f"{self._where}: missing {key}")
        self._unread.discard(key)
        return self._data[key]

    def _fail(self, key: str, expected: str) -> PolicyError:
        return PolicyError(f"{self._where}: {key} must be {expected}, got {self._data[key]!r}")

    def section(self, key: str) -> _Section:
        return _Section(self._get(key), f"{self._where} {key}")

    def keys(self) -> list[str]:
        if not self._data or not all(isinstance(key, str) for key in self._data):
            raise PolicyError(f"{self._where}: must be a non-empty mapping with text keys")
        return list(self._data)

    def sections(self, key: str) -> list[_Section]:
        value = self._get(key)
        if not isinstance(value, list) or not value:
            raise self._fail(key, "a non-empty list")
        return [_Section(entry, f"{self._where} {key}[{i}]") for i, entry in enumerate(value)]

    def number(self, key: str) -> float:
        value = self._get(key)
        if isinstance(value, bool) or not isinstance(value, (int, float)) or value < 0:
            raise self._fail(key, "a number >= 0")
        return float(value)

    def days(self, key: str) -> int:
        return self.count(key, "days")

    def count(self, key: str, unit: str = "") -> int:
        value = self._get(key)
        if isinstance(value, bool) or not isinstance(value, int) or value < 1:
            raise self._fail(key, f"a whole number of {unit} >= 1" if unit else "a whole number >= 1")
        return value

    def yuan(self, key: str) -> Decimal:
        value = self._get(key)
        if isinstance(value, bool) or not isinstance(value, (int, float, str)):
            raise self._fail(key, "a positive amount in yuan")
        try:
            amount = Decimal(str(value))
        except InvalidOperation:
            raise self._fail(key, "a positive amount in yuan") from None
        if not amount.is_finite() or amount <= 0:
            raise self._fail(key, "a positive amount in yuan")
        return amount

    def flag(self, key: str) -> bool:
        value = self._get(key)
        if not isinstance(value, bool):
            raise self._fail(key, "true or false")
        return value

    def text(self, key: str) -> str:
        value = self._get(key)
        if not isinstance(value, str) or not value.strip():
            raise self._fail(key, "a non-empty text")
        return value.strip()

    def texts(self, key: str) -> tuple[str, ...]:
        value = self._get(key)
        if (
            not isinstance(value, list)
            or not value
            or not all(isinstance(v, str) and v.strip() for v in value)
        ):
            raise self._fail(key, "a non-empty list of texts")
        return tuple(v.strip() for v in value)

    def optional_texts(self, key: str) -> tuple[str, ...]:
        """Like texts, but an empty list (or no value) is allowed."""
        if self._get(key) in (None, []):
            return ()
        return self.texts(key)

    def done(self) -> None:
        if self._unread:
            raise PolicyError(f"{self._where}: unknown keys {sorted(self._unread)}")


def _compensation(data: _Section) -> CompensationPolicy:
    tiers = []
    for tier_data in data.sections("coupon_tiers"):
        tiers.append(CouponTier(tier_data.number("min_hours_late"), tier_data.yuan("amount")))
        tier_data.done()
    hours = [tier.min_hours_late for tier in tiers]
    if hours != sorted(set(hours)):
        raise PolicyError(
            "compensation.yml: coupon_tiers must be listed by increasing min_hours_late"
        )
    policy = CompensationPolicy(
        stale_tracking_hours=data.number("stale_tracking_hours"),
        coupon_tiers=tuple(tiers),
        auto_grant_limit=data.yuan("auto_grant_limit_yuan"),
        once_per_order=data.flag("once_per_order"),
        coupon_valid_days=data.days("coupon_valid_days"),
    )
    if not policy.once_per_order:
        raise PolicyError(
            "compensation.yml: once_per_order must be true (the order database enforces it)"
        )
    data.done()
    return policy


def _returns(data: _Section) -> ReturnPolicy:
    reasons_data = data.section("reasons")
    reasons = {}
    for code in reasons_data.keys():
        reason_data = reasons_data.section(code)
        reasons[code] = ReturnReason(
            code=code,
            label=reason_data.text("label"),
            defect=reason_data.flag("defect"),
            shop_pays_shipping=reason_data.flag("shop_pays_shipping"),
            keywords=reason_data.texts("keywords") if "keywords" in reason_data.keys() else (),
        )
        reason_data.done()
    blocked_data = data.section("blocked_statuses")
    blocked = {}
    for status in blocked_data.keys():
        try:
            order_status = OrderStatus(status)
        except ValueError:
            raise PolicyError(
                f"returns.yml blocked_statuses: unknown order status {status!r}"
            ) from None
        blocked[order_status] = blocked_data.text(status)
    pickup = data.section("pickup")
    policy = ReturnPolicy(
        no_reason_days=data.days("no_reason_days"),
        exchange_days=data.days("exchange_days"),
        defect_days=data.days("defect_days"),
        reasons=MappingProxyType(reasons),
        blocked_statuses=MappingProxyType(blocked),
        pickup_available=pickup.flag("available"),
        pickup_window=pickup.text("window"),
    )
    pickup.done()
    data.done()
    return policy


def _invoice(data: _Section) -> InvoicePolicy:
    policy = InvoicePolicy(
        types=data.texts("types"),
        how_to_request=data.text("how_to_request"),
        issue_time=data.text("issue_time"),
        where_to_download=data.text("where_to_download"),
    )
    data.done()
    return policy


def _after_sales(data: _Section) -> AfterSalesPolicy:
    policy = AfterSalesPolicy(
        response_hours=int(data.number("response_hours")),
        price_protection_days=data.days("price_protection_days"),
        warranty_months=int(data.number("warranty_months")),
        min_description_chars=int(data.number("min_description_chars")),
        whole_order_kinds=data.texts("whole_order_kinds"),
    )
    data.done()
    return policy


def _escalation(data: _Section) -> EscalationPolicy:
    score = data.number("high_anger_score")
    if score > 1:
        raise data._fail("high_anger_score", "a score between 0 and 1")
    policy = EscalationPolicy(
        high_anger_score=score,
        consecutive_angry_messages=data.count("consecutive_angry_messages", "messages"),
        angry_intents=data.texts("angry_intents"),
        history_messages=data.count("history_messages", "messages"),
    )
    data.done()
    return policy


# The same reading and checking for policy files loaded elsewhere (handoff/policy.py).
PolicySection = _Section
read_policy_file = _read
