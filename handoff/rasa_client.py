"""Talking to one or more Rasa servers over HTTP: the REST channel and the tracker API."""
from __future__ import annotations

import zlib
from typing import Any, Dict, List, Optional, Sequence

import aiohttp


class RasaUnavailable(Exception):
    """No Rasa server answered (down, timed out, or returned an error)."""


class RasaClient:
    """Sends a conversation to the same Rasa instance each time (by hash), and to the next one when
    that instance is down. All instances share the Redis tracker store, so any of them can answer."""

    def __init__(self, session: aiohttp.ClientSession, urls: Sequence[str], token: str, timeout: float) -> None:
        if not urls:
            raise ValueError("at least one Rasa URL is needed")
        self._session = session
        self._urls = list(urls)
        self._token = token
        self._timeout = aiohttp.ClientTimeout(total=timeout)

    def _candidates(self, conversation_id: str) -> List[str]:
        start = zlib.crc32(conversation_id.encode("utf-8")) % len(self._urls)
        return self._urls[start:] + self._urls[:start]

    async def _post(self, conversation_id: str, path: str, body: Any, params: Optional[Dict[str, str]] = None) -> Any:
        last_error: Optional[BaseException] = None
        for base in self._candidates(conversation_id):
            try:
                async with self._session.post(
                    base + path, json=body, params=params, timeout=self._timeout
                ) as response:
                    if response.status >= 500:
                        last_error = RasaUnavailable(f"{base}: HTTP {response.status}")
                        continue
                    if response.status >= 400:
                        raise RasaUnavailable(f"{base}{path}: HTTP {response.status}: {await response.text()}")
                    return await response.json(content_type=None)
            except (aiohttp.ClientError, TimeoutError) as exc:
                last_error = exc
        raise RasaUnavailable(str(last_error))

    async def send(self, conversation_id: str, text: str, metadata: Dict[str, Any]) -> List[Dict[str, Any]]:
        """The bot's replies to a shopper message (REST channel: text, buttons, custom, image)."""
        replies = await self._post(
            conversation_id,
            "/webhooks/rest/webhook",
            {"sender": conversation_id, "message": text, "metadata": metadata},
        )
        return replies if isinstance(replies, list) else []

    async def parse(self, conversation_id: str, text: str) -> Dict[str, Any]:
        """What the NLU pipeline understands of a message (intent, entities, sentiment); no dialogue."""
        parse_data = await self._post(conversation_id, "/model/parse", {"text": text}, self._api_params())
        return parse_data if isinstance(parse_data, dict) else {"text": text}

    async def append_events(self, conversation_id: str, events: List[Dict[str, Any]]) -> None:
        if events:
            await self._post(
                conversation_id, f"/conversations/{conversation_id}/tracker/events", events, self._api_params()
            )

    def _api_params(self) -> Dict[str, str]:
        return {"token": self._token, "include_events": "NONE"}

    async def healthy(self) -> bool:
        for base in self._urls:
            try:
                async with self._session.get(base + "/", timeout=aiohttp.ClientTimeout(total=3)) as response:
                    if response.status == 200:
                        return True
            except (aiohttp.ClientError, TimeoutError):
                continue
        return False
