"""The agent queue against a real redis-server: order, idempotence, atomic claims, stale claims,
closing, ratings, events and durability across restarts and crashes."""
from __future__ import annotations

import asyncio
import json
from datetime import datetime
from pathlib import Path
from typing import Any, Dict, List
from zoneinfo import ZoneInfo

import pytest
import redis.asyncio as aioredis

from handoff.keys import Keys
from handoff.models import MODE_AGENT, MODE_BOT, MODE_QUEUED, Ticket
from handoff.queue import AgentQueue
from tests.redis_server import RedisServer

# 2024-11-25 10:00 in Shanghai.
T0 = datetime(2024, 11, 25, 10, 0, tzinfo=ZoneInfo("Asia/Shanghai")).timestamp()
NORMAL, VIP = 10, 100


class Clock:
    """A clock the test moves by hand."""

    def __init__(self, now: float = T0) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now


def make_ticket(n: int, priority: int = NORMAL, created_at: float = T0, **overrides: Any) -> Ticket:
    values: Dict[str, Any] = dict(
        ticket_id=f"t{n}", conversation_id=f"c{n}", shopper_id=f"s{n}", reason="request_human",
        priority=priority, summary="顾客要求转人工：订单一直没发货", created_at=created_at,
        transcript=[{"sender": "shopper", "text": "转人工", "at": created_at}],
    )
    values.update(overrides)
    return Ticket(**values)


async def enqueue_all(queue: AgentQueue, tickets: List[Ticket]) -> None:
    for ticket in tickets:
        await queue.enqueue(ticket)


async def waiting_ids(queue: AgentQueue) -> List[str]:
    return [ticket.ticket_id for ticket in await queue.waiting()]


# --- order -------------------------------------------------------------------------------------
async def test_higher_priority_first_then_longest_waiting(redis, keys):
    queue = AgentQueue(redis, keys, clock=Clock())
    first = await queue.enqueue(make_ticket(1, created_at=T0))
    second = await queue.enqueue(make_ticket(2, created_at=T0 + 0.001))
    vip = await queue.enqueue(make_ticket(3, priority=VIP, created_at=T0 + 60, vip=True))
    fourth = await queue.enqueue(make_ticket(4, created_at=T0 + 30))

    assert (first.position, second.position, vip.position, fourth.position) == (1, 2, 1, 4)
    assert all(result.created for result in (first, second, vip, fourth))
    assert await waiting_ids(queue) == ["t3", "t1", "t2", "t4"]
    assert [await queue.position(f"t{n}") for n in (1, 2, 3, 4)] == [2, 3, 1, 4]
    assert await queue.position("unknown") is None
    assert [ticket.ticket_id for ticket in await queue.waiting(limit=2)] == ["t3", "t1"]
    assert await queue.waiting(limit=0) == []


async def test_priority_outside_the_range_is_clamped(redis, keys):
    queue = AgentQueue(redis, keys, clock=Clock())
    await queue.enqueue(make_ticket(1, priority=-7, created_at=T0))
    await queue.enqueue(make_ticket(2, priority=0, created_at=T0 + 1))
    await queue.enqueue(make_ticket(3, priority=10**9, created_at=T0 + 2))
    await queue.enqueue(make_ticket(4, priority=500, created_at=T0 + 1))

    assert await waiting_ids(queue) == ["t4", "t3", "t1", "t2"]


# --- enqueue -----------------------------------------------------------------------------------
async def test_enqueue_stores_ticket_conversation_and_daily_count(redis, keys):
    queue = AgentQueue(redis, keys, clock=Clock())
    # 07:00 in Shanghai is still the previous day in UTC: the count goes to the Shanghai day.
    created_at = datetime(2024, 11, 25, 7, 0, tzinfo=ZoneInfo("Asia/Shanghai")).timestamp()
    ticket = make_ticket(1, created_at=created_at, slots={"order_id": "DD1"}, order_id="DD1")
    empty = make_ticket(2, created_at=created_at, transcript=[], reason="high_anger")
    await queue.enqueue(ticket)
    await queue.enqueue(empty)

    assert await queue.get("t1") == ticket
    assert (await queue.get("t2")).transcript == []
    assert await queue.get("unknown") is None
    assert await queue.open_ticket_id("c1") == "t1"
    assert await queue.open_ticket_id("c9") is None
    assert await redis.hgetall(keys.conversation("c1")) == {"mode": MODE_QUEUED, "ticket_id": "t1", "shopper_id": "s1"}
    assert await redis.hgetall(keys.stats("2024-11-25")) == {"handoff:request_human": "1", "handoff:high_anger": "1"}


