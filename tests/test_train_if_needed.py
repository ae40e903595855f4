"""scripts/train_if_needed.sh decides whether to train and whether Rasa may reuse its cache.

Rasa itself is replaced by a stand-in that records how it was called: the decision is the
script's, and a real training takes four minutes (the conversation tests use the real model).
"""
from __future__ import annotations

import os
import shutil
import stat
import subprocess
from pathlib import Path
from typing import List, Optional

import pytest

ROOT = Path(__file__).resolve().parents[1]
INPUTS = {
    "config.yml": "language: zh\n",
    "domain.yml": "intents: [greet]\n",
    "data/nlu/general.yml": "nlu: []\n",
    "data/rules/rules.yml": "rules: []\n",
    "data/stories/stories.yml": "stories: []\n",
    "data/dict/ecommerce.txt": "运费险 5 n\n",
    "data/patterns/order_id.jsonl": "{}\n",
    "bot/text/normalize.py": "RULES = 1\n",
    "bot/components/normalizer.py": "STEP = 1\n",
}
FAKE_RASA = """#!/usr/bin/env bash
echo "$*" >> rasa_calls.log
mkdir -p models && echo model > models/kefu.tar.gz
"""


class Project:
    def __init__(self, root: Path) -> None:
        self.root = root
        (root / "scripts").mkdir(parents=True)
        shutil.copy(ROOT / "scripts" / "train_if_needed.sh", root / "scripts")
        for path, text in INPUTS.items():
            self.write(path, text)
        fake = root / "bin" / "rasa"
        fake.parent.mkdir()
        fake.write_text(FAKE_RASA, encoding="utf-8")
        fake.chmod(fake.stat().st_mode | stat.S_IXUSR)

    def write(self, path: str, text: str) -> None:
        target = self.root / path
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(text, encoding="utf-8")

    def train(self, *args: str) -> Optional[List[str]]:
        """Run the script; the arguments Rasa got, or None when it was not called."""
        log = self.root / "rasa_calls.log"
        log.unlink(missing_ok=True)
        env = {**os.environ, "PATH": f"{self.root / 'bin'}:{os.environ['PATH']}"}
        subprocess.run(["bash", "scripts/train_if_needed.sh", *args], cwd=self.root, env=env,
                       check=True, capture_output=True)
        return log.read_text(encoding="utf-8").split() if log.exists() else None


@pytest.fixture
def project(tmp_path: Path) -> Project:
    project = Project(tmp_path)
    assert project.train() is not None
    return project


def test_unchanged_inputs_do_not_train(project: Project):
    assert project.train() is None


def test_changed_training_data_trains_with_the_cache(project: Project):
    project.write("data/nlu/general.yml", "nlu:\n- intent: greet\n  examples: |\n    - 你好\n")
    call = project.train()
    assert call is not None and "train" in call and "--force" not in call
    assert project.train() is None


@pytest.mark.parametrize("path", ["data/dict/ecommerce.txt", "data/patterns/order_id.jsonl",
                                  "bot/text/normalize.py", "bot/components/normalizer.py"])
def test_changes_rasa_cannot_see_train_without_the_cache(project: Project, path: str):
    project.write(path, INPUTS[path] + "# changed\n")
    call = project.train()
    assert call is not None and "--force" in call
    assert project.train() is None


def test_force_flag_always_trains_without_the_cache(project: Project):
    call = project.train("--force")
    assert call is not None and "--force" in call


def test_missing_model_trains(project: Project):
    (project.root / "models" / "kefu.tar.gz").unlink()
    assert project.train() is not None
