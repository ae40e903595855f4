"""Anger detector vs. a snownlp-only baseline on a labelled TSV: quality and speed.

    python -m bot.sentiment.benchmark [DATA] [--repeat N] [--errors] [--sweep]

DATA is a TSV with one header row and the columns ``source_id``, ``label`` (angry | calm),
``text``; default ``../shared/eval/dev_anger.tsv`` next to the repository. The detector counts as
"angry" when its label is ``angry``; the baseline when ``SnowNLP(text).sentiments < t``, with
``t`` chosen to maximise the baseline's own F1 on the same data (so the baseline is favoured).
Speed is messages per second over ``--repeat`` passes of the whole set for each, after one
warm-up pass, in the same process, the passes of the two alternating. The detector keeps no per-message cache, so repeated passes
do not flatter it.

``--sweep`` also prints the detector's quality at other values of the ``angry`` threshold of
``data/lexicons/scoring.yml``. Choose that threshold on the project's own calibration set
(``make calibrate-anger``, ``data/calibration/anger.tsv``), never on an evaluation set.
"""
from __future__ import annotations

import argparse
import logging
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Sequence

from bot.sentiment.dataset import read_rows

REPO_ROOT = Path(__file__).resolve().parents[2]
DEFAULT_DATA = REPO_ROOT.parent / "shared" / "eval" / "dev_anger.tsv"
# source_id prefixes of the parts reported separately.
PARTS = (
    ("JDDC (shop chat)", "EndlessLethe/"),
    ("EWECT (Weibo)", "BrownSweater/"),
    ("calibration: shop chat", "kefu-calib:shop:"),
    ("calibration: social media", "kefu-calib:social:"),
)
SWEEP_THRESHOLDS = tuple(round(0.25 + 0.05 * step, 2) for step in range(10))


@dataclass(frozen=True)
class Quality:
    precision: float
    recall: float
    f1: float
    true_positive: int
    false_positive: int
    false_negative: int


def quality(gold: Sequence[bool], predicted: Sequence[bool]) -> Quality:
    tp = sum(g and p for g, p in zip(gold, predicted))
    fp = sum(p and not g for g, p in zip(gold, predicted))
    fn = sum(g and not p for g, p in zip(gold, predicted))
    precision = tp / (tp + fp) if tp + fp else 0.0
    recall = tp / (tp + fn) if tp + fn else 0.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return Quality(precision, recall, f1, tp, fp, fn)


def best_threshold(gold: Sequence[bool], scores: Sequence[float]) -> tuple[float, Quality]:
    """The t maximising F1 of "angry when score < t" (midpoints between distinct scores)."""
    values = sorted(set(scores))
    candidates = [values[0] - 1e-9]
    candidates += [(low + high) / 2 for low, high in zip(values, values[1:])]
    candidates.append(values[-1] + 1e-9)
    best: tuple[float, Quality] | None = None
    for threshold in candidates:
        result = quality(gold, [score < threshold for score in scores])
        if best is None or result.f1 > best[1].f1:
            best = (threshold, result)
    assert best is not None
    return best


def threshold_sweep(
    gold: Sequence[bool], scores: Sequence[float], thresholds: Sequence[float]
) -> list[tuple[float, Quality]]:
    """Quality of "angry when score >= t" for each t."""
    return [(t, quality(gold, [score >= t for score in scores])) for t in thresholds]


def messages_per_second(
    functions: Sequence[Callable[[str], object]], texts: Sequence[str], repeat: int
) -> list[float]:
    """Messages per second of each function. Passes alternate between the functions, so a
    change in machine load during the run affects them alike."""
    elapsed = [0.0] * len(functions)
    for function in functions:  # warm-up pass
        for text in texts:
            function(text)
    for _ in range(repeat):
        for index, function in enumerate(functions):
            start = time.perf_counter()
            for text in texts:
                function(text)
            elapsed[index] += time.perf_counter() - start
    return [len(texts) * repeat / value if value > 0 else float("inf") for value in elapsed]


def _row(name: str, result: Quality, speed: float | None = None) -> str:
    speed_text = f"{speed:10.0f}" if speed is not None else " " * 10
    return (
        f"  {name:<28} {result.precision:6.3f} {result.recall:6.3f} {result.f1:6.3f}{speed_text}"
        f"   (tp {result.true_positive}, fp {result.false_positive}, fn {result.false_negative})"
    )


