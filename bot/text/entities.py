"""Rule-based extraction of structured entities from (normalised) Chinese text.

Entities and their values:

==================  ============================================  ======================
entity              examples                                      value
==================  ============================================  ======================
``order_id``        812345678901, 10-20 digits (not a mobile no.)  the digits
``tracking_number`` SF1234567890123, JDX001234567890              upper-cased code
``phone_number``    13812345678, 138-1234-5678                    the 11 digits
``amount``          50元, 50块钱, ¥199, 199.5元, 五十元           decimal string "199.5"
``date``            昨天, 周三, 上周三, 11月20号, 2026-11-20      ISO date "2026-11-20"
==================  ============================================  ======================

Two mechanisms find them, merged with the longest span winning (the patterns win ties):

1. **Primary: EntityRuler patterns** in ``data/patterns/*.jsonl`` (trainers edit these; see
   ``data/patterns/README.md``), matched over the jieba tokens of the shared spaCy pipeline.
   Every word-like expression (昨天, 周三, 五十元, ¥) is found only this way.
2. **Safety net: character regexes** in this module, for digit-bearing shapes whose jieba
   cut depends on the dictionary or the context, where token patterns cannot see them:
   a dictionary word ``SF`` or ``JD`` splits ``SF1234567890123`` into ``SF`` + a 13-digit
   number (which would otherwise become an order id), and jieba glues ``日前`` in
   ``12月1日前`` or ``2026.11`` in ``2026.11.20``.

The value of a span is computed here from its label, its text and the pattern ``id``
(dates: ``day:<offset>``, ``weekday`` or ``calendar``); a span with another label keeps its
text as value, and a span whose value cannot be computed (``2月30日``) is dropped.
Spans are character offsets into the text passed to :meth:`StructuredEntityExtractor.extract`.
"""
from __future__ import annotations

import json
import re
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any, Iterable, Optional

from bot.text.segmenter import DEFAULT_DICTIONARY_DIR, blank_zh, configure_jieba

DEFAULT_PATTERNS_DIR = Path("data/patterns")

_RELATIVE_DAY = re.compile(r"day:([+-]?[0-9]+)")
_WEEKDAY = re.compile(r"(上|下|这|本)?个?(?:周|星期|礼拜)([一二三四五六日天])")
_WEEKDAY_INDEX = {"一": 0, "二": 1, "三": 2, "四": 3, "五": 4, "六": 5, "日": 6, "天": 6}
_WEEK_SHIFT = {"上": -1, "这": 0, "本": 0, "下": 1}
_DATE_IDS = ("weekday", "calendar")

_DECIMAL = re.compile(r"[0-9]+(?:\.[0-9]+)?")
_CHINESE_NUMERAL = re.compile(r"[零〇一二两三四五六七八九十百千万]+")
_CHINESE_DIGITS = {
    "零": 0, "〇": 0, "一": 1, "二": 2, "两": 2, "三": 3, "四": 4,
    "五": 5, "六": 6, "七": 7, "八": 8, "九": 9,
}
_CHINESE_UNITS = {"十": 10, "百": 100, "千": 1000}

# The safety net: (label, pattern id, regex). Boundaries keep codes whole.
_NET: tuple[tuple[str, str, re.Pattern[str]], ...] = (
    (
        "tracking_number",
        "",
        re.compile(r"(?<![A-Za-z0-9])[A-Za-z]{2,4}[0-9]{10,15}(?![A-Za-z0-9])"),
    ),
    ("phone_number", "", re.compile(r"(?<![A-Za-z0-9])1[3-9][0-9]{9}(?![0-9])")),
    (
        "order_id",
        "",
        re.compile(r"(?<![A-Za-z0-9.])(?!1[3-9][0-9]{9}(?![0-9]))[0-9]{10,20}(?![0-9])"),
    ),
    (
        "date",
        "calendar",
        re.compile(
            r"(?<![0-9])(?:[0-9]{4}年)?[0-9]{1,2}月[0-9]{1,2}[日号]?(?![0-9])"
            r"|(?<![0-9.])[0-9]{4}([-/.])[0-9]{1,2}\1[0-9]{1,2}(?![0-9])"
        ),
    ),
)


