"""A small learned tone model: how likely a message is written in an angry tone.

The lexicon finds anger that is said outright; much anger is not (reproach, irony, "就这？",
"我还要等多久"). This model learns such tone from the project's own messages, never from an
evaluation set:

- ``data/sentiment/*.tsv``: angry and calm messages written for the project, many of them calm
  messages on the same topics as the angry ones, so the model learns tone rather than topic;
- the NLU training examples of plain request intents (``calm_intents``), as calm, unless the
  lexicon finds a negative cue in them: thousands of everyday requests ("我要转人工", "还没到呢")
  that keep the model from reading anger into common words. Together they weigh
  ``nlu_calm_weight`` times the calm messages of the TSV files.

It is a logistic regression over the character n-grams of the normalised text, each message's
features scaled to unit length, the two classes weighted equally. It is trained when the
detector loads (a few seconds; nothing is pickled) and scores a message with dictionary
look-ups, so scoring costs microseconds and no scikit-learn call.
"""
from __future__ import annotations

import math
import re
import unicodedata
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Iterable, Sequence

import yaml

from bot.sentiment.dataset import read_rows

REPO_ROOT = Path(__file__).resolve().parents[2]
# Rasa's entity markup in NLU examples: [冰箱](product) or [发错货]{"entity": ...}.
_ENTITY_MARKUP = re.compile(r"\[([^\[\]]+)\](?:\([^)]*\)|\{[^}]*\})")


@dataclass(frozen=True)
class ToneSettings:
    """The ``tone`` section of ``data/lexicons/scoring.yml``."""

    enabled: bool
    data_dir: Path
    nlu_dir: Path
    calm_intents: frozenset[str]
    nlu_calm_weight: float
    ngram_min: int
    ngram_max: int
    regularisation: float
    weight: float
    floor: float
    explained_ngrams: int


@dataclass(frozen=True)
class Contribution:
    """An n-gram of the message and how much it pushed the tone towards angry."""

    start: int
    end: int
    text: str
    weight: float


def _feature_char(char: str) -> str:
    # Punctuation reads as a space: how a writer punctuates (commas or spaces, one ？ or none) is
    # a habit of the writer, and of whoever wrote the training files, more than a sign of tone.
    # Runs of ！！！ / ？？？ are the lexicon's intensity cues.
    if char.isspace() or unicodedata.category(char).startswith("P"):
        return " "
    lower = char.lower()
    return lower if len(lower) == 1 else char  # "İ".lower() is two characters


def feature_text(text: str) -> str:
    """Normalised text as the model sees it: lower case, each punctuation mark a space. Same
    length as ``text``, so n-gram positions are positions in ``text``."""
    return "".join(_feature_char(char) for char in text)


def char_ngrams(text: str, ngram_min: int, ngram_max: int) -> Iterable[tuple[int, int]]:
    """(start, end) of every character n-gram of length ngram_min..ngram_max, skipping
    spaces-only grams."""
    for size in range(ngram_min, ngram_max + 1):
        for start in range(len(text) - size + 1):
            if not text[start : start + size].isspace():
                yield start, start + size


