"""Normalisation of shopper messages before tokenisation and entity extraction.

Steps, in order:

1. traditional -> simplified characters (OpenCC ``t2s``, created lazily once per process);
2. full-width ASCII (U+FF01-U+FF5E) and the ideographic space U+3000 -> half-width;
3. removal of control and zero-width characters, and (unless ``keep_emoji``) of emoji,
   pictographs and other symbols (Unicode categories So, non-ASCII Sk, Me, Co, Cn and
   variation selectors); currency signs (Sc), maths signs (Sm), punctuation and the
   temperature units ° ℃ ℉ stay;
4. anonymisation placeholders of exported chat logs (``[订单x]``, ``[数字x]``, ``[链接x]`` …) count
   as whitespace: they carry no meaning, and real order numbers are found by the entity extractor;
   every run of whitespace -> one space, leading and trailing whitespace stripped;
5. letters of tracking-number-shaped codes upper-cased (``sf1234567890123`` -> ``SF1234567890123``).

``normalize_with_offsets`` also returns where each original character ended up, so entity
spans annotated on the original text can be moved onto the normalised text.

Pure standard library plus OpenCC; no Rasa imports, nothing is loaded at import time.
"""
from __future__ import annotations

import re
import unicodedata
from functools import lru_cache
from typing import Protocol

_FULL_WIDTH_FIRST = 0xFF01
_FULL_WIDTH_LAST = 0xFF5E
_FULL_WIDTH_SHIFT = 0xFEE0
_IDEOGRAPHIC_SPACE = "\u3000"
_ZERO_WIDTH_JOINER = "\u200d"

_ALWAYS_DROPPED_CATEGORIES = frozenset({"Cc", "Cf", "Cs"})
_PICTOGRAPH_CATEGORIES = frozenset({"So", "Me", "Co", "Cn"})
# Category So, but units shoppers write ("30℃"), not pictographs.
_KEPT_SYMBOLS = frozenset("°℃℉")

# "[订单x]", "[金额x]": what platforms put in place of personal data when they export chats.
_ANONYMISED_PLACEHOLDER = re.compile(r"\[[\u4e00-\u9fff]{1,4}x\]")

# Two to four letters glued to 10-15 digits, not part of a longer run of letters or digits.
_TRACKING_CODE_LETTERS = re.compile(
    r"(?<![A-Za-z0-9])[A-Za-z]{2,4}(?=[0-9]{10,15}(?![A-Za-z0-9]))"
)


class _Converter(Protocol):
    def convert(self, text: str) -> str:
        ...


@lru_cache(maxsize=1)
def _converter() -> _Converter:
    import opencc

    return opencc.OpenCC("t2s")


def _to_simplified(text: str) -> tuple[str, list[int]]:
    """Convert to simplified characters; also return where each input character starts.

    OpenCC converts whole phrases, which is more accurate than character by character.
    Its t2s tables are length-preserving, so the positions are the identity; should a
    conversion ever change the length, fall back to converting one character at a time
    so that every position stays exact.
    """
    converter = _converter()
    converted = converter.convert(text)
    if len(converted) == len(text):
        return converted, list(range(len(text)))
    pieces: list[str] = []
    starts: list[int] = []
    position = 0
    for char in text:
        piece = converter.convert(char)
        starts.append(position)
        pieces.append(piece)
        position += len(piece)
    return "".join(pieces), starts


def _to_half_width(char: str) -> str:
    code = ord(char)
    if _FULL_WIDTH_FIRST <= code <= _FULL_WIDTH_LAST:
        return chr(code - _FULL_WIDTH_SHIFT)
    if char == _IDEOGRAPHIC_SPACE:
        return " "
    return char


def _is_variation_selector(char: str) -> bool:
    code = ord(char)
    return 0xFE00 <= code <= 0xFE0F or 0xE0100 <= code <= 0xE01EF


def _is_dropped(char: str, keep_emoji: bool) -> bool:
    category = unicodedata.category(char)
    if keep_emoji:
        # Emoji sequences need their joiner; every other invisible character still goes.
        return category in _ALWAYS_DROPPED_CATEGORIES and char != _ZERO_WIDTH_JOINER
    if category in _ALWAYS_DROPPED_CATEGORIES:
        return True
    if category in _PICTOGRAPH_CATEGORIES:
        return char not in _KEPT_SYMBOLS
    if category == "Sk":
        # Skin-tone modifiers and the like; ASCII ^ and ` stay (they appear in emoticons).
        return not char.isascii()
    return _is_variation_selector(char)


def _upper_tracking_codes(text: str) -> str:
    return _TRACKING_CODE_LETTERS.sub(lambda match: match.group().upper(), text)


def normalize_with_offsets(text: str, *, keep_emoji: bool = False) -> tuple[str, list[int]]:
    """Normalise ``text`` and map every original position onto the normalised text.

    Returns ``(normalised, offsets)`` where ``offsets`` has ``len(text) + 1`` entries:
    ``offsets[i]`` is the index in ``normalised`` at which original character ``i`` now
    starts, or, if it was removed, the index of the next character that was kept
    (``len(normalised)`` at the end). The extra last entry maps the end of the text, so an
    original span ``[start, end)`` becomes ``[offsets[start], offsets[end])``; an empty
    result means the span consisted only of removed characters.
    """
    simplified, starts = _to_simplified(text)
    kept: list[str] = []
    simplified_offsets = [0] * (len(simplified) + 1)
    pending_space = False
    placeholder_chars = {
        index
        for match in _ANONYMISED_PLACEHOLDER.finditer(simplified)
        for index in range(match.start(), match.end())
    }
    for index, raw_char in enumerate(simplified):
        char = _to_half_width(raw_char)
        if char.isspace() or index in placeholder_chars:
            # Leading whitespace is dropped; a run inside the text becomes one space,
            # written only once a kept character follows (so trailing runs disappear).
            pending_space = pending_space or bool(kept)
            simplified_offsets[index] = len(kept)
            continue
        if _is_dropped(char, keep_emoji):
            simplified_offsets[index] = len(kept)
            continue
        if pending_space:
            kept.append(" ")
            pending_space = False
        simplified_offsets[index] = len(kept)
        kept.append(char)
    simplified_offsets[len(simplified)] = len(kept)

    normalised = _upper_tracking_codes("".join(kept))
    offsets = [simplified_offsets[start] for start in starts]
    offsets.append(len(normalised))
    return normalised, offsets


def normalize(text: str, *, keep_emoji: bool = False) -> str:
    """Return the normalised form of ``text`` (see the module docstring for the steps)."""
    return normalize_with_offsets(text, keep_emoji=keep_emoji)[0]
