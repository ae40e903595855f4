"""Rasa graph component that adds the anger detector's result to every parsed message.

::

    pipeline:
      - name: bot.components.sentiment.SentimentAnalyzer
        lexicon_dir: data/lexicons

The result is part of the parse data, so it is in ``tracker.latest_message["sentiment"]`` and
in every user event of the tracker::

    {"score": 0.83, "label": "angry",
     "cues": [{"kind": "anger", "text": "气死", "start": 0, "end": 2, "weight": 1.2}, ...]}

Spans index ``sentiment["text"]`` (the detector's own normalisation, emoji kept). This is the
score of the message alone: the component never sees the conversation. The action server
adds the conversation trend when it sets the mood slots (``actions/mood.py``).

Registered as an inference-only component (the recipe has no type for "annotates messages";
non-trainable extractors run only when messages are parsed, never over training data).
The lexicon directory is read when the model is loaded, so edited lexicons take effect on
the next server start without retraining.
"""
from __future__ import annotations

from typing import Any, Dict, List, Text

from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.shared.constants import INTENT_MESSAGE_PREFIX
from rasa.shared.nlu.constants import TEXT
from rasa.shared.nlu.training_data.message import Message

from bot.components.normalizer import TEXT_ORIGINAL
from bot.sentiment import Detector

SENTIMENT = "sentiment"


@DefaultV1Recipe.register(
    [DefaultV1Recipe.ComponentType.ENTITY_EXTRACTOR], is_trainable=False
)
class SentimentAnalyzer(GraphComponent):
    """Adds ``sentiment`` (anger score, label, cues) to every parsed message."""

    @staticmethod
    def get_default_config() -> Dict[Text, Any]:
        return {"lexicon_dir": "data/lexicons"}

    @staticmethod
    def required_packages() -> List[Text]:
        return ["snownlp", "jieba"]

    def __init__(self, detector: Detector) -> None:
        self._detector = detector

    @classmethod
    def create(
        cls,
        config: Dict[Text, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
    ) -> SentimentAnalyzer:
        return cls(Detector(config["lexicon_dir"]))

    @classmethod
    def load(
        cls,
        config: Dict[Text, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
        **kwargs: Any,
    ) -> SentimentAnalyzer:
        """With the trained model: lexicon, segmenter and tone model (a few seconds to train)
        load now, not while the first shopper waits. Training never needs them."""
        component = cls.create(config, model_storage, resource, execution_context)
        component._detector.warm_up()
        return component

    def process(self, messages: List[Message]) -> List[Message]:
        for message in messages:
            # The shopper's own words, emoji and punctuation included: they carry the anger.
            text = message.get(TEXT_ORIGINAL) or message.get(TEXT)
            if not isinstance(text, str) or text.lstrip().startswith(INTENT_MESSAGE_PREFIX):
                continue
            result = self._detector.analyze(text)
            message.set(SENTIMENT, result.as_dict(), add_to_output=True)
        return messages
