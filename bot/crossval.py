"""Cross-validated intent accuracy on the project's own training data.

    python -m bot.crossval [--folds 5] [--data data/nlu] [--config config.yml]

For trainers who change examples and want a figure within a few minutes, with or without the
development set beside the repository. It runs the NLU steps that decide the intent, with the
settings of config.yml (text normalisation, JiebaTokenizer, SentenceIntentClassifier and the
FallbackClassifier's thresholds), in stratified folds: each fold trains on the others and
predicts the examples held out. DIET (entities only) and the dialogue are not involved.

The figure is optimistic (held-out examples were written by the same people as the rest) and
is for comparing two versions of the data, not for quoting as real-world accuracy: `make eval`
on real shopper messages is that.
"""
from __future__ import annotations

import argparse
import collections
import logging
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Dict, List, Sequence, Tuple

PROJECT_ROOT = Path(__file__).resolve().parents[1]


@dataclass
class CrossValidation:
    """Held-out predictions of every training example, and what the fallback would have done."""

    gold: List[str] = field(default_factory=list)
    predicted: List[str] = field(default_factory=list)
    fallback: List[bool] = field(default_factory=list)

    @property
    def accuracy(self) -> float:
        return sum(g == p for g, p in zip(self.gold, self.predicted)) / len(self.gold)

    @property
    def acted_accuracy(self) -> float:
        """Share answered with the right intent and not sent to the clarifying question."""
        right = sum(g == p and not f for g, p, f in zip(self.gold, self.predicted, self.fallback))
        return right / len(self.gold)

    def fallback_rates(self) -> Tuple[float, float]:
        """(share of the errors caught by the fallback, share of the right answers it questioned)."""
        errors = [f for g, p, f in zip(self.gold, self.predicted, self.fallback) if g != p]
        right = [f for g, p, f in zip(self.gold, self.predicted, self.fallback) if g == p]
        return (sum(errors) / len(errors) if errors else 0.0, sum(right) / len(right) if right else 0.0)

    def confusions(self, top: int = 10) -> List[Tuple[Tuple[str, str], int]]:
        pairs = collections.Counter((g, p) for g, p in zip(self.gold, self.predicted) if g != p)
        return pairs.most_common(top)


def component_config(config_path: Path, component: Any) -> Dict[str, Any]:
    """The component's defaults, overridden by its entry in config.yml's pipeline (if any)."""
    import yaml

    pipeline = yaml.safe_load(config_path.read_text(encoding="utf-8"))["pipeline"]
    entry = next((e for e in pipeline if e["name"].rsplit(".", 1)[-1] == component.__name__), {})
    return {**component.get_default_config(), **{k: v for k, v in entry.items() if k != "name"}}


def cross_validate(data_path: Path, config_path: Path, folds: int = 5, seed: int = 0) -> CrossValidation:
    import numpy as np
    from rasa.engine.graph import ExecutionContext, GraphSchema
    from rasa.engine.storage.local_model_storage import LocalModelStorage
    from rasa.engine.storage.resource import Resource
    from rasa.nlu.classifiers.fallback_classifier import FallbackClassifier
    from rasa.nlu.constants import TOKENS_NAMES
    from rasa.nlu.tokenizers.jieba_tokenizer import JiebaTokenizer
    from rasa.shared.constants import DEFAULT_NLU_FALLBACK_INTENT_NAME
    from rasa.shared.nlu.constants import INTENT, TEXT
    from rasa.shared.nlu.training_data.loading import load_data
    from rasa.shared.nlu.training_data.message import Message
    from rasa.shared.nlu.training_data.training_data import TrainingData
    from sklearn.model_selection import StratifiedKFold

    from bot.components.intent_classifier import SentenceIntentClassifier
    from bot.components.normalizer import TextNormalizer

    classifier_config = component_config(config_path, SentenceIntentClassifier)
    tokenizer_config = component_config(config_path, JiebaTokenizer)
    fallback_config = component_config(config_path, FallbackClassifier)

    with tempfile.TemporaryDirectory() as storage_dir:
        storage = LocalModelStorage(Path(storage_dir))
        context = ExecutionContext(GraphSchema({}))
        fallback = FallbackClassifier.create(fallback_config, storage, Resource("fallback"), context)
        data = load_data(str(data_path))
        TextNormalizer.create({}, storage, Resource("normalizer"), context).process_training_data(data)
        JiebaTokenizer.create(tokenizer_config, storage, Resource("tokenizer"), context).process_training_data(data)
        examples = [m for m in data.intent_examples if (m.get(TEXT) or "").strip()]
        labels = np.array([m.get(INTENT) for m in examples])

        result = CrossValidation()
        splitter = StratifiedKFold(n_splits=folds, shuffle=True, random_state=seed)
        for fold, (train_index, test_index) in enumerate(splitter.split(np.zeros(len(labels)), labels)):
            classifier = SentenceIntentClassifier(classifier_config, storage, Resource(f"intent_fold_{fold}"))
            classifier.train(TrainingData([examples[i] for i in train_index]))
            held_out = [
                Message(data={TEXT: examples[i].get(TEXT), TOKENS_NAMES[TEXT]: examples[i].get(TOKENS_NAMES[TEXT])})
                for i in test_index
            ]
            classifier.process(held_out)
            predicted = [message.get(INTENT)["name"] or "None" for message in held_out]
            fallback.process(held_out)
            for i, best, message in zip(test_index, predicted, held_out):
                result.gold.append(str(labels[i]))
                result.predicted.append(best)
                result.fallback.append(message.get(INTENT)["name"] == DEFAULT_NLU_FALLBACK_INTENT_NAME)
        return result


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--data", type=Path, default=PROJECT_ROOT / "data" / "nlu")
    parser.add_argument("--config", type=Path, default=PROJECT_ROOT / "config.yml")
    parser.add_argument("--folds", type=int, default=5)
    args = parser.parse_args(argv)
    if args.folds < 2:
        print("error: --folds must be at least 2", file=sys.stderr)
        return 2
    logging.disable(logging.WARNING)

    from sklearn.metrics import f1_score

    started = time.perf_counter()
    result = cross_validate(args.data, args.config, args.folds)
    caught, questioned = result.fallback_rates()
    print(f"data: {args.data} ({len(result.gold)} examples, {len(set(result.gold))} intents), {args.folds} folds, "
          f"{time.perf_counter() - started:.0f} s")
    print(f"held-out accuracy: {result.accuracy:.3f}   macro-F1: "
          f"{f1_score(result.gold, result.predicted, average='macro', zero_division=0):.3f}")
    print(f"with the fallback of {args.config.name}: {result.acted_accuracy:.3f} answered right; "
          f"it catches {caught:.0%} of the errors and questions {questioned:.1%} of the right answers")
    print("most confused (gold -> predicted):")
    for (gold, predicted), count in result.confusions():
        print(f"  {count:>4}  {gold} -> {predicted}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