async def test_enqueue_same_ticket_twice_changes_nothing(redis, keys):
    queue = AgentQueue(redis, keys, clock=Clock())
    await queue.enqueue(make_ticket(1))
    await queue.enqueue(make_ticket(2, created_at=T0 + 1))

    again = await queue.enqueue(make_ticket(2, created_at=T0 + 1))

    assert (again.ticket_id, again.position, again.created) == ("t2", 2, False)
    assert await waiting_ids(queue) == ["t1", "t2"]
    assert await redis.hget(keys.stats("2024-11-25"), "handoff:request_human") == "2"


async def test_enqueue_another_ticket_for_an_open_conversation_returns_the_open_one(redis, keys):
    queue = AgentQueue(redis, keys, clock=Clock())
    await queue.enqueue(make_ticket(1))

    retry = await queue.enqueue(make_ticket(2, conversation_id="c1", priority=VIP))
    assert (retry.ticket_id, retry.position, retry.created) == ("t1", 1, False)
    assert await queue.get("t2") is None

    await queue.claim("t1", "a1", answer_within=60)
    while_claimed = await queue.enqueue(make_ticket(3, conversation_id="c1"))
    assert (while_claimed.ticket_id, while_claimed.position, while_claimed.created) == ("t1", None, False)
    assert await waiting_ids(queue) == []
    assert (await redis.hgetall(keys.conversation("c1")))["mode"] == MODE_AGENT


async def test_a_new_ticket_is_accepted_after_resolve(redis, keys):
    queue = AgentQueue(redis, keys, clock=Clock())
    await queue.enqueue(make_ticket(1))
    await queue.claim("t1", "a1", answer_within=60)
    await queue.resolve("t1", "a1")

    retried = await queue.enqueue(make_ticket(1))
    assert (retried.ticket_id, retried.created) == ("t1", False)
    assert (await queue.get("t1")).status == "resolved"

    second = await queue.enqueue(make_ticket(2, conversation_id="c1", created_at=T0 + 600))
    assert (second.ticket_id, second.position, second.created) == ("t2", 1, True)
    assert await queue.open_ticket_id("c1") == "t2"
    assert (await redis.hgetall(keys.conversation("c1")))["mode"] == MODE_QUEUED


# --- claims ------------------------------------------------------------------------------------
async def test_fifty_concurrent_claimers_exactly_one_wins(redis_server, redis, keys):
    clients = [aioredis.Redis.from_url(redis_server.url, decode_responses=True) for _ in range(50)]
    try:
        await asyncio.gather(*(client.ping() for client in clients))
        queues = [AgentQueue(client, keys, clock=Clock()) for client in clients]
        for round_ in range(20):
            ticket_id = f"t{round_}"
            await queues[0].enqueue(make_ticket(round_, created_at=T0 + round_))

            results = await asyncio.gather(
                *(queue.claim(ticket_id, f"a{i}", answer_within=60) for i, queue in enumerate(queues)))

            winners = [(i, ticket) for i, ticket in enumerate(results) if ticket is not None]
            assert len(winners) == 1, f"round {round_}: {len(winners)} winners"
            winner, claimed = winners[0]
            assert (claimed.ticket_id, claimed.status, claimed.agent_id) == (ticket_id, "claimed", f"a{winner}")
            assert await queues[0].get(ticket_id) == claimed
            assert await redis.zscore(keys.claimed, ticket_id) == (T0 + 60) * 1000
            assert await redis.zscore(keys.waiting, ticket_id) is None
            holders = [i for i in range(50) if await redis.sismember(keys.agent_tickets(f"a{i}"), ticket_id)]
            assert holders == [winner]
            assert await redis.hget(keys.conversation(f"c{round_}"), "agent_id") == f"a{winner}"
    finally:
        await asyncio.gather(*(client.close() for client in clients))


