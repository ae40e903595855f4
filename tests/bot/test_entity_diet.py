from pathlib import Path
from typing import List

from rasa.engine.graph import ExecutionContext, GraphSchema
from rasa.engine.storage.local_model_storage import LocalModelStorage
from rasa.engine.storage.resource import Resource
from rasa.shared.nlu.constants import TEXT
from rasa.shared.nlu.training_data.formats.rasa_yaml import RasaYAMLReader
from rasa.shared.nlu.training_data.training_data import TrainingData

from bot.components.entity_diet import EntityDIETClassifier

ANNOTATED = ["我买的[耳机](product)坏了", "[衣服](product)尺码不对", "因为[太小了](reason)想退"]
PLAIN = [f"第{n}个没有实体的例子" for n in range(20)]


def training_data() -> TrainingData:
    lines = "\n".join(f"    - {text}" for text in ANNOTATED + PLAIN)
    return RasaYAMLReader().reads(f'version: "3.1"\nnlu:\n- intent: any\n  examples: |\n{lines}\n')


def diet(tmp_path: Path, **config: object) -> EntityDIETClassifier:
    return EntityDIETClassifier.create(
        {**EntityDIETClassifier.get_default_config(), **config},
        LocalModelStorage(tmp_path),
        Resource("diet"),
        ExecutionContext(GraphSchema({})),
    )


def texts(data: TrainingData) -> List[str]:
    return [message.get(TEXT) for message in data.training_examples]


def test_keeps_every_annotated_example_and_samples_the_rest(tmp_path: Path) -> None:
    sample = texts(diet(tmp_path, examples_without_entities=5).training_sample(training_data()))
    assert [t for t in sample if t not in PLAIN] == ["我买的耳机坏了", "衣服尺码不对", "因为太小了想退"]
    assert len([t for t in sample if t in PLAIN]) == 5


def test_the_sample_is_reproducible_and_follows_the_seed(tmp_path: Path) -> None:
    first = texts(diet(tmp_path, examples_without_entities=5).training_sample(training_data()))
    again = texts(diet(tmp_path, examples_without_entities=5).training_sample(training_data()))
    other_seeds = {
        tuple(texts(diet(tmp_path, examples_without_entities=5, random_seed=seed).training_sample(training_data())))
        for seed in range(5)
    }
    assert first == again
    assert len(other_seeds) > 1


def test_trains_on_everything_when_there_are_few_unannotated_examples(tmp_path: Path) -> None:
    sample = texts(diet(tmp_path, examples_without_entities=100).training_sample(training_data()))
    assert sample == texts(training_data())


def test_defaults_extract_entities_only() -> None:
    config = EntityDIETClassifier.get_default_config()
    assert config["intent_classification"] is False
    assert config["entity_recognition"] is True
