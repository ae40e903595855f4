"""Table-driven tests of the anger detector (bot.sentiment). Sentences are written for these tests."""
from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.sentiment import LABELS, Detector, LexiconError, analyze, load_lexicon
from bot.sentiment.benchmark import best_threshold, main as benchmark_main, quality

REPO_ROOT = Path(__file__).resolve().parents[2]

CALM = [
    "快递到哪了",
    "这个能退吗",
    "请问什么时候发货呢？",
    "我想退货，怎么操作？",
    "收到的杯子破了，可以换一个吗",
    "你好，麻烦帮我催一下物流，谢谢",
    "订单显示已签收，但是我没收到，请帮忙看看",
    "为什么我的退款还没到账？",
    "能不能帮我改一下地址",
    "物流一直没更新，是不是丢件了？",
    "我等了两天了，还没发货吗？",
    "你好，我的快递三天了还没到，能帮我查一下吗？",
    "包装有点破损，东西没事",
    "价格降了，可以退差价吗？",
    "太慢了，能不能快点",
    "你们几点下班？",
    "我的订单被取消了，怎么回事？",
    "东西不错，就是快递慢了点",
    "垃圾袋有没有大号的",
    "这款滚筒洗衣机能上门安装吗",
    "我买的NIKE鞋子什么时候到",
    "不好意思，我还想问一下发票的事",
]

ANGRY = [
    "气死我了，什么破快递！",
    "太气人了，说好的今天到",
    "能不能说人话，别老复制粘贴",
    "少废话，直接给我退款",
    "你们这是欺骗消费者",
    "垃圾客服，问了半天什么都解决不了",
    "说了多少遍了，你们到底有没有在听？",
    "等了半个月了还没发货，你们是干什么吃的",
    "第三次问了，到底什么时候退款？？？",
    "骗子！退钱！",
    "呵呵，你们可真行",
    "又坏了，太棒了，质量真好",
    "有病吧你们",
    "滚",
    "凭什么不给我退？",
    "到现在都没人联系我，你们还想不想做生意了",
    "什么态度啊你们！！！",
    "你们这样坑人，良心不会痛吗",
    "这都第几次了？能不能负点责任？",
    "真无语，搞什么啊",
    "恶心，再也不买了",
    "客服爱答不理的",
    "东西坏了还好意思说没问题",
]

THREATS = [
    "我要投诉你们",
    "再不处理我就打12315",
    "我要去消协投诉",
    "不退款就给差评",
    "我要报警",
    "信不信我去网上曝光你们",
    "等着工商局找你们吧",
]

MILD_INDIGNATION = [
    "你们就不能快一点吗",
    "我都说了地址错了，你们还发",
    "每次找客服都要等半天",
    "东西坏了还要我自己出运费？",
    "你们客服是机器人吗，答非所问",
    "这么简单的问题都解决不了",
    "一点诚意都没有",
    "能不能靠谱一点",
]

NEGATED = [
    ("我不生气", "生气"),
    ("也不是讨厌你们，就是想问问进度", "讨厌"),
    ("没有要投诉的意思，只是想快点收到", "投诉"),
    ("不是骗子吧？", "骗子"),
    ("放心，我不会给差评的", "差评"),
    ("别生气，我就问问", "生气"),
]


@pytest.mark.parametrize("text", CALM)
def test_calm_questions_are_not_angry(text: str) -> None:
    result = analyze(text)
    assert result.label != "angry", (result.score, result.cues)


@pytest.mark.parametrize("text", ANGRY)
def test_clear_anger_is_angry(text: str) -> None:
    result = analyze(text)
    assert result.label == "angry", (result.score, result.cues)
    assert result.score >= 0.5


@pytest.mark.parametrize("text", THREATS)
def test_threats_are_angry(text: str) -> None:
    result = analyze(text)
    assert result.label == "angry", (result.score, result.cues)
    assert any(cue.kind == "threat" for cue in result.cues)


@pytest.mark.parametrize("text", MILD_INDIGNATION)
def test_mild_indignation_is_at_least_negative(text: str) -> None:
    result = analyze(text)
    assert result.label in ("negative", "angry"), (result.score, result.cues)


def test_asking_how_to_complain_is_not_yet_a_threat() -> None:
    assert analyze("怎么投诉快递员？").label != "angry"


@pytest.mark.parametrize(("text", "word"), NEGATED)
def test_negation_and_hedges_cancel_the_cue(text: str, word: str) -> None:
    result = analyze(text)
    assert result.label in ("neutral", "negative"), (result.score, result.cues)
    negated = [cue for cue in result.cues if cue.kind == "negated"]
    assert negated and word in negated[0].text
    assert negated[0].weight == 0
    assert all(word not in cue.text for cue in result.cues if cue.weight > 0)


