"""The learned tone model (bot.sentiment.tone) and the calibration set it is tuned on."""
from __future__ import annotations

from pathlib import Path

import pytest

from bot.sentiment import Detector, LexiconError, load_lexicon
from bot.sentiment.benchmark import main as benchmark_main, quality
from bot.sentiment.dataset import read_rows
from bot.sentiment.tone import ToneModel, char_ngrams, load_examples, nlu_examples

REPO_ROOT = Path(__file__).resolve().parents[2]
CALIBRATION = REPO_ROOT / "data" / "calibration" / "anger.tsv"
TONE_DATA = REPO_ROOT / "data" / "sentiment"

TINY = [
    ("你们可真行啊", True, 1.0),
    ("就这服务？", True, 1.0),
    ("还让不让人活了", True, 1.0),
    ("真行啊，又等了一天", True, 1.0),
    ("你们这服务可真行", True, 1.0),
    ("请问几点发货", False, 1.0),
    ("好的谢谢", False, 1.0),
    ("麻烦帮我查一下物流", False, 1.0),
    ("这个颜色还有货吗", False, 1.0),
    ("谢谢你帮我查", False, 1.0),
]


def test_char_ngrams_cover_every_length_and_skip_spaces() -> None:
    grams = {"a b"[s:e] for s, e in char_ngrams("a b", 1, 2)}
    assert grams == {"a", "b", "a ", " b"}
    assert list(char_ngrams("", 1, 3)) == []


def test_tone_model_learns_which_wording_is_angry() -> None:
    model = ToneModel.train(TINY, ngram_range=(1, 3), regularisation=10.0)
    assert model.probability("你们可真行") > 0.5 > model.probability("请问几点发货")
    strongest = model.strongest("你们可真行啊", 3)
    assert strongest and all(item.weight > 0 for item in strongest)
    spans = sorted((item.start, item.end) for item in strongest)
    assert all(end <= next_start for (_, end), (next_start, _) in zip(spans, spans[1:]))
    assert all("你们可真行啊"[item.start : item.end] == item.text for item in strongest)


def test_tone_model_training_is_deterministic() -> None:
    first = ToneModel.train(TINY, ngram_range=(1, 3), regularisation=3.0)
    second = ToneModel.train(TINY, ngram_range=(1, 3), regularisation=3.0)
    for text in ("就这？", "好的谢谢", "还让不让人活了"):
        assert first.probability(text) == second.probability(text)


def test_tone_model_needs_both_labels() -> None:
    with pytest.raises(ValueError):
        ToneModel.train([("好的", False, 1.0), ("谢谢", False, 1.0)], ngram_range=(1, 2), regularisation=1.0)


def test_sample_weights_change_what_the_model_learns() -> None:
    light = ToneModel.train(TINY + [("真行", False, 0.01)], ngram_range=(1, 3), regularisation=10.0)
    heavy = ToneModel.train(TINY + [("真行", False, 20.0)], ngram_range=(1, 3), regularisation=10.0)
    assert heavy.probability("真行") < light.probability("真行")


def test_nlu_examples_are_read_without_entity_markup(tmp_path: Path) -> None:
    (tmp_path / "x.yml").write_text(
        'version: "3.1"\nnlu:\n- intent: order_status\n  examples: |\n'
        '    - 我的[冰箱](product)发货了吗\n'
        '    - [发错货]{"entity": "reason", "value": "wrong_item"}了\n'
        '- intent: complaint\n  examples: |\n    - 什么破服务\n',
        encoding="utf-8",
    )
    assert nlu_examples(tmp_path, frozenset({"order_status"})) == ["我的冰箱发货了吗", "发错货了"]


@pytest.mark.parametrize("text", ["我要转人工", "人工客服", "请问快递到哪了", "帮我看看订单", "我要退款"])
def test_plain_requests_are_not_read_as_angry(text: str) -> None:
    # The calm NLU examples teach the model that these words carry no anger.
    assert not Detector().analyze(text).is_angry


def test_missing_training_files_are_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="no \\*.tsv"):
        load_examples(tmp_path)


def test_bad_tone_settings_are_rejected(tmp_path: Path) -> None:
    for name in ("anger.yml", "intensity.yml", "modifiers.yml", "threats.yml"):
        (tmp_path / name).write_text(
            (REPO_ROOT / "data" / "lexicons" / name).read_text(encoding="utf-8"), encoding="utf-8"
        )
    scoring = (REPO_ROOT / "data" / "lexicons" / "scoring.yml").read_text(encoding="utf-8")
    (tmp_path / "scoring.yml").write_text(scoring.replace("  floor: 0.5", "  floor: 1.5"), encoding="utf-8")
    with pytest.raises(LexiconError, match="floor"):
        load_lexicon(tmp_path)


def test_reproach_without_a_lexicon_word_is_read_by_the_tone() -> None:
    # Written for this test; in no training or calibration file.
    text = "你们客服的效率我算是领教了，一个问题拖了五天"
    with_tone = Detector().analyze(text)
    without_tone = Detector(use_tone=False).analyze(text)
    assert with_tone.label == "angry", with_tone.cues
    assert without_tone.label != "angry"
    assert any(cue.kind == "tone" and cue.weight > 0 for cue in with_tone.cues)
    for cue in with_tone.cues:
        assert with_tone.text[cue.start : cue.end] == cue.text


def test_an_explicit_hedge_is_not_overruled_by_the_tone() -> None:
    result = Detector().analyze("我没有要投诉的意思吧？")
    assert result.label != "angry"
    assert not any(cue.kind == "tone" for cue in result.cues)


def test_calibration_messages_are_not_in_the_training_files() -> None:
    training = {text for text, _ in load_examples(TONE_DATA)}
    calibration = {row.text for row in read_rows(CALIBRATION)}
    assert not training & calibration


def test_detector_on_the_calibration_set_beats_the_lexicon_alone() -> None:
    """Regression guard for lexicon and tone edits (figures: `make calibrate-anger`)."""
    rows = read_rows(CALIBRATION)
    gold = [row.angry for row in rows]
    full, lexicon_only = Detector(), Detector(use_tone=False)
    with_tone = quality(gold, [full.analyze(row.text).is_angry for row in rows])
    without_tone = quality(gold, [lexicon_only.analyze(row.text).is_angry for row in rows])
    assert with_tone.f1 >= 0.85, with_tone
    assert with_tone.precision >= 0.85, with_tone
    assert with_tone.f1 > without_tone.f1 + 0.1


def test_sweep_prints_the_configured_threshold(capsys: pytest.CaptureFixture[str]) -> None:
    assert benchmark_main([str(CALIBRATION), "--repeat", "1", "--sweep"]) == 0
    out = capsys.readouterr().out
    assert "<- configured" in out and "best F1 on this data" in out
    assert "calibration: shop chat" in out and "calibration: social media" in out
