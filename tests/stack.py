"""The real stack for end-to-end and browser tests (the `stack` fixture): redis-server, the action server, Rasa servers and gateways.

Everything runs on free ports in a temporary directory; nothing touches a Redis or a
database that the tests did not start themselves.
"""
from __future__ import annotations

import json
import os
import subprocess
import urllib.request
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any, Dict, List, Optional
from zoneinfo import ZoneInfo

import pytest

from tests.processes import ROOT, VENV_BIN, start_gateway, stop, wait_for
from tests.redis_server import RedisServer, free_port

MODEL = ROOT / "models" / "kefu.tar.gz"


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
    redis: RedisServer
    gateway_secret: str = "e2e-gateway-secret-" + os.urandom(8).hex()
    extra: List[subprocess.Popen] = field(default_factory=list)  # more Rasa servers, gateways

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

    def start_rasa(self, **env: str) -> tuple[str, subprocess.Popen]:
        """Another Rasa server on the same model and action server (and Redis, unless `env` says
        otherwise, e.g. REDIS_PORT=...)."""
        port = free_port()
        log = self.workdir / f"rasa-{port}.log"
        process = subprocess.Popen(
            [str(VENV_BIN / "rasa"), "run", "--model", str(MODEL), "--enable-api", "--auth-token", self.token,
             "--interface", "127.0.0.1", "--port", str(port), "--endpoints", "endpoints.yml",
             "--credentials", "credentials.yml"],
            cwd=ROOT, env={**self.env, **env}, stdout=log.open("wb"), stderr=subprocess.STDOUT,
        )
        self.extra.append(process)
        url = f"http://127.0.0.1:{port}"
        wait_for(f"{url}/status?token={self.token}", 240, process, log)
        return url, process

    def start_gateway(self, rasa_urls: Optional[List[str]] = None) -> tuple[str, subprocess.Popen]:
        """A chat gateway (`python -m handoff`) in front of the given Rasa servers."""
        port = free_port()
        process = start_gateway(
            {**self.env, "KEFU_GATEWAY_SECRET": self.gateway_secret, "RASA_AUTH_TOKEN": self.token,
             "KEFU_RASA_URLS": ",".join(rasa_urls or [self.rasa_url])},
            port, self.workdir / f"gateway-{port}.log",
        )
        self.extra.append(process)
        return f"http://127.0.0.1:{port}", process


@pytest.fixture(scope="session")
def stack(tmp_path_factory):
    if not MODEL.exists():
        pytest.fail(f"no trained model at {MODEL}: run `make train` (the test command does)")
    workdir = tmp_path_factory.mktemp("stack")
    redis = RedisServer(workdir / "redis")
    redis.start()
    redis_port = redis.port

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
    stack = Stack(f"http://127.0.0.1:{rasa_port}", token, redis_port, db_path, env, workdir,
                  actions=None, redis=redis)  # type: ignore[arg-type]
    try:
        stack.start_actions()
        wait_for(f"{stack.rasa_url}/status?token={token}", 240, rasa, rasa_log)
        yield stack
    finally:
        for process in stack.extra:
            stop(process)
        stop(rasa)
        stop(stack.actions)
        redis.stop()
