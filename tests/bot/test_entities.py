import time
from datetime import datetime
from pathlib import Path
from typing import Iterator, Optional

import jieba
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot.text.entities import (
    Entity,
    StructuredEntityExtractor,
    load_patterns,
    parse_chinese_number,
)
from bot.text.normalize import normalize
from bot.text.segmenter import blank_zh, configure_jieba

PATTERNS_DIR = Path(__file__).resolve().parents[2] / "data" / "patterns"
NOW = datetime(2026, 11, 25, 10, 30)  # a Wednesday

# Words of the kind data/dict holds; EMS and 12315 are what split codes apart.
DICTIONARY = "EMS 2000 nz\n12315 1000 nz\n顺丰 3000 nz\n运单号 2000 n\n上门取件 2000 v\n"


@pytest.fixture(scope="module")
def dictionary_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    directory = tmp_path_factory.mktemp("dict")
    (directory / "ecommerce.txt").write_text(DICTIONARY, encoding="utf-8")
    return directory


@pytest.fixture(scope="module")
def extractor(dictionary_dir: Path) -> Iterator[StructuredEntityExtractor]:
    yield StructuredEntityExtractor(PATTERNS_DIR, dictionary_dir)


def found(
    extractor: StructuredEntityExtractor, text: str, now: datetime = NOW
) -> list[tuple[str, str, str]]:
    entities = extractor.extract(text, now)
    for entity in entities:
        assert text[entity.start : entity.end] == entity.text
    return [(e.entity, e.value, e.text) for e in entities]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("我的订单812345678901到哪了", [("order_id", "812345678901", "812345678901")]),
        ("订单12345678901234567890", [("order_id", "12345678901234567890", "1234567890" * 2)]),
        ("订单1234567890", [("order_id", "1234567890", "1234567890")]),
        ("订单号12345678901", [("order_id", "12345678901", "12345678901")]),
        ("手机13812345678", [("phone_number", "13812345678", "13812345678")]),
        ("电话138-1234-5678", [("phone_number", "13812345678", "138-1234-5678")]),
        ("电话 138 1234 5678", [("phone_number", "13812345678", "138 1234 5678")]),
        ("号码123456789", []),
        ("SF1234567890123", [("tracking_number", "SF1234567890123", "SF1234567890123")]),
        ("京东JDX001234567890", [("tracking_number", "JDX001234567890", "JDX001234567890")]),
        ("YT1234567890123到了吗", [("tracking_number", "YT1234567890123", "YT1234567890123")]),
        ("yt1234567890123", [("tracking_number", "YT1234567890123", "yt1234567890123")]),
        ("花了50元", [("amount", "50", "50元")]),
        ("50块钱", [("amount", "50", "50块钱")]),
        ("退50块", [("amount", "50", "50块")]),
        ("¥199", [("amount", "199", "¥199")]),
        ("付了￥ 199.50", [("amount", "199.5", "￥ 199.50")]),
        ("199.5元", [("amount", "199.5", "199.5元")]),
        ("五十元", [("amount", "50", "五十元")]),
        ("退我两百块", [("amount", "200", "两百块")]),
        ("三千五百元", [("amount", "3500", "三千五百元")]),
        ("我们一块下单的", []),
        ("¥1234567890", [("amount", "1234567890", "¥1234567890")]),
    ],
)
def test_structured_entities(
    extractor: StructuredEntityExtractor, text: str, expected: list[tuple[str, str, str]]
) -> None:
    assert found(extractor, text) == expected