@dataclass(frozen=True)
class Entity:
    """One extracted entity: ``text[start:end] == self.text``; ``value`` is normalised."""

    entity: str
    value: str
    start: int
    end: int
    text: str


@dataclass(frozen=True)
class _Candidate:
    label: str
    pattern_id: str
    start: int
    end: int
    from_patterns: bool


def load_patterns(patterns_dir: str | Path) -> list[dict[str, Any]]:
    """Read every ``*.jsonl`` file in ``patterns_dir`` (one EntityRuler pattern per line).

    Blank lines are skipped. Raises ``ValueError`` naming the file and line for invalid JSON
    or for a date pattern whose ``id`` this module cannot resolve.
    """
    directory = Path(patterns_dir)
    if not directory.is_dir():
        raise ValueError(f"patterns directory not found: {directory.resolve()}")
    patterns: list[dict[str, Any]] = []
    for path in sorted(directory.glob("*.jsonl")):
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            if not line.strip():
                continue
            try:
                pattern = json.loads(line)
            except json.JSONDecodeError as error:
                raise ValueError(f"{path}:{number}: invalid JSON: {error}") from error
            if not isinstance(pattern, dict) or "label" not in pattern:
                raise ValueError(f"{path}:{number}: expected an object with a label")
            if pattern["label"] == "date" and not _is_date_id(str(pattern.get("id", ""))):
                raise ValueError(
                    f"{path}:{number}: a date pattern needs an id: day:<offset>, "
                    f"weekday or calendar"
                )
            patterns.append(pattern)
    return patterns


def _is_date_id(pattern_id: str) -> bool:
    return pattern_id in _DATE_IDS or _RELATIVE_DAY.fullmatch(pattern_id) is not None


class StructuredEntityExtractor:
    """Finds order ids, tracking numbers, phone numbers, amounts and dates in text.

    Loads the patterns and the jieba user dictionaries once, at construction.
    """

    def __init__(
        self,
        patterns_dir: str | Path = DEFAULT_PATTERNS_DIR,
        dictionary_dir: str | Path = DEFAULT_DICTIONARY_DIR,
    ) -> None:
        from spacy.pipeline import EntityRuler

        configure_jieba(dictionary_dir)
        self._nlp = blank_zh()
        # Standalone ruler (not added to the shared pipeline), so that extractors built
        # from different pattern directories do not interfere.
        self._ruler = EntityRuler(self._nlp, name="structured_entities", validate=True)
        self._ruler.add_patterns(load_patterns(patterns_dir))

    def extract(self, text: str, now: datetime) -> list[Entity]:
        """Entities in ``text``, ordered by position; dates are resolved against ``now``."""
        if not text.strip():
            return []
        today = now.date()
        candidates = list(self._pattern_candidates(text)) + list(_net_candidates(text))
        resolved: list[tuple[_Candidate, str]] = []
        for candidate in candidates:
            value = _resolve(candidate, text[candidate.start : candidate.end], today)
            if value is not None:
                resolved.append((candidate, value))
        return [
            Entity(c.label, value, c.start, c.end, text[c.start : c.end])
            for c, value in _without_overlaps(resolved)
        ]

    def _pattern_candidates(self, text: str) -> Iterable[_Candidate]:
        doc = self._ruler(self._nlp.make_doc(text))
        for span in doc.ents:
            yield _Candidate(span.label_, span.ent_id_, span.start_char, span.end_char, True)


def _net_candidates(text: str) -> Iterable[_Candidate]:
    for label, pattern_id, regex in _NET:
        for match in regex.finditer(text):
            yield _Candidate(label, pattern_id, match.start(), match.end(), False)