async def test_concurrent_claim_next_hands_out_each_ticket_once(redis_server, redis, keys):
    clients = [aioredis.Redis.from_url(redis_server.url, decode_responses=True) for _ in range(30)]
    try:
        queue = AgentQueue(redis, keys, clock=Clock())
        await enqueue_all(queue, [make_ticket(n, created_at=T0 + n) for n in range(10)])

        results = await asyncio.gather(
            *(AgentQueue(client, keys, clock=Clock()).claim_next(f"a{i}", answer_within=60)
              for i, client in enumerate(clients)))

        claimed = [ticket.ticket_id for ticket in results if ticket is not None]
        assert sorted(claimed) == sorted(f"t{n}" for n in range(10))
        assert await waiting_ids(queue) == []
        assert await redis.zcard(keys.claimed) == 10
    finally:
        await asyncio.gather(*(client.close() for client in clients))


async def test_claim_next_takes_the_head_of_the_queue(redis, keys):
    clock = Clock()
    queue = AgentQueue(redis, keys, clock=clock)
    assert await queue.claim_next("a1", answer_within=60) is None
    await enqueue_all(queue, [make_ticket(1), make_ticket(2, priority=VIP, created_at=T0 + 5)])
    clock.now = T0 + 10

    ticket = await queue.claim_next("a1", answer_within=60)

    assert (ticket.ticket_id, ticket.status, ticket.agent_id) == ("t2", "claimed", "a1")
    assert (ticket.claimed_at, ticket.answered_at) == (T0 + 10, None)
    assert [t.ticket_id for t in await queue.claimed_by("a1")] == ["t2"]
    assert await waiting_ids(queue) == ["t1"]
    assert (await queue.claim_next("a2", answer_within=60)).ticket_id == "t1"
    assert await queue.claim_next("a3", answer_within=60) is None


async def test_only_a_waiting_ticket_can_be_claimed(redis, keys):
    queue = AgentQueue(redis, keys, clock=Clock())
    await queue.enqueue(make_ticket(1))
    assert await queue.claim("unknown", "a1", answer_within=60) is None
    assert await queue.claim("t1", "a1", answer_within=60) is not None
    assert await queue.claim("t1", "a2", answer_within=60) is None
    await queue.resolve("t1", "a1")
    assert await queue.claim("t1", "a2", answer_within=60) is None
    assert (await queue.get("t1")).agent_id == "a1"


# --- stale claims ------------------------------------------------------------------------------
async def test_unanswered_claim_is_requeued_to_the_front_after_its_deadline(redis, keys):
    clock = Clock()
    queue = AgentQueue(redis, keys, clock=clock)
    await enqueue_all(queue, [make_ticket(1), make_ticket(2, created_at=T0 + 1), make_ticket(3, created_at=T0 + 2)])
    await queue.claim("t3", "a1", answer_within=60)

    clock.now = T0 + 59
    assert await queue.requeue_stale(["a1"]) == []
    clock.now = T0 + 61
    assert await queue.requeue_stale(["a1"]) == ["t3"]

    assert await waiting_ids(queue) == ["t3", "t1", "t2"]
    assert await queue.position("t3") == 1
    ticket = await queue.get("t3")
    assert (ticket.status, ticket.agent_id, ticket.claimed_at, ticket.requeue_count) == ("waiting", None, None, 1)
    assert await queue.claimed_by("a1") == []
    assert await redis.zcard(keys.claimed) == 0
    assert await redis.hgetall(keys.conversation("c3")) == {"mode": MODE_QUEUED, "ticket_id": "t3", "shopper_id": "s3"}
    # A requeued ticket stays ahead of tickets that arrive later, even urgent ones.
    await queue.enqueue(make_ticket(4, priority=500, created_at=T0 + 62))
    assert await waiting_ids(queue) == ["t3", "t4", "t1", "t2"]


async def test_answered_claim_is_not_requeued_by_deadline(redis, keys):
    clock = Clock()
    queue = AgentQueue(redis, keys, clock=clock)
    await queue.enqueue(make_ticket(1))
    await queue.claim("t1", "a1", answer_within=60)

    assert await queue.mark_answered("t1", "a2") is False
    clock.now = T0 + 30
    assert await queue.mark_answered("t1", "a1") is True
    clock.now = T0 + 40
    assert await queue.mark_answered("t1", "a1") is True
    clock.now = T0 + 3600

    assert await queue.requeue_stale(["a1"]) == []
    ticket = await queue.get("t1")
    assert (ticket.status, ticket.agent_id, ticket.answered_at) == ("claimed", "a1", T0 + 30)


