"""The durable agent queue: handoff tickets in Redis, claimed by human agents.

One structure per state (waiting, claimed and closed sorted sets, an agent's ticket set), so each
state can be listed and a sweeper can requeue stale claims. Every state change is one Lua script,
so it is atomic with its bookkeeping and with the events it publishes.

A ticket is a hash at ``keys.ticket(id)``: ``body`` holds the ticket JSON as enqueued and never
changes; the other fields (status, agent_id, claimed_at, answered_at, closed_at, rating,
requeue_count) are the mutable state, and ``get()`` merges the two.

Several scripts touch keys that depend on state read inside the script (the head of the queue,
the agent holding a ticket, the ticket's conversation). They build those keys from templates made
by ``Keys``, so the key layout stays in keys.py. This needs a standalone Redis, not a cluster.
"""
from __future__ import annotations

import json
import time
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Callable, Collection, Dict, List, Optional, Sequence, Tuple
from zoneinfo import ZoneInfo

import redis.asyncio
from redis.commands.core import AsyncScript

from handoff.keys import Keys
from handoff.models import Ticket

MAX_PRIORITY = 500
# Waiting score = (MAX_PRIORITY - priority) * PRIORITY_STEP + created_ms. created_ms stays below
# 1e13 until the year 2286 and the largest score (5e15 + 1e13) below 2**53, so scores are exact.
PRIORITY_STEP = 10**13
RATINGS = range(1, 6)

# Placeholder for the id part of a key template; cannot occur in a real id.
_HOLE = "\x00"
_TEMPLATED_KEYS = ("ticket", "conversation", "open_ticket", "agent_tickets", "conversation_events")

# Every script gets KEYS = waiting, claimed, closed, queue_events and ARGV[1] = the key templates.
_PRELUDE = """
local WAITING, CLAIMED, CLOSED, QUEUE_EVENTS = KEYS[1], KEYS[2], KEYS[3], KEYS[4]
local TEMPLATES = cjson.decode(ARGV[1])

local function key(name, id)
  return TEMPLATES[name][1] .. id .. TEMPLATES[name][2]
end

local function queue_event(event, id, conv, agent, extra)
  local payload = {type = 'queue', event = event, ticket_id = id, conversation_id = conv,
                   agent_id = agent or cjson.null}
  for name, value in pairs(extra or {}) do payload[name] = value end
  redis.call('PUBLISH', QUEUE_EVENTS, cjson.encode(payload))
end

local function state_event(conv, id, mode, agent, status)
  redis.call('PUBLISH', key('conversation_events', conv), cjson.encode(
    {type = 'state', mode = mode, agent_id = agent or cjson.null, ticket_id = id, status = status}))
end

-- A waiting ticket becomes claimed by agent; returns the ticket hash, or false.
local function claim(id, agent, now, deadline_ms)
  local tkey = key('ticket', id)
  if redis.call('HGET', tkey, 'status') ~= 'waiting' then return false end
  local conv = redis.call('HGET', tkey, 'conversation_id')
  redis.call('HSET', tkey, 'status', 'claimed', 'agent_id', agent, 'claimed_at', now)
  redis.call('HDEL', tkey, 'answered_at')
  redis.call('ZREM', WAITING, id)
  redis.call('ZADD', CLAIMED, deadline_ms, id)
  redis.call('SADD', key('agent_tickets', agent), id)
  redis.call('HSET', key('conversation', conv), 'mode', 'agent', 'agent_id', agent)
  queue_event('claimed', id, conv, agent)
  state_event(conv, id, 'agent', agent, 'claimed')
  return redis.call('HGETALL', tkey)
end

-- A claimed ticket goes back to the front of the waiting queue.
local function requeue(id, why)
  local tkey = key('ticket', id)
  if redis.call('HGET', tkey, 'status') ~= 'claimed' then return false end
  local conv = redis.call('HGET', tkey, 'conversation_id')
  local agent = redis.call('HGET', tkey, 'agent_id')
  -- New tickets never score below 0, so requeued tickets stay ahead of them.
  local head = redis.call('ZRANGE', WAITING, 0, 0, 'WITHSCORES')
  local front = -1
  if head[2] then front = math.min(tonumber(head[2]), 0) - 1 end
  redis.call('HSET', tkey, 'status', 'waiting')
  redis.call('HDEL', tkey, 'agent_id', 'claimed_at', 'answered_at')
  redis.call('HINCRBY', tkey, 'requeue_count', 1)
  redis.call('ZREM', CLAIMED, id)
  redis.call('ZADD', WAITING, string.format('%.17g', front), id)
  if agent then redis.call('SREM', key('agent_tickets', agent), id) end
  redis.call('HSET', key('conversation', conv), 'mode', 'queued')
  redis.call('HDEL', key('conversation', conv), 'agent_id')
  queue_event('requeued', id, conv, agent, {reason = why})
  state_event(conv, id, 'queued', false, 'waiting')
  return true
end

-- The conversation of the ticket, if agent holds it (else false).
local function held_by(id, agent)
  local tkey = key('ticket', id)
  local state = redis.call('HMGET', tkey, 'status', 'agent_id', 'conversation_id')
  if state[1] ~= 'claimed' or state[2] ~= agent then return false end
  return state[3]
end
"""

