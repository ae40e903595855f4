"""Anger detection for shopper messages: lexicon cues + snownlp polarity + conversation trend.

How a message is scored (the numbers live in ``data/lexicons/*.yml``):

1. The text is normalised (``bot.text.normalize`` with ``keep_emoji=True``); every cue span
   points into that normalised text, which the result carries as ``text``.
2. Cues are found: lexicon terms and patterns (longest match wins where they overlap), runs of
   ``!!`` / ``??``, repeated characters (啊啊啊) and latin capitals. A negation or hedge in the
   same clause just before a negatable cue cancels it (kept as a ``negated`` cue of weight 0).
   A positive phrase next to a negative cue becomes sarcasm.
3. Points add up per kind with diminishing returns; positive words take some away. The tone
   model (``bot.sentiment.tone``, learned from the project's own messages) reads an angry tone
   the lexicon has no word for: when its points exceed the cues' points they replace them, and
   its cues (kind ``tone``) are the n-grams that weighed most. It is not asked when the only
   cues are negated ones.
4. Only when the cue score is ambiguous (or to confirm a positive message) is snownlp's Bayes
   sentiment model asked, with jieba words instead of snownlp's slow segmenter.
5. The shopper's earlier messages add points when their anger rises or persists.
6. ``score = 1 - exp(-points)`` and the label follows the thresholds.
"""
from __future__ import annotations

import gzip
import importlib.util
import marshal
import math
import re
import threading
from collections import defaultdict
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Callable, Iterable, Sequence

from bot.sentiment.lexicon import (
    CLAUSE_BREAK,
    INTENSITY,
    NEGATED,
    POSITIVE,
    SARCASM,
    SARCASM_HOST,
    TONE,
    CueSpec,
    Lexicon,
    load_lexicon,
)
from bot.sentiment.tone import ToneModel, train_tone_model

ANGRY = "angry"
NEGATIVE = "negative"
NEUTRAL = "neutral"
POSITIVE_LABEL = "positive"
LABELS = (ANGRY, NEGATIVE, NEUTRAL, POSITIVE_LABEL)

_PUNCT_RUN = re.compile(
    r"(?P<mixed>[!?！？]*(?:[?？][!！]|[!！][?？])[!?！？]*)|(?P<exclamation>[!！]+)|(?P<question>[?？]+)"
)
# 。。。 / …… count per mark; ... counts as one mark per three dots.
_ELLIPSIS = re.compile(r"。{2,}|…+|\.{3,}")
_REPEATED_HAN = re.compile(r"([\u4e00-\u9fff])\1{2,}")
_LATIN = re.compile(r"[A-Za-z]")
_HAN = re.compile(r"[\u4e00-\u9fff]")
_CAPS_WORD = re.compile(r"(?<![A-Za-z0-9])[A-Z]{2,}(?![A-Za-z0-9])")
# How far back (characters) a negation may stand before its cue.
_NEGATION_WINDOW = 12
# Characters after a cue searched for a rhetorical ending (吗 / 么 ...).
_RHETORICAL_WINDOW = 12


@dataclass(frozen=True)
class Cue:
    """One piece of evidence. ``start``/``end`` index the normalised text (``result.text``).

    ``weight`` is in anger points: positive for anger, negative for calming words, 0 for a cue
    cancelled by negation (kind ``negated``; its span covers the negation too).
    """

    kind: str
    text: str
    start: int
    end: int
    weight: float


@dataclass(frozen=True)
class SentimentResult:
    """Anger ``score`` in [0, 1], ``label`` (angry | negative | neutral | positive), the ``cues``
    found, snownlp ``polarity`` (0 negative .. 1 positive; None when not needed), ``trend``
    (how much the conversation history raised the score) and the normalised ``text``."""

    score: float
    label: str
    cues: tuple[Cue, ...]
    polarity: float | None
    trend: float
    text: str

    @property
    def is_angry(self) -> bool:
        return self.label == ANGRY

    def as_dict(self) -> dict:
        """JSON-ready form (parse data, handoff tickets): score, label, text and cues."""
        return {
            "score": round(self.score, 4),
            "label": self.label,
            "text": self.text,
            "cues": [
                {
                    "kind": cue.kind,
                    "text": cue.text,
                    "start": cue.start,
                    "end": cue.end,
                    "weight": round(cue.weight, 4),
                }
                for cue in self.cues
            ],
        }


