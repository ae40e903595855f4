"""Fan-out of Redis pub/sub events to this process's WebSocket clients.

One pattern subscription per gateway process, instead of one Redis connection per client. Events
published by any gateway instance (or by the action server's queue calls) reach every instance.
"""
from __future__ import annotations

import asyncio
import contextlib
import json
import logging
from collections import defaultdict
from typing import Any, Callable, Dict, Optional, Set

import redis.asyncio as aioredis

from handoff.keys import Keys

logger = logging.getLogger(__name__)

CLIENT_BACKLOG = 1000
RECONNECT_SECONDS = 1.0


class Subscription:
    """The events one client receives, from the channels it follows."""

    def __init__(self, hub: "Hub", on_event: Optional[Callable[[Dict[str, Any]], None]] = None) -> None:
        self._hub = hub
        # Called as each event arrives, before the next one is dispatched: a client that must follow
        # a new channel because of an event (an agent given a ticket) follows it in time for the
        # messages published right after that event.
        self._on_event = on_event
        self.channels: Set[str] = set()
        self.events: asyncio.Queue[Dict[str, Any]] = asyncio.Queue(maxsize=CLIENT_BACKLOG)
        self.overflowed = False

    def follow(self, channel: str) -> None:
        self.channels.add(channel)
        self._hub._followers[channel].add(self)

    def unfollow(self, channel: str) -> None:
        self.channels.discard(channel)
        followers = self._hub._followers.get(channel)
        if followers is not None:
            followers.discard(self)
            if not followers:
                del self._hub._followers[channel]

    def close(self) -> None:
        for channel in list(self.channels):
            self.unfollow(channel)

    def deliver(self, event: Dict[str, Any]) -> None:
        if self._on_event is not None:
            self._on_event(event)
        try:
            self.events.put_nowait(event)
        except asyncio.QueueFull:
            # A client this far behind is gone or stuck: its socket is closed and it reloads history.
            self.overflowed = True


class Hub:
    def __init__(self, redis: aioredis.Redis, keys: Keys) -> None:
        self._redis = redis
        self._pattern = f"{keys.prefix}:events:*"
        self._followers: Dict[str, Set[Subscription]] = defaultdict(set)
        self._task: asyncio.Task | None = None
        self.connected = asyncio.Event()

    def subscribe(self, on_event: Optional[Callable[[Dict[str, Any]], None]] = None) -> Subscription:
        return Subscription(self, on_event)

    async def start(self) -> None:
        self._task = asyncio.create_task(self._run())

    async def stop(self) -> None:
        if self._task:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task

    async def _run(self) -> None:
        while True:
            pubsub = self._redis.pubsub()
            try:
                await pubsub.psubscribe(self._pattern)
                self.connected.set()
                while True:
                    # A short read timeout, not listen(): an idle channel is not a broken connection.
                    item = await pubsub.get_message(ignore_subscribe_messages=True, timeout=1.0)
                    if item is not None and item.get("type") == "pmessage":
                        self._dispatch(item["channel"], item["data"])
            except (aioredis.ConnectionError, aioredis.TimeoutError, OSError) as exc:
                self.connected.clear()
                logger.warning("gateway.hub.disconnected error=%s", exc)
                await asyncio.sleep(RECONNECT_SECONDS)
            finally:
                with contextlib.suppress(Exception):
                    await pubsub.close()

    def _dispatch(self, channel: str, data: str) -> None:
        followers = self._followers.get(channel)
        if not followers:
            return
        try:
            event = json.loads(data)
        except ValueError:
            logger.warning("gateway.hub.bad_event channel=%s", channel)
            return
        event["channel"] = channel
        for subscription in list(followers):
            subscription.deliver(event)
