from pathlib import Path
from typing import Any, Dict, List, Tuple

import pytest
from rasa.engine.graph import ExecutionContext, GraphSchema
from rasa.engine.storage.local_model_storage import LocalModelStorage
from rasa.engine.storage.resource import Resource
from rasa.shared.nlu.constants import ENTITIES, TEXT
from rasa.shared.nlu.training_data.formats.rasa_yaml import RasaYAMLReader
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

from bot.components.entity_extractor import StructuredEntityExtractor
from bot.components.normalizer import TEXT_ORIGINAL, TextNormalizer

PATTERNS_DIR = Path(__file__).resolve().parents[2] / "data" / "patterns"
DICTIONARY = "顺丰 3000 nz\nEMS 2000 nz\n运单号 2000 n\n订单号 2000 n\n"


def create(component: Any, config: Dict[str, Any], tmp_path: Path) -> Any:
    return component.create(
        {**component.get_default_config(), **config},
        LocalModelStorage(tmp_path / "storage"),
        Resource(component.__name__),
        ExecutionContext(GraphSchema({})),
    )


def normalizer(tmp_path: Path) -> TextNormalizer:
    return create(TextNormalizer, {}, tmp_path)


def entity_extractor(tmp_path: Path) -> StructuredEntityExtractor:
    dictionary_dir = tmp_path / "dict"
    dictionary_dir.mkdir()
    (dictionary_dir / "ecommerce.txt").write_text(DICTIONARY, encoding="utf-8")
    config = {"patterns_dir": str(PATTERNS_DIR), "dictionary_dir": str(dictionary_dir)}
    return create(StructuredEntityExtractor, config, tmp_path)


def nlu_data(yaml_examples: str) -> TrainingData:
    return RasaYAMLReader().reads(f'version: "3.1"\nnlu:\n{yaml_examples}')


def test_process_normalises_and_keeps_the_original(tmp_path: Path) -> None:
    message = Message(data={TEXT: "我的訂單８１２３４５６７８９０１到哪了？😡"})
    normalizer(tmp_path).process([message])
    assert message.get(TEXT) == "我的订单812345678901到哪了?"
    output = message.as_dict(only_output_properties=True)
    assert output[TEXT_ORIGINAL] == "我的訂單８１２３４５６７８９０１到哪了？😡"


@pytest.mark.parametrize("text", ["😀😀", "\u200b", "  ", ""])
def test_nothing_readable_becomes_empty_text(tmp_path: Path, text: str) -> None:
    message = Message(data={TEXT: text})
    normalizer(tmp_path).process([message])
    assert message.get(TEXT) == ""
    assert message.get(TEXT_ORIGINAL) == text


@pytest.mark.parametrize("text", ['/inform_order_number{"order_id": "sf 123"}', " /greet"])
def test_intent_shorthand_is_left_alone(tmp_path: Path, text: str) -> None:
    message = Message(data={TEXT: text})
    normalizer(tmp_path).process([message])
    assert message.get(TEXT) == text


def test_messages_without_text_are_skipped(tmp_path: Path) -> None:
    message = Message(data={"intent": "greet"})
    normalizer(tmp_path).process([message])
    assert message.data == {"intent": "greet"}


def test_training_entities_follow_the_normalised_text(tmp_path: Path) -> None:
    data = nlu_data(
        "- intent: logistics_track\n"
        "  examples: |\n"
        "    - 😀😀  單號[ｓｆ１２３４５６７８９０１２３](tracking_number)到哪了\n"
        "    - 我的[手機](product)   壞了[😡](emotion)\n"
        '    - 要[蘋果]{"entity": "product", "value": "apple"}的\n'
    )
    normalizer(tmp_path).process_training_data(data)
    first, second, third = data.training_examples
    assert first.get(TEXT) == "单号SF1234567890123到哪了"
    assert first.get(ENTITIES) == [
        {"start": 2, "end": 17, "value": "SF1234567890123", "entity": "tracking_number"}
    ]
    assert second.get(TEXT) == "我的手机 坏了"
    assert second.get(ENTITIES) == [
        {"start": 2, "end": 4, "value": "手机", "entity": "product"}
    ]
    assert third.get(TEXT) == "要苹果的"
    assert third.get(ENTITIES) == [
        {"start": 1, "end": 3, "value": "apple", "entity": "product"}
    ]


def test_traditional_synonyms_also_match_normalised_text(tmp_path: Path) -> None:
    data = nlu_data("- synonym: apple\n  examples: |\n    - 蘋果\n")
    normalizer(tmp_path).process_training_data(data)
    assert data.entity_synonyms == {"蘋果": "apple", "苹果": "apple"}


