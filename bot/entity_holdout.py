"""Held-out F1 of DIET's free-form entities (product, reason), and how long DIET trains.

    python -m bot.entity_holdout [--config config.yml] [--data data/nlu] [--diet epochs=10 ...]

It runs config.yml's pipeline up to and including DIET (normaliser, tokenizer, featurizers,
DIETClassifier or a subclass of it; the intent classifier and everything after it are left out),
trains it on a stratified 80% of the examples and extracts entities from the other 20%. A predicted entity
counts only with the exact span and type of an annotated one. `--diet key=value` (value read as
YAML) overrides DIET's settings, so a cheaper DIET can be compared with the current one before
config.yml changes. Like `make crossval`, the figure is for comparing settings and data on our
own examples, not a real-world accuracy.
"""
from __future__ import annotations

import argparse
import logging
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Dict, List, Sequence, Set, Tuple

from bot.crossval import PROJECT_ROOT

Span = Tuple[int, str, int, int]  # (message index, entity type, start, end)


@dataclass
class EntityScores:
    """Exact-span matches of predicted against annotated entities, by entity type."""

    gold: Set[Span] = field(default_factory=set)
    predicted: Set[Span] = field(default_factory=set)

    def counts(self, entity: str | None = None) -> Tuple[int, int, int]:
        """(true positives, predicted, annotated) for one entity type, or for all of them."""
        gold = {s for s in self.gold if entity in (None, s[1])}
        predicted = {s for s in self.predicted if entity in (None, s[1])}
        return len(gold & predicted), len(predicted), len(gold)

    def f1(self, entity: str | None = None) -> Tuple[float, float, float]:
        """(precision, recall, F1)."""
        hits, predicted, gold = self.counts(entity)
        precision = hits / predicted if predicted else 0.0
        recall = hits / gold if gold else 0.0
        f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
        return precision, recall, f1

    @property
    def entity_types(self) -> List[str]:
        return sorted({s[1] for s in self.gold})


def pipeline_until_diet(config_path: Path, diet_overrides: Dict[str, Any]) -> List[Tuple[type, Dict[str, Any]]]:
    """(component class, its full config) for the pipeline entries up to and including DIET."""
    import yaml
    import rasa.engine.recipes.default_components  # noqa: F401  (registers Rasa's components)
    from rasa.engine.recipes.default_recipe import DefaultV1Recipe
    from rasa.nlu.classifiers.diet_classifier import DIETClassifier

    components = []
    for entry in yaml.safe_load(config_path.read_text(encoding="utf-8"))["pipeline"]:
        component = DefaultV1Recipe._from_registry(entry["name"]).clazz
        settings = {k: v for k, v in entry.items() if k != "name"}
        if issubclass(component, DIETClassifier):
            settings.update(diet_overrides)
        components.append((component, {**component.get_default_config(), **settings}))
        if issubclass(component, DIETClassifier):
            return components
    raise ValueError(f"{config_path} has no DIETClassifier")


def evaluate(
    data_path: Path, config_path: Path, diet_overrides: Dict[str, Any], test_share: float = 0.2, seed: int = 42
) -> Tuple[EntityScores, float, int]:
    """Scores on the held-out share, DIET's training time in seconds, and the number of training examples."""
    from rasa.engine.graph import ExecutionContext, GraphSchema
    from rasa.engine.storage.local_model_storage import LocalModelStorage
    from rasa.engine.storage.resource import Resource
    from rasa.nlu.classifiers.diet_classifier import DIETClassifier
    from rasa.shared.nlu.constants import ENTITIES, TEXT
    from rasa.shared.nlu.training_data.loading import load_data

    data = load_data(str(data_path))
    train, test = data.train_test_split(train_frac=1 - test_share, random_seed=seed)
    steps = pipeline_until_diet(config_path, diet_overrides)
    with tempfile.TemporaryDirectory() as storage_dir:
        storage = LocalModelStorage(Path(storage_dir))
        context = ExecutionContext(GraphSchema({}))
        for position, (component_class, settings) in enumerate(steps):
            component = component_class.create(settings, storage, Resource(f"step_{position}"), context)
            if issubclass(component_class, DIETClassifier):
                started = time.perf_counter()
                component.train(train)
                diet_seconds = time.perf_counter() - started
                diet = component
            else:
                if hasattr(component, "train"):
                    component.train(train)
                component.process_training_data(train)
                # The held-out share is prepared the same way: its annotated spans follow the
                # normalised text, and DIET finds its features there.
                component.process_training_data(test)

        scores = EntityScores()
        held_out = [m for m in test.training_examples if m.get(TEXT)]
        for index, example in enumerate(held_out):
            for entity in example.get(ENTITIES) or []:
                scores.gold.add((index, entity["entity"], entity["start"], entity["end"]))
        diet.process(held_out)  # appends its entities beside the annotated ones
        for index, example in enumerate(held_out):
            for entity in example.get(ENTITIES) or []:
                if entity.get("extractor") == diet.name:
                    scores.predicted.add((index, entity["entity"], entity["start"], entity["end"]))
        return scores, diet_seconds, len(train.training_examples)


def _override(text: str) -> Tuple[str, Any]:
    import yaml

    key, _, value = text.partition("=")
    if not key or not value:
        raise argparse.ArgumentTypeError(f"expected key=value, got {text!r}")
    return key, yaml.safe_load(value)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--data", type=Path, default=PROJECT_ROOT / "data" / "nlu")
    parser.add_argument("--config", type=Path, default=PROJECT_ROOT / "config.yml")
    parser.add_argument("--diet", type=_override, action="append", default=[], metavar="KEY=VALUE")
    parser.add_argument("--test-share", type=float, default=0.2)
    args = parser.parse_args(argv)
    logging.disable(logging.WARNING)

    overrides = dict(args.diet)
    scores, seconds, trained_on = evaluate(args.data, args.config, overrides, args.test_share)
    print(f"data: {args.data}, DIET trained in {seconds:.0f} s on a split of {trained_on} examples"
          + (f" with {overrides}" if overrides else ""))
    print(f"{'entity':<10} {'precision':>9} {'recall':>7} {'f1':>6} {'annotated':>9}")
    for entity in scores.entity_types + [None]:
        precision, recall, f1 = scores.f1(entity)
        print(f"{entity or 'all':<10} {precision:>9.3f} {recall:>7.3f} {f1:>6.3f} {scores.counts(entity)[2]:>9}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