@dataclass(frozen=True)
class _Scan:
    text: str
    cues: tuple[Cue, ...]
    negative_points: float
    positive_points: float
    points: float

    @property
    def score(self) -> float:
        return _to_score(self.points)


def _mostly_latin(text: str) -> bool:
    """Shouting in capitals only counts in a message written mostly in latin letters, so brand
    names in a Chinese sentence (NIKE, ADIDAS) are not taken for shouting."""
    latin = len(_LATIN.findall(text))
    return latin > 0 and latin >= len(_HAN.findall(text))


def _to_score(points: float) -> float:
    if not points > 0:  # also catches NaN
        return 0.0
    return min(1.0, 1.0 - math.exp(-points))


class _PolarityModel:
    """snownlp's naive-Bayes sentiment model, applied to jieba words.

    The model file and stop words are read from the installed snownlp package without importing
    it (``import snownlp`` loads its segmenter, tagger and models, which takes seconds). The
    arithmetic is ``snownlp.classification.bayes.Bayes.classify`` for the two classes.
    """

    def __init__(self) -> None:
        spec = importlib.util.find_spec("snownlp")
        if spec is None or not spec.submodule_search_locations:
            raise RuntimeError("snownlp is not installed")
        root = Path(list(spec.submodule_search_locations)[0])
        with gzip.open(root / "sentiment" / "sentiment.marshal.3", "rb") as handle:
            data = marshal.loads(handle.read())
        self._classes: list[tuple[float, dict[str, float], float]] = []
        total = float(data["total"])
        for name in ("neg", "pos"):
            counts = data["d"][name]
            class_total = float(counts["total"])
            self._classes.append(
                (math.log(class_total) - math.log(total), counts["d"], class_total)
            )
        self._log_totals = [math.log(entry[2]) for entry in self._classes]
        self._unknown = [float(data["d"][name]["none"]) for name in ("neg", "pos")]
        stop_path = root / "normal" / "stopwords.txt"
        self._stop = frozenset(
            line.strip() for line in stop_path.read_text(encoding="utf-8").splitlines()
        )
        import jieba

        self._cut: Callable[[str], list[str]] = jieba.lcut

    def words(self, text: str) -> list[str]:
        return [word for word in self._cut(text) if word.strip() and word not in self._stop]

    def classify_words(self, words: Iterable[str]) -> float:
        """Probability of "positive", as ``snownlp.sentiment.Sentiment.classify`` returns it."""
        words = list(words)
        logs = []
        for (prior, counts, _), log_total, unknown in zip(
            self._classes, self._log_totals, self._unknown
        ):
            value = prior
            for word in words:
                value += math.log(counts.get(word, unknown)) - log_total
            logs.append(value)
        negative, positive = logs
        difference = negative - positive
        if difference > 700:
            return 0.0
        return 1.0 / (1.0 + math.exp(difference))

    def __call__(self, text: str) -> float:
        return self.classify_words(self.words(text))


def _as_text(value: object) -> str:
    if isinstance(value, str):
        return value
    return "" if value is None else str(value)


def _default_normalizer(text: str) -> str:
    from bot.text.normalize import normalize

    return normalize(text, keep_emoji=True)


