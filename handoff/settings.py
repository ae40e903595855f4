"""The gateway's settings: one frozen object per process, built from environment variables at start-up."""
from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Tuple

from handoff.connection import redis_url_from_env
from handoff.keys import DEFAULT_PREFIX

PROJECT_ROOT = Path(__file__).resolve().parents[1]
MIN_SECRET_CHARS = 16


class SettingsError(ValueError):
    """A required variable is missing or malformed; the message names it."""


def _project_path(value: str) -> Path:
    path = Path(value).expanduser()
    return path if path.is_absolute() else PROJECT_ROOT / path


@dataclass(frozen=True)
class Settings:
    secret: str  # KEFU_GATEWAY_SECRET: signs shopper and agent tokens (required, >= 16 chars)
    redis_url: str  # from REDIS_HOST / REDIS_PORT / REDIS_DB
    key_prefix: str  # KEFU_HANDOFF_PREFIX
    rasa_urls: Tuple[str, ...]  # KEFU_RASA_URLS (comma-separated) or http://127.0.0.1:$RASA_PORT
    rasa_token: str  # RASA_AUTH_TOKEN: Rasa's HTTP API token (hand-back writes to the tracker)
    host: str  # KEFU_GATEWAY_HOST
    port: int  # KEFU_GATEWAY_PORT
    shopper_token_hours: float  # KEFU_SHOPPER_TOKEN_HOURS
    agent_token_hours: float  # KEFU_AGENT_TOKEN_HOURS
    rasa_timeout_seconds: float  # KEFU_RASA_TIMEOUT_SECONDS: longest wait for one bot reply
    policies_dir: Path  # KEFU_POLICIES_DIR (handoff.yml: message limit, service hours, timeouts)
    texts_path: Path  # KEFU_GATEWAY_TEXTS: what the gateway itself says to shoppers and agents
    demo_login: bool  # KEFU_DEMO_LOGIN: allow /api/shopper/login for the demo shoppers
    timezone: str  # KEFU_TIMEZONE: the shop's day for daily statistics

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> "Settings":
        env = os.environ if env is None else env
        secret = env.get("KEFU_GATEWAY_SECRET", "")
        if len(secret) < MIN_SECRET_CHARS:
            raise SettingsError(
                f"KEFU_GATEWAY_SECRET must be set to a random string of at least {MIN_SECRET_CHARS} "
                "characters (`make run` generates one into .run/gateway_secret)"
            )
        rasa_urls = tuple(
            url.strip().rstrip("/")
            for url in (env.get("KEFU_RASA_URLS") or f"http://127.0.0.1:{env.get('RASA_PORT', '5005')}").split(",")
            if url.strip()
        )
        try:
            return cls(
                secret=secret,
                redis_url=redis_url_from_env(env),
                key_prefix=env.get("KEFU_HANDOFF_PREFIX") or DEFAULT_PREFIX,
                rasa_urls=rasa_urls,
                rasa_token=env.get("RASA_AUTH_TOKEN", ""),
                host=env.get("KEFU_GATEWAY_HOST") or "127.0.0.1",
                port=int(env.get("KEFU_GATEWAY_PORT") or 8080),
                shopper_token_hours=float(env.get("KEFU_SHOPPER_TOKEN_HOURS") or 24),
                agent_token_hours=float(env.get("KEFU_AGENT_TOKEN_HOURS") or 10),
                rasa_timeout_seconds=float(env.get("KEFU_RASA_TIMEOUT_SECONDS") or 30),
                policies_dir=_project_path(env.get("KEFU_POLICIES_DIR") or "data/policies"),
                texts_path=_project_path(env.get("KEFU_GATEWAY_TEXTS") or "data/texts/gateway.yml"),
                demo_login=(env.get("KEFU_DEMO_LOGIN") or "true").lower() in ("1", "true", "yes"),
                timezone=env.get("KEFU_TIMEZONE") or "Asia/Shanghai",
            )
        except ValueError as exc:
            raise SettingsError(f"malformed number in the gateway settings: {exc}") from exc