_ENQUEUE = """
local id, conv, shopper, body, score, reason, stats = ARGV[2], ARGV[3], ARGV[4], ARGV[5], ARGV[6], ARGV[7], ARGV[8]
local open_key = key('open_ticket', conv)
local existing = redis.call('GET', open_key)
if not existing and redis.call('EXISTS', key('ticket', id)) == 1 then existing = id end
if existing then
  return {existing, 0, redis.call('ZRANK', WAITING, existing) or -1}
end
redis.call('HSET', key('ticket', id), 'body', body, 'conversation_id', conv, 'status', 'waiting',
           'requeue_count', 0)
redis.call('ZADD', WAITING, score, id)
redis.call('SET', open_key, id)
redis.call('HSET', key('conversation', conv), 'mode', 'queued', 'ticket_id', id, 'shopper_id', shopper)
redis.call('HDEL', key('conversation', conv), 'agent_id')
redis.call('HINCRBY', stats, 'handoff:' .. reason, 1)
queue_event('enqueued', id, conv, false)
state_event(conv, id, 'queued', false, 'waiting')
return {id, 1, redis.call('ZRANK', WAITING, id)}
"""

_CLAIM = """
return claim(ARGV[2], ARGV[3], ARGV[4], ARGV[5])
"""

_CLAIM_NEXT = """
local head = redis.call('ZRANGE', WAITING, 0, 0)
if not head[1] then return false end
return claim(head[1], ARGV[2], ARGV[3], ARGV[4])
"""

_MARK_ANSWERED = """
local id, agent, now = ARGV[2], ARGV[3], ARGV[4]
if not held_by(id, agent) then return 0 end
redis.call('HSETNX', key('ticket', id), 'answered_at', now)
redis.call('ZADD', CLAIMED, 'XX', '+inf', id)
return 1
"""

_REQUEUE = """
return requeue(ARGV[2], ARGV[3]) and 1 or 0
"""

_REQUEUE_STALE = """
local now_ms, online = ARGV[2], {}
for _, agent in ipairs(cjson.decode(ARGV[3])) do online[agent] = true end
local requeued = {}
for _, id in ipairs(redis.call('ZRANGEBYSCORE', CLAIMED, '-inf', now_ms)) do
  if requeue(id, 'answer_timeout') then table.insert(requeued, id) end
end
for _, id in ipairs(redis.call('ZRANGE', CLAIMED, 0, -1)) do
  if not online[redis.call('HGET', key('ticket', id), 'agent_id')] then
    if requeue(id, 'agent_offline') then table.insert(requeued, id) end
  end
end
return requeued
"""