def _without_overlaps(
    resolved: list[tuple[_Candidate, str]]
) -> list[tuple[_Candidate, str]]:
    """Keep the longest spans first (pattern matches win ties), then order by position."""
    ranked = sorted(
        resolved,
        key=lambda item: (item[0].start - item[0].end, not item[0].from_patterns, item[0].start),
    )
    taken: list[tuple[_Candidate, str]] = []
    for candidate, value in ranked:
        if all(candidate.end <= t.start or candidate.start >= t.end for t, _ in taken):
            taken.append((candidate, value))
    return sorted(taken, key=lambda item: item[0].start)


def _resolve(candidate: _Candidate, span_text: str, today: date) -> Optional[str]:
    label = candidate.label
    if label in ("order_id", "phone_number"):
        return re.sub(r"[^0-9]", "", span_text)
    if label == "tracking_number":
        return re.sub(r"[^0-9A-Za-z]", "", span_text).upper()
    if label == "amount":
        return _resolve_amount(span_text)
    if label == "date":
        resolved = _resolve_date(candidate.pattern_id, span_text, today)
        return resolved.isoformat() if resolved else None
    return span_text


def _resolve_amount(span_text: str) -> Optional[str]:
    digits = _DECIMAL.search(span_text)
    if digits:
        return format(Decimal(digits.group()).normalize(), "f")
    numeral = _CHINESE_NUMERAL.search(span_text)
    value = parse_chinese_number(numeral.group()) if numeral else None
    return None if value is None else str(value)


def parse_chinese_number(numeral: str) -> Optional[int]:
    """Value of a Chinese numeral such as 五十, 两百, 一百零五, 三千五百, 一百五 (=150).

    Returns ``None`` for anything that is not a well-formed numeral.
    """
    total = 0  # completed groups of ten thousand
    section = 0  # the part below ten thousand
    digit: Optional[int] = None
    last_unit = 1
    for char in numeral:
        if char in _CHINESE_DIGITS:
            if digit:  # two digits in a row (一二) is not a numeral
                return None
            digit = _CHINESE_DIGITS[char]
            if digit == 0:
                last_unit = 1
        elif char in _CHINESE_UNITS:
            last_unit = _CHINESE_UNITS[char]
            section += (1 if digit is None else digit) * last_unit
            digit = None
        elif char == "万":
            total = (total + section + (digit or 0)) * 10000
            section, digit, last_unit = 0, None, 10000
        else:
            return None
    if digit is not None:
        # A trailing digit right after 百/千/万 is one unit lower: 一百五 = 150.
        section += digit * (last_unit // 10 if last_unit >= 100 else 1)
    return total + section


def _resolve_date(pattern_id: str, span_text: str, today: date) -> Optional[date]:
    relative = _RELATIVE_DAY.fullmatch(pattern_id)
    if relative:
        return today + timedelta(days=int(relative.group(1)))
    if pattern_id == "weekday":
        return _resolve_weekday(span_text, today)
    if pattern_id == "calendar":
        return _resolve_calendar(span_text, today)
    return None


def _resolve_weekday(span_text: str, today: date) -> Optional[date]:
    """周三 is the latest Wednesday not after today; 上/这(本)/下周三 that of last/this/next week."""
    match = _WEEKDAY.search(span_text)
    if not match:
        return None
    week, weekday = match.group(1), _WEEKDAY_INDEX[match.group(2)]
    if week is None:
        return today - timedelta(days=(today.weekday() - weekday) % 7)
    monday = today - timedelta(days=today.weekday())
    return monday + timedelta(weeks=_WEEK_SHIFT[week], days=weekday)


def _resolve_calendar(span_text: str, today: date) -> Optional[date]:
    """Year, month and day from the digits; without a year, the valid date nearest today."""
    numbers = [int(n) for n in re.findall(r"[0-9]+", span_text)]
    if len(numbers) == 3:
        return _make_date(*numbers)
    if len(numbers) != 2:
        return None
    month, day = numbers
    years = (today.year - 1, today.year, today.year + 1)
    valid = [d for d in (_make_date(year, month, day) for year in years) if d is not None]
    return min(valid, key=lambda d: abs((d - today).days)) if valid else None


def _make_date(year: int, month: int, day: int) -> Optional[date]:
    try:
        return date(year, month, day)
    except ValueError:
        return None
