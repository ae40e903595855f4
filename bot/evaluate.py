"""Intent evaluation on a labelled TSV: accuracy, macro-F1, a per-intent table and a confusion matrix.

    python -m bot.evaluate [DATA.tsv] [--model models/kefu.tar.gz] [--out reports/intents]

DATA has the columns `source_id<TAB>label<TAB>text` and one header row. Without DATA the
development set ../shared/eval/dev_intents.tsv (beside the repository) is used when it exists.
"""
from __future__ import annotations

import argparse
import asyncio
import csv
import json
import logging
import sys
import time
from pathlib import Path
from typing import List, Sequence, Tuple

PROJECT_ROOT = Path(__file__).resolve().parents[1]
DEFAULT_DATA = PROJECT_ROOT.parent / "shared" / "eval" / "dev_intents.tsv"


def read_tsv(path: Path) -> List[Tuple[str, str]]:
    """(label, text) pairs of a `source_id, label, text` TSV with a header row."""
    with path.open(encoding="utf-8", newline="") as f:
        rows = list(csv.reader(f, delimiter="\t", quoting=csv.QUOTE_NONE))
    return [(row[1], row[2]) for row in rows[1:] if len(row) >= 3]


async def predict(agent, texts: Sequence[str]) -> Tuple[List[str], List[str]]:
    """What the bot acts on (nlu_fallback included) and the best real intent, per text."""
    acted, top = [], []
    for text in texts:
        parsed = await agent.parse_message(text)
        acted.append((parsed.get("intent") or {}).get("name") or "None")
        ranking = [r["name"] for r in parsed.get("intent_ranking") or [] if r["name"] != "nlu_fallback"]
        top.append(ranking[0] if ranking else acted[-1])
    return acted, top


def plot_confusion(labels: List[str], matrix, path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    size = max(6.0, 0.45 * len(labels))
    fig, ax = plt.subplots(figsize=(size, size))
    ax.imshow(matrix, cmap="Blues")
    ax.set_xticks(range(len(labels)), labels, rotation=90)
    ax.set_yticks(range(len(labels)), labels)
    for i, row in enumerate(matrix):
        for j, count in enumerate(row):
            if count:
                ax.text(j, i, str(count), ha="center", va="center",
                        color="white" if count > matrix.max() / 2 else "black", fontsize=8)
    ax.set_xlabel("predicted")
    ax.set_ylabel("gold")
    ax.set_title("Intent confusion matrix")
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("data", nargs="?", type=Path, default=None)
    parser.add_argument("--model", type=Path, default=PROJECT_ROOT / "models" / "kefu.tar.gz")
    parser.add_argument("--out", type=Path, default=PROJECT_ROOT / "reports" / "intents")
    args = parser.parse_args(argv)

    data = args.data or DEFAULT_DATA
    if not data.exists():
        print(f"error: no evaluation data at {data}; pass a TSV path (source_id, label, text)", file=sys.stderr)
        return 2
    if not args.model.exists():
        print(f"error: no model at {args.model}; run `make train` first", file=sys.stderr)
        return 2
    logging.disable(logging.WARNING)

    from sklearn.metrics import accuracy_score, confusion_matrix, f1_score, precision_recall_fscore_support

    from rasa.core.agent import Agent
    from rasa.utils.log_utils import configure_structlog

    configure_structlog(logging.WARNING)  # unconfigured, structlog prints every parse at debug level

    rows = read_tsv(data)
    gold = [label for label, _ in rows]
    agent = Agent.load(str(args.model))
    started = time.perf_counter()
    predicted, top_intent = asyncio.run(predict(agent, [text for _, text in rows]))
    elapsed = time.perf_counter() - started
    fallbacks = predicted.count("nlu_fallback")

    gold_labels = sorted(set(gold))
    accuracy = accuracy_score(gold, predicted)
    macro_f1 = f1_score(gold, predicted, labels=gold_labels, average="macro", zero_division=0)
    precision, recall, f1, support = precision_recall_fscore_support(
        gold, predicted, labels=gold_labels, zero_division=0
    )

    print(f"data: {data} ({len(rows)} messages), model: {args.model}")
    print(f"accuracy: {accuracy:.3f}   macro-F1 (over the {len(gold_labels)} gold intents): {macro_f1:.3f}")
    print(f"  (what the bot acts on; {fallbacks} messages got the clarifying question (nlu_fallback), counted wrong)")
    print(f"top-intent accuracy, ignoring the fallback threshold: {accuracy_score(gold, top_intent):.3f}")
    print(f"parse speed: {len(rows) / elapsed:.1f} messages/s\n")
    print(f"{'intent':<24}{'precision':>10}{'recall':>8}{'f1':>8}{'support':>9}")
    for name, p, r, f, n in zip(gold_labels, precision, recall, f1, support):
        print(f"{name:<24}{p:>10.2f}{r:>8.2f}{f:>8.2f}{n:>9}")

    args.out.mkdir(parents=True, exist_ok=True)
    all_labels = sorted(set(gold) | set(predicted))
    plot_confusion(all_labels, confusion_matrix(gold, predicted, labels=all_labels), args.out / "confusion_matrix.png")
    errors = [
        {"text": text, "gold": g, "predicted": p}
        for (g, text), p in zip(rows, predicted)
        if g != p
    ]
    report = {
        "data": str(data),
        "messages": len(rows),
        "accuracy": round(accuracy, 4),
        "macro_f1": round(macro_f1, 4),
        "fallbacks": fallbacks,
        "top_intent_accuracy": round(accuracy_score(gold, top_intent), 4),
        "per_intent": {
            name: {"precision": round(float(p), 4), "recall": round(float(r), 4), "f1": round(float(f), 4), "support": int(n)}
            for name, p, r, f, n in zip(gold_labels, precision, recall, f1, support)
        },
    }
    (args.out / "report.json").write_text(json.dumps(report, ensure_ascii=False, indent=2), encoding="utf-8")
    # Misclassified messages stay out of the repository (results/ is git-ignored): eval data is not ours to commit.
    errors_path = PROJECT_ROOT / "results" / "intent_errors.json"
    errors_path.parent.mkdir(parents=True, exist_ok=True)
    errors_path.write_text(json.dumps(errors, ensure_ascii=False, indent=2), encoding="utf-8")
    print(f"\nconfusion matrix: {args.out / 'confusion_matrix.png'}; report: {args.out / 'report.json'}; "
          f"misclassified messages: {errors_path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
