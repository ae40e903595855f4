"""Settings of the order services, read once from the environment at start-up."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

PROJECT_ROOT = Path(__file__).parents[2]


def _project_path(value: str) -> Path:
    """Relative paths are taken from the project root, so the working directory does not matter."""
    path = Path(value).expanduser()
    return path if path.is_absolute() else PROJECT_ROOT / path


@dataclass(frozen=True)
class Settings:
    db_path: Path  # KEFU_DB_PATH, default .run/kefu.db
    policies_dir: Path  # KEFU_POLICIES_DIR, default data/policies
    order_store: str  # KEFU_ORDER_STORE: "sqlite" or "package.module:factory"
    timezone: str  # KEFU_TIMEZONE, default Asia/Shanghai

    def __post_init__(self) -> None:
        # Fail at start-up, not on the first message, if the zone name is wrong.
        try:
            ZoneInfo(self.timezone)
        except (ZoneInfoNotFoundError, ValueError) as exc:
            raise ValueError(f"KEFU_TIMEZONE: unknown time zone {self.timezone!r}") from exc

    @property
    def tzinfo(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> Settings:
        env = os.environ if env is None else env
        return cls(
            db_path=_project_path(env.get("KEFU_DB_PATH") or ".run/kefu.db"),
            policies_dir=_project_path(env.get("KEFU_POLICIES_DIR") or "data/policies"),
            order_store=env.get("KEFU_ORDER_STORE") or "sqlite",
            timezone=env.get("KEFU_TIMEZONE") or "Asia/Shanghai",
        )