@pytest.mark.parametrize(
    ("text", "value", "span"),
    [
        ("今天发货了吗", "2026-11-25", "今天"),
        ("昨天下的单", "2026-11-24", "昨天"),
        ("昨天下午到的", "2026-11-24", "昨天下午"),
        ("前天", "2026-11-23", "前天"),
        ("大前天买的", "2026-11-22", "大前天"),
        ("明天能到吗", "2026-11-26", "明天"),
        ("周三到的", "2026-11-25", "周三"),
        ("星期三", "2026-11-25", "星期三"),
        ("礼拜三", "2026-11-25", "礼拜三"),
        ("周四发的", "2026-11-19", "周四"),
        ("周日", "2026-11-22", "周日"),
        ("礼拜天", "2026-11-22", "礼拜天"),
        ("上周三买的", "2026-11-18", "上周三"),
        ("上周一", "2026-11-16", "上周一"),
        ("上个星期三", "2026-11-18", "上个星期三"),
        ("上个周三", "2026-11-18", "上个周三"),
        ("下周三能到吗", "2026-12-02", "下周三"),
        ("这周五", "2026-11-27", "这周五"),
        ("11月20日下的单", "2026-11-20", "11月20日"),
        ("11月20号", "2026-11-20", "11月20号"),
        ("11-20", "2026-11-20", "11-20"),
        ("2026年11月20日", "2026-11-20", "2026年11月20日"),
        ("2025-12-31", "2025-12-31", "2025-12-31"),
        ("1月5号能到吗", "2027-01-05", "1月5号"),
    ],
)
def test_dates_resolve_against_now(
    extractor: StructuredEntityExtractor, text: str, value: str, span: str
) -> None:
    assert found(extractor, text) == [("date", value, span)]


def test_a_date_without_year_is_the_nearest_one(extractor: StructuredEntityExtractor) -> None:
    assert found(extractor, "12月28日买的", datetime(2027, 1, 5)) == [
        ("date", "2026-12-28", "12月28日")
    ]


@pytest.mark.parametrize("text", ["2月30日", "13月5日", "20-30天", "2026年2月29日"])
def test_impossible_dates_are_dropped(extractor: StructuredEntityExtractor, text: str) -> None:
    assert found(extractor, text) == []


def test_codes_glued_to_chinese(extractor: StructuredEntityExtractor) -> None:
    assert found(extractor, "单号SF1234567890123到哪了") == [
        ("tracking_number", "SF1234567890123", "SF1234567890123")
    ]
    assert found(extractor, "顺丰SF1234567890123昨天发的") == [
        ("tracking_number", "SF1234567890123", "SF1234567890123"),
        ("date", "2026-11-24", "昨天"),
    ]


@pytest.mark.parametrize(
    ("text", "split_at", "expected"),
    [
        # The dictionary word EMS cuts the code in two: the 13 digits alone would be an order id.
        (
            "单号EMS1234567890123到哪了",
            "EMS",
            ("tracking_number", "EMS1234567890123", "EMS1234567890123"),
        ),
        # 12315 (the consumer hotline) is a dictionary word too.
        ("订单12315123456", "12315", ("order_id", "12315123456", "12315123456")),
        # jieba glues 日前: 12 / 月 / 1 / 日前.
        ("12月1日前能到吗", "日前", ("date", "2026-12-01", "12月1日")),
        ("2026.11.20下单", "2026.11", ("date", "2026-11-20", "2026.11.20")),
    ],
)
def test_regex_net_recovers_what_jieba_cuts_apart(
    extractor: StructuredEntityExtractor,
    text: str,
    split_at: str,
    expected: tuple[str, str, str],
) -> None:
    assert split_at in jieba.lcut(text)
    assert found(extractor, text) == [expected]


def test_phone_number_is_not_an_order_id(extractor: StructuredEntityExtractor) -> None:
    assert found(extractor, "订单812345678901,电话13912345678") == [
        ("order_id", "812345678901", "812345678901"),
        ("phone_number", "13912345678", "13912345678"),
    ]
    assert found(extractor, "138123456789") == [("order_id", "138123456789", "138123456789")]


def test_traditional_full_width_input_after_normalisation(
    extractor: StructuredEntityExtractor,
) -> None:
    text = normalize("我的訂單８１２３４５６７８９０１到哪了？昨天付了５０元，單號ｓｆ１２３４５６７８９０１２３")
    assert found(extractor, text) == [
        ("order_id", "812345678901", "812345678901"),
        ("date", "2026-11-24", "昨天"),
        ("amount", "50", "50元"),
        ("tracking_number", "SF1234567890123", "SF1234567890123"),
    ]


def test_entity_is_a_frozen_value(extractor: StructuredEntityExtractor) -> None:
    entity = extractor.extract("手机13812345678", NOW)[0]
    assert entity == Entity("phone_number", "13812345678", 2, 13, "13812345678")
    with pytest.raises(AttributeError):
        entity.value = "x"  # type: ignore[misc]


