"""Two-stage fallback: offer the most likely questions as buttons instead of guessing; a person
takes over when the shopper is still not understood."""
from __future__ import annotations

from typing import Any, Dict, List, Text

from rasa_sdk import Action, Tracker
from rasa_sdk.events import UserUtteranceReverted
from rasa_sdk.executor import CollectingDispatcher

from actions.common import labels
from actions.handoff import hand_off

TWO_STAGE_FALLBACK = "action_two_stage_fallback"

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


class ActionDefaultFallback(Action):
    """Replaces Rasa's action_default_fallback, which Rasa runs in two cases.

    The two-stage fallback gives up (the shopper was not understood twice in a row; its loop is
    still active): a person takes over, reason "fallback". No dialogue policy is confident of the
    next step: what Rasa's own action does, utter_default (with a 转人工 button) and forget the
    message.
    """

    def name(self) -> Text:
        return "action_default_fallback"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[Text, Any]
    ) -> List[Dict[Text, Any]]:
        if tracker.active_loop_name == TWO_STAGE_FALLBACK:
            return await hand_off(dispatcher, tracker, "fallback")
        dispatcher.utter_message(response="utter_default")
        return [UserUtteranceReverted()]
