"""The trained model understands every shopper message of the conversation tests.

`rasa test core` (make test-stories) checks the dialogue given the intents; this checks the
intents themselves, on the same messages. Entities are left out: DIET's spans for free-form
entities vary slightly between trainings on 2 cores, the intents do not.
"""
from __future__ import annotations

import asyncio
import re
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[1]
MODEL = ROOT / "models" / "kefu.tar.gz"
# [text](entity) and [text]{"entity": ...} annotations -> text
ANNOTATION = re.compile(r"\[([^\]]+)\](?:\([^)]*\)|\{[^}]*\})")


def story_messages() -> list[tuple[str, str]]:
    messages = []
    for path in sorted(ROOT.glob("tests/test_*.yml")):
        for story in yaml.safe_load(path.read_text(encoding="utf-8"))["stories"]:
            for step in story["steps"]:
                if "user" in step and not step["user"].strip().startswith("/"):
                    messages.append((ANNOTATION.sub(r"\1", step["user"].strip()), step["intent"]))
    return messages


def test_every_conversation_test_message_gets_its_intent() -> None:
    if not MODEL.exists():
        pytest.fail(f"no trained model at {MODEL}: run `make train` (the test command does)")
    from rasa.core.agent import Agent

    agent = Agent.load(str(MODEL))
    messages = story_messages()
    assert len(messages) >= 20

    async def parse_all() -> list[str]:
        return [(await agent.parse_message(text))["intent"]["name"] for text, _ in messages]

    predicted = asyncio.run(parse_all())
    wrong = [(text, gold, got) for (text, gold), got in zip(messages, predicted) if got != gold]
    assert wrong == []