async def test_claim_of_an_agent_not_online_is_requeued(redis, keys):
    clock = Clock()
    queue = AgentQueue(redis, keys, clock=clock)
    await enqueue_all(queue, [make_ticket(1), make_ticket(2, created_at=T0 + 1)])
    await queue.claim("t1", "a1", answer_within=60)
    await queue.claim("t2", "a2", answer_within=60)
    await queue.mark_answered("t1", "a1")
    await queue.heartbeat("a1")
    await queue.heartbeat("a2")
    clock.now = T0 + 20
    await queue.heartbeat("a2")

    online = await queue.online_agents(max_age_seconds=15)
    assert online == ["a2"]
    assert await queue.requeue_stale(online) == ["t1"]
    assert await waiting_ids(queue) == ["t1"]
    assert (await queue.get("t1")).requeue_count == 1
    assert [t.ticket_id for t in await queue.claimed_by("a2")] == ["t2"]


async def test_requeue_puts_a_claimed_ticket_first(redis, keys):
    queue = AgentQueue(redis, keys, clock=Clock())
    await enqueue_all(queue, [make_ticket(1, priority=VIP), make_ticket(2, created_at=T0 + 1)])
    assert await queue.requeue("t2", "agent_left") is False
    await queue.claim("t2", "a1", answer_within=60)
    await queue.claim("t1", "a1", answer_within=60)

    assert await queue.requeue("t2", "agent_left") is True
    assert await queue.requeue("t1", "agent_left") is True
    assert await queue.requeue("t1", "agent_left") is False

    assert await waiting_ids(queue) == ["t1", "t2"]
    assert [(await queue.get(t)).requeue_count for t in ("t1", "t2")] == [1, 1]


async def test_gateways_sweeping_at_once_requeue_each_ticket_once(redis_server, redis, keys):
    clock = Clock()
    clients = [aioredis.Redis.from_url(redis_server.url, decode_responses=True) for _ in range(8)]
    try:
        queue = AgentQueue(redis, keys, clock=clock)
        await enqueue_all(queue, [make_ticket(n, created_at=T0 + n) for n in range(20)])
        for n in range(20):
            await queue.claim(f"t{n}", f"a{n % 4}", answer_within=60)
        clock.now = T0 + 120

        results = await asyncio.gather(
            *(AgentQueue(client, keys, clock=clock).requeue_stale(["a0", "a1", "a2", "a3"]) for client in clients))

        requeued = [ticket_id for result in results for ticket_id in result]
        assert sorted(requeued) == sorted(f"t{n}" for n in range(20))
        assert await redis.zcard(keys.waiting) == 20
        assert {(await queue.get(f"t{n}")).requeue_count for n in range(20)} == {1}
    finally:
        await asyncio.gather(*(client.close() for client in clients))


# --- transfer, resolve, hand back --------------------------------------------------------------
async def test_transfer_moves_the_claim_to_another_agent(redis, keys):
    clock = Clock()
    queue = AgentQueue(redis, keys, clock=clock)
    await queue.enqueue(make_ticket(1))
    await queue.claim("t1", "a1", answer_within=60)
    await queue.mark_answered("t1", "a1")
    clock.now = T0 + 100

    assert await queue.transfer("t1", "a2", "a3", answer_within=60) is False
    assert await queue.transfer("t1", "a1", "a1", answer_within=60) is False
    assert await queue.transfer("t1", "a1", "a2", answer_within=30) is True

    ticket = await queue.get("t1")
    assert (ticket.status, ticket.agent_id, ticket.claimed_at, ticket.answered_at) == ("claimed", "a2", T0 + 100, None)
    assert await queue.claimed_by("a1") == []
    assert [t.ticket_id for t in await queue.claimed_by("a2")] == ["t1"]
    assert await redis.hget(keys.conversation("c1"), "agent_id") == "a2"
    # The new agent has a fresh deadline to answer.
    clock.now = T0 + 131
    assert await queue.requeue_stale(["a1", "a2"]) == ["t1"]


