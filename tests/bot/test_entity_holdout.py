"""bot.entity_holdout: exact-span entity scores and the pipeline it trains."""
from pathlib import Path

import pytest

from bot.entity_holdout import EntityScores, evaluate, pipeline_until_diet

CONFIG = """
recipe: default.v1
language: zh
pipeline:
  - name: bot.components.normalizer.TextNormalizer
  - name: JiebaTokenizer
  - name: CountVectorsFeaturizer
    analyzer: char_wb
    min_ngram: 1
    max_ngram: 2
  - name: bot.components.entity_diet.EntityDIETClassifier
    entity_recognition: true
    epochs: 30
    number_of_transformer_layers: 0
    random_seed: 42
  - name: bot.components.intent_classifier.SentenceIntentClassifier
"""

PRODUCTS = ["手机", "耳机", "冰箱", "空调", "鞋子", "大米", "奶粉", "外套", "台灯", "牙刷"]


def write(tmp_path: Path) -> tuple[Path, Path]:
    config, nlu = tmp_path / "config.yml", tmp_path / "nlu.yml"
    config.write_text(CONFIG, encoding="utf-8")
    examples = "\n".join(f"    - 我买的[{p}](product)坏了" for p in PRODUCTS)
    # Traditional characters: the normaliser rewrites the text, the annotated span must follow it.
    examples += "\n" + "\n".join(f"    - 我買的[{p}](product)壞了 怎麼辦" for p in PRODUCTS)
    nlu.write_text(f'version: "3.1"\nnlu:\n- intent: quality_problem\n  examples: |\n{examples}\n', encoding="utf-8")
    return config, nlu


def test_scores_count_only_exact_spans_of_the_same_type() -> None:
    scores = EntityScores(
        gold={(0, "product", 3, 5), (1, "product", 0, 2), (1, "reason", 4, 7)},
        predicted={(0, "product", 3, 5), (1, "product", 0, 3), (1, "reason", 4, 7), (2, "reason", 0, 1)},
    )
    assert scores.counts("product") == (1, 2, 2)
    assert scores.counts("reason") == (1, 2, 1)
    assert scores.counts() == (2, 4, 3)
    precision, recall, f1 = scores.f1()
    assert (precision, recall) == (0.5, 2 / 3)
    assert f1 == pytest.approx(2 * 0.5 * (2 / 3) / (0.5 + 2 / 3))
    assert scores.entity_types == ["product", "reason"]
    assert EntityScores().f1() == (0.0, 0.0, 0.0)


def test_pipeline_stops_at_diet_and_applies_overrides(tmp_path: Path) -> None:
    config, _ = write(tmp_path)
    steps = pipeline_until_diet(config, {"epochs": 3})
    names = [component.__name__ for component, _ in steps]
    assert names == ["TextNormalizer", "JiebaTokenizer", "CountVectorsFeaturizer", "EntityDIETClassifier"]
    assert steps[2][1]["max_ngram"] == 2
    assert steps[-1][1]["epochs"] == 3
    assert steps[-1][1]["batch_size"]  # defaults filled in


def test_pipeline_without_diet_is_an_error(tmp_path: Path) -> None:
    config = tmp_path / "config.yml"
    config.write_text("pipeline:\n  - name: JiebaTokenizer\n", encoding="utf-8")
    with pytest.raises(ValueError, match="DIETClassifier"):
        pipeline_until_diet(config, {})


def test_held_out_entities_are_found_in_normalised_text(tmp_path: Path) -> None:
    config, nlu = write(tmp_path)
    scores, seconds, trained_on = evaluate(nlu, config, {}, test_share=0.2)
    assert trained_on == 16
    assert scores.counts("product")[2] == 4  # every held-out example has one annotated product
    assert seconds > 0
    # Gold spans are on the normalised text, so a DIET that learned the pattern finds them exactly.
    assert scores.f1("product")[2] >= 0.5
