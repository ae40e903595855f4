"""Handoff and relay latency, and what the gateway adds to a bot reply.

Runs against a running stack (`make bench-handoff` starts a private one and stops it afterwards):
    python -m handoff.benchmark [--relay-messages 1000] [--handoffs 200] [--bot-messages 200]

- relay: an agent and a shopper, each on a WebSocket, exchange messages; the time from sending one
  to the other side receiving it, both directions.
- handoff: the shopper asks for a person (through the gateway, Rasa, the action server and the
  queue); the time until the connected agent's queue shows the ticket.
- gateway overhead: the same shopper messages sent to Rasa's REST channel directly and through the
  gateway's REST endpoint, alternately; the difference of the medians relative to Rasa's median.
"""
from __future__ import annotations

import argparse
import asyncio
import secrets
import statistics
import sys
import time
import uuid
from typing import Any, Callable, Dict, List, Optional, Sequence

import aiohttp
import redis.asyncio as aioredis

from handoff.agents import AgentDirectory
from handoff.keys import Keys
from handoff.models import Ticket
from handoff.queue import AgentQueue
from handoff.settings import Settings

BOT_QUESTIONS = ("你好", "我的订单到哪了", "怎么申请退货", "能开发票吗", "谢谢")
HANDOFF_REQUEST = "我要转人工"
CONVERSATION_LENGTH = 10


def percentile(values: Sequence[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(share * (len(ordered) - 1))))]


def report(name: str, seconds: Sequence[float]) -> str:
    ms = [s * 1000 for s in seconds]
    return (f"  {name:<28} n={len(ms):<5} p50={percentile(ms, 0.5):7.2f} ms  "
            f"p99={percentile(ms, 0.99):7.2f} ms  max={max(ms):7.2f} ms")


async def receive(ws: aiohttp.ClientWebSocketResponse, wanted: Callable[[Dict[str, Any]], bool],
                  timeout: float = 30.0) -> Dict[str, Any]:
    deadline = time.monotonic() + timeout
    while True:
        event = await asyncio.wait_for(ws.receive_json(), timeout=max(0.01, deadline - time.monotonic()))
        if wanted(event):
            return event