async def test_resolve_closes_the_ticket_and_returns_the_conversation_to_the_bot(redis, keys):
    clock = Clock()
    queue = AgentQueue(redis, keys, clock=clock)
    await queue.enqueue(make_ticket(1))
    await queue.claim("t1", "a1", answer_within=60)
    clock.now = T0 + 300

    assert await queue.resolve("t1", "a2") is False
    assert (await queue.get("t1")).status == "claimed"
    assert await queue.resolve("t1", "a1") is True
    assert await queue.resolve("t1", "a1") is False

    ticket = await queue.get("t1")
    assert (ticket.status, ticket.agent_id, ticket.closed_at) == ("resolved", "a1", T0 + 300)
    assert await queue.open_ticket_id("c1") is None
    assert await queue.claimed_by("a1") == []
    assert await redis.zcard(keys.claimed) == 0
    assert await redis.hgetall(keys.conversation("c1")) == {"mode": MODE_BOT, "ticket_id": "t1", "shopper_id": "s1"}
    assert [t.ticket_id for t in await queue.closed_since(T0 + 300)] == ["t1"]
    assert await queue.closed_since(T0 + 301) == []


async def test_hand_back_returns_the_conversation_to_the_bot(redis, keys):
    queue = AgentQueue(redis, keys, clock=Clock())
    await queue.enqueue(make_ticket(1))
    assert await queue.hand_back("t1", "a1") is False
    await queue.claim("t1", "a1", answer_within=60)

    assert await queue.hand_back("t1", "a2") is False
    assert await queue.hand_back("t1", "a1") is True

    assert (await queue.get("t1")).status == "returned"
    assert await queue.open_ticket_id("c1") is None
    assert (await redis.hgetall(keys.conversation("c1")))["mode"] == MODE_BOT
    assert [t.ticket_id for t in await queue.closed_since(T0)] == ["t1"]


# --- ratings -----------------------------------------------------------------------------------
async def test_rate_accepts_one_rating_from_1_to_5_for_a_closed_ticket(redis, keys):
    clock = Clock()
    queue = AgentQueue(redis, keys, clock=clock)
    await enqueue_all(queue, [make_ticket(1), make_ticket(2)])
    assert await queue.rate("t1", 5) is False  # waiting
    await queue.claim("t1", "a1", answer_within=60)
    await queue.claim("t2", "a1", answer_within=60)
    assert await queue.rate("t1", 5) is False  # claimed
    await queue.resolve("t1", "a1")
    await queue.hand_back("t2", "a1")

    for bad in (0, 6, -1, 3.5, True, "4"):
        assert await queue.rate("t1", bad) is False, bad
    assert await queue.rate("unknown", 4) is False
    assert await queue.rate("t1", 4) is True
    assert await queue.rate("t1", 1) is False
    assert await queue.rate("t2", 2) is True

    assert (await queue.get("t1")).rating == 4
    assert (await queue.get("t2")).rating == 2
    stats = await redis.hgetall(keys.stats("2024-11-25"))
    assert (stats["rating_sum"], stats["rating_count"]) == ("6", "2")


# --- presence ----------------------------------------------------------------------------------
async def test_agent_presence(redis, keys):
    clock = Clock()
    queue = AgentQueue(redis, keys, clock=clock)
    await queue.heartbeat("a1")
    clock.now = T0 + 5
    await queue.heartbeat("a2")
    await queue.heartbeat("a3")

    assert sorted(await queue.online_agents(max_age_seconds=10)) == ["a1", "a2", "a3"]
    clock.now = T0 + 12
    assert sorted(await queue.online_agents(max_age_seconds=10)) == ["a2", "a3"]
    await queue.agent_offline("a3")
    assert await queue.online_agents(max_age_seconds=10) == ["a2"]


# --- events ------------------------------------------------------------------------------------
async def next_messages(pubsub: aioredis.client.PubSub, count: int) -> List[Dict[str, Any]]:
    """The next `count` published messages as {"channel", **payload}."""
    received: List[Dict[str, Any]] = []
    for _ in range(count):
        message = None
        for _ in range(50):
            message = await pubsub.get_message(ignore_subscribe_messages=True, timeout=0.1)
            if message is not None:
                break
        assert message is not None, f"only {len(received)} of {count} messages arrived: {received}"
        received.append({"channel": message["channel"], **json.loads(message["data"])})
    return received


