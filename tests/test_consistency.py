"""The domain, the training data and the action code agree with each other."""
from __future__ import annotations

import ast
import inspect
import re
from pathlib import Path

import yaml
from rasa_sdk import Action
from rasa_sdk.executor import ActionExecutor

ROOT = Path(__file__).resolve().parents[1]
DOMAIN = yaml.safe_load((ROOT / "domain.yml").read_text(encoding="utf-8"))
RASA_DEFAULT_ACTIONS = {"action_deactivate_loop", "action_two_stage_fallback", "action_listen"}


def registered_actions() -> dict[str, type]:
    executor = ActionExecutor()
    executor.register_package("actions")
    return executor.actions


def action_classes() -> list[type]:
    """Every concrete Action subclass defined in the actions package."""
    import actions.after_sales, actions.fallback, actions.handoff, actions.orders  # noqa: F401,E401

    found, pending = [], list(Action.__subclasses__())
    while pending:
        cls = pending.pop()
        pending.extend(cls.__subclasses__())
        if cls.__module__.startswith("actions."):
            found.append(cls)
    return found


def test_every_domain_action_is_implemented_and_back():
    implemented = set(registered_actions())
    declared = set(DOMAIN["actions"])
    assert declared - implemented == set(), "declared in domain.yml but not implemented"
    assert implemented - declared == set(), "implemented but missing from domain.yml"


def test_no_two_action_classes_share_a_name():
    names = [cls().name() for cls in action_classes() if not inspect.isabstract(cls)]
    assert len(names) == len(set(names))


def test_every_response_used_in_code_exists():
    responses = set(DOMAIN["responses"])
    used = set()
    for path in (ROOT / "actions").glob("*.py"):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if isinstance(node, ast.keyword) and node.arg == "response":
                if isinstance(node.value, ast.Constant):
                    used.add(node.value.value)
    assert used, "expected the actions to utter responses by name"
    assert used - responses == set()
    # f-string responses: every status and denial code has its own response.
    for status in ("unpaid", "paid", "shipped", "delivered", "cancelled", "returning", "refunded"):
        assert f"utter_order_status_{status}" in responses
    for code in ("not_delivered", "window_expired", "already_returning", "not_returnable", "other"):
        assert f"utter_return_denied_{code}" in responses


def test_every_utterance_in_rules_and_stories_exists():
    responses = set(DOMAIN["responses"]) | set(DOMAIN["actions"]) | set(DOMAIN["forms"]) | RASA_DEFAULT_ACTIONS
    text = "\n".join(p.read_text(encoding="utf-8") for p in (ROOT / "data").glob("*/*.yml"))
    text += "\n".join(p.read_text(encoding="utf-8") for p in (ROOT / "tests").glob("test_*.yml"))
    used = set(re.findall(r"- action: (\w+)", text))
    assert used - responses == set()


def test_button_payload_intents_exist():
    intents = set(DOMAIN["intents"])
    payloads = re.findall(r'payload: ["\']/(\w+)', (ROOT / "domain.yml").read_text(encoding="utf-8"))
    assert payloads and set(payloads) - intents == set()
