"""A gateway application on the tests' own redis-server and a fresh SQLite order database.

No Rasa server runs here: the configured Rasa URL is a closed port, so these tests cover everything
the gateway decides on its own (tests/e2e runs it with the real Rasa and action servers).
"""
from __future__ import annotations

from dataclasses import replace
from typing import Any, Dict, Optional

import pytest
from aiohttp.test_utils import TestClient, TestServer

from handoff.agents import AgentDirectory
from handoff.app import create_app
from handoff.settings import Settings
from tests.redis_server import free_port

AGENT_PASSWORD = "agent-pass-123"


def gateway_settings(redis_url: str, prefix: str, **overrides: Any) -> Settings:
    host_port, db = redis_url.removeprefix("redis://").rsplit("/", 1)
    host, port = host_port.split(":")
    env = {
        "KEFU_GATEWAY_SECRET": "test-secret-" + "x" * 20,
        "REDIS_HOST": host, "REDIS_PORT": port, "REDIS_DB": db,
        "KEFU_HANDOFF_PREFIX": prefix,
        "KEFU_RASA_URLS": f"http://127.0.0.1:{free_port()}",
        "RASA_AUTH_TOKEN": "unused",
    }
    return replace(Settings.from_env(env), **overrides)


@pytest.fixture
async def gateway(redis_server, keys, seeded_db, monkeypatch):
    monkeypatch.setenv("KEFU_DB_PATH", str(seeded_db))
    app = create_app(gateway_settings(redis_server.url, keys.prefix))
    client = TestClient(TestServer(app))
    await client.start_server()
    yield client
    await client.close()


async def login_shopper(client: TestClient, shopper_id: str = "u1001") -> Dict[str, Any]:
    response = await client.post("/api/shopper/login", json={"shopper_id": shopper_id})
    assert response.status == 200, await response.text()
    return await response.json()


async def login_agent(client: TestClient, redis, keys, agent_id: str = "a01", name: str = "小王",
                      password: Optional[str] = AGENT_PASSWORD) -> Dict[str, Any]:
    await AgentDirectory(redis, keys).add(agent_id, name, AGENT_PASSWORD)
    response = await client.post("/api/agent/login", json={"agent_id": agent_id, "password": password})
    assert response.status == 200, await response.text()
    return await response.json()


def bearer(token: str) -> Dict[str, str]:
    return {"Authorization": f"Bearer {token}"}