_TRANSFER = """
local id, from, to, now, deadline_ms = ARGV[2], ARGV[3], ARGV[4], ARGV[5], ARGV[6]
local conv = held_by(id, from)
if not conv or from == to then return 0 end
local tkey = key('ticket', id)
redis.call('HSET', tkey, 'agent_id', to, 'claimed_at', now)
redis.call('HDEL', tkey, 'answered_at')
redis.call('ZADD', CLAIMED, deadline_ms, id)
redis.call('SREM', key('agent_tickets', from), id)
redis.call('SADD', key('agent_tickets', to), id)
redis.call('HSET', key('conversation', conv), 'agent_id', to)
queue_event('transferred', id, conv, to, {from_agent_id = from})
state_event(conv, id, 'agent', to, 'claimed')
return 1
"""

# resolve and hand_back: ARGV[6] is the closed status (resolved / returned), also the event name.
_CLOSE = """
local id, agent, now, now_ms, status = ARGV[2], ARGV[3], ARGV[4], ARGV[5], ARGV[6]
local conv = held_by(id, agent)
if not conv then return 0 end
redis.call('HSET', key('ticket', id), 'status', status, 'closed_at', now)
redis.call('ZREM', CLAIMED, id)
redis.call('ZADD', CLOSED, now_ms, id)
redis.call('SREM', key('agent_tickets', agent), id)
if redis.call('GET', key('open_ticket', conv)) == id then redis.call('DEL', key('open_ticket', conv)) end
redis.call('HSET', key('conversation', conv), 'mode', 'bot')
redis.call('HDEL', key('conversation', conv), 'agent_id')
queue_event(status, id, conv, agent)
state_event(conv, id, 'bot', false, status)
return 1
"""

# Rating does not change the conversation's state, so it only publishes a queue event.
_RATE = """
local id, rating, stats = ARGV[2], ARGV[3], ARGV[4]
local tkey = key('ticket', id)
local state = redis.call('HMGET', tkey, 'status', 'rating', 'conversation_id', 'agent_id')
if (state[1] ~= 'resolved' and state[1] ~= 'returned') or state[2] then return 0 end
redis.call('HSET', tkey, 'rating', rating)
redis.call('HINCRBY', stats, 'rating_sum', rating)
redis.call('HINCRBY', stats, 'rating_count', 1)
queue_event('rated', id, state[3], state[4], {rating = tonumber(rating)})
return 1
"""


@dataclass(frozen=True)
class EnqueueResult:
    ticket_id: str
    position: Optional[int]  # 1-based place among waiting tickets (None if not waiting)
    created: bool  # False when the conversation had an open ticket or the ticket id existed


