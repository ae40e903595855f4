"""Conversations in Redis: who owns each one, its log of messages, and strictly ordered turns.

Turns: every message of a conversation is processed in arrival order, even when several gateway
instances receive messages of the same conversation (Rasa's lock store only orders messages inside
one Rasa instance). A message takes a turn ticket at the tail of a Redis list and waits until it is at
the head. A gateway that dies keeps no turn for long: the head's liveness key expires and the next
waiter removes it.
"""
from __future__ import annotations

import asyncio
import contextlib
import json
import secrets
import uuid
from typing import Any, AsyncIterator, Dict, List, Optional

import redis.asyncio as aioredis

from handoff.keys import Keys
from handoff.models import MODE_BOT, Message

LOG_MAX_MESSAGES = 5000
DEDUP_SECONDS = 24 * 3600
TURN_TTL_MS = 3_000  # a dead gateway blocks its conversation at most this long
TURN_POLL_SECONDS = 0.003

# Creates the shopper's conversation (owner and mode) unless one exists (or ARGV[4] is "new", which
# starts a fresh one); returns the current id.
_OPEN = """
local existing = redis.call('GET', KEYS[1])
if existing and ARGV[4] ~= 'new' then return existing end
redis.call('SET', KEYS[1], ARGV[1])
redis.call('HSET', KEYS[2], 'shopper_id', ARGV[2], 'mode', ARGV[3])
return ARGV[1]
"""

# Returns 1 when ARGV[1] is at the head of the turn list, after dropping dead heads.
_ADVANCE = """
while true do
  local head = redis.call('LINDEX', KEYS[1], 0)
  if not head then return 0 end
  if head == ARGV[1] then return 1 end
  if redis.call('EXISTS', ARGV[2] .. head) == 1 then return 0 end
  redis.call('LPOP', KEYS[1])
end
"""


class ConversationStore:
    def __init__(self, redis: aioredis.Redis, keys: Keys) -> None:
        self._redis = redis
        self._keys = keys
        self._advance = redis.register_script(_ADVANCE)
        self._open = redis.register_script(_OPEN)

    # --- ownership ---------------------------------------------------------------------------
    async def conversation_for(self, shopper_id: str) -> str:
        """The shopper's current conversation id, created on first use."""
        return await self._start(shopper_id, fresh=False)

    async def start_new(self, shopper_id: str) -> str:
        """A fresh conversation for the shopper (the old one keeps its log)."""
        return await self._start(shopper_id, fresh=True)

    async def _start(self, shopper_id: str, fresh: bool) -> str:
        candidate = "c" + secrets.token_hex(8)
        return await self._open(
            keys=[self._keys.shopper_conversation(shopper_id), self._keys.conversation(candidate)],
            args=[candidate, shopper_id, MODE_BOT, "new" if fresh else ""],
        )

    async def state(self, conversation_id: str) -> Dict[str, str]:
        """shopper_id, mode (bot / queued / agent), agent_id and ticket_id where set."""
        return await self._redis.hgetall(self._keys.conversation(conversation_id))

    async def owner(self, conversation_id: str) -> Optional[str]:
        return await self._redis.hget(self._keys.conversation(conversation_id), "shopper_id")

    async def set_resume_pending(self, conversation_id: str, ticket_id: str) -> None:
        """The bot must be resumed (Rasa told what the person said) before it answers again."""
        await self._redis.hset(self._keys.conversation(conversation_id), "resume_pending", ticket_id)

    async def clear_resume_pending(self, conversation_id: str, ticket_id: str) -> None:
        key = self._keys.conversation(conversation_id)
        if await self._redis.hget(key, "resume_pending") == ticket_id:
            await self._redis.hdel(key, "resume_pending")

    # --- the log -----------------------------------------------------------------------------
    async def append(self, conversation_id: str, message: Message) -> Message:
        """Store the message and tell every gateway instance about it, in one transaction."""
        if not message.message_id:
            message.message_id = uuid.uuid4().hex
        event = json.dumps(
            {"type": "message", "conversation_id": conversation_id, "message": message.to_dict()},
            ensure_ascii=False,
        )
        log_key = self._keys.conversation_log(conversation_id)
        async with self._redis.pipeline(transaction=True) as pipe:
            pipe.rpush(log_key, message.to_json())
            pipe.ltrim(log_key, -LOG_MAX_MESSAGES, -1)
            pipe.publish(self._keys.conversation_events(conversation_id), event)
            await pipe.execute()
        return message

    async def history(self, conversation_id: str, since: Optional[float] = None,
                      last: Optional[int] = None) -> List[Message]:
        """The log, oldest first: everything, or the `last` messages, or those from `since` on."""
        start = -last if last else 0
        raw = await self._redis.lrange(self._keys.conversation_log(conversation_id), start, -1)
        messages = [Message.from_json(item) for item in raw]
        return [m for m in messages if since is None or m.at >= since]

    async def first_time(self, conversation_id: str, client_message_id: str) -> bool:
        """False when this client message id was seen before (a resend after a reconnect)."""
        key = f"{self._keys.conversation_log(conversation_id)}:seen:{client_message_id[:64]}"
        return bool(await self._redis.set(key, 1, nx=True, ex=DEDUP_SECONDS))

    async def publish(self, conversation_id: str, event: Dict[str, Any]) -> None:
        """An event for the conversation's clients that is not a message (typing, rating request)."""
        payload = {"conversation_id": conversation_id, **event}
        await self._redis.publish(
            self._keys.conversation_events(conversation_id), json.dumps(payload, ensure_ascii=False)
        )

    # --- ordering ----------------------------------------------------------------------------
    @contextlib.asynccontextmanager
    async def turn(self, conversation_id: str) -> AsyncIterator[None]:
        """Wait for this message's turn in the conversation; hold it until the block ends."""
        turn_id = uuid.uuid4().hex
        turns_key = self._keys.turns(conversation_id)
        alive_key = self._keys.turn_alive(turn_id)
        alive_prefix = alive_key[: -len(turn_id)]
        await self._redis.set(alive_key, 1, px=TURN_TTL_MS)
        await self._redis.rpush(turns_key, turn_id)
        keep_alive = asyncio.create_task(self._keep_alive(alive_key))
        try:
            while not await self._advance(keys=[turns_key], args=[turn_id, alive_prefix]):
                await asyncio.sleep(TURN_POLL_SECONDS)
            yield
        finally:
            keep_alive.cancel()
            with contextlib.suppress(aioredis.RedisError, asyncio.CancelledError):
                await self._redis.lrem(turns_key, 1, turn_id)
                await self._redis.delete(alive_key)

    async def _keep_alive(self, alive_key: str) -> None:
        while True:
            await asyncio.sleep(TURN_TTL_MS / 3000)
            await self._redis.pexpire(alive_key, TURN_TTL_MS)
