"""Real processes for end-to-end tests: redis-server, the action server and the Rasa server.

Everything runs on free ports in a temporary directory; nothing touches a Redis or a
database that the tests did not start themselves.
"""
from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any, Dict, List, Optional
from zoneinfo import ZoneInfo

import pytest

ROOT = Path(__file__).resolve().parents[2]
MODEL = ROOT / "models" / "kefu.tar.gz"
VENV_BIN = Path(sys.executable).parent


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_for(url: str, seconds: float, process: subprocess.Popen, log: Path) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"{url}: process exited, log:\n{log.read_text()[-3000:]}")
        try:
            with urllib.request.urlopen(url, timeout=2):
                return
        except (urllib.error.URLError, ConnectionError, OSError):
            time.sleep(0.5)
    raise RuntimeError(f"{url} not healthy after {seconds}s, log:\n{log.read_text()[-3000:]}")


def stop(process: Optional[subprocess.Popen]) -> None:
    if process and process.poll() is None:
        process.terminate()
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


@dataclass
class Stack:
    """The running services and how to talk to them."""

    rasa_url: str
    token: str
    redis_port: int
    db_path: Path
    env: Dict[str, str]
    workdir: Path
    actions: subprocess.Popen

    def say(self, text: str, sender: str, shopper: Optional[str] = "u1001") -> List[Dict[str, Any]]:
        body: Dict[str, Any] = {"sender": sender, "message": text}
        if shopper:
            body["metadata"] = {"shopper_id": shopper}
        request = urllib.request.Request(
            f"{self.rasa_url}/webhooks/rest/webhook",
            data=json.dumps(body).encode(),
            headers={"Content-Type": "application/json"},
        )
        with urllib.request.urlopen(request, timeout=60) as response:
            return json.loads(response.read())

    def start_actions(self) -> None:
        log = self.workdir / "actions.log"
        self.actions = subprocess.Popen(
            [str(VENV_BIN / "python"), "-m", "rasa_sdk", "--actions", "actions", "--port", self.env["ACTIONS_PORT"]],
            cwd=ROOT, env=self.env, stdout=log.open("ab"), stderr=subprocess.STDOUT,
        )
        wait_for(f"http://127.0.0.1:{self.env['ACTIONS_PORT']}/health", 60, self.actions, log)


@pytest.fixture(scope="session")
def stack(tmp_path_factory):
    if not MODEL.exists():
        pytest.fail(f"no trained model at {MODEL}: run `make train` (the test command does)")
    redis_server = shutil.which("redis-server")
    if redis_server is None:
        pytest.fail("redis-server is not installed: run `scripts/redis.sh start` once or apt-get install redis-server")

    workdir = tmp_path_factory.mktemp("stack")
    redis_port = free_port()
    redis = subprocess.Popen(
        [redis_server, "--port", str(redis_port), "--bind", "127.0.0.1", "--dir", str(workdir),
         "--appendonly", "yes", "--save", ""],
        stdout=(workdir / "redis.log").open("wb"), stderr=subprocess.STDOUT,
    )

    from actions.services.seed import seed

    db_path = workdir / "kefu.db"
    seed(db_path, datetime.now(ZoneInfo("Asia/Shanghai")))
    token = "e2e-" + os.urandom(8).hex()
    env = {
        **os.environ,
        "PYTHONPATH": str(ROOT),
        "KEFU_DB_PATH": str(db_path),
        "REDIS_HOST": "127.0.0.1",
        "REDIS_PORT": str(redis_port),
        "REDIS_DB": "0",
        "ACTIONS_PORT": str(free_port()),
        "RASA_TELEMETRY_ENABLED": "false",
        "SANIC_HOST": "127.0.0.1",
        "TF_CPP_MIN_LOG_LEVEL": "2",
    }
    rasa_port = free_port()
    rasa_log = workdir / "rasa.log"
    rasa = subprocess.Popen(
        [str(VENV_BIN / "rasa"), "run", "--model", str(MODEL), "--enable-api", "--auth-token", token,
         "--interface", "127.0.0.1", "--port", str(rasa_port), "--endpoints", "endpoints.yml",
         "--credentials", "credentials.yml"],
        cwd=ROOT, env=env, stdout=rasa_log.open("wb"), stderr=subprocess.STDOUT,
    )
    stack = Stack(f"http://127.0.0.1:{rasa_port}", token, redis_port, db_path, env, workdir, actions=None)  # type: ignore[arg-type]
    try:
        stack.start_actions()
        wait_for(f"{stack.rasa_url}/status?token={token}", 240, rasa, rasa_log)
        yield stack
    finally:
        stop(rasa)
        stop(stack.actions)
        stop(redis)
