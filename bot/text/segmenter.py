"""The one place that sets up Chinese word segmentation.

Rasa's ``JiebaTokenizer`` and the spaCy pipeline used for rule-based entities both cut text
with jieba's process-wide default tokenizer, so loading the project's user dictionaries
into it here makes them segment the same way.

The dictionaries are every ``*.txt`` file in ``data/dict`` (jieba's format: ``word [freq]
[pos]`` per line). Keep only dictionaries there: Rasa's ``JiebaTokenizer`` loads *every*
file in its ``dictionary_path``, whatever its extension.
"""
from __future__ import annotations

import logging
import threading
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from spacy.language import Language

logger = logging.getLogger(__name__)

DEFAULT_DICTIONARY_DIR = Path("data/dict")

_lock = threading.Lock()
_loaded_dirs: set[Path] = set()


def configure_jieba(dictionary_dir: str | Path = DEFAULT_DICTIONARY_DIR) -> list[Path]:
    """Load every ``*.txt`` user dictionary in ``dictionary_dir`` into jieba, once per process.

    Calling it again with the same directory does nothing; a missing directory is logged
    and remembered, not an error (jieba then uses only its built-in dictionary).
    Returns the dictionary files loaded by this call.
    """
    directory = Path(dictionary_dir).resolve()
    with _lock:
        if directory in _loaded_dirs:
            return []
        import jieba

        jieba.setLogLevel(logging.WARNING)
        files = sorted(directory.glob("*.txt")) if directory.is_dir() else []
        if not directory.is_dir():
            logger.warning("text.segmenter.dictionary_dir_missing path=%s", directory)
        for path in files:
            jieba.load_userdict(str(path))
            logger.debug("text.segmenter.dictionary_loaded path=%s", path)
        _loaded_dirs.add(directory)
        return files


@lru_cache(maxsize=1)
def blank_zh() -> Language:
    """The shared blank spaCy ``zh`` pipeline that segments with jieba (no trained model)."""
    import spacy

    return spacy.blank("zh", config={"nlp": {"tokenizer": {"segmenter": "jieba"}}})
