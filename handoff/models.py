"""What the bridge stores and sends: conversation messages and handoff tickets (JSON, never pickle)."""
from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field, fields
from typing import Any, Dict, List, Optional

SENDERS = ("shopper", "bot", "agent", "system")

TICKET_WAITING = "waiting"
TICKET_CLAIMED = "claimed"
TICKET_RESOLVED = "resolved"
TICKET_RETURNED = "returned"  # handed back to the bot
TICKET_STATUSES = (TICKET_WAITING, TICKET_CLAIMED, TICKET_RESOLVED, TICKET_RETURNED)

MODE_BOT = "bot"
MODE_QUEUED = "queued"
MODE_AGENT = "agent"


def _known_fields(cls: type, data: Dict[str, Any]) -> Dict[str, Any]:
    """Ignore keys a newer version may have added, so old and new processes can share Redis."""
    names = {f.name for f in fields(cls)}
    return {key: value for key, value in data.items() if key in names}


@dataclass
class Message:
    """One message of a conversation, in either direction."""

    sender: str  # one of SENDERS
    text: str
    at: float  # Unix time, seconds
    message_id: str = ""
    intent: Optional[str] = None  # what the bot understood (shopper messages)
    confidence: Optional[float] = None
    entities: List[Dict[str, Any]] = field(default_factory=list)
    sentiment: Optional[Dict[str, Any]] = None  # bot.sentiment result as a dict
    agent_id: Optional[str] = None
    agent_name: Optional[str] = None
    buttons: List[Dict[str, Any]] = field(default_factory=list)
    custom: Optional[Dict[str, Any]] = None

    def to_dict(self) -> Dict[str, Any]:
        return asdict(self)

    def to_json(self) -> str:
        return json.dumps(self.to_dict(), ensure_ascii=False)

    @classmethod
    def from_dict(cls, data: Dict[str, Any]) -> "Message":
        return cls(**_known_fields(cls, data))

    @classmethod
    def from_json(cls, raw: str) -> "Message":
        return cls.from_dict(json.loads(raw))


@dataclass
class Ticket:
    """A conversation waiting for, or held by, a person.

    The ticket id derives from the conversation id (and the message that triggered the
    handoff), so a retried handoff action cannot queue a conversation twice.
    """

    ticket_id: str
    conversation_id: str
    shopper_id: str
    reason: str  # request_human, high_anger, angry_again, angry_complaint, fallback, ...
    priority: int  # higher is served first
    summary: str  # one Chinese line written for the agent
    created_at: float
    vip: bool = False
    anger_score: float = 0.0
    order_id: Optional[str] = None
    slots: Dict[str, Any] = field(default_factory=dict)
    transcript: List[Dict[str, Any]] = field(default_factory=list)  # Message dicts
    status: str = TICKET_WAITING
    agent_id: Optional[str] = None
    claimed_at: Optional[float] = None
    answered_at: Optional[float] = None  # the agent's first reply after the latest claim
    closed_at: Optional[float] = None
    rating: Optional[int] = None  # 1-5, asked at resolution
    requeue_count: int = 0

    def to_dict(self) -> Dict[str, Any]:
        return asdict(self)

    def to_json(self) -> str:
        return json.dumps(self.to_dict(), ensure_ascii=False)

    @classmethod
    def from_dict(cls, data: Dict[str, Any]) -> "Ticket":
        return cls(**_known_fields(cls, data))

    @classmethod
    def from_json(cls, raw: str) -> "Ticket":
        return cls.from_dict(json.loads(raw))