def run(path: Path, repeat: int, show_errors: bool, sweep: bool) -> int:
    rows = read_rows(path)
    texts = [row.text for row in rows]
    gold = [row.angry for row in rows]

    from bot.sentiment.detector import ANGRY, Detector

    import jieba  # the detector's tokenizer; only its start-up chatter is silenced here

    jieba.setLogLevel(logging.WARNING)
    started = time.perf_counter()
    detector = Detector()
    detector.warm_up()
    detector_load = time.perf_counter() - started
    results = [detector.analyze(text) for text in texts]
    predicted = [result.label == ANGRY for result in results]

    started = time.perf_counter()
    from snownlp import SnowNLP

    def baseline(text: str) -> float:
        return SnowNLP(text).sentiments

    baseline(texts[0])
    baseline_load = time.perf_counter() - started
    baseline_scores = [baseline(text) for text in texts]
    threshold, baseline_quality = best_threshold(gold, baseline_scores)
    baseline_predicted = [score < threshold for score in baseline_scores]

    detector_speed, baseline_speed = messages_per_second(
        [detector.analyze, baseline], texts, repeat
    )
    detector_quality = quality(gold, predicted)

    angry_count = sum(gold)
    print(f"data: {path}")
    print(f"n = {len(rows)} (angry {angry_count}, calm {len(rows) - angry_count}); "
          f"speed over {repeat} passes after a warm-up pass; "
          f"load time: detector {detector_load:.2f} s, snownlp {baseline_load:.2f} s")
    print(f"  {'angry = positive class':<28} {'P':>6} {'R':>6} {'F1':>6} {'msgs/s':>10}")
    print(_row("detector (label angry)", detector_quality, detector_speed))
    print(_row(f"snownlp baseline (< {threshold:.4f})", baseline_quality, baseline_speed))
    for name, prefix in PARTS:
        indexes = [i for i, row in enumerate(rows) if row.source_id.startswith(prefix)]
        if not indexes:
            continue
        part_gold = [gold[i] for i in indexes]
        print(f"  {name}: n = {len(indexes)} (angry {sum(part_gold)})")
        print(_row("  detector", quality(part_gold, [predicted[i] for i in indexes])))
        print(_row("  snownlp baseline", quality(part_gold, [baseline_predicted[i] for i in indexes])))
    print(f"F1 difference (detector - baseline): {detector_quality.f1 - baseline_quality.f1:+.3f}")
    print(f"speed ratio (detector / baseline): {detector_speed / baseline_speed:.1f}x")

    if sweep:
        configured = detector.lexicon.scoring.angry
        sweep_results = threshold_sweep(gold, [result.score for result in results],
                                        sorted(set(SWEEP_THRESHOLDS) | {configured}))
        print(f"\ndetector at other angry thresholds (configured: {configured:g}, data/lexicons/scoring.yml):")
        for threshold, result in sweep_results:
            marker = "  <- configured" if threshold == configured else ""
            print(_row(f"score >= {threshold:g}", result) + marker)
        best_t, best_q = max(sweep_results, key=lambda item: (item[1].f1, -abs(item[0] - configured)))
        print(f"best F1 on this data: {best_q.f1:.3f} at {best_t:g}")

    if show_errors:
        print("\nmisclassified rows (gold, detector label, score, cues):")
        for row, result in zip(rows, results):
            if row.angry != (result.label == ANGRY):
                cues = ", ".join(f"{cue.kind}:{cue.text}({cue.weight:g})" for cue in result.cues)
                gold_label = "angry" if row.angry else "calm"
                print(f"  {row.source_id}\t{gold_label}\t{result.label}\t{result.score:.2f}\t"
                      f"{row.text}\t[{cues}]")
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m bot.sentiment.benchmark",
        description="Compare the anger detector with a snownlp-only baseline (quality and speed).",
    )
    parser.add_argument("data", nargs="?", type=Path,
                        help=f"labelled TSV (default: {DEFAULT_DATA})")
    parser.add_argument("--repeat", type=int, default=5,
                        help="timed passes over the set for each method (default 5)")
    parser.add_argument("--errors", action="store_true", help="list the rows the detector gets wrong")
    parser.add_argument("--sweep", action="store_true",
                        help="also print the detector's quality at other angry thresholds")
    args = parser.parse_args(argv)
    path = args.data or DEFAULT_DATA
    if not path.is_file():
        hint = "" if args.data else " (the default; pass the path of a labelled TSV as DATA)"
        print(f"error: data file not found: {path}{hint}", file=sys.stderr)
        return 2
    if args.repeat < 1:
        parser.error("--repeat must be at least 1")
    try:
        return run(path, args.repeat, args.errors, args.sweep)
    except ValueError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
