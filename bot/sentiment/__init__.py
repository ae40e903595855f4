"""Anger / sentiment detection for shopper messages. Pure library: no Rasa imports, and nothing
is loaded at import time (the lexicon and snownlp's model load on first use).

>>> from bot.sentiment import analyze
>>> analyze("气死我了，什么破快递！！").label
'angry'
"""
from bot.sentiment.detector import (
    ANGRY,
    LABELS,
    NEGATIVE,
    NEUTRAL,
    POSITIVE_LABEL,
    Cue,
    Detector,
    SentimentResult,
    analyze,
    default_detector,
)
from bot.sentiment.lexicon import Lexicon, LexiconError, load_lexicon

__all__ = [
    "ANGRY",
    "LABELS",
    "NEGATIVE",
    "NEUTRAL",
    "POSITIVE_LABEL",
    "Cue",
    "Detector",
    "Lexicon",
    "LexiconError",
    "SentimentResult",
    "analyze",
    "default_detector",
    "load_lexicon",
]
