"""Rasa graph component that normalises message text before it is tokenised.

Put it first in the NLU pipeline::

    pipeline:
      - name: bot.components.normalizer.TextNormalizer
      - name: JiebaTokenizer
        dictionary_path: data/dict

Registered as a ``MESSAGE_TOKENIZER``: the default recipe treats tokenizers and featurizers
alike, as the preprocessing chain that runs in config order over the training data
(``process_training_data``) and over every parsed message (``process``); a component of any
other type would only run at inference, or not before the tokenizer.
"""
from __future__ import annotations

import logging
from typing import Any, Dict, List, Optional, Text

from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.shared.constants import INTENT_MESSAGE_PREFIX
from rasa.shared.nlu.constants import (
    ENTITIES,
    ENTITY_ATTRIBUTE_END,
    ENTITY_ATTRIBUTE_START,
    ENTITY_ATTRIBUTE_VALUE,
    TEXT,
)
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

from bot.text.normalize import normalize_with_offsets

logger = logging.getLogger(__name__)

TEXT_ORIGINAL = "text_original"


@DefaultV1Recipe.register(
    [DefaultV1Recipe.ComponentType.MESSAGE_TOKENIZER], is_trainable=False
)
class TextNormalizer(GraphComponent):
    """Replaces message text by its normalised form (see :mod:`bot.text.normalize`).

    The original text is kept under ``text_original`` (part of the parse result). In
    training data, annotated entity spans are moved so they still cover the same words.
    Messages in Rasa's ``/intent{...}`` shorthand are left untouched.

    A message with nothing readable (emoji only, invisible characters) becomes the empty
    text, on purpose: DIET then predicts no intent (confidence 0), so the
    FallbackClassifier answers ``nlu_fallback``. A visible placeholder such as "…" is
    worse: as an unknown token it gets a fixed, arbitrary and often confident intent
    (measured: ``greet`` at 0.60 in a small model). The shopper's emoji stay in
    ``text_original`` for the sentiment analysis.
    """

    @classmethod
    def create(
        cls,
        config: Dict[Text, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
    ) -> TextNormalizer:
        return cls()

    def process(self, messages: List[Message]) -> List[Message]:
        for message in messages:
            _normalize_message(message)
        return messages

    def process_training_data(self, training_data: TrainingData) -> TrainingData:
        # Synonyms written in traditional characters must also match normalised entities.
        synonyms = training_data.entity_synonyms
        for written, value in list(synonyms.items()):
            synonyms.setdefault(normalize_with_offsets(written)[0], value)
        for message in training_data.training_examples:
            _normalize_message(message)
            if message.get(TEXT) == "" and message.get(TEXT_ORIGINAL):
                logger.warning(
                    "components.normalizer.example_empty text=%r teaches nothing",
                    message.get(TEXT_ORIGINAL),
                )
        return training_data


def _normalize_message(message: Message) -> None:
    text = message.get(TEXT)
    if not isinstance(text, str) or text.lstrip().startswith(INTENT_MESSAGE_PREFIX):
        return
    normalised, offsets = normalize_with_offsets(text)
    message.set(TEXT_ORIGINAL, text, add_to_output=True)
    if normalised == text:
        return
    message.set(TEXT, normalised)
    entities = message.get(ENTITIES)
    if entities:
        message.set(ENTITIES, _moved_entities(entities, text, normalised, offsets))


def _moved_entities(
    entities: List[Dict[Text, Any]], text: str, normalised: str, offsets: List[int]
) -> List[Dict[Text, Any]]:
    moved: List[Dict[Text, Any]] = []
    for entity in entities:
        start: Optional[int] = entity.get(ENTITY_ATTRIBUTE_START)
        end: Optional[int] = entity.get(ENTITY_ATTRIBUTE_END)
        if start is None or end is None or not 0 <= start <= end <= len(text):
            moved.append(entity)
            continue
        new_start, new_end = offsets[start], offsets[end]
        if new_start >= new_end:
            logger.warning(
                "components.normalizer.entity_dropped entity=%s text=%r",
                entity.get("entity"),
                text,
            )
            continue
        updated = {**entity, ENTITY_ATTRIBUTE_START: new_start, ENTITY_ATTRIBUTE_END: new_end}
        if entity.get(ENTITY_ATTRIBUTE_VALUE) == text[start:end]:
            updated[ENTITY_ATTRIBUTE_VALUE] = normalised[new_start:new_end]
        moved.append(updated)
    return moved
