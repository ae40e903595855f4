"""The shopper's mood, assessed on every message before the bot answers.

Rasa runs `action_validate_slot_mappings` after every shopper message, before any policy
predicts the answer (it is the hook for slots with custom mappings, such as the mood slots in
domain.yml), and, unlike the mappings' own actions, it may also speak. It scores the message
with the anger detector, taking the shopper's earlier messages into account (the NLU
component scores each message alone), and sets the mood slots. When the shopper is angry the
bot first acknowledges it and apologises; the answer that follows gives the concrete action.
When the mood calls for a person (data/policies/escalation.yml) the bot offers one, once per
conversation, and `escalation_reason` tells the handoff which signal fired.

Some signals hand the conversation over at once instead of offering (handoff.yml
hand_off_at_once: a very angry message; a VIP shopper asking the same question twice). This action
cannot run the handoff itself: Rasa keeps only the slots and messages of
action_validate_slot_mappings, so a FollowupAction would be dropped. It sets `handoff_reason` for
this one message and a rule runs action_request_human (see actions/handoff.py for all triggers).
"""
from __future__ import annotations

import logging
from typing import Any, Dict, List, Optional, Text

from rasa_sdk import Action, Tracker
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions.common import policies
from actions.handoff import HANDOFF_REASON, reason_to_hand_off_at_once
from bot.sentiment import default_detector

logger = logging.getLogger(__name__)


def _shopper_text(parse_data: Dict[Text, Any]) -> Optional[Text]:
    """What the shopper typed (before normalisation), or None for a button payload."""
    text = parse_data.get("text_original") or parse_data.get("text")
    if not isinstance(text, str) or text.lstrip().startswith("/"):
        return None
    return text


def earlier_messages(tracker: Tracker, limit: int) -> List[Text]:
    """The shopper's `limit` messages before the latest one, oldest first."""
    texts: List[Text] = []
    user_events = [e for e in tracker.events if e.get("event") == "user"]
    for event in reversed(user_events[:-1]):
        text = _shopper_text(event.get("parse_data") or {"text": event.get("text")})
        if text:
            texts.append(text)
        if len(texts) == limit:
            break
    return texts[::-1]


def assessed_already(tracker: Tracker) -> bool:
    """Whether the latest message was already assessed: Rasa runs the slot mappings again
    when a form starts, and the shopper must not get two apologies for one message."""
    for event in reversed(tracker.events):
        if event.get("event") == "user":
            return False
        if event.get("event") == "slot" and event.get("name") == "anger_level":
            return True
    return False


class ActionAssessMood(Action):
    """Sets anger_score, anger_level, angry_in_a_row and escalation_reason; opens with empathy."""

    def name(self) -> Text:
        # The name Rasa calls after every message; nothing else in the project validates
        # slot mappings, so the mood assessment owns it.
        return "action_validate_slot_mappings"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[Text, Any]
    ) -> List[Dict[Text, Any]]:
        if assessed_already(tracker):
            return []
        events: List[Dict[Text, Any]] = []
        reason = None
        intent = (tracker.latest_message.get("intent") or {}).get("name")
        text = _shopper_text(tracker.latest_message or {})
        if text is not None:  # button payloads carry no mood
            escalation = policies().escalation
            result = default_detector().analyze(text, earlier_messages(tracker, escalation.history_messages))
            in_a_row = int(tracker.get_slot("angry_in_a_row") or 0) + 1 if result.is_angry else 0
            reason = escalation.reason(result.score, result.is_angry, in_a_row, intent)
            logger.info(
                "mood.assessed label=%s score=%.2f in_a_row=%d escalation=%s",
                result.label, result.score, in_a_row, reason,
            )
            events += [
                SlotSet("anger_score", round(result.score, 4)),
                SlotSet("anger_level", result.label),
                SlotSet("angry_in_a_row", in_a_row),
            ]
            if result.is_angry:
                dispatcher.utter_message(response="utter_empathy")

        at_once = await reason_to_hand_off_at_once(tracker, reason)
        if reason and not tracker.get_slot("escalation_reason"):
            events.append(SlotSet("escalation_reason", reason))
            if intent != "request_human" and at_once is None:
                dispatcher.utter_message(response="utter_offer_human")
        # Set for this message only: the rule "hand off at once" reads it before the next message.
        if at_once or tracker.get_slot(HANDOFF_REASON):
            events.append(SlotSet(HANDOFF_REASON, at_once))
        return events
