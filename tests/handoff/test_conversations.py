"""Conversation ownership, the message log and strictly ordered turns, on a real Redis."""
import asyncio

import redis.asyncio as aioredis

from handoff.conversations import TURN_TTL_MS, ConversationStore
from handoff.models import MODE_BOT, Message


async def test_a_shopper_keeps_one_conversation(redis, keys):
    store = ConversationStore(redis, keys)
    first = await store.conversation_for("u1001")
    assert await store.conversation_for("u1001") == first
    assert await store.conversation_for("u1002") != first
    assert await store.owner(first) == "u1001"
    assert (await store.state(first))["mode"] == MODE_BOT


async def test_concurrent_first_messages_create_one_conversation(redis, keys):
    store = ConversationStore(redis, keys)
    ids = await asyncio.gather(*(store.conversation_for("u1003") for _ in range(20)))
    assert len(set(ids)) == 1
    assert await store.owner(ids[0]) == "u1003"


async def test_the_log_keeps_messages_in_order_and_publishes_them(redis, keys):
    store = ConversationStore(redis, keys)
    conversation = await store.conversation_for("u1001")
    pubsub = redis.pubsub()
    await pubsub.subscribe(keys.conversation_events(conversation))
    await pubsub.get_message(timeout=1)  # the subscribe confirmation
    await store.append(conversation, Message(sender="shopper", text="<b>我的订单</b>😀", at=1.0))
    await store.append(conversation, Message(sender="bot", text="请选择订单", at=2.0))
    history = await store.history(conversation)
    assert [(m.sender, m.text) for m in history] == [("shopper", "<b>我的订单</b>😀"), ("bot", "请选择订单")]
    assert all(m.message_id for m in history)
    assert [m.text for m in await store.history(conversation, since=1.5)] == ["请选择订单"]
    event = await pubsub.get_message(ignore_subscribe_messages=True, timeout=1)
    assert '"<b>我的订单</b>😀"' in event["data"]
    await pubsub.close()


async def test_a_client_message_id_is_handled_once(redis, keys):
    store = ConversationStore(redis, keys)
    conversation = await store.conversation_for("u1001")
    assert await store.first_time(conversation, "m-1")
    assert not await store.first_time(conversation, "m-1")
    assert await store.first_time(conversation, "m-2")


async def test_turns_run_one_at_a_time_in_arrival_order_across_connections(redis_server, keys):
    # Two clients stand for two gateway instances.
    clients = [aioredis.Redis.from_url(redis_server.url, decode_responses=True) for _ in range(2)]
    stores = [ConversationStore(client, keys) for client in clients]
    conversation = await stores[0].conversation_for("u1001")
    turns_key = keys.turns(conversation)
    running, order = [], []

    async def handle(i: int) -> None:
        async with stores[i % 2].turn(conversation):
            running.append(i)
            assert len(running) == 1, "two turns overlapped"
            order.append(i)
            await asyncio.sleep(0.005)
            running.remove(i)

    tasks = []
    async with stores[0].turn(conversation):  # the conversation is busy while the others arrive
        for i in range(12):
            tasks.append(asyncio.create_task(handle(i)))
            while await clients[0].llen(turns_key) < i + 2:  # message i has taken its place
                await asyncio.sleep(0.001)
    await asyncio.gather(*tasks)
    assert order == list(range(12))
    assert await clients[0].llen(turns_key) == 0
    for client in clients:
        await client.close()


async def test_a_turn_left_by_a_dead_gateway_expires(redis, keys):
    store = ConversationStore(redis, keys)
    conversation = await store.conversation_for("u1001")
    # A gateway took a turn and died: its turn id is queued, its liveness key about to expire.
    await redis.set(keys.turn_alive("dead"), 1, px=200)
    await redis.rpush(keys.turns(conversation), "dead")
    started = asyncio.get_running_loop().time()
    async with store.turn(conversation):
        waited = asyncio.get_running_loop().time() - started
    assert 0.1 < waited < TURN_TTL_MS / 1000
