"""bot.crossval: held-out intent predictions with the project's real normaliser, tokenizer and classifier."""
from pathlib import Path

from bot.crossval import CrossValidation, cross_validate, main

CONFIG = """
recipe: default.v1
language: zh
pipeline:
  - name: bot.components.normalizer.TextNormalizer
  - name: JiebaTokenizer
  - name: bot.components.intent_classifier.SentenceIntentClassifier
    C: 30
  - name: FallbackClassifier
    threshold: 0.99
    ambiguity_threshold: 0.0
"""

NLU = """version: "3.1"
nlu:
- intent: logistics_track
  examples: |
    - 快递到哪了
    - 我的快遞到哪裡了
    - 查一下物流
    - 物流到哪了
    - 包裹到哪了
    - 帮我查查快递
- intent: invoice_request
  examples: |
    - 开发票
    - 我要开发票
    - 發票怎么开
    - 能开发票吗
    - 发票开一下
    - 帮我开个发票
- intent: greet
  examples: |
    - 你好
    - 您好
    - 在吗
    - 哈喽
    - 你好呀
    - 在不在
"""


def write(tmp_path: Path) -> tuple[Path, Path]:
    config, nlu = tmp_path / "config.yml", tmp_path / "nlu.yml"
    config.write_text(CONFIG, encoding="utf-8")
    nlu.write_text(NLU, encoding="utf-8")
    return config, nlu


def test_every_example_is_predicted_once_while_held_out(tmp_path: Path) -> None:
    config, nlu = write(tmp_path)
    result = cross_validate(nlu, config, folds=3)
    assert sorted(result.gold) == sorted(["logistics_track"] * 6 + ["invoice_request"] * 6 + ["greet"] * 6)
    assert result.accuracy >= 0.8
    # A threshold of 0.99 sends (almost) everything to the clarifying question.
    assert sum(result.fallback) >= 15
    assert result.acted_accuracy < result.accuracy


def test_fallback_rates_and_confusions() -> None:
    result = CrossValidation(
        gold=["a", "a", "b", "b", "c"],
        predicted=["a", "b", "b", "a", "a"],
        fallback=[True, True, False, False, False],
    )
    assert result.accuracy == 0.4
    assert result.acted_accuracy == 0.2
    assert result.fallback_rates() == (1 / 3, 0.5)
    assert result.confusions() == [(("a", "b"), 1), (("b", "a"), 1), (("c", "a"), 1)]


def test_command_prints_the_figures(tmp_path: Path, capsys) -> None:
    config, nlu = write(tmp_path)
    assert main(["--data", str(nlu), "--config", str(config), "--folds", "2"]) == 0
    out = capsys.readouterr().out
    assert "18 examples, 3 intents" in out
    assert "held-out accuracy:" in out and "catches" in out
    assert main(["--folds", "1"]) == 2
