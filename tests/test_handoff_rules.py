"""The handoff rules, the domain and handoff.yml agree: a new intent cannot slip past the rule
"hand off at once", and every intent the policy names exists."""
from __future__ import annotations

from pathlib import Path

import yaml

from handoff.policy import FILE_NAME, HandoffPolicy

ROOT = Path(__file__).resolve().parents[1]
DOMAIN = yaml.safe_load((ROOT / "domain.yml").read_text(encoding="utf-8"))
RULES = yaml.safe_load((ROOT / "data" / "rules" / "handoff.yml").read_text(encoding="utf-8"))["rules"]
POLICY = HandoffPolicy.load(ROOT / "data" / "policies" / FILE_NAME)
INTENTS = set(DOMAIN["intents"]) | {"nlu_fallback"}


def rule(name: str) -> dict:
    return next(r for r in RULES if r["rule"] == name)


def test_hand_off_at_once_covers_every_intent_but_asking_for_a_person():
    steps = rule("hand off at once")["steps"]
    listed = [step["intent"] for step in steps[0]["or"]]
    assert len(listed) == len(set(listed))
    assert set(listed) == INTENTS - {"request_human"}
    assert steps[1:] == [
        {"slot_was_set": [{"handoff_reason": steps[1]["slot_was_set"][0]["handoff_reason"]}]},
        {"action": "action_request_human"},
    ]


def test_the_handoff_slot_is_featurized_text_set_by_actions():
    slot = DOMAIN["slots"]["handoff_reason"]
    # A text slot is featurized as set / not set, so one rule serves every reason.
    assert slot["type"] == "text" and slot["influence_conversation"] is True
    assert slot["mappings"] == [{"type": "custom"}]


def test_the_policy_names_existing_intents():
    assert set(POLICY.not_questions) <= INTENTS
    assert set(POLICY.summary.topics) <= INTENTS
    assert set(POLICY.after_sales_to_person) <= INTENTS
    assert set(POLICY.hand_off_at_once) <= set(POLICY.priorities)