class Bench:
    def __init__(self, http: aiohttp.ClientSession, gateway: str, rasa: str, settings: Settings) -> None:
        self.http = http
        self.gateway = gateway
        self.rasa = rasa
        self.settings = settings
        self.redis = aioredis.Redis.from_url(settings.redis_url, decode_responses=True)
        self.keys = Keys(settings.key_prefix)

    async def post(self, path: str, body: Dict[str, Any], token: str = "") -> Dict[str, Any]:
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        async with self.http.post(self.gateway + path, json=body, headers=headers) as response:
            answer = await response.json()
            if response.status != 200:
                raise RuntimeError(f"{path}: HTTP {response.status} {answer}")
            return answer

    async def agent_session(self) -> Dict[str, Any]:
        agent_id, password = "bench-" + secrets.token_hex(3), secrets.token_urlsafe(12)
        await AgentDirectory(self.redis, self.keys).add(agent_id, "压测客服", password)
        return await self.post("/api/agent/login", {"agent_id": agent_id, "password": password})

    async def relay(self, messages: int) -> tuple[List[float], List[float]]:
        shopper = await self.post("/api/shopper/login", {"shopper_id": "u1003"})
        agent = await self.agent_session()
        conversation = shopper["conversation_id"]
        ticket = Ticket(ticket_id=f"{conversation}-bench-{uuid.uuid4().hex[:6]}", conversation_id=conversation,
                        shopper_id="u1003", reason="request_human", priority=10, summary="压测",
                        created_at=time.time())
        await AgentQueue(self.redis, self.keys).enqueue(ticket)
        ticket_id = (await self.redis.get(self.keys.open_ticket(conversation))) or ticket.ticket_id
        await self.post(f"/api/agent/tickets/{ticket_id}/claim", {}, agent["token"])
        to_shopper, to_agent = [], []
        async with self.http.ws_connect(f"{self.gateway}/ws/shopper?token={shopper['token']}") as shopper_ws, \
                self.http.ws_connect(f"{self.gateway}/ws/agent?token={agent['token']}") as agent_ws:
            await shopper_ws.receive_json(), await agent_ws.receive_json()
            for i in range(messages):
                text = f"客服回复 {i}"
                started = time.perf_counter()
                await agent_ws.send_json({"type": "message", "ticket_id": ticket_id, "text": text})
                await receive(shopper_ws, lambda e: e.get("type") == "message" and e["message"]["text"] == text)
                to_shopper.append(time.perf_counter() - started)
                text = f"顾客回复 {i}"
                started = time.perf_counter()
                await shopper_ws.send_json({"type": "message", "text": text})
                await receive(agent_ws, lambda e: e.get("type") == "message"
                              and e["message"]["sender"] == "shopper" and e["message"]["text"] == text)
                to_agent.append(time.perf_counter() - started)
        return to_shopper, to_agent

    async def handoffs(self, count: int) -> List[float]:
        shopper = await self.post("/api/shopper/login", {"shopper_id": "u1001"})
        agent = await self.agent_session()
        latencies: List[float] = []
        handled: set[str] = set()  # earlier snapshots may still be in flight: wait for a new ticket

        def new_ticket(event: Dict[str, Any]) -> Optional[str]:
            if event.get("type") != "queue":
                return None
            return next((t["ticket_id"] for t in event["waiting"]
                         if t["conversation_id"] == shopper["conversation_id"] and t["ticket_id"] not in handled),
                        None)

        async with self.http.ws_connect(f"{self.gateway}/ws/agent?token={agent['token']}") as agent_ws:
            await agent_ws.receive_json()
            for _ in range(count):
                # Each handoff in a fresh conversation, as different shoppers would (a Rasa tracker
                # that grows over hundreds of handoffs would measure Rasa, not the bridge).
                fresh = await self.post("/api/shopper/conversations", {}, shopper["token"])
                shopper["conversation_id"] = fresh["conversation_id"]
                started = time.perf_counter()
                sent = asyncio.create_task(
                    self.post("/api/shopper/messages", {"text": HANDOFF_REQUEST}, shopper["token"]))
                ticket_id = new_ticket(await receive(agent_ws, lambda e: new_ticket(e) is not None))
                latencies.append(time.perf_counter() - started)
                await sent
                handled.add(ticket_id)
                await self.post(f"/api/agent/tickets/{ticket_id}/claim", {}, agent["token"])
                await self.post(f"/api/agent/tickets/{ticket_id}/handback", {}, agent["token"])
        return latencies

    async def bot_replies(self, count: int) -> tuple[List[float], List[float]]:
        """The same questions to Rasa directly and through the gateway, alternately, in conversations of
        CONVERSATION_LENGTH messages (Rasa's time per message grows with the conversation)."""
        shopper = await self.post("/api/shopper/login", {"shopper_id": "u1002"})
        direct, through_gateway = [], []
        for i in range(count):
            if i % CONVERSATION_LENGTH == 0:
                await self.post("/api/shopper/conversations", {}, shopper["token"])
                direct_sender = "bench-" + uuid.uuid4().hex[:8]
            text = BOT_QUESTIONS[i % len(BOT_QUESTIONS)]
            started = time.perf_counter()
            async with self.http.post(f"{self.rasa}/webhooks/rest/webhook", json={
                    "sender": direct_sender, "message": text, "metadata": {"shopper_id": "u1002"}}) as response:
                await response.json()
            direct.append(time.perf_counter() - started)
            started = time.perf_counter()
            await self.post("/api/shopper/messages", {"text": text}, shopper["token"])
            through_gateway.append(time.perf_counter() - started)
        return direct, through_gateway


async def run(args: argparse.Namespace) -> int:
    settings = Settings.from_env()
    gateway = args.gateway or f"http://127.0.0.1:{settings.port}"
    rasa = args.rasa or settings.rasa_urls[0]
    async with aiohttp.ClientSession() as http:
        bench = Bench(http, gateway, rasa, settings)
        print(f"gateway {gateway}, Rasa {rasa}")
        to_shopper, to_agent = await bench.relay(args.relay_messages)
        print("relay (message sent -> received on the other WebSocket)")
        print(report("agent -> shopper", to_shopper))
        print(report("shopper -> agent", to_agent))
        print(report("both directions", to_shopper + to_agent), flush=True)
        handoff = await bench.handoffs(args.handoffs)
        print("handoff (shopper sends 我要转人工 -> the agent's queue shows the ticket)")
        print(report("handoff", handoff), flush=True)
        direct, through_gateway = await bench.bot_replies(args.bot_messages)
        print("bot reply (REST, request -> all replies)")
        print(report("Rasa directly", direct))
        print(report("through the gateway", through_gateway))
        overhead = statistics.median(through_gateway) - statistics.median(direct)
        print(f"  gateway overhead: {overhead * 1000:.2f} ms = {overhead / statistics.median(direct):.1%} "
              "of Rasa's median reply time")
        await bench.redis.close()
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m handoff.benchmark", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--gateway", help="gateway URL (default: http://127.0.0.1:$KEFU_GATEWAY_PORT)")
    parser.add_argument("--rasa", help="Rasa URL (default: the first of $KEFU_RASA_URLS)")
    parser.add_argument("--relay-messages", type=int, default=1000, help="messages each way")
    parser.add_argument("--handoffs", type=int, default=200)
    parser.add_argument("--bot-messages", type=int, default=200)
    return asyncio.run(run(parser.parse_args(argv)))


if __name__ == "__main__":
    sys.exit(main())
