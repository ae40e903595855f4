"""Two-stage fallback: offer the most likely questions as buttons instead of guessing."""
from __future__ import annotations

from typing import Any, Dict, List, Text

from rasa_sdk import Action, Tracker
from rasa_sdk.executor import CollectingDispatcher

from actions.common import labels

SUGGESTIONS = 3


class ActionDefaultAskAffirmation(Action):
    """Replaces Rasa's default question (one intent name) with the top intents as buttons."""

    def name(self) -> Text:
        return "action_default_ask_affirmation"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[Text, Any]
    ) -> List[Dict[Text, Any]]:
        names = labels()["intents"]
        ranking = tracker.latest_message.get("intent_ranking") or []
        likely = [r["name"] for r in ranking if r.get("name") in names][:SUGGESTIONS]
        buttons = [{"title": names[intent], "payload": f"/{intent}"} for intent in likely]
        buttons.append({"title": "都不是", "payload": "/deny"})
        dispatcher.utter_message(response="utter_ask_affirmation", buttons=buttons)
        return []
