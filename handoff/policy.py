"""The handoff rules of data/policies/handoff.yml: triggers, queue priority, service hours, limits,
and the wording of the ticket summary.

No rasa imports: the action server (actions/handoff.py) and the chat gateway both use it. Loading
checks every key the way the other policy files are checked (actions/services/policies.py), so a
misspelt key or a wrong value stops start-up with a message a trainer can act on.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, time
from functools import lru_cache
from pathlib import Path
from types import MappingProxyType
from typing import Mapping, Optional, Sequence, Tuple
from zoneinfo import ZoneInfo

from actions.services.policies import PolicyError, PolicySection, read_policy_file
from handoff.summary import TEMPLATE_FIELDS, SummaryTexts

FILE_NAME = "handoff.yml"
MAX_PRIORITY = 500  # the queue keeps priorities between 0 and this (handoff/queue.py)
MIDNIGHT = "24:00"


@dataclass(frozen=True)
class ServiceHours:
    start: time
    end: Optional[time]  # None: midnight at the end of the day ("24:00")

    def contains(self, moment: time) -> bool:
        if self.end is None:
            return moment >= self.start
        if self.start <= self.end:
            return self.start <= moment < self.end
        return moment >= self.start or moment < self.end  # a shift past midnight

    @property
    def label(self) -> str:
        """ "09:00–22:00", as shown to shoppers."""
        end = MIDNIGHT if self.end is None else f"{self.end:%H:%M}"
        return f"{self.start:%H:%M}–{end}"


@dataclass(frozen=True)
class HandoffPolicy:
    hand_off_at_once: Tuple[str, ...]  # reasons handed over without asking
    not_questions: Tuple[str, ...]  # intents that are not questions (vip_repeat)
    after_sales_to_person: Tuple[str, ...]  # after-sales kinds a person takes over
    priorities: Mapping[str, int]  # by reason
    default_priority: int
    vip_bonus: int
    anger_weight: float
    service_hours: ServiceHours
    timezone: str  # the shop's time zone, for service hours
    agent_heartbeat_seconds: float
    answer_within_seconds: float
    max_message_chars: int
    transcript_messages: int
    summary: SummaryTexts

    @classmethod
    def load(cls, path: Path, timezone: str = "Asia/Shanghai") -> "HandoffPolicy":
        """Load and check handoff.yml; raises PolicyError."""
        path = Path(path)
        return _handoff(PolicySection(read_policy_file(path), path.name), timezone)

    def priority(self, reason: str, vip: bool, anger_score: Optional[float]) -> int:
        """Queue priority (higher is served first): reason + VIP bonus + anger, 0 to 500."""
        anger = min(max(float(anger_score or 0.0), 0.0), 1.0)
        total = self.priorities.get(reason, self.default_priority)
        total += self.vip_bonus if vip else 0
        total += round(self.anger_weight * anger)
        return min(max(int(total), 0), MAX_PRIORITY)

    def in_service_hours(self, moment: datetime) -> bool:
        """Whether agents are on duty at `moment` (an aware time is converted to the shop's zone;
        a naive one is taken as the shop's local time)."""
        if moment.tzinfo is not None:
            moment = moment.astimezone(ZoneInfo(self.timezone))
        return self.service_hours.contains(moment.time().replace(tzinfo=None))

    def repeated_question(self, intents: Sequence[Optional[str]]) -> bool:
        """Whether the latest of the shopper's intents (oldest first) is a question that the
        shopper's previous question was too; intents in not_questions are skipped."""
        if not intents or not intents[-1] or intents[-1] in self.not_questions:
            return False
        earlier = [intent for intent in intents[:-1] if intent and intent not in self.not_questions]
        return bool(earlier) and earlier[-1] == intents[-1]


@lru_cache(maxsize=None)
def load_handoff_policy(policies_dir: Path, timezone: str = "Asia/Shanghai") -> HandoffPolicy:
    """handoff.yml from the policies directory (KEFU_POLICIES_DIR), loaded once per directory."""
    return HandoffPolicy.load(Path(policies_dir) / FILE_NAME, timezone)


def _handoff(data: PolicySection, timezone: str) -> HandoffPolicy:
    priorities = data.section("priorities")
    by_reason = {reason: _priority(priorities, reason) for reason in priorities.keys()}
    priorities.done()
    policy = HandoffPolicy(
        hand_off_at_once=data.optional_texts("hand_off_at_once"),
        not_questions=data.optional_texts("not_questions"),
        after_sales_to_person=data.optional_texts("after_sales_to_person"),
        priorities=MappingProxyType(by_reason),
        default_priority=_priority(data, "default_priority"),
        vip_bonus=_priority(data, "vip_bonus"),
        anger_weight=data.number("anger_weight"),
        service_hours=_service_hours(data.section("service_hours")),
        timezone=timezone,
        agent_heartbeat_seconds=_positive(data, "agent_heartbeat_seconds"),
        answer_within_seconds=_positive(data, "answer_within_seconds"),
        max_message_chars=data.count("max_message_chars", "characters"),
        transcript_messages=data.count("transcript_messages", "messages"),
        summary=_summary(data.section("summary")),
    )
    data.done()
    return policy


def _priority(data: PolicySection, key: str) -> int:
    value = data.number(key)
    if value != int(value) or value > MAX_PRIORITY:
        raise PolicyError(f"handoff.yml: {key} must be a whole number from 0 to {MAX_PRIORITY}, got {value:g}")
    return int(value)


def _positive(data: PolicySection, key: str) -> float:
    value = data.number(key)
    if value <= 0:
        raise PolicyError(f"handoff.yml: {key} must be more than 0 seconds")
    return value


def _clock_time(data: PolicySection, key: str, allow_midnight: bool) -> Optional[time]:
    text = data.text(key)
    if allow_midnight and text == MIDNIGHT:
        return None
    try:
        hours, minutes = text.split(":")
        return time(int(hours), int(minutes))
    except ValueError:
        raise PolicyError(f"handoff.yml service_hours: {key} must be a time like \"09:00\", got {text!r}") from None


def _service_hours(data: PolicySection) -> ServiceHours:
    hours = ServiceHours(
        start=_clock_time(data, "start", allow_midnight=False),
        end=_clock_time(data, "end", allow_midnight=True),
    )
    data.done()
    if hours.start == hours.end:
        raise PolicyError("handoff.yml service_hours: start and end must differ (use 00:00 to 24:00 for all day)")
    return hours


def _labels(data: PolicySection, key: str) -> Mapping[str, str]:
    section = data.section(key)
    labels = {name: section.text(name) for name in section.keys()}
    section.done()
    return MappingProxyType(labels)


def _summary(data: PolicySection) -> SummaryTexts:
    templates = data.section("templates")
    checked = {}
    for name, fields in TEMPLATE_FIELDS.items():
        template = templates.text(name)
        try:
            template.format(**{field: "" for field in fields})
        except (KeyError, IndexError, ValueError):
            allowed = ", ".join("{" + field + "}" for field in fields) or "no placeholders"
            raise PolicyError(
                f"handoff.yml summary templates: {name} may only use {allowed}, got {template!r}"
            ) from None
        checked[name] = template
    templates.done()
    texts = SummaryTexts(
        separator=data.text("separator"),
        templates=MappingProxyType(checked),
        topics=_labels(data, "topics"),
        order_statuses=_labels(data, "order_statuses"),
        moods=_labels(data, "moods"),
        reasons=_labels(data, "reasons"),
    )
    data.done()
    return texts