async def test_every_change_publishes_a_queue_and_a_state_event(redis, keys):
    queue = AgentQueue(redis, keys, clock=Clock())
    pubsub = redis.pubsub()
    await pubsub.subscribe(keys.queue_events, keys.conversation_events("c1"))
    try:
        q, c = keys.queue_events, keys.conversation_events("c1")

        def queue_event(event: str, agent_id: Any, **extra: Any) -> Dict[str, Any]:
            return {"channel": q, "type": "queue", "event": event, "ticket_id": "t1",
                    "conversation_id": "c1", "agent_id": agent_id, **extra}

        def state(mode: str, agent_id: Any, status: str) -> Dict[str, Any]:
            return {"channel": c, "type": "state", "mode": mode, "agent_id": agent_id,
                    "ticket_id": "t1", "status": status}

        await queue.enqueue(make_ticket(1))
        await queue.enqueue(make_ticket(1))  # idempotent: publishes nothing
        await queue.claim("t1", "a1", answer_within=60)
        await queue.requeue("t1", "agent_left")
        await queue.claim("t1", "a1", answer_within=60)
        await queue.transfer("t1", "a1", "a2", answer_within=60)
        await queue.resolve("t1", "a1")  # refused: publishes nothing
        await queue.resolve("t1", "a2")
        await queue.rate("t1", 5)

        assert await next_messages(pubsub, 13) == [
            queue_event("enqueued", None), state(MODE_QUEUED, None, "waiting"),
            queue_event("claimed", "a1"), state(MODE_AGENT, "a1", "claimed"),
            queue_event("requeued", "a1", reason="agent_left"), state(MODE_QUEUED, None, "waiting"),
            queue_event("claimed", "a1"), state(MODE_AGENT, "a1", "claimed"),
            queue_event("transferred", "a2", from_agent_id="a1"), state(MODE_AGENT, "a2", "claimed"),
            queue_event("resolved", "a2"), state(MODE_BOT, None, "resolved"),
            queue_event("rated", "a2", rating=5),
        ]
        assert await pubsub.get_message(ignore_subscribe_messages=True, timeout=0.2) is None
    finally:
        await pubsub.close()


async def test_hand_back_publishes_returned(redis, keys):
    queue = AgentQueue(redis, keys, clock=Clock())
    await queue.enqueue(make_ticket(1))
    await queue.claim("t1", "a1", answer_within=60)
    pubsub = redis.pubsub()
    await pubsub.subscribe(keys.queue_events, keys.conversation_events("c1"))
    try:
        await queue.hand_back("t1", "a1")
        events = await next_messages(pubsub, 2)
        assert [e.get("event") for e in events] == ["returned", None]
        assert (events[1]["mode"], events[1]["status"]) == (MODE_BOT, "returned")
    finally:
        await pubsub.close()


# --- durability --------------------------------------------------------------------------------
async def check_survived(server: RedisServer, keys: Keys) -> None:
    client = aioredis.Redis.from_url(server.url, decode_responses=True)
    try:
        queue = AgentQueue(client, keys, clock=Clock(T0 + 10))
        assert await waiting_ids(queue) == ["t2", "t3"]
        claimed = await queue.get("t1")
        assert claimed == make_ticket(1, created_at=T0 + 1, status="claimed", agent_id="a1", claimed_at=T0 + 5)
        assert [t.ticket_id for t in await queue.claimed_by("a1")] == ["t1"]
        assert await queue.open_ticket_id("c1") == "t1"
        assert await client.zscore(keys.claimed, "t1") == (T0 + 65) * 1000
        # The scripts are loaded again after the restart.
        assert (await queue.claim_next("a2", answer_within=60)).ticket_id == "t2"
    finally:
        await client.close()


async def fill(server: RedisServer, keys: Keys) -> None:
    client = aioredis.Redis.from_url(server.url, decode_responses=True)
    try:
        clock = Clock()
        queue = AgentQueue(client, keys, clock=clock)
        await enqueue_all(queue, [make_ticket(n, created_at=T0 + n) for n in (1, 2, 3)])
        clock.now = T0 + 5
        await queue.claim("t1", "a1", answer_within=60)
    finally:
        await client.close()


@pytest.mark.parametrize("crash", [False, True], ids=["stop", "kill"])
async def test_queue_survives_a_restart(tmp_path: Path, keys, crash: bool):
    server = RedisServer(tmp_path)
    server.start()
    try:
        await fill(server, keys)
        if crash:
            await asyncio.sleep(1.5)  # appendfsync everysec
            server.kill()
        else:
            server.stop()
        server.start()
        await check_survived(server, keys)
    finally:
        server.stop()


async def test_queue_needs_decoded_responses(redis_server, keys):
    client = aioredis.Redis.from_url(redis_server.url)
    try:
        with pytest.raises(ValueError):
            AgentQueue(client, keys)
    finally:
        await client.close()
