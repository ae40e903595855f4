"""Fixtures shared by the whole test suite."""

from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from actions.services.seed import seed
from actions.services.sqlite_store import SQLiteOrderStore


@pytest.fixture
def demo_now() -> datetime:
    """The fixed "now" the demo database is seeded relative to."""
    return datetime(2024, 11, 25, 10, 0, tzinfo=ZoneInfo("Asia/Shanghai"))


@pytest.fixture
def seeded_db(tmp_path: Path, demo_now: datetime) -> Path:
    """A fresh demo database file (see actions/services/seed.py for its orders)."""
    db_path = tmp_path / "kefu.db"
    seed(db_path, demo_now)
    return db_path


@pytest.fixture
def order_store(seeded_db: Path, demo_now: datetime) -> SQLiteOrderStore:
    """A store on the seeded database whose clock is stopped at demo_now."""
    return SQLiteOrderStore(seeded_db, clock=lambda: demo_now)
