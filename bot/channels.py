"""REST input channel that never leaves a shopper without an answer."""
from typing import Any, Awaitable, Callable, Dict, Optional, Text

from rasa.core.channels.channel import UserMessage
from rasa.core.channels.rest import RestInput
from sanic import Blueprint

DEFAULT_FALLBACK_TEXT = "抱歉，系统暂时有点忙，请稍后再试一次。"


class KefuRestInput(RestInput):
    """Rasa's REST channel, plus a polite reply when processing produced no message.

    Rasa logs and swallows failures of custom actions (for example a dead action server),
    which would otherwise leave the shopper with an empty reply.
    """

    @classmethod
    def name(cls) -> Text:
        return "rest"

    @classmethod
    def from_credentials(cls, credentials: Optional[Dict[Text, Any]]) -> "KefuRestInput":
        return cls(fallback_text=(credentials or {}).get("fallback_text", DEFAULT_FALLBACK_TEXT))

    def __init__(self, fallback_text: Text = DEFAULT_FALLBACK_TEXT) -> None:
        self.fallback_text = fallback_text

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

        return super().blueprint(answer_or_apologise)