@pytest.mark.parametrize("text", ["这不是骗人吗", "你们不就是骗子吗？"])
def test_rhetorical_negation_keeps_the_anger(text: str) -> None:
    assert analyze(text).label == "angry"


@pytest.mark.parametrize("text", ["别骗我了", "不要逼我投诉", "不退钱我就投诉"])
def test_negation_that_does_not_reach_the_cue_keeps_it(text: str) -> None:
    assert analyze(text).label == "angry"


@pytest.mark.parametrize(
    "text",
    ["氣死我了", "你們這是欺騙消費者", "垃圾客服！！", "ＴＭＤ，什麼破東西"],
)
def test_traditional_and_full_width_input(text: str) -> None:
    result = analyze(text)
    assert result.label == "angry", (result.text, result.cues)


def test_positive_and_sarcasm() -> None:
    assert analyze("谢谢，很满意").label == "positive"
    plain = analyze("太棒了，谢谢")
    assert plain.label == "positive"
    sarcastic = analyze("等了半个月才到，效率真高")
    assert any(cue.kind == "sarcasm" for cue in sarcastic.cues)
    assert sarcastic.score > plain.score


def test_negated_praise_is_a_mild_complaint() -> None:
    result = analyze("不太满意")
    assert result.label == "negative"


@pytest.mark.parametrize(
    ("calmer", "sharper"),
    [
        ("什么时候发货？", "到底什么时候发货？？？"),
        ("快点发货", "快点发货啊啊啊"),
        ("where is my order", "WHERE IS MY ORDER"),
        ("我问过了", "我问了三次了"),
        ("还没到", "等了半个月了还没到，一直没人管"),
    ],
)
def test_intensity_and_repetition_raise_the_score(calmer: str, sharper: str) -> None:
    assert analyze(sharper).score > analyze(calmer).score


def test_rising_history_counts_more_than_one_sharp_word() -> None:
    message = "现在还没到？？"
    rising = ["你好，我的快递到哪了", "怎么还没发货", "等了五天了还没到，到底怎么回事？？"]
    alone = analyze(message)
    with_history = analyze(message, history=rising)
    assert alone.label != "angry"
    assert with_history.label == "angry"
    assert with_history.trend > 0
    assert with_history.score > alone.score
    # The rising conversation weighs more than one sharp word on its own.
    assert with_history.score > analyze("垃圾").score


def test_calm_history_adds_nothing_and_thanks_end_the_trend() -> None:
    calm_history = ["你好", "请问快递到哪了", "好的"]
    assert analyze("什么时候到？", history=calm_history).trend == 0
    angry_history = ["怎么还没发货", "到底什么时候发？？", "气死我了，我要投诉"]
    thanks = analyze("好的，谢谢你", history=angry_history)
    assert thanks.trend == 0
    assert thanks.label != "angry"


def test_cue_spans_point_at_the_cue_text() -> None:
    result = analyze("  氣死我了，什麼破快遞！！我要投訴你們  ")
    assert result.cues
    for cue in result.cues:
        assert result.text[cue.start : cue.end] == cue.text
    kinds = {cue.kind: cue.text for cue in result.cues}
    assert kinds["anger"] == "气死我了"
    assert kinds["threat"] == "我要投诉"
    assert kinds["intensity"] == "!!"


@pytest.mark.parametrize(
    "text",
    ["", " ", "\n\t  \u3000", "😡", "👍👍👍", "🙂", "？？？", "!!!!!!", "\x00\u200b", "a" * 5000,
     "气死" * 2500, "啊" * 5000, "！？" * 2500, "你们" + "垃圾" * 2499, "😡" * 5000],
)
def test_odd_and_long_inputs_return_quickly(text: str) -> None:
    analyze("预热")
    started = time.perf_counter()
    result = analyze(text, history=[text, text])
    elapsed = time.perf_counter() - started
    assert elapsed < 2.0
    assert 0.0 <= result.score <= 1.0
    assert result.label in LABELS


@settings(max_examples=200, deadline=None)
@given(text=st.text(max_size=300), history=st.lists(st.text(max_size=60), max_size=4))
def test_arbitrary_unicode_never_raises(text: str, history: list[str]) -> None:
    result = analyze(text, history=history)
    assert 0.0 <= result.score <= 1.0
    assert result.label in LABELS
    assert result.polarity is None or 0.0 <= result.polarity <= 1.0
    assert result.trend >= 0.0
    for cue in result.cues:
        assert 0 <= cue.start <= cue.end <= len(result.text)
        assert result.text[cue.start : cue.end] == cue.text


