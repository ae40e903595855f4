"""Fixtures shared by the whole test suite: the demo order database and a private redis-server."""

import uuid
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
import redis.asyncio as aioredis

from actions.services.seed import seed
from actions.services.sqlite_store import SQLiteOrderStore
from handoff.keys import Keys
from tests.redis_server import RedisServer
from tests.stack import stack  # noqa: F401  (one real Rasa stack per session, shared by e2e and browser tests)


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


@pytest.fixture(scope="session")
def redis_server(tmp_path_factory):
    """A real redis-server started by the tests (free port, temp dir, AOF on)."""
    server = RedisServer(tmp_path_factory.mktemp("redis"))
    server.start()
    yield server
    server.stop()


@pytest.fixture
def keys() -> Keys:
    """Every test gets its own key prefix, so no test sees another's leftovers."""
    return Keys(prefix=f"test:{uuid.uuid4().hex[:12]}")


@pytest.fixture
async def redis(redis_server):
    client = aioredis.Redis.from_url(redis_server.url, decode_responses=True)
    yield client
    await client.close()
