"""REST input channel that never leaves a shopper without an answer, and never talks without Redis."""
from typing import Any, Awaitable, Callable, Dict, Optional, Text

import redis
from rasa.core.channels.channel import UserMessage
from rasa.core.channels.rest import RestInput
from sanic import Blueprint, Sanic, response
from sanic.request import Request
from sanic.response import HTTPResponse

DEFAULT_FALLBACK_TEXT = "抱歉，系统暂时有点忙，请稍后再试一次。"
DEFAULT_STORAGE_DOWN_TEXT = "抱歉，系统暂时出现故障，这条消息没有处理成功，请稍后重新发送。"


def _answers(client: "redis.Redis") -> bool:
    # A connection that Redis dropped (a restart) fails once and is replaced: try twice.
    for _ in range(2):
        try:
            return bool(client.ping())
        except redis.RedisError:
            continue
    return False


def redis_reachable(app: Sanic) -> bool:
    """Whether the Redis behind the tracker store and the lock store answers.

    Rasa wraps every tracker store in a FailSafeTrackerStore that, when Redis fails, silently keeps
    the conversation in process memory instead (lost on restart, invisible to other instances).
    Checking first turns that into a clear refusal.
    """
    agent = app.ctx.agent
    tracker_store = getattr(agent.tracker_store, "_tracker_store", agent.tracker_store)
    clients = [getattr(store, "red", None) for store in (tracker_store, agent.lock_store)]
    return all(_answers(client) for client in clients if client is not None)


class KefuRestInput(RestInput):
    """Rasa's REST channel, plus a polite reply when processing produced no message (Rasa logs and
    swallows failures of custom actions, e.g. a dead action server) or when Redis is unreachable."""

    @classmethod
    def name(cls) -> Text:
        return "rest"

    @classmethod
    def from_credentials(cls, credentials: Optional[Dict[Text, Any]]) -> "KefuRestInput":
        credentials = credentials or {}
        return cls(
            fallback_text=credentials.get("fallback_text", DEFAULT_FALLBACK_TEXT),
            storage_down_text=credentials.get("storage_down_text", DEFAULT_STORAGE_DOWN_TEXT),
        )

    def __init__(
        self,
        fallback_text: Text = DEFAULT_FALLBACK_TEXT,
        storage_down_text: Text = DEFAULT_STORAGE_DOWN_TEXT,
    ) -> None:
        self.fallback_text = fallback_text
        self.storage_down_text = storage_down_text

    def blueprint(
        self, on_new_message: Callable[[UserMessage], Awaitable[Any]]
    ) -> Blueprint:
        async def answer_or_apologise(message: UserMessage) -> None:
            await on_new_message(message)
            collected = getattr(message.output_channel, "messages", None)
            if collected is not None and not collected:
                await message.output_channel.send_text_message(
                    message.sender_id, self.fallback_text
                )

        webhook = super().blueprint(answer_or_apologise)

        @webhook.middleware("request")
        async def refuse_without_redis(request: Request) -> Optional[HTTPResponse]:
            if request.method != "POST" or redis_reachable(request.app):
                return None
            sender = (request.json or {}).get("sender") if isinstance(request.json, dict) else None
            return response.json([{"recipient_id": sender, "text": self.storage_down_text}], status=503)

        return webhook
