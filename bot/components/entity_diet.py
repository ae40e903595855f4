"""DIET for the free-form entities only, trained on the examples that teach it something.

    - name: bot.components.entity_diet.EntityDIETClassifier
      examples_without_entities: 3000

In this pipeline DIET extracts entities (product, reason) and nothing else: the intent comes from
SentenceIntentClassifier. Most training examples carry no entity annotation, and DIET's training
time grows with the number of examples, so this component trains DIET on every annotated example
plus a fixed random sample of the others (which still teach it where there is no entity). With
all 7,000 examples DIET was the slowest step of `make train`.
"""
from __future__ import annotations

import random
from typing import Any, Dict, List

from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.nlu.classifiers.diet_classifier import DIETClassifier
from rasa.shared.nlu.constants import ENTITIES
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData


@DefaultV1Recipe.register([DefaultV1Recipe.ComponentType.ENTITY_EXTRACTOR], is_trainable=True)
class EntityDIETClassifier(DIETClassifier):
    """DIETClassifier trained on annotated examples and a sample of the unannotated ones."""

    @staticmethod
    def get_default_config() -> Dict[str, Any]:
        return {
            **DIETClassifier.get_default_config(),
            "intent_classification": False,
            # Fixed, like every seed in this project, so training (and the sample) is reproducible.
            "random_seed": 42,
            # At most this many examples without any entity annotation are trained on
            # (all of them when there are fewer).
            "examples_without_entities": 3000,
        }

    def train(self, training_data: TrainingData) -> Resource:
        return super().train(self.training_sample(training_data))

    def training_sample(self, training_data: TrainingData) -> TrainingData:
        """Every annotated example and a reproducible sample of the unannotated ones."""
        examples = training_data.nlu_examples
        unannotated = [i for i, message in enumerate(examples) if not message.get(ENTITIES)]
        limit = self.component_config["examples_without_entities"]
        rng = random.Random(self.component_config["random_seed"])
        chosen = set(rng.sample(unannotated, min(limit, len(unannotated))))
        sample: List[Message] = [m for i, m in enumerate(examples) if m.get(ENTITIES) or i in chosen]
        return TrainingData(training_examples=sample)