class AgentQueue:
    """Handoff tickets waiting for, held by, or closed by human agents; agent presence."""

    def __init__(
        self,
        redis: "redis.asyncio.Redis",
        keys: Keys,
        clock: Callable[[], float] = time.time,
        timezone: str = "Asia/Shanghai",
    ) -> None:
        if not redis.connection_pool.connection_kwargs.get("decode_responses"):
            raise ValueError("AgentQueue needs a Redis client created with decode_responses=True")
        self._redis = redis
        self._keys = keys
        self._clock = clock
        self._tz = ZoneInfo(timezone)  # days of the daily statistics
        self._fixed_keys = [keys.waiting, keys.claimed, keys.closed, keys.queue_events]
        self._templates = json.dumps({name: _template(getattr(keys, name)) for name in _TEMPLATED_KEYS})
        self._enqueue = self._script(_ENQUEUE)
        self._claim = self._script(_CLAIM)
        self._claim_next = self._script(_CLAIM_NEXT)
        self._mark_answered = self._script(_MARK_ANSWERED)
        self._requeue = self._script(_REQUEUE)
        self._requeue_stale = self._script(_REQUEUE_STALE)
        self._transfer = self._script(_TRANSFER)
        self._close = self._script(_CLOSE)
        self._rate = self._script(_RATE)

    # --- tickets ---------------------------------------------------------------------------
    async def enqueue(self, ticket: Ticket) -> EnqueueResult:
        """Queue the ticket unless its conversation already has an open ticket or the id exists.

        Either way nothing is queued twice: a retried handoff gets the ticket it created before.
        """
        priority = min(max(int(ticket.priority), 0), MAX_PRIORITY)
        score = (MAX_PRIORITY - priority) * PRIORITY_STEP + _ms(ticket.created_at)
        ticket_id, created, rank = await self._run(
            self._enqueue, ticket.ticket_id, ticket.conversation_id, ticket.shopper_id,
            ticket.to_json(), score, ticket.reason, self._keys.stats(self._day(ticket.created_at)),
        )
        return EnqueueResult(ticket_id, int(rank) + 1 if int(rank) >= 0 else None, bool(created))

    async def position(self, ticket_id: str) -> Optional[int]:
        rank = await self._redis.zrank(self._keys.waiting, ticket_id)
        return None if rank is None else rank + 1

    async def waiting(self, limit: int = 200) -> List[Ticket]:
        """Waiting tickets in service order."""
        if limit <= 0:
            return []
        ids = await self._redis.zrange(self._keys.waiting, 0, limit - 1)
        return await self._get_many(ids)

    async def claimed_by(self, agent_id: str) -> List[Ticket]:
        """The agent's tickets, earliest claim first."""
        ids = await self._redis.smembers(self._keys.agent_tickets(agent_id))
        tickets = await self._get_many(sorted(ids))
        return sorted(tickets, key=lambda ticket: ticket.claimed_at or 0.0)

    async def get(self, ticket_id: str) -> Optional[Ticket]:
        return _ticket(await self._redis.hgetall(self._keys.ticket(ticket_id)))

    async def open_ticket_id(self, conversation_id: str) -> Optional[str]:
        return await self._redis.get(self._keys.open_ticket(conversation_id))

    async def closed_since(self, since: float) -> List[Ticket]:
        """Resolved or handed-back tickets closed at or after `since`, oldest first."""
        ids = await self._redis.zrangebyscore(self._keys.closed, _ms(since), "+inf")
        return await self._get_many(ids)

    # --- state changes ---------------------------------------------------------------------
    async def claim(self, ticket_id: str, agent_id: str, answer_within: float) -> Optional[Ticket]:
        """Claim a waiting ticket; of concurrent claimers exactly one gets it, the others None.

        The claim goes stale (see requeue_stale) unless the agent answers within answer_within seconds.
        """
        now = self._clock()
        raw = await self._run(self._claim, ticket_id, agent_id, repr(now), _ms(now + answer_within))
        return _ticket(_pairs(raw))

    async def claim_next(self, agent_id: str, answer_within: float) -> Optional[Ticket]:
        """Claim the head of the queue (None when nothing waits)."""
        now = self._clock()
        raw = await self._run(self._claim_next, agent_id, repr(now), _ms(now + answer_within))
        return _ticket(_pairs(raw))

    async def mark_answered(self, ticket_id: str, agent_id: str) -> bool:
        """Record the agent's first reply; from then on the claim no longer goes stale by deadline."""
        return bool(await self._run(self._mark_answered, ticket_id, agent_id, repr(self._clock())))

    async def requeue(self, ticket_id: str, why: str) -> bool:
        """Put a claimed ticket back at the front of the queue; False if it is not claimed."""
        return bool(await self._run(self._requeue, ticket_id, why))

    async def requeue_stale(self, online_agent_ids: Collection[str]) -> List[str]:
        """Requeue claims not answered by their deadline or held by agents not online.

        One atomic script, so gateways running it at the same time never requeue a ticket twice.
        """
        now_ms = _ms(self._clock())
        return list(await self._run(self._requeue_stale, now_ms, json.dumps(sorted(online_agent_ids))))

    async def transfer(self, ticket_id: str, from_agent: str, to_agent: str, answer_within: float) -> bool:
        """Hand a claim to another agent, who gets a fresh answer deadline.

        False if from_agent does not hold the ticket or the two agents are the same.
        """
        now = self._clock()
        return bool(await self._run(
            self._transfer, ticket_id, from_agent, to_agent, repr(now), _ms(now + answer_within)))

    async def resolve(self, ticket_id: str, agent_id: str) -> bool:
        """The agent solved it: close the ticket and give the conversation back to the bot."""
        return await self._close_ticket(ticket_id, agent_id, "resolved")

    async def hand_back(self, ticket_id: str, agent_id: str) -> bool:
        """The agent returns the conversation to the bot without resolving it."""
        return await self._close_ticket(ticket_id, agent_id, "returned")

    async def rate(self, ticket_id: str, rating: int) -> bool:
        """The shopper's 1-5 rating of a closed ticket, accepted once; counted for today."""
        if isinstance(rating, bool) or not isinstance(rating, int) or rating not in RATINGS:
            return False
        stats = self._keys.stats(self._day(self._clock()))
        return bool(await self._run(self._rate, ticket_id, rating, stats))

    # --- statistics ------------------------------------------------------------------------
    async def day_stats(self, at: Optional[float] = None) -> Dict[str, int]:
        """The counters of the shop's day containing `at` (default now): handoff:<reason>,
        rating_sum, rating_count."""
        raw = await self._redis.hgetall(self._keys.stats(self._day(self._clock() if at is None else at)))
        return {name: int(value) for name, value in raw.items()}

    def day_start(self, at: Optional[float] = None) -> float:
        """Unix time of the midnight (shop's time zone) that starts the day containing `at`."""
        moment = datetime.fromtimestamp(self._clock() if at is None else at, self._tz)
        return moment.replace(hour=0, minute=0, second=0, microsecond=0).timestamp()

    # --- agent presence --------------------------------------------------------------------
    async def heartbeat(self, agent_id: str) -> None:
        await self._redis.zadd(self._keys.agents_online, {agent_id: _ms(self._clock())})

    async def agent_offline(self, agent_id: str) -> None:
        await self._redis.zrem(self._keys.agents_online, agent_id)

    async def online_agents(self, max_age_seconds: float) -> List[str]:
        """Agents whose last heartbeat is at most max_age_seconds old."""
        since = _ms(self._clock() - max_age_seconds)
        return await self._redis.zrangebyscore(self._keys.agents_online, since, "+inf")

    # --- helpers ---------------------------------------------------------------------------
    async def _close_ticket(self, ticket_id: str, agent_id: str, status: str) -> bool:
        now = self._clock()
        return bool(await self._run(self._close, ticket_id, agent_id, repr(now), _ms(now), status))

    def _script(self, body: str) -> AsyncScript:
        return self._redis.register_script(_PRELUDE + body)

    async def _run(self, script: AsyncScript, *args: Any) -> Any:
        return await script(keys=self._fixed_keys, args=[self._templates, *args])

    async def _get_many(self, ticket_ids: Sequence[str]) -> List[Ticket]:
        async with self._redis.pipeline(transaction=False) as pipe:
            for ticket_id in ticket_ids:
                pipe.hgetall(self._keys.ticket(ticket_id))
            hashes = await pipe.execute()
        return [ticket for ticket in map(_ticket, hashes) if ticket is not None]

    def _day(self, at: float) -> str:
        return datetime.fromtimestamp(at, self._tz).strftime("%Y-%m-%d")


