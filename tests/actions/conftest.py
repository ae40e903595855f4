"""Fixtures for action tests: a freshly seeded SQLite order database and a tracker factory."""
from __future__ import annotations

from datetime import datetime
from typing import Any, Dict, List, Optional
from zoneinfo import ZoneInfo

import pytest
from rasa_sdk import Tracker

from actions import common
from actions.services.seed import seed

NOW = datetime.now(ZoneInfo("Asia/Shanghai"))


@pytest.fixture
def order_db(tmp_path, monkeypatch):
    """A real SQLite file seeded with the demo data; the actions read it through the settings."""
    db_path = tmp_path / "kefu.db"
    seed(db_path, NOW)
    monkeypatch.setenv("KEFU_DB_PATH", str(db_path))
    for cached in (common.settings, common.store, common.policies):
        cached.cache_clear()
    yield db_path
    for cached in (common.settings, common.store, common.policies):
        cached.cache_clear()


@pytest.fixture
def make_tracker():
    """Build a Tracker as the action server receives it."""

    def build(
        intent: str,
        text: str = "",
        shopper: Optional[str] = "u1001",
        entities: Optional[List[Dict[str, Any]]] = None,
        slots: Optional[Dict[str, Any]] = None,
        events: Optional[List[Dict[str, Any]]] = None,
        active_loop: Optional[str] = None,
    ) -> Tracker:
        latest = {
            "text": text,
            "intent": {"name": intent, "confidence": 0.9},
            "intent_ranking": [{"name": intent, "confidence": 0.9}],
            "entities": entities or [],
            "metadata": {"shopper_id": shopper} if shopper else {},
        }
        user_event = {"event": "user", "text": text, "parse_data": latest}
        return Tracker(
            sender_id="test",
            slots=slots or {},
            latest_message=latest,
            events=(events or []) + [user_event],
            paused=False,
            followup_action=None,
            active_loop={"name": active_loop} if active_loop else {},
            latest_action_name="action_listen",
        )

    return build


def responses(dispatcher) -> List[str]:
    """The response names an action uttered, in order."""
    return [m.get("response") for m in dispatcher.messages]
