"""Rasa graph component for the rule-based structured entities of :mod:`bot.text.entities`.

::

    pipeline:
      - name: bot.components.entity_extractor.StructuredEntityExtractor
        patterns_dir: data/patterns   # EntityRuler patterns, read when the model is loaded
        dictionary_dir: data/dict     # jieba user dictionaries (*.txt)
        utc_offset_hours: 8           # "today" for 昨天 / 周三 / 11月20日 (China has no DST)

Not trainable: the recipe runs it only when messages are parsed, never over the training
data, so DIET trains on the annotated entities alone. Both directories are read when the
model is loaded (relative to the working directory), so edited patterns take effect on the
next server start without retraining. Entities are appended to those found by earlier
components; DIET's own entities are left as they are. Spans refer to the message text as
the pipeline sees it, i.e. the normalised text when ``TextNormalizer`` runs first.
"""
from __future__ import annotations

from datetime import datetime, timedelta, timezone
from typing import Any, Dict, List, Text

from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.nlu.extractors.extractor import EntityExtractorMixin
from rasa.shared.nlu.constants import (
    ENTITIES,
    ENTITY_ATTRIBUTE_END,
    ENTITY_ATTRIBUTE_START,
    ENTITY_ATTRIBUTE_TYPE,
    ENTITY_ATTRIBUTE_VALUE,
    TEXT,
)
from rasa.shared.nlu.training_data.message import Message

from bot.text import entities
from bot.text.segmenter import DEFAULT_DICTIONARY_DIR


@DefaultV1Recipe.register(
    [DefaultV1Recipe.ComponentType.ENTITY_EXTRACTOR], is_trainable=False
)
class StructuredEntityExtractor(GraphComponent, EntityExtractorMixin):
    """Adds order_id, tracking_number, phone_number, amount and date entities."""

    @staticmethod
    def get_default_config() -> Dict[Text, Any]:
        return {
            "patterns_dir": str(entities.DEFAULT_PATTERNS_DIR),
            "dictionary_dir": str(DEFAULT_DICTIONARY_DIR),
            "utc_offset_hours": 8,
        }

    def __init__(
        self, extractor: entities.StructuredEntityExtractor, utc_offset_hours: float
    ) -> None:
        self._extractor = extractor
        self._timezone = timezone(timedelta(hours=utc_offset_hours))

    @classmethod
    def create(
        cls,
        config: Dict[Text, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
    ) -> StructuredEntityExtractor:
        extractor = entities.StructuredEntityExtractor(
            config["patterns_dir"], config["dictionary_dir"]
        )
        return cls(extractor, config["utc_offset_hours"])

    def process(self, messages: List[Message]) -> List[Message]:
        now = datetime.now(self._timezone)
        for message in messages:
            text = message.get(TEXT)
            if not isinstance(text, str):
                continue
            found = [
                {
                    ENTITY_ATTRIBUTE_TYPE: entity.entity,
                    ENTITY_ATTRIBUTE_START: entity.start,
                    ENTITY_ATTRIBUTE_END: entity.end,
                    ENTITY_ATTRIBUTE_VALUE: entity.value,
                }
                for entity in self._extractor.extract(text, now)
            ]
            message.set(
                ENTITIES,
                message.get(ENTITIES, []) + self.add_extractor_name(found),
                add_to_output=True,
            )
        return messages
