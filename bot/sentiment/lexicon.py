"""Loading the trainer-edited anger lexicon (``data/lexicons/*.yml``) into compiled matchers.

The YAML files are merged by top-level key. A top-level mapping with ``terms`` or ``patterns``
is a cue kind (``anger``, ``threat``, ``repetition`` ...); the reserved keys ``negation``,
``sarcasm``, ``positive``, ``intensity``, ``scoring``, ``labels``, ``polarity`` and ``trend``
configure modifiers and scoring. Every literal term of every kind goes into one regular
expression alternation (longest first, wrapped in a look-ahead so overlapping candidates are
all found); the few real patterns are compiled one by one. Errors name the file and the entry.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Mapping

import yaml

from bot.sentiment.tone import REPO_ROOT, ToneSettings

DEFAULT_LEXICON_DIR = REPO_ROOT / "data" / "lexicons"

# Cue kinds produced by the detector itself rather than declared in a YAML section.
POSITIVE = "positive"
SARCASM = "sarcasm"
SARCASM_HOST = "sarcasm_host"
INTENSITY = "intensity"
NEGATED = "negated"
TONE = "tone"

_RESERVED = frozenset(
    {
        "negation", "sarcasm", "positive", "intensity", "context",
        "scoring", "labels", "polarity", "trend", "tone",
    }
)
# Characters that end a clause: negation never reaches across them.
CLAUSE_BREAK = re.compile(r"[,，.。!！?？;；:：~～、…\s]")


class LexiconError(ValueError):
    """A lexicon file is missing, malformed or contradicts itself."""


@dataclass(frozen=True)
class CueSpec:
    """One lexicon entry: a literal term or a regular expression and what it is worth."""

    kind: str
    source: str
    weight: float
    negatable: bool
    imperative_negatable: bool
    is_pattern: bool


@dataclass(frozen=True)
class RunRule:
    """Points for a run of repeated marks: ``weight`` at ``min_run``, plus ``per_extra`` each."""

    min_run: int
    weight: float
    per_extra: float
    max: float

    def points(self, run: int) -> float:
        return min(self.max, self.weight + self.per_extra * (run - self.min_run))


@dataclass(frozen=True)
class Scoring:
    same_kind_decay: float
    positive_damping: float
    max_chars: int
    angry: float
    negative: float
    polarity_enabled: bool
    ambiguous_low: float
    ambiguous_high: float
    negative_below: float
    negative_boost: float
    positive_above: float
    positive_relief: float
    polarity_max_chars: int
    trend_window: int
    rise_weight: float
    level_weight: float
    level_floor: float
    neutral_current_factor: float
    drop_trend_when_positive: bool
    intensity_alone_factor: float


@dataclass(frozen=True)
class Lexicon:
    """Compiled matchers and parameters; built once by :func:`load_lexicon`."""

    literal_re: re.Pattern[str]
    literals: Mapping[str, CueSpec]  # key: the term, lower-cased
    patterns: tuple[tuple[re.Pattern[str], CueSpec], ...]
    negation_re: re.Pattern[str]
    imperative_negation_re: re.Pattern[str]
    rhetorical_endings: tuple[str, ...]
    negated_positive_weight: float
    positive_weights: Mapping[str, float]
    sarcasm_context_kinds: frozenset[str]
    sarcasm_context_re: re.Pattern[str] | None
    exclamation: RunRule
    question: RunRule
    mixed_weight: float
    ellipsis: RunRule
    context_rules: tuple[tuple[str, re.Pattern[str], float, frozenset[str]], ...]
    repeated_char: RunRule
    repeated_char_exclude: frozenset[str]
    caps_min_len: int
    caps_weight: float
    caps_exclude: frozenset[str]
    scoring: Scoring
    tone: ToneSettings


def _float(value: Any, where: str) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise LexiconError(f"{where}: expected a number, got {value!r}")
    return float(value)


def _mapping(value: Any, where: str) -> Mapping[str, Any]:
    if value is None:
        return {}
    if not isinstance(value, Mapping):
        raise LexiconError(f"{where}: expected a mapping, got {type(value).__name__}")
    for key in value:
        if not isinstance(key, str):
            raise LexiconError(f"{where}: key {key!r} is not text; put it in quotes")
    return value


def _compile(source: str, where: str) -> re.Pattern[str]:
    try:
        return re.compile(source, re.IGNORECASE)
    except re.error as error:
        raise LexiconError(f"{where}: bad regular expression {source!r}: {error}") from error


def _read_files(directory: Path) -> tuple[dict[str, Any], dict[str, str]]:
    if not directory.is_dir():
        raise LexiconError(f"lexicon directory not found: {directory}")
    merged: dict[str, Any] = {}
    origin: dict[str, str] = {}
    files = sorted(directory.glob("*.yml"))
    if not files:
        raise LexiconError(f"no *.yml files in {directory}")
    for path in files:
        try:
            content = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        except yaml.YAMLError as error:
            raise LexiconError(f"{path.name}: {error}") from error
        for key, value in _mapping(content, path.name).items():
            if key in merged:
                raise LexiconError(f"{path.name}: section {key!r} is also in {origin[key]}")
            merged[key] = value
            origin[key] = path.name
    return merged, origin


class _Builder:
    def __init__(self) -> None:
        self.literals: dict[str, CueSpec] = {}
        self.literal_origin: dict[str, str] = {}
        self.patterns: list[tuple[re.Pattern[str], CueSpec]] = []

    def add_literal(self, spec: CueSpec, where: str) -> None:
        key = spec.source.lower()
        if not key:
            raise LexiconError(f"{where}: empty term")
        if key in self.literals:
            raise LexiconError(f"{where}: {spec.source!r} is also in {self.literal_origin[key]}")
        self.literals[key] = spec
        self.literal_origin[key] = where

    def add_pattern(self, spec: CueSpec, where: str) -> None:
        self.patterns.append((_compile(spec.source, where), spec))

    def add_kind(self, kind: str, section: Mapping[str, Any], where: str) -> None:
        default = _float(section.get("default_weight", 0.5), f"{where}.default_weight")
        negatable = bool(section.get("negatable", False))
        imperative = bool(section.get("imperative_negatable", False))
        for term, weight in _mapping(section.get("terms"), f"{where}.terms").items():
            value = default if weight is None else _float(weight, f"{where}.terms.{term}")
            spec = CueSpec(kind, term, value, negatable, imperative, is_pattern=False)
            self.add_literal(spec, f"{where}.terms")
        for source, weight in _mapping(section.get("patterns"), f"{where}.patterns").items():
            value = default if weight is None else _float(weight, f"{where}.patterns.{source}")
            spec = CueSpec(kind, source, value, negatable, imperative, is_pattern=True)
            self.add_pattern(spec, f"{where}.patterns")

    def literal_regex(self) -> re.Pattern[str]:
        terms = sorted(self.literals.values(), key=lambda spec: -len(spec.source))
        alternation = "|".join(re.escape(spec.source) for spec in terms)
        # The look-ahead finds, at every position, the longest term starting there, so
        # overlapping candidates ("要投诉" and "投诉你们") are all seen; the detector then keeps
        # the longest non-overlapping ones.
        return re.compile(f"(?=({alternation}))", re.IGNORECASE)


def _run_rule(section: Mapping[str, Any], where: str) -> RunRule:
    min_run = int(_float(section.get("min_run", 2), f"{where}.min_run"))
    weight = _float(section.get("weight", 0.0), f"{where}.weight")
    per_extra = _float(section.get("per_extra", 0.0), f"{where}.per_extra")
    maximum = _float(section.get("max", weight), f"{where}.max")
    return RunRule(max(min_run, 1), weight, per_extra, maximum)


def _alternation(items: Any, where: str) -> str:
    if not isinstance(items, list) or not items:
        raise LexiconError(f"{where}: expected a non-empty list")
    for item in items:
        _compile(str(item), where)
    return "|".join(f"(?:{item})" for item in items)


def _scoring(data: Mapping[str, Any], intensity: Mapping[str, Any], origin: Mapping[str, str]) -> Scoring:
    def section(name: str) -> Mapping[str, Any]:
        return _mapping(data.get(name), origin.get(name, name))

    def number(sec: Mapping[str, Any], name: str, key: str, default: float) -> float:
        return _float(sec.get(key, default), f"{origin.get(name, name)}: {name}.{key}")

    scoring, labels, polarity, trend = (
        section("scoring"), section("labels"), section("polarity"), section("trend")
    )
    result = Scoring(
        same_kind_decay=number(scoring, "scoring", "same_kind_decay", 0.6),
        positive_damping=number(scoring, "scoring", "positive_damping", 0.5),
        max_chars=int(number(scoring, "scoring", "max_chars", 2000)),
        angry=number(labels, "labels", "angry", 0.5),
        negative=number(labels, "labels", "negative", 0.2),
        polarity_enabled=bool(polarity.get("enabled", True)),
        ambiguous_low=number(polarity, "polarity", "ambiguous_low", 0.15),
        ambiguous_high=number(polarity, "polarity", "ambiguous_high", 0.5),
        negative_below=number(polarity, "polarity", "negative_below", 0.3),
        negative_boost=number(polarity, "polarity", "negative_boost", 0.5),
        positive_above=number(polarity, "polarity", "positive_above", 0.8),
        positive_relief=number(polarity, "polarity", "positive_relief", 0.3),
        polarity_max_chars=int(number(polarity, "polarity", "max_chars", 300)),
        trend_window=int(number(trend, "trend", "window", 5)),
        rise_weight=number(trend, "trend", "rise_weight", 1.2),
        level_weight=number(trend, "trend", "level_weight", 0.6),
        level_floor=number(trend, "trend", "level_floor", 0.1),
        neutral_current_factor=number(trend, "trend", "neutral_current_factor", 0.5),
        drop_trend_when_positive=bool(trend.get("drop_when_positive", True)),
        intensity_alone_factor=_float(
            intensity.get("alone_factor", 0.6), "intensity.alone_factor"
        ),
    )
    if not 0 < result.negative <= result.angry < 1:
        raise LexiconError("labels: need 0 < negative <= angry < 1")
    if not 0 < result.negative_below < result.positive_above < 1:
        raise LexiconError("polarity: need 0 < negative_below < positive_above < 1")
    if result.negative_boost < 0 or not 0 <= result.positive_relief <= 1:
        raise LexiconError("polarity: need negative_boost >= 0 and 0 <= positive_relief <= 1")
    if result.max_chars < 1 or result.polarity_max_chars < 1 or result.trend_window < 1:
        raise LexiconError("max_chars, polarity.max_chars and trend.window must be positive")
    return result


def _tone(data: Mapping[str, Any], origin: Mapping[str, str]) -> ToneSettings:
    where = origin.get("tone", "tone")
    tone = _mapping(data.get("tone"), f"{where}: tone")

    def number(key: str, default: float) -> float:
        return _float(tone.get(key, default), f"{where}: tone.{key}")

    def directory(key: str, default: str) -> Path:
        path = Path(str(tone.get(key, default)))
        return path if path.is_absolute() else REPO_ROOT / path

    settings = ToneSettings(
        enabled=bool(tone.get("enabled", False)),
        data_dir=directory("data", "data/sentiment"),
        nlu_dir=directory("nlu", "data/nlu"),
        calm_intents=frozenset(str(name) for name in tone.get("calm_intents") or []),
        nlu_calm_weight=number("nlu_calm_weight", 1.0),
        ngram_min=int(number("ngram_min", 1)),
        ngram_max=int(number("ngram_max", 3)),
        regularisation=number("regularisation", 1.0),
        weight=number("weight", 1.0),
        floor=number("floor", 0.5),
        explained_ngrams=int(number("explained_ngrams", 3)),
    )
    if not 1 <= settings.ngram_min <= settings.ngram_max:
        raise LexiconError(f"{where}: tone needs 1 <= ngram_min <= ngram_max")
    if settings.regularisation <= 0 or settings.weight < 0 or settings.nlu_calm_weight < 0:
        raise LexiconError(
            f"{where}: tone needs regularisation > 0, weight >= 0 and nlu_calm_weight >= 0"
        )
    if not 0 <= settings.floor < 1:
        raise LexiconError(f"{where}: tone.floor must be in [0, 1)")
    return settings


def load_lexicon(directory: Path | str | None = None) -> Lexicon:
    """Read and compile every ``*.yml`` file in ``directory`` (default ``data/lexicons``)."""
    directory = Path(directory) if directory is not None else DEFAULT_LEXICON_DIR
    data, origin = _read_files(directory)
    builder = _Builder()

    for key, value in data.items():
        if key in _RESERVED:
            continue
        section = _mapping(value, f"{origin[key]}: {key}")
        if "terms" not in section and "patterns" not in section:
            raise LexiconError(f"{origin[key]}: section {key!r} has neither terms nor patterns")
        if key in {POSITIVE, SARCASM, SARCASM_HOST, INTENSITY, NEGATED}:
            raise LexiconError(f"{origin[key]}: {key!r} is a reserved kind name")
        builder.add_kind(key, section, f"{origin[key]}: {key}")

    where = origin.get("positive", "positive")
    positive = {
        term: _float(weight, f"{where}: positive.{term}")
        for term, weight in _mapping(data.get("positive"), f"{where}: positive").items()
    }
    for term, weight in positive.items():
        spec = CueSpec(POSITIVE, term, -abs(weight), True, False, is_pattern=False)
        builder.add_literal(spec, f"{where}: positive")

    where = origin.get("sarcasm", "sarcasm")
    sarcasm = _mapping(data.get("sarcasm"), f"{where}: sarcasm")
    for term, weight in _mapping(sarcasm.get("hosts"), f"{where}: sarcasm.hosts").items():
        value = _float(weight, f"{where}: sarcasm.hosts.{term}")
        builder.add_literal(
            CueSpec(SARCASM_HOST, term, value, True, False, is_pattern=False),
            f"{where}: sarcasm.hosts",
        )
    for term, weight in _mapping(sarcasm.get("markers"), f"{where}: sarcasm.markers").items():
        value = _float(weight, f"{where}: sarcasm.markers.{term}")
        builder.add_literal(
            CueSpec(SARCASM, term, value, False, False, is_pattern=False),
            f"{where}: sarcasm.markers",
        )
    for source, weight in _mapping(
        sarcasm.get("marker_patterns"), f"{where}: sarcasm.marker_patterns"
    ).items():
        value = _float(weight, f"{where}: sarcasm.marker_patterns.{source}")
        builder.add_pattern(
            CueSpec(SARCASM, source, value, False, False, is_pattern=True),
            f"{where}: sarcasm.marker_patterns",
        )
    context_words = sarcasm.get("context_words") or []
    context_re = (
        re.compile("|".join(re.escape(str(word)) for word in context_words))
        if context_words
        else None
    )
    known_kinds = {key for key in data if key not in _RESERVED}
    context_kinds = frozenset(str(kind) for kind in sarcasm.get("context_kinds") or [])
    unknown = context_kinds - known_kinds
    if unknown:
        raise LexiconError(f"{where}: sarcasm.context_kinds names unknown kinds {sorted(unknown)}")

    where = origin.get("negation", "negation")
    negation = _mapping(data.get("negation"), f"{where}: negation")
    fillers = str(negation.get("filler_chars", ""))
    max_fillers = int(_float(negation.get("max_fillers", 4), f"{where}: negation.max_fillers"))
    filler_part = f"[{re.escape(fillers)}]{{0,{max_fillers}}}" if fillers else ""
    negators = _alternation(negation.get("negators"), f"{where}: negation.negators")
    imperatives = _alternation(
        negation.get("imperative_negators"), f"{where}: negation.imperative_negators"
    )

    negated_positive_weight = _float(
        negation.get("negated_positive_weight", 0.25), f"{where}: negation.negated_positive_weight"
    )

    where = origin.get("intensity", "intensity")
    intensity = _mapping(data.get("intensity"), f"{where}: intensity")
    caps = _mapping(intensity.get("caps"), f"{where}: intensity.caps")

    where = origin.get("context", "context")
    context = _mapping(data.get("context"), f"{where}: context")
    context_rules = []
    for name, rule in context.items():
        rule = _mapping(rule, f"{where}: context.{name}")
        pattern = _compile(str(rule.get("pattern", "")), f"{where}: context.{name}.pattern")
        weight = _float(rule.get("weight", 0.0), f"{where}: context.{name}.weight")
        needs = frozenset(str(kind) for kind in rule.get("needs_kinds") or [])
        unknown = needs - known_kinds - {SARCASM}
        if unknown or not needs:
            raise LexiconError(
                f"{where}: context.{name}.needs_kinds must name known kinds (unknown: {sorted(unknown)})"
            )
        if name in known_kinds:
            raise LexiconError(f"{where}: context rule {name!r} has the name of a cue kind")
        context_rules.append((str(name), pattern, weight, needs))

    return Lexicon(
        context_rules=tuple(context_rules),
        literal_re=builder.literal_regex(),
        literals=dict(builder.literals),
        patterns=tuple(builder.patterns),
        negation_re=re.compile(f"(?:{negators}){filler_part}$"),
        imperative_negation_re=re.compile(f"(?:{imperatives}){filler_part}$"),
        rhetorical_endings=tuple(str(item) for item in negation.get("rhetorical_endings") or []),
        negated_positive_weight=negated_positive_weight,
        positive_weights=positive,
        sarcasm_context_kinds=context_kinds,
        sarcasm_context_re=context_re,
        exclamation=_run_rule(_mapping(intensity.get("exclamation"), where), f"{where}: exclamation"),
        question=_run_rule(_mapping(intensity.get("question"), where), f"{where}: question"),
        mixed_weight=_float(
            _mapping(intensity.get("mixed"), where).get("weight", 0.0), f"{where}: mixed.weight"
        ),
        ellipsis=_run_rule(_mapping(intensity.get("ellipsis"), where), f"{where}: ellipsis"),
        repeated_char=_run_rule(
            _mapping(intensity.get("repeated_char"), where), f"{where}: repeated_char"
        ),
        repeated_char_exclude=frozenset(str(intensity.get("repeated_char_exclude", ""))),
        caps_min_len=int(_float(caps.get("min_len", 4), f"{where}: caps.min_len")),
        caps_weight=_float(caps.get("weight", 0.0), f"{where}: caps.weight"),
        caps_exclude=frozenset(str(word).upper() for word in intensity.get("caps_exclude") or []),
        scoring=_scoring(data, intensity, origin),
        tone=_tone(data, origin),
    )