class Detector:
    """Holds the lexicon (loaded once, on first use) and scores messages.

    ``lexicon_dir`` defaults to ``data/lexicons``. ``normalizer`` defaults to
    ``bot.text.normalize.normalize(text, keep_emoji=True)``. ``use_polarity=False`` never asks
    snownlp; ``use_tone=False`` leaves the tone model out even where scoring.yml enables it.
    """

    def __init__(
        self,
        lexicon_dir: Path | str | None = None,
        *,
        normalizer: Callable[[str], str] | None = None,
        use_polarity: bool = True,
        use_tone: bool = True,
        history_cache_size: int = 2048,
    ) -> None:
        self._lexicon_dir = lexicon_dir
        self._normalizer = normalizer or _default_normalizer
        self._use_polarity = use_polarity
        self._use_tone = use_tone
        self._tone_model: ToneModel | None = None
        self._lock = threading.Lock()
        self._lexicon: Lexicon | None = None
        self._polarity_model: _PolarityModel | None = None
        self._history_scan = lru_cache(maxsize=history_cache_size)(self._scan_text)

    @property
    def lexicon(self) -> Lexicon:
        lexicon = self._lexicon
        if lexicon is None:
            with self._lock:
                if self._lexicon is None:
                    self._lexicon = load_lexicon(self._lexicon_dir)
                lexicon = self._lexicon
        return lexicon

    def _polarity(self, text: str) -> float:
        model = self._polarity_model
        if model is None:
            with self._lock:
                if self._polarity_model is None:
                    self._polarity_model = _PolarityModel()
                model = self._polarity_model
        return model(text[: self.lexicon.scoring.polarity_max_chars])

    @property
    def tone_model(self) -> ToneModel | None:
        """The tone model, trained on first use; None when disabled."""
        if not (self._use_tone and self.lexicon.tone.enabled):
            return None
        model = self._tone_model
        if model is None:
            with self._lock:
                if self._tone_model is None:
                    self._tone_model = train_tone_model(
                        self.lexicon.tone, self._normalizer, self._lexicon_finds_negative
                    )
                model = self._tone_model
        return model

    def warm_up(self) -> None:
        """Load the lexicon, the normaliser, the tone model and (if used) the polarity model now."""
        self.analyze("你好")
        if self._use_polarity and self.lexicon.scoring.polarity_enabled:
            self._polarity("你好")

    def analyze(self, text: str, history: Sequence[str] = ()) -> SentimentResult:
        """Score ``text``; ``history`` holds the shopper's earlier messages, oldest first."""
        lexicon = self.lexicon
        scoring = lexicon.scoring
        scan = self._scan_text(_as_text(text))
        points = scan.points

        polarity: float | None = None
        cue_score = scan.score
        wants_polarity = scoring.ambiguous_low <= cue_score < scoring.ambiguous_high or (
            scan.positive_points > 0 and scan.negative_points == 0
        )
        if self._use_polarity and scoring.polarity_enabled and wants_polarity and scan.text:
            polarity = self._polarity(scan.text)
            if polarity < scoring.negative_below:
                points *= 1 + scoring.negative_boost * (
                    (scoring.negative_below - polarity) / scoring.negative_below
                )
            elif polarity > scoring.positive_above:
                points *= 1 - scoring.positive_relief * (
                    (polarity - scoring.positive_above) / (1 - scoring.positive_above)
                )
        before_trend = _to_score(points)

        trend_points = self._trend_points(scan, history)
        score = _to_score(points + trend_points)
        label = self._label(score, scan, polarity)
        return SentimentResult(
            score=score,
            label=label,
            cues=scan.cues,
            polarity=polarity,
            trend=max(0.0, score - before_trend),
            text=scan.text,
        )

    def _label(self, score: float, scan: _Scan, polarity: float | None) -> str:
        scoring = self.lexicon.scoring
        if score >= scoring.angry:
            return ANGRY
        if score >= scoring.negative:
            return NEGATIVE
        if (
            scan.positive_points > 0
            and scan.negative_points == 0
            and (polarity is None or polarity >= 0.5)
        ):
            return POSITIVE_LABEL
        return NEUTRAL

    def _trend_points(self, scan: _Scan, history: Sequence[str]) -> float:
        scoring = self.lexicon.scoring
        if not history or isinstance(history, str):
            return 0.0
        recent = list(history)[-scoring.trend_window :]
        earlier = [self._history_scan(_as_text(item)).score for item in recent]
        # The rise is measured across the earlier messages; the current message extends it only
        # when it is angrier still (a calmer last message does not undo the conversation).
        series = earlier + [max(scan.score, earlier[-1])]
        count = len(series)
        mean_x = (count - 1) / 2
        mean_y = sum(series) / count
        variance = sum((index - mean_x) ** 2 for index in range(count))
        covariance = sum((index - mean_x) * (value - mean_y) for index, value in enumerate(series))
        rise = min(1.0, max(0.0, covariance / variance * (count - 1)))
        level = sum(earlier) / len(earlier)
        points = scoring.rise_weight * rise + scoring.level_weight * max(
            0.0, level - scoring.level_floor
        )
        if scan.negative_points == 0:
            if scan.positive_points > 0 and scoring.drop_trend_when_positive:
                return 0.0
            points *= scoring.neutral_current_factor
        return points

    # -- cue scan -------------------------------------------------------------------------

    def _scan_text(self, text: str) -> _Scan:
        lexicon = self.lexicon
        limit = lexicon.scoring.max_chars
        # Normalisation only shrinks runs of spaces and drops invisible characters, so four times
        # the limit is plenty and keeps a huge paste from costing time.
        normalised = self._normalizer(text[: 4 * limit])[:limit]
        found = self._find_cues(normalised)
        negative, positive = self._points(found)
        # A cue the shopper explicitly negated ("没有要投诉的意思") outweighs the tone model,
        # which cannot read negation, unless some other cue still signals anger.
        hedged = any(cue.kind == NEGATED for cue in found) and negative == 0
        tone_cues = [] if hedged else self._tone_cues(normalised)
        tone_points = sum(cue.weight for cue in tone_cues)
        # The tone stands in for cues the lexicon lacks; it does not add to cues it has, so
        # outspoken anger scores as before and the handoff thresholds keep their meaning.
        if tone_points > negative:
            negative = tone_points
            found += tone_cues
        cues = tuple(sorted(found, key=lambda cue: (cue.start, cue.end)))
        return _Scan(normalised, cues, negative, positive, self._net_points(negative, positive))

    def _net_points(self, negative: float, positive: float) -> float:
        return max(0.0, negative - self.lexicon.scoring.positive_damping * positive)

    def _lexicon_finds_negative(self, text: str) -> bool:
        """Whether the lexicon alone scores normalised ``text`` as negative or worse."""
        points = self._net_points(*self._points(self._find_cues(text)))
        return _to_score(points) >= self.lexicon.scoring.negative

    def _tone_cues(self, text: str) -> list[Cue]:
        """The tone model's points, spread over the n-grams that weighed most."""
        model = self.tone_model
        if model is None or not text:
            return []
        settings = self.lexicon.tone
        probability = model.probability(text)
        points = settings.weight * max(0.0, probability - settings.floor) / (1 - settings.floor)
        if points <= 0:
            return []
        strongest = model.strongest(text, settings.explained_ngrams)
        if not strongest:
            return [Cue(TONE, text, 0, len(text), points)]
        total = sum(item.weight for item in strongest)
        return [
            Cue(TONE, item.text, item.start, item.end, points * item.weight / total)
            for item in strongest
        ]

    def _points(self, cues: Sequence[Cue]) -> tuple[float, float]:
        scoring = self.lexicon.scoring
        by_kind: dict[str, list[float]] = defaultdict(list)
        positive = 0.0
        for cue in cues:
            if cue.weight > 0:
                by_kind[cue.kind].append(cue.weight)
            elif cue.weight < 0:
                positive += -cue.weight
        has_other = any(kind != INTENSITY for kind in by_kind)
        negative = 0.0
        for kind, weights in by_kind.items():
            weights.sort(reverse=True)
            subtotal = sum(w * scoring.same_kind_decay**i for i, w in enumerate(weights))
            if kind == INTENSITY and not has_other:
                subtotal *= scoring.intensity_alone_factor
            negative += subtotal
        return negative, positive

    def _find_cues(self, text: str) -> list[Cue]:
        if not text:
            return []
        lexicon = self.lexicon
        candidates: list[tuple[int, int, CueSpec]] = []
        for match in lexicon.literal_re.finditer(text):
            found = match.group(1)
            spec = lexicon.literals.get(found.lower())
            if spec is not None:
                candidates.append((match.start(1), match.end(1), spec))
        for pattern, spec in lexicon.patterns:
            for match in pattern.finditer(text):
                if match.end() > match.start():
                    candidates.append((match.start(), match.end(), spec))
        # Longest first, then heaviest; keep those that do not overlap an earlier choice.
        candidates.sort(key=lambda item: (item[0] - item[1], -abs(item[2].weight), item[0]))
        taken = bytearray(len(text))
        chosen: list[tuple[int, int, CueSpec]] = []
        for start, end, spec in candidates:
            if any(taken[start:end]):
                continue
            taken[start:end] = b"\x01" * (end - start)
            chosen.append((start, end, spec))

        cues: list[Cue] = []
        hosts: list[tuple[int, int, CueSpec]] = []
        for start, end, spec in chosen:
            negation_start = self._negation_start(text, start, end, spec)
            if negation_start is not None:
                cues.append(Cue(NEGATED, text[negation_start:end], negation_start, end, 0.0))
                if spec.kind in (POSITIVE, SARCASM_HOST) and lexicon.negated_positive_weight:
                    cues.append(
                        Cue("complaint", text[start:end], start, end, lexicon.negated_positive_weight)
                    )
                continue
            if spec.kind == SARCASM_HOST:
                hosts.append((start, end, spec))
                continue
            cues.append(Cue(spec.kind, text[start:end], start, end, spec.weight))

        if hosts:
            negative_context = any(
                cue.kind in lexicon.sarcasm_context_kinds and cue.weight > 0 for cue in cues
            ) or (lexicon.sarcasm_context_re is not None and lexicon.sarcasm_context_re.search(text))
            for start, end, spec in hosts:
                if negative_context:
                    cues.append(Cue(SARCASM, text[start:end], start, end, spec.weight))
                else:
                    weight = lexicon.positive_weights.get(spec.source, 0.2)
                    cues.append(Cue(POSITIVE, text[start:end], start, end, -abs(weight)))

        cues.extend(self._context_cues(text, cues))
        cues.extend(self._intensity_cues(text))
        return cues

    def _context_cues(self, text: str, cues: Sequence[Cue]) -> list[Cue]:
        """Target and question context, when the message already has a complaint."""
        kinds = {cue.kind for cue in cues if cue.weight > 0}
        found = []
        for name, pattern, weight, needs in self.lexicon.context_rules:
            if weight <= 0 or not kinds & needs:
                continue
            match = pattern.search(text)
            if match is not None:
                found.append(Cue(name, match.group(), match.start(), match.end(), weight))
        return found

    def _negation_start(self, text: str, start: int, end: int, spec: CueSpec) -> int | None:
        """Where the negation cancelling this cue starts, or None if it is not negated."""
        if not (spec.negatable or spec.imperative_negatable):
            return None
        lexicon = self.lexicon
        window_start = max(0, start - _NEGATION_WINDOW)
        window = text[window_start:start]
        breaks = list(CLAUSE_BREAK.finditer(window))
        if breaks:
            window_start += breaks[-1].end()
            window = text[window_start:start]
        if not window:
            return None
        match = lexicon.negation_re.search(window) if spec.negatable else None
        if match is None and spec.imperative_negatable:
            match = lexicon.imperative_negation_re.search(window)
        if match is None:
            return None
        # "这不是骗人吗": a rhetorical question keeps the cue.
        after = text[end : end + _RHETORICAL_WINDOW]
        clause_end = CLAUSE_BREAK.search(after)
        clause = after[: clause_end.start()] if clause_end else after
        if any(ending in clause for ending in lexicon.rhetorical_endings):
            return None
        return window_start + match.start()

    def _intensity_cues(self, text: str) -> list[Cue]:
        lexicon = self.lexicon
        cues: list[Cue] = []
        for match in _PUNCT_RUN.finditer(text):
            run = match.end() - match.start()
            if match.lastgroup == "mixed":
                weight = lexicon.mixed_weight
            elif match.lastgroup == "exclamation":
                weight = lexicon.exclamation.points(run) if run >= lexicon.exclamation.min_run else 0
            else:
                weight = lexicon.question.points(run) if run >= lexicon.question.min_run else 0
            if weight > 0:
                cues.append(Cue(INTENSITY, match.group(), match.start(), match.end(), weight))
        for match in _ELLIPSIS.finditer(text):
            marks = match.end() - match.start()
            if match.group().startswith("."):
                marks //= 3
            if marks >= lexicon.ellipsis.min_run and lexicon.ellipsis.weight > 0:
                cues.append(Cue(INTENSITY, match.group(), match.start(), match.end(),
                                lexicon.ellipsis.points(marks)))
        rule = lexicon.repeated_char
        for match in _REPEATED_HAN.finditer(text):
            run = match.end() - match.start()
            if run >= rule.min_run and match.group(1) not in lexicon.repeated_char_exclude:
                cues.append(
                    Cue(INTENSITY, match.group(), match.start(), match.end(), rule.points(run))
                )
        if lexicon.caps_weight > 0 and _mostly_latin(text):
            for match in _CAPS_WORD.finditer(text):
                word = match.group()
                if len(word) >= lexicon.caps_min_len and word not in lexicon.caps_exclude:
                    cues.append(
                        Cue(INTENSITY, word, match.start(), match.end(), lexicon.caps_weight)
                    )
        return cues


@lru_cache(maxsize=1)
def default_detector() -> Detector:
    """The process-wide detector used by :func:`analyze` (created on first call)."""
    return Detector()


def analyze(text: str, history: Sequence[str] = ()) -> SentimentResult:
    """Score one shopper message with the default detector; see :class:`Detector`."""
    return default_detector().analyze(text, history)
