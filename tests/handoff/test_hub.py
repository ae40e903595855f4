"""The hub's fan-out on a real Redis: a client that follows a channel because of an event hears what follows it."""
import asyncio
import json
from typing import Any, Dict

import pytest

from handoff.hub import Hub


@pytest.fixture
async def hub(redis, keys):
    hub = Hub(redis, keys)
    await hub.start()
    await asyncio.wait_for(hub.connected.wait(), timeout=5)
    yield hub
    await hub.stop()


async def publish_back_to_back(redis, *events: tuple) -> None:
    """Publish in one round trip, so the hub reads the events together, as when a transfer is followed
    at once by its notice."""
    async with redis.pipeline(transaction=True) as pipe:
        for channel, event in events:
            pipe.publish(channel, json.dumps(event))
        await pipe.execute()


async def test_a_channel_followed_on_an_event_hears_the_next_event(hub, redis, keys):
    conversation = keys.conversation_events("c1")

    def follow_on_transfer(event: Dict[str, Any]) -> None:
        if event.get("event") == "transferred":
            subscription.follow(conversation)

    subscription = hub.subscribe(on_event=follow_on_transfer)
    subscription.follow(keys.queue_events)
    await publish_back_to_back(
        redis,
        (keys.queue_events, {"type": "queue", "event": "transferred", "conversation_id": "c1"}),
        (conversation, {"type": "message", "text": "已为您转接"}),
    )
    first = await asyncio.wait_for(subscription.events.get(), timeout=5)
    second = await asyncio.wait_for(subscription.events.get(), timeout=5)
    assert first["event"] == "transferred"
    assert second["text"] == "已为您转接"


async def test_a_channel_not_followed_is_not_heard(hub, redis, keys):
    subscription = hub.subscribe()
    subscription.follow(keys.queue_events)
    await publish_back_to_back(
        redis,
        (keys.conversation_events("c1"), {"type": "message", "text": "别人的对话"}),
        (keys.queue_events, {"type": "queue", "event": "claimed", "conversation_id": "c1"}),
    )
    only = await asyncio.wait_for(subscription.events.get(), timeout=5)
    assert only["event"] == "claimed"
    assert subscription.events.empty()
