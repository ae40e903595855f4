"""Rasa's own data validation, with no warnings left unexplained.

`rasa data validate --fail-on-warnings` also fails on responses that only custom actions utter
("not used in any story or rule"). Here every validator check must pass, and the only warnings
allowed are those, for responses that the action code really utters.
"""
from __future__ import annotations

import ast
import re
import warnings
from pathlib import Path

from rasa.shared.importers.importer import TrainingDataImporter
from rasa.validator import Validator

ROOT = Path(__file__).resolve().parents[1]
UNUSED = re.compile(r"The utterance '(\w+)' is not used in any story or rule\.")


def uttered_by_actions() -> set[str]:
    names: set[str] = set()
    for path in (ROOT / "actions").glob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.keyword) and node.arg == "response":
                if isinstance(node.value, ast.Constant):
                    names.add(node.value.value)
                elif isinstance(node.value, ast.JoinedStr):  # f"utter_order_status_{...}"
                    prefix = node.value.values[0]
                    if isinstance(prefix, ast.Constant):
                        names.add(prefix.value + "*")
    return names


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
        if unused and used_by_actions(unused.group(1), by_actions):
            continue
        if "DeprecationWarning" in type(warning.message).__name__:
            continue
        unexplained.append(message)
    assert unexplained == []
