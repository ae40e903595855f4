"""The one way the bridge's processes connect to Redis.

A restarted Redis drops every open connection; without retries the first command on each pooled
connection would fail. Commands are retried briefly, then fail loudly: nothing falls back to memory.
"""
from __future__ import annotations

from collections.abc import Mapping

import redis.asyncio as aioredis
from redis.asyncio.retry import Retry
from redis.backoff import ExponentialBackoff
from redis.exceptions import ConnectionError, TimeoutError

RETRIES = 3


def redis_url_from_env(env: Mapping[str, str]) -> str:
    """The project's Redis from REDIS_HOST / REDIS_PORT / REDIS_DB (defaults: the private one)."""
    host = env.get("REDIS_HOST") or "127.0.0.1"
    return f"redis://{host}:{int(env.get('REDIS_PORT') or 6390)}/{int(env.get('REDIS_DB') or 0)}"


def redis_from_url(url: str) -> aioredis.Redis:
    return aioredis.Redis.from_url(
        url,
        decode_responses=True,
        socket_timeout=5,
        socket_connect_timeout=2,
        retry=Retry(ExponentialBackoff(cap=0.5, base=0.05), RETRIES),
        retry_on_error=[ConnectionError, TimeoutError],
        health_check_interval=30,
    )
