"""Builds the gateway application: Redis, the Rasa client, the pub/sub hub, the bridge and a sweeper
that gives stale claims back to the queue. Everything is created in start-up hooks, none at import."""
from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from pathlib import Path
from typing import Any, AsyncIterator, Awaitable, Callable, Dict, List, Optional

import aiohttp
import redis.asyncio as aioredis
import yaml
from aiohttp import WSCloseCode, web

from actions.services.policies import load_policies
from actions.services.settings import Settings as StoreSettings
from actions.services.store import OrderStore, StoreError, open_store
from bot.sentiment.detector import Detector, default_detector
from handoff import routes
from handoff.agents import AgentDirectory
from handoff.bridge import Bridge, Texts
from handoff.connection import redis_from_url
from handoff.conversations import ConversationStore
from handoff.hub import Hub
from handoff.keys import Keys
from handoff.policy import HandoffPolicy
from handoff.queue import AgentQueue
from handoff.rasa_client import RasaClient
from handoff.settings import Settings
from handoff.tokens import ROLE_AGENT, ROLE_SHOPPER, TokenSigner

logger = logging.getLogger(__name__)

SWEEP_SECONDS = 2.0
MAX_REQUEST_BYTES = 64 * 1024
CANNED_REPLIES_FILE = "canned_replies.yml"  # next to the gateway texts


def load_texts(path: Path) -> Texts:
    with path.open(encoding="utf-8") as f:
        data = yaml.safe_load(f)
    return Texts(shopper=dict(data["shopper"]), agent=dict(data["agent"]))


def _warm(detector: Detector) -> Detector:
    """Load the detector's lexicons, tone model and polarity segmenter now, not while the first
    shopper waits (the segmenter alone took 1.2 s on the first message handed to an agent)."""
    detector.warm_up()
    return detector


def demo_shopper_lookup(store: OrderStore) -> Callable[[str], Awaitable[Optional[str]]]:
    """The demo login accepts the shoppers of the order store (actions/services), by id."""

    async def lookup(shopper_id: str) -> Optional[str]:
        try:
            shopper = await store.get_shopper(shopper_id)
        except StoreError:
            return None
        return shopper.name if shopper else None

    return lookup


async def _sweep(bridge: Bridge) -> None:
    while True:
        await asyncio.sleep(SWEEP_SECONDS)
        try:
            await bridge.requeue_stale()
        except (aioredis.RedisError, OSError) as exc:
            logger.warning("handoff.sweeper.failed error=%s", exc)


def create_app(
    settings: Settings,
    shopper_lookup: Optional[Callable[[str], Awaitable[Optional[str]]]] = None,
    clock: Callable[[], float] = time.time,
) -> web.Application:
    app = web.Application(middlewares=[routes.errors_middleware], client_max_size=MAX_REQUEST_BYTES)
    keys = Keys(settings.key_prefix)
    app[routes.KEYS] = keys
    app[routes.SIGNER] = TokenSigner(settings.secret, clock)
    app[routes.TOKEN_HOURS] = {ROLE_SHOPPER: settings.shopper_token_hours, ROLE_AGENT: settings.agent_token_hours}

    async def resources(app: web.Application) -> AsyncIterator[None]:
        redis = redis_from_url(settings.redis_url)
        session = aiohttp.ClientSession()
        hub = Hub(redis, keys)
        queue = AgentQueue(redis, keys, clock, timezone=settings.timezone)
        bridge = Bridge(
            conversations=ConversationStore(redis, keys),
            queue=queue,
            agents=AgentDirectory(redis, keys),
            rasa=RasaClient(session, settings.rasa_urls, settings.rasa_token, settings.rasa_timeout_seconds),
            policy=HandoffPolicy.load(settings.policies_dir / "handoff.yml"),
            texts=load_texts(settings.texts_path),
            detector=_warm(default_detector()),
            mood_history=load_policies(settings.policies_dir).escalation.history_messages,
            clock=clock,
        )
        app[routes.REDIS], app[routes.HUB], app[routes.BRIDGE] = redis, hub, bridge
        # The order store the console reads orders from (actions/services, same settings).
        orders = open_store(StoreSettings.from_env())
        app[routes.SHOPPER_LOOKUP] = shopper_lookup or (demo_shopper_lookup(orders) if settings.demo_login
                                                         else _no_demo_login)
        app[routes.ORDERS] = orders
        app[routes.CANNED_REPLIES] = load_canned_replies(settings.texts_path.with_name(CANNED_REPLIES_FILE))
        await hub.start()
        sweeper = asyncio.create_task(_sweep(bridge))
        yield
        sweeper.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await sweeper
        await hub.stop()
        await session.close()
        await redis.close()

    app[routes.SOCKETS] = set()
    app.cleanup_ctx.append(resources)
    app.on_shutdown.append(_close_sockets)
    app.add_routes(routes.routes)
    return app


async def _close_sockets(app: web.Application) -> None:
    """Close open WebSockets at shutdown ("going away"), so pages reconnect to another instance at once."""
    for ws in list(app[routes.SOCKETS]):
        await ws.close(code=WSCloseCode.GOING_AWAY, message=b"server shutdown")


async def _no_demo_login(shopper_id: str) -> Optional[str]:
    return None


def load_canned_replies(path: Path) -> List[Dict[str, Any]]:
    """Groups of ready-made agent replies: [{"title": ..., "replies": [...]}, ...]."""
    with path.open(encoding="utf-8") as f:
        data = yaml.safe_load(f) or {}
    groups = data.get("groups") or []
    if not all(isinstance(g, dict) and isinstance(g.get("title"), str)
               and all(isinstance(r, str) for r in g.get("replies") or []) for g in groups):
        raise ValueError(f"{path}: expected groups: [{{title: ..., replies: [text, ...]}}]")
    return [{"title": g["title"], "replies": list(g.get("replies") or [])} for g in groups]