@pytest.mark.parametrize(
    ("numeral", "value"),
    [
        ("五", 5), ("十", 10), ("十五", 15), ("五十", 50), ("两百", 200), ("一百零五", 105),
        ("一百五", 150), ("三千五百", 3500), ("两万五", 25000), ("十万", 100000), ("一二", None),
    ],
)
def test_chinese_numerals(numeral: str, value: Optional[int]) -> None:
    assert parse_chinese_number(numeral) == value


def test_empty_and_long_text(extractor: StructuredEntityExtractor) -> None:
    assert extractor.extract("", NOW) == []
    assert extractor.extract("   ", NOW) == []
    text = "我的订单812345678901到哪了,昨天付了50元。" * 200
    started = time.perf_counter()
    entities = extractor.extract(text, NOW)
    assert time.perf_counter() - started < 2.0
    assert len(text) > 5000
    assert len(entities) == 600


SHOP_CHARACTERS = "0123456789SFsf年月日号元块¥-./ 周上昨天订单😀\u3000\x00五十"


@settings(
    max_examples=60,
    database=None,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(st.text(alphabet=st.sampled_from(SHOP_CHARACTERS), max_size=40) | st.text(max_size=40))
def test_extract_never_raises(extractor: StructuredEntityExtractor, text: str) -> None:
    for entity in extractor.extract(text, NOW):
        assert text[entity.start : entity.end] == entity.text


def test_spacy_segments_like_rasa_jieba_tokenizer(dictionary_dir: Path) -> None:
    configure_jieba(dictionary_dir)
    text = "单号EMS1234567890123昨天下午上门取件,运单号YT1234567890123"
    rasa_tokens = [word for word, _, _ in jieba.tokenize(text)]
    assert [token.text for token in blank_zh()(text)] == rasa_tokens


def test_configure_jieba_loads_a_directory_once(tmp_path: Path) -> None:
    (tmp_path / "a.txt").write_text("售后专员 100 n\n", encoding="utf-8")
    (tmp_path / "notes.md").write_text("not a dictionary", encoding="utf-8")
    assert configure_jieba(tmp_path) == [tmp_path.resolve() / "a.txt"]
    assert configure_jieba(tmp_path) == []
    assert "售后专员" in jieba.lcut("找售后专员")


def test_missing_dictionary_directory_is_not_an_error(tmp_path: Path) -> None:
    assert configure_jieba(tmp_path / "missing") == []


def test_pattern_files_are_valid() -> None:
    labels = {pattern["label"] for pattern in load_patterns(PATTERNS_DIR)}
    assert labels == {"order_id", "tracking_number", "phone_number", "amount", "date"}


@pytest.mark.parametrize(
    ("line", "message"),
    [
        ('{"label": "date", "pattern": "昨儿"}', "needs an id"),
        ('{"label": "date", "id": "day:x", "pattern": "昨儿"}', "needs an id"),
        ('{"label": "amount", "pattern": [', "invalid JSON"),
        ('["no label"]', "with a label"),
    ],
)
def test_bad_patterns_fail_loudly_with_file_and_line(
    tmp_path: Path, line: str, message: str
) -> None:
    good = '{"label": "date", "id": "day:-1", "pattern": "昨天"}'
    (tmp_path / "bad.jsonl").write_text(f"{good}\n\n{line}\n", encoding="utf-8")
    with pytest.raises(ValueError, match=rf"bad.jsonl:3: .*{message}"):
        load_patterns(tmp_path)


def test_trainers_can_add_patterns(tmp_path: Path, dictionary_dir: Path) -> None:
    (tmp_path / "extra.jsonl").write_text(
        '{"label": "date", "id": "day:-1", "pattern": [{"TEXT": "昨儿个"}]}\n'
        '{"label": "product", "pattern": [{"TEXT": "耳机"}]}\n',
        encoding="utf-8",
    )
    extractor = StructuredEntityExtractor(tmp_path, dictionary_dir)
    assert "昨儿个" in jieba.lcut("昨儿个买的耳机")
    assert found(extractor, "昨儿个买的耳机") == [
        ("date", "2026-11-24", "昨儿个"),
        ("product", "耳机", "耳机"),
    ]
