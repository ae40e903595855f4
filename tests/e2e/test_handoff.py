"""The handoff end to end: real Rasa servers, action server, gateways and Redis.

The shopper says 我要转人工 → the ticket in the queue carries the whole transcript → an agent claims
→ the agent's words reach the shopper and the shopper's reply reaches the agent → hand back → the
bot answers the next question. Then the same with two gateways and two Rasa servers.
"""
from __future__ import annotations

import asyncio
import secrets
import time
from typing import Any, Callable, Dict

import aiohttp
import redis.asyncio as aioredis

from handoff.agents import AgentDirectory
from handoff.keys import Keys


async def receive(ws, wanted: Callable[[Dict[str, Any]], bool], timeout: float = 30.0) -> Dict[str, Any]:
    deadline = time.monotonic() + timeout
    while True:
        event = await asyncio.wait_for(ws.receive_json(), timeout=max(0.01, deadline - time.monotonic()))
        if wanted(event):
            return event


def message_from(sender: str, contains: str = "") -> Callable[[Dict[str, Any]], bool]:
    return lambda e: (e.get("type") == "message" and e["message"]["sender"] == sender
                      and contains in e["message"]["text"])


async def post(http, url: str, body: Dict[str, Any], token: str = "") -> Dict[str, Any]:
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    async with http.post(url, json=body, headers=headers) as response:
        answer = await response.json()
        assert response.status == 200, answer
        return answer


async def new_agent(stack) -> Dict[str, str]:
    client = aioredis.Redis(port=stack.redis_port, decode_responses=True)
    agent_id, password = "e2e-" + secrets.token_hex(3), secrets.token_urlsafe(10)
    await AgentDirectory(client, Keys()).add(agent_id, "小王", password)
    await client.close()
    return {"agent_id": agent_id, "password": password}


async def tracker(http, stack, conversation_id: str) -> Dict[str, Any]:
    async with http.get(f"{stack.rasa_url}/conversations/{conversation_id}/tracker",
                        params={"token": stack.token}) as response:
        return await response.json()


async def handoff_round_trip(stack, shopper_gateway: str, agent_gateway: str, shopper_id: str) -> None:
    async with aiohttp.ClientSession() as http:
        shopper = await post(http, f"{shopper_gateway}/api/shopper/login", {"shopper_id": shopper_id})
        agent = await post(http, f"{agent_gateway}/api/agent/login", await new_agent(stack))
        conversation = shopper["conversation_id"]
        shopper_ws = await http.ws_connect(f"{shopper_gateway}/ws/shopper?token={shopper['token']}")
        agent_ws = await http.ws_connect(f"{agent_gateway}/ws/agent?token={agent['token']}")
        await shopper_ws.receive_json(), await agent_ws.receive_json()

        await shopper_ws.send_json({"type": "message", "text": "我的订单到哪了", "client_id": "q1"})
        await receive(shopper_ws, message_from("bot"))
        await shopper_ws.send_json({"type": "message", "text": "我要转人工", "client_id": "q2"})
        queued = await receive(shopper_ws, lambda e: e.get("type") == "state" and e.get("mode") == "queued")
        assert queued["position"] >= 1

        seen = await receive(agent_ws, lambda e: e.get("type") == "queue" and any(
            t["conversation_id"] == conversation for t in e["waiting"]))
        line = next(t for t in seen["waiting"] if t["conversation_id"] == conversation)
        assert line["reason"] == "request_human" and line["summary"]
        async with http.get(f"{agent_gateway}/api/agent/tickets/{line['ticket_id']}",
                            headers={"Authorization": f"Bearer {agent['token']}"}) as response:
            ticket = (await response.json())["ticket"]
        said = [(m["sender"], m["text"], m.get("intent")) for m in ticket["transcript"]]
        assert any(m["text"] == "我的订单到哪了" and m["intent"] in ("order_status", "logistics_track")
                   for m in ticket["transcript"])
        assert ("shopper", "我要转人工", "request_human") in said
        assert any(sender == "bot" for sender, _, _ in said)
        shopper_lines = [m for m in ticket["transcript"] if m["sender"] == "shopper"]
        assert all(m["confidence"] and m["at"] for m in shopper_lines)

        await post(http, f"{agent_gateway}/api/agent/tickets/{line['ticket_id']}/claim", {}, agent["token"])
        await agent_ws.send_json({"type": "message", "ticket_id": line["ticket_id"], "text": "您好，我是小王，马上帮您查"})
        await receive(shopper_ws, message_from("agent", "马上帮您查"))
        await shopper_ws.send_json({"type": "message", "text": "好的谢谢，快点啊", "client_id": "q3"})
        heard = await receive(agent_ws, message_from("shopper", "快点啊"))
        assert "score" in heard["message"]["sentiment"]

        await post(http, f"{agent_gateway}/api/agent/tickets/{line['ticket_id']}/handback", {}, agent["token"])
        await receive(shopper_ws, message_from("system", "智能助手"))
        state = await tracker(http, stack, conversation)
        assert state["paused"] is False
        events = [e.get("event") for e in state["events"]]
        assert "pause" in events and "resume" in events
        assert any(e.get("event") == "bot" and "马上帮您查" in (e.get("text") or "") for e in state["events"])
        assert any(e.get("event") == "user" and e.get("text") == "好的谢谢，快点啊" for e in state["events"])

        await shopper_ws.send_json({"type": "message", "text": "怎么申请退货", "client_id": "q4"})
        answer = await receive(shopper_ws, message_from("bot"))
        assert answer["message"]["text"]
        await shopper_ws.close(), await agent_ws.close()


async def test_handoff_round_trip_through_one_gateway(stack):
    gateway, _ = stack.start_gateway()
    await handoff_round_trip(stack, gateway, gateway, "u1001")


async def test_two_gateways_and_two_rasa_servers_serve_one_conversation(stack):
    second_rasa, _ = stack.start_rasa()
    # Each gateway prefers a different Rasa server (both share the Redis tracker store).
    shopper_gateway, _ = stack.start_gateway([second_rasa, stack.rasa_url])
    agent_gateway, _ = stack.start_gateway([stack.rasa_url, second_rasa])
    await handoff_round_trip(stack, shopper_gateway, agent_gateway, "u1002")
