"""The domain, the training data and the action code agree with each other.

`rasa data validate --fail-on-warnings` also fails on responses that only custom actions utter
("not used in any story or rule"); here every validator check must pass, and the only warnings
allowed are those, for responses the action code really utters.
"""
from __future__ import annotations

import ast
import inspect
import re
import warnings
from pathlib import Path

import pytest
import yaml
from rasa.engine.graph import ExecutionContext, GraphSchema
from rasa.engine.storage.local_model_storage import LocalModelStorage
from rasa.engine.storage.resource import Resource
from rasa.nlu.constants import TOKENS_NAMES
from rasa.nlu.tokenizers.tokenizer import Tokenizer
from rasa.shared.importers.importer import TrainingDataImporter
from rasa.shared.nlu.constants import ENTITIES, TEXT
from rasa.shared.nlu.training_data.loading import load_data
from rasa.validator import Validator
from rasa_sdk import Action
from rasa_sdk.executor import ActionExecutor

from bot.entity_holdout import pipeline_until_diet

ROOT = Path(__file__).resolve().parents[1]
DOMAIN = yaml.safe_load((ROOT / "domain.yml").read_text(encoding="utf-8"))
UNUSED = re.compile(r"The utterance '(\w+)' is not used in any story or rule\.")
# Responses that Rasa itself utters: fallback, and the questions of form slots.
UTTERED_BY_RASA = {"utter_default", "utter_ask_rephrase"} | {
    f"utter_ask_{slot}" for form in DOMAIN["forms"].values() for slot in form["required_slots"]
}
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


def uttered_by_actions() -> set[str]:
    """Response names the action code utters; f-string names end in "*" (a prefix)."""
    names: set[str] = set()
    for path in (ROOT / "actions").glob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if not (isinstance(node, ast.keyword) and node.arg == "response"):
                continue
            value = node.value
            for part in (value.body, value.orelse) if isinstance(value, ast.IfExp) else (value,):
                if isinstance(part, ast.Constant):
                    names.add(part.value)
                elif isinstance(part, ast.JoinedStr) and isinstance(part.values[0], ast.Constant):
                    names.add(part.values[0].value + "*")
    return names


def test_every_response_used_in_code_exists():
    responses = set(DOMAIN["responses"])
    used = {name for name in uttered_by_actions() if not name.endswith("*")}
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


def used_by_actions(utterance: str, names: set[str]) -> bool:
    return utterance in names or any(n.endswith("*") and utterance.startswith(n[:-1]) for n in names)


def test_training_data_and_domain_validate_cleanly():
    importer = TrainingDataImporter.load_from_config(
        str(ROOT / "config.yml"), str(ROOT / "domain.yml"), [str(ROOT / "data")]
    )
    validator = Validator.from_importer(importer)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        checks = {
            "domain": validator.verify_domain_validity(),
            "intents": validator.verify_intents(ignore_warnings=False),
            "examples": validator.verify_example_repetition_in_intents(ignore_warnings=False),
            "intents in stories": validator.verify_intents_in_stories(ignore_warnings=False),
            "forms": validator.verify_forms_in_stories_rules(),
            "actions": validator.verify_actions_in_stories_rules(),
            "form slots": validator.verify_form_slots(),
            "slot mappings": validator.verify_slot_mappings(),
            "story structure": validator.verify_story_structure(ignore_warnings=False),
            "utterances": validator.verify_utterances_in_stories(ignore_warnings=True),
        }
    assert all(checks.values()), checks

    by_actions = uttered_by_actions()
    unexplained = []
    for warning in caught:
        message = str(warning.message)
        unused = UNUSED.search(message)
        if unused and (unused.group(1) in UTTERED_BY_RASA or used_by_actions(unused.group(1), by_actions)):
            continue
        if "DeprecationWarning" in type(warning.message).__name__:
            continue
        unexplained.append(message)
    assert unexplained == []


def test_entity_annotations_fall_on_token_boundaries(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    """DIET learns nothing from a span that cuts a jieba token (Rasa only warns at training):
    fix such an example by adding the word to data/dict or by dropping the annotation.
    The examples go through config.yml's own steps up to its tokenizer."""
    monkeypatch.chdir(ROOT)  # config.yml's paths are relative to the project root
    data = load_data(str(ROOT / "data" / "nlu"))
    storage, context = LocalModelStorage(tmp_path), ExecutionContext(GraphSchema({}))
    for position, (component_class, settings) in enumerate(pipeline_until_diet(ROOT / "config.yml", {})):
        component = component_class.create(settings, storage, Resource(f"step_{position}"), context)
        component.process_training_data(data)
        if issubclass(component_class, Tokenizer):
            break
    misaligned: list[tuple[str, str, str]] = []
    for example in data.entity_examples:
        tokens = example.get(TOKENS_NAMES[TEXT])
        starts, ends = {t.start for t in tokens}, {t.end for t in tokens}
        for entity in example.get(ENTITIES):
            if entity["start"] not in starts or entity["end"] not in ends:
                misaligned.append((example.get(TEXT), entity["entity"], entity["value"]))
    assert data.entity_examples
    assert misaligned == []