def test_result_is_frozen() -> None:
    result = analyze("气死了")
    with pytest.raises(AttributeError):
        result.score = 0.0  # type: ignore[misc]


def test_polarity_only_when_cues_are_ambiguous() -> None:
    assert analyze("快递到哪了").polarity is None  # no cue: nothing to weigh
    assert analyze("气死我了，垃圾客服").polarity is None  # cues decide alone
    assert analyze("这么慢").polarity is not None  # one middling cue: ask snownlp
    assert Detector(use_polarity=False).analyze("这么慢").polarity is None


def test_polarity_equals_snownlp_bayes_on_the_same_words() -> None:
    from snownlp.sentiment import classifier

    detector = Detector()
    detector.warm_up()
    model = detector._polarity_model
    assert model is not None
    for text in ["质量太差了，非常失望", "很好用，谢谢", "快递到哪了"]:
        words = model.words(text)
        expected = classifier.classifier.classify(words)
        got = model.classify_words(words)
        positive = expected[1] if expected[0] == "pos" else 1 - expected[1]
        assert got == pytest.approx(positive, abs=1e-9)


def test_importing_loads_nothing() -> None:
    code = (
        "import sys, bot.sentiment, bot.sentiment.benchmark; "
        "from bot.sentiment.detector import default_detector; "
        "heavy = [m for m in ('jieba', 'snownlp', 'opencc') if m in sys.modules]; "
        "assert not heavy, heavy; assert default_detector.cache_info().currsize == 0"
    )
    subprocess.run([sys.executable, "-c", code], check=True, cwd=REPO_ROOT)


def test_shipped_lexicon_loads() -> None:
    lexicon = load_lexicon()
    assert "气死" in lexicon.literals
    assert lexicon.scoring.negative < lexicon.scoring.angry


def _copy_lexicon(tmp_path: Path) -> Path:
    target = tmp_path / "lexicons"
    target.mkdir()
    for path in (REPO_ROOT / "data" / "lexicons").glob("*.yml"):
        (target / path.name).write_text(path.read_text(encoding="utf-8"), encoding="utf-8")
    return target


def test_lexicon_errors_name_the_problem(tmp_path: Path) -> None:
    lexicons = _copy_lexicon(tmp_path)
    extra = lexicons / "extra.yml"
    extra.write_text("more_anger:\n  terms:\n    气死: 0.5\n", encoding="utf-8")
    with pytest.raises(LexiconError, match="气死"):
        load_lexicon(lexicons)
    extra.write_text("more_anger:\n  patterns:\n    '(unclosed': 0.5\n", encoding="utf-8")
    with pytest.raises(LexiconError, match="regular expression"):
        load_lexicon(lexicons)
    with pytest.raises(LexiconError, match="not found"):
        load_lexicon(tmp_path / "missing")


def test_a_trainer_can_add_a_cue(tmp_path: Path) -> None:
    lexicons = _copy_lexicon(tmp_path)
    (lexicons / "extra.yml").write_text(
        "# a test cue\nmade_up:\n  default_weight: 0.9\n  terms:\n    蓝莓果酱:\n", encoding="utf-8"
    )
    detector = Detector(lexicons)
    assert detector.analyze("蓝莓果酱").label == "angry"
    assert analyze("蓝莓果酱").label == "neutral"


def test_baseline_threshold_and_quality() -> None:
    gold = [True, True, False, False]
    threshold, result = best_threshold(gold, [0.1, 0.2, 0.8, 0.9])
    assert 0.2 < threshold < 0.8
    assert result.f1 == 1.0
    assert quality(gold, [True, False, True, False]).f1 == pytest.approx(0.5)


def test_benchmark_runs_on_a_small_file(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    data = tmp_path / "small.tsv"
    data.write_text(
        "source_id\tlabel\ttext\n"
        "EndlessLethe/x:1\tangry\t气死我了，什么破快递！！\n"
        "EndlessLethe/x:2\tcalm\t快递到哪了\n"
        "BrownSweater/y:id=1\tangry\t垃圾客服，我要投诉\n"
        "BrownSweater/y:id=2\tcalm\t今天天气真好\n",
        encoding="utf-8",
    )
    assert benchmark_main([str(data), "--repeat", "1", "--errors"]) == 0
    out = capsys.readouterr().out
    assert "n = 4" in out and "speed ratio" in out and "JDDC" in out and "EWECT" in out


def test_benchmark_missing_file_is_a_clear_error(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert benchmark_main([str(tmp_path / "nope.tsv")]) == 2
    assert "not found" in capsys.readouterr().err