def _template(build: Callable[[str], str]) -> Tuple[str, str]:
    """Split a key builder's output around the id, for the scripts to rebuild keys."""
    head, hole, tail = build(_HOLE).partition(_HOLE)
    if not hole:
        raise ValueError("a templated key must contain its id")
    return head, tail


def _ms(seconds: float) -> int:
    return int(round(seconds * 1000))


def _pairs(raw: Optional[List[str]]) -> Dict[str, str]:
    """A flat HGETALL reply from a script as a dict."""
    raw = raw or []
    return dict(zip(raw[0::2], raw[1::2]))


def _optional_float(value: Optional[str]) -> Optional[float]:
    return None if value is None else float(value)


def _ticket(fields: Dict[str, str]) -> Optional[Ticket]:
    """Merge a ticket hash (immutable body plus state fields) into a Ticket; None if absent."""
    if "body" not in fields:
        return None
    data = json.loads(fields["body"])
    data.update(
        status=fields["status"],
        agent_id=fields.get("agent_id"),
        claimed_at=_optional_float(fields.get("claimed_at")),
        answered_at=_optional_float(fields.get("answered_at")),
        closed_at=_optional_float(fields.get("closed_at")),
        rating=int(fields["rating"]) if "rating" in fields else None,
        requeue_count=int(fields.get("requeue_count", 0)),
    )
    return Ticket.from_dict(data)
