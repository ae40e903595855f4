import time

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot.text import normalize as normalize_module
from bot.text.normalize import normalize, normalize_with_offsets


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("我的訂單到哪了", "我的订单到哪了"),
        ("請幫我查一下物流資訊", "请帮我查一下物流资讯"),
        ("１２３４５６７８９０１２", "123456789012"),
        ("ＳＦ１２３４５６７８９０１２３", "SF1234567890123"),
        ("你好！　在嗎？", "你好! 在吗?"),
        ("  我的   订单\t\n到哪了  ", "我的 订单 到哪了"),
        ("太慢了😡😡", "太慢了"),
        ("好评👍🏻👍️", "好评"),
        ("一家人👨‍👩‍👧都在等", "一家人都在等"),
        ("订\u200b单\ufeff号\x00", "订单号"),
        ("1️⃣号订单", "1号订单"),
        ("收到时30℃", "收到时30℃"),
        ("付了¥199，￥50", "付了¥199,￥50"),
        ("单号sf1234567890123到哪了", "单号SF1234567890123到哪了"),
        ("jdx001234567890", "JDX001234567890"),
        ("买了iphone15和abc", "买了iphone15和abc"),
        ("sf12345", "sf12345"),
        ("^_^ 谢谢", "^_^ 谢谢"),
        ("", ""),
        ("   ", ""),
        ("😀🎉", ""),
    ],
)
def test_normalize(text: str, expected: str) -> None:
    assert normalize(text) == expected


def test_keep_emoji_keeps_pictographs_but_not_invisible_characters() -> None:
    assert normalize("太慢了😡 👨‍👩‍👧\u200b!", keep_emoji=True) == "太慢了😡 👨‍👩‍👧!"


@pytest.mark.parametrize(
    ("text", "span", "expected"),
    [
        ("我的訂單812345678901到哪了", (4, 16), "812345678901"),
        ("  單號  sf1234567890123  ", (6, 21), "SF1234567890123"),
        ("😀😀退款５０元", (4, 7), "50元"),
        ("订单 \u200b 到了", (5, 7), "到了"),
    ],
)
def test_offsets_move_spans_onto_the_normalised_text(
    text: str, span: tuple[int, int], expected: str
) -> None:
    normalised, offsets = normalize_with_offsets(text)
    assert len(offsets) == len(text) + 1
    assert normalised[offsets[span[0]] : offsets[span[1]]] == expected


def test_offsets_of_removed_characters_collapse_to_an_empty_span() -> None:
    text = "好评😀😀啊"
    normalised, offsets = normalize_with_offsets(text)
    assert normalised == "好评啊"
    assert offsets[2] == offsets[3] == offsets[4] == 2


def test_a_length_changing_conversion_keeps_offsets_exact(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    class Expanding:
        def convert(self, text: str) -> str:
            return text.replace("國", "国国")

    monkeypatch.setattr(normalize_module, "_converter", lambda: Expanding())
    normalised, offsets = normalize_with_offsets("中國訂單123")
    assert normalised == "中国国訂單123"
    assert normalised[offsets[2] : offsets[7]] == "訂單123"


@settings(max_examples=300, database=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.text())
def test_never_raises_and_offsets_are_monotonic(text: str) -> None:
    for keep_emoji in (False, True):
        normalised, offsets = normalize_with_offsets(text, keep_emoji=keep_emoji)
        assert len(offsets) == len(text) + 1
        assert offsets == sorted(offsets)
        assert offsets[-1] == len(normalised)
        assert normalised == normalised.strip()
        assert "  " not in normalised
        assert normalize(normalised, keep_emoji=keep_emoji) == normalised


def test_long_input_is_fast() -> None:
    text = "我的訂單８１２３４５６７８９０１到哪了？😡　" * 300
    started = time.perf_counter()
    normalised = normalize(text)
    assert time.perf_counter() - started < 1.0
    assert len(text) > 5000
    assert normalised.startswith("我的订单812345678901到哪了?")


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("[订单x] 这个是订单号", "这个是订单号"),
        ("原来说是[数字x]号发货", "原来说是 号发货"),
        ("[链接x]", ""),
        ("[不是占位] 保留", "[不是占位] 保留"),
    ],
)
def test_anonymisation_placeholders_count_as_whitespace(text, expected):
    assert normalize(text) == expected
