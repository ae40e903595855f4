"""Passing the conversation to a person."""
from __future__ import annotations

from typing import Any, Dict, List, Text

from rasa_sdk import Action, Tracker
from rasa_sdk.executor import CollectingDispatcher


class ActionRequestHuman(Action):
    """Tells the shopper a person will take over.

    The handoff bridge (agent queue) plugs in here: every handoff trigger in the
    rules runs this action.
    """

    def name(self) -> Text:
        return "action_request_human"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[Text, Any]
    ) -> List[Dict[Text, Any]]:
        dispatcher.utter_message(response="utter_request_human")
        return []