class ToneModel:
    """``probability(text)`` of an angry tone; text must already be normalised."""

    def __init__(
        self, weights: dict[str, float], bias: float, ngram_range: tuple[int, int]
    ) -> None:
        self._weights = weights
        self._bias = bias
        self._ngram_range = ngram_range

    @classmethod
    def train(
        cls,
        examples: Sequence[tuple[str, bool, float]],
        *,
        ngram_range: tuple[int, int],
        regularisation: float,
    ) -> "ToneModel":
        """Fit on (normalised text, is angry, sample weight); the classes' total weights are
        made equal."""
        from sklearn.feature_extraction.text import CountVectorizer
        from sklearn.linear_model import LogisticRegression
        from sklearn.preprocessing import normalize

        totals = {True: 0.0, False: 0.0}
        for _, angry, weight in examples:
            totals[angry] += weight
        if not (totals[True] > 0 and totals[False] > 0):
            raise ValueError("the tone model needs angry and calm examples")

        def analyzer(text: str) -> list[str]:
            seen = feature_text(text)
            return [seen[start:end] for start, end in char_ngrams(seen, *ngram_range)]

        vectorizer = CountVectorizer(analyzer=analyzer, binary=True)
        features = normalize(vectorizer.fit_transform([text for text, _, _ in examples]))
        grand_total = totals[True] + totals[False]
        sample_weight = [weight * grand_total / (2 * totals[angry]) for _, angry, weight in examples]
        classifier = LogisticRegression(C=regularisation, max_iter=3000, random_state=0)
        classifier.fit(features, [angry for _, angry, _ in examples], sample_weight=sample_weight)
        weights = dict(zip(vectorizer.get_feature_names_out(), classifier.coef_[0].tolist()))
        return cls(weights, float(classifier.intercept_[0]), ngram_range)

    def _known_ngrams(self, text: str) -> dict[str, tuple[int, int]]:
        """Distinct known n-grams (lower-cased) and where each first occurs."""
        found: dict[str, tuple[int, int]] = {}
        seen = feature_text(text)
        for start, end in char_ngrams(seen, *self._ngram_range):
            gram = seen[start:end]
            if gram in self._weights and gram not in found:
                found[gram] = (start, end)
        return found

    def probability(self, text: str) -> float:
        grams = self._known_ngrams(text)
        total = sum(self._weights[gram] for gram in grams)
        logit = self._bias + (total / math.sqrt(len(grams)) if grams else 0.0)
        return 1.0 / (1.0 + math.exp(-max(-50.0, min(50.0, logit))))

    def strongest(self, text: str, count: int) -> list[Contribution]:
        """The ``count`` n-grams that push hardest towards angry, longest first among equals,
        without overlapping each other."""
        grams = self._known_ngrams(text)
        ranked = sorted(
            ((self._weights[gram], end - start, start, end, gram) for gram, (start, end) in grams.items()),
            reverse=True,
        )
        chosen: list[Contribution] = []
        for weight, _, start, end, gram in ranked:
            if weight <= 0 or len(chosen) == count:
                break
            if any(start < other.end and other.start < end for other in chosen):
                continue
            chosen.append(Contribution(start, end, text[start:end], weight))
        return chosen


def load_examples(data_dir: Path) -> list[tuple[str, bool]]:
    """(raw text, is angry) from every ``*.tsv`` in ``data_dir``, in file-name order."""
    paths = sorted(data_dir.glob("*.tsv"))
    if not paths:
        raise ValueError(f"{data_dir}: no *.tsv training files for the tone model")
    return [(row.text, row.angry) for path in paths for row in read_rows(path)]


def nlu_examples(nlu_dir: Path, intents: frozenset[str]) -> list[str]:
    """The plain text of the NLU examples of ``intents`` (Rasa's YAML; entity markup removed)."""
    texts = []
    for path in sorted(nlu_dir.glob("*.yml")):
        document = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        for block in document.get("nlu") or []:
            if block.get("intent") not in intents:
                continue
            for line in str(block.get("examples", "")).splitlines():
                text = line.strip()
                if text.startswith("- "):
                    texts.append(_ENTITY_MARKUP.sub(r"\1", text[2:].strip()))
    return texts


def train_tone_model(
    settings: ToneSettings,
    normalizer: Callable[[str], str],
    lexicon_finds_negative: Callable[[str], bool],
) -> ToneModel:
    """Train on the TSV files and the calm NLU examples; ``lexicon_finds_negative`` (normalised
    text) keeps NLU examples with a negative cue out of the calm class."""
    examples = [(normalizer(text), angry, 1.0) for text, angry in load_examples(settings.data_dir)]
    calm_count = sum(1 for _, angry, _ in examples if not angry)
    requests = [normalizer(text) for text in nlu_examples(settings.nlu_dir, settings.calm_intents)]
    requests = [text for text in requests if text and not lexicon_finds_negative(text)]
    if requests and settings.nlu_calm_weight > 0:
        weight = settings.nlu_calm_weight * calm_count / len(requests)
        examples += [(text, False, weight) for text in requests]
    return ToneModel.train(
        examples,
        ngram_range=(settings.ngram_min, settings.ngram_max),
        regularisation=settings.regularisation,
    )
