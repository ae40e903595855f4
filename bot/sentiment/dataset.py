"""Labelled anger data: TSV files with the columns ``source_id``, ``label`` (angry | calm), ``text``.

The same format serves the benchmark's evaluation sets, the calibration set
(``data/calibration/anger.tsv``) and the tone model's training files (``data/sentiment/*.tsv``).
"""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class Row:
    source_id: str
    angry: bool
    text: str


def read_rows(path: Path) -> list[Row]:
    """Rows of one labelled TSV; ``ValueError`` names the file and line of a malformed row."""
    lines = path.read_text(encoding="utf-8").splitlines()
    if not lines:
        raise ValueError(f"{path}: empty file")
    header = lines[0].split("\t")
    if header[:3] != ["source_id", "label", "text"]:
        raise ValueError(f"{path}: expected header source_id<TAB>label<TAB>text, got {header}")
    rows = []
    for number, line in enumerate(lines[1:], start=2):
        if not line.strip():
            continue
        parts = line.split("\t", 2)
        if len(parts) != 3 or parts[1] not in ("angry", "calm"):
            raise ValueError(f"{path}:{number}: expected 3 columns and label angry|calm")
        rows.append(Row(parts[0], parts[1] == "angry", parts[2]))
    if not rows:
        raise ValueError(f"{path}: no rows")
    return rows