def test_extractor_appends_to_existing_entities(tmp_path: Path) -> None:
    diet_entity = {
        "entity": "product",
        "start": 0,
        "end": 2,
        "value": "耳机",
        "extractor": "DIETClassifier",
    }
    text = "耳机单号EMS1234567890123,手机13812345678"
    message = Message(data={TEXT: text, ENTITIES: [diet_entity]})
    entity_extractor(tmp_path).process([message])
    entities: List[Dict[str, Any]] = message.get(ENTITIES)
    assert entities[0] == diet_entity
    assert entities[1:] == [
        {
            "entity": "tracking_number",
            "start": 4,
            "end": 20,
            "value": "EMS1234567890123",
            "extractor": "StructuredEntityExtractor",
        },
        {
            "entity": "phone_number",
            "start": 23,
            "end": 34,
            "value": "13812345678",
            "extractor": "StructuredEntityExtractor",
        },
    ]
    assert ENTITIES in message.output_properties


def test_extractor_on_empty_and_missing_text(tmp_path: Path) -> None:
    empty, missing = Message(data={TEXT: ""}), Message(data={"intent": "greet"})
    entity_extractor(tmp_path).process([empty, missing])
    assert empty.get(ENTITIES) == []
    assert missing.get(ENTITIES) is None


CONFIG = """
recipe: default.v1
language: zh
assistant_id: kefu_test
pipeline:
  - name: bot.components.normalizer.TextNormalizer
  - name: JiebaTokenizer
    dictionary_path: {dictionary_dir}
  - name: CountVectorsFeaturizer
  - name: CountVectorsFeaturizer
    analyzer: char_wb
    min_ngram: 1
    max_ngram: 3
  - name: bot.components.entity_diet.EntityDIETClassifier
    examples_without_entities: 8
    epochs: 30
    random_seed: 42
    number_of_transformer_layers: 0
    hidden_layers_sizes:
      text: [32]
    embedding_dimension: 10
    constrain_similarities: true
    run_eagerly: true
  - name: bot.components.intent_classifier.SentenceIntentClassifier
  - name: bot.components.entity_extractor.StructuredEntityExtractor
    patterns_dir: {patterns_dir}
    dictionary_dir: {dictionary_dir}
  - name: EntitySynonymMapper
  - name: FallbackClassifier
    threshold: 0.3
policies: []
"""

NLU = """version: "3.1"
nlu:
- intent: order_status
  examples: |
    - 我的訂單到哪了
    - 订单[812345678901](order_id)到哪了
    - 查一下訂單狀態
    - 我的订单怎么还没到
    - 我买的[耳機](product)订单怎么样了
    - 訂單[912345678901234](order_id)什么状态
- intent: logistics_track
  examples: |
    - 顺丰单号[SF1234567890123](tracking_number)查一下物流
    - 快遞到哪了
    - 查一下物流
    - 快递昨天发的怎么还没到
    - [衣服](product)的快递到哪了
    - 運單號[ＹＴ１２３４５６７８９０１２３](tracking_number)
- intent: greet
  examples: |
    - 你好
    - 您好
    - 在嗎
    - 哈喽
    - 有人嗎
"""


async def test_train_and_parse_a_tiny_nlu_model(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A real `rasa train nlu` with the project's components (as in config.yml), then parsing."""
    from rasa.core.agent import Agent
    from rasa.model_training import train_nlu

    monkeypatch.setenv("RASA_TELEMETRY_ENABLED", "false")
    monkeypatch.setenv("RASA_CACHE_DIRECTORY", str(tmp_path / "cache"))
    dictionary_dir = tmp_path / "dict"
    dictionary_dir.mkdir()
    (dictionary_dir / "ecommerce.txt").write_text(DICTIONARY, encoding="utf-8")
    config = tmp_path / "config.yml"
    config.write_text(
        CONFIG.format(dictionary_dir=dictionary_dir, patterns_dir=PATTERNS_DIR), encoding="utf-8"
    )
    nlu = tmp_path / "nlu.yml"
    nlu.write_text(NLU, encoding="utf-8")

    model = train_nlu(str(config), str(nlu), str(tmp_path / "models"), fixed_model_name="nlu")
    assert model is not None
    agent = Agent.load(model)

    order = await agent.parse_message("我的訂單812345678901到哪了")
    assert order["text"] == "我的订单812345678901到哪了"
    assert order["text_original"] == "我的訂單812345678901到哪了"
    assert order["intent"]["name"] == "order_status"
    assert structured(order) == [("order_id", 4, 16, "812345678901")]

    tracking = await agent.parse_message("顺丰SF1234567890123昨天发的")
    assert tracking["intent"]["name"] == "logistics_track"
    found = structured(tracking)
    assert found[0] == ("tracking_number", 2, 17, "SF1234567890123")
    assert [entity[:3] for entity in found[1:]] == [("date", 17, 19)]

    emoji_only = await agent.parse_message("😀😀")
    assert emoji_only["text"] == ""
    assert emoji_only["intent"]["name"] == "nlu_fallback"



def structured(parse_data: Dict[str, Any]) -> List[Tuple[str, int, int, str]]:
    return [
        (entity["entity"], entity["start"], entity["end"], entity["value"])
        for entity in parse_data["entities"]
        if entity["extractor"] == "StructuredEntityExtractor"
    ]
