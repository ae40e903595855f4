"""Two gateway processes on one Redis: the shopper on one, the agent on the other; then a gateway is
killed with SIGKILL and Redis is restarted mid-conversation. Nothing may be lost or duplicated."""
import asyncio
import contextlib
import json
import time
from typing import Any, Callable, Dict, List

import aiohttp
import pytest

from handoff.agents import AgentDirectory
from handoff.connection import redis_from_url
from handoff.conversations import TURN_TTL_MS
from handoff.keys import Keys
from handoff.models import Ticket
from handoff.queue import AgentQueue
from tests.processes import start_gateway, stop
from tests.redis_server import RedisServer, free_port

SECRET = "durability-secret-0123456789"
PASSWORD = "agent-pass-123"


@pytest.fixture
async def cluster(tmp_path, seeded_db):
    """A private redis-server and two gateways (no Rasa: the relay does not need it)."""
    server = RedisServer(tmp_path / "redis")
    server.start()
    env = {"KEFU_GATEWAY_SECRET": SECRET, "REDIS_HOST": "127.0.0.1", "REDIS_PORT": str(server.port),
           "REDIS_DB": "0", "KEFU_DB_PATH": str(seeded_db),
           "KEFU_RASA_URLS": f"http://127.0.0.1:{free_port()}"}
    ports = [free_port(), free_port()]
    processes = []
    try:
        for port in ports:
            processes.append(start_gateway(env, port, tmp_path / f"gateway-{port}.log"))
        client = redis_from_url(server.url)
        await AgentDirectory(client, Keys()).add("a01", "小王", PASSWORD)
        yield {"redis": server, "client": client, "urls": [f"http://127.0.0.1:{p}" for p in ports],
               "processes": processes}
        await client.close()
    finally:
        for process in processes:
            stop(process)
        server.stop()


async def receive(ws, wanted: Callable[[Dict[str, Any]], bool], timeout: float = 5.0) -> Dict[str, Any]:
    deadline = time.monotonic() + timeout
    while True:
        message = await asyncio.wait_for(ws.receive(), timeout=max(0.01, deadline - time.monotonic()))
        assert message.type == aiohttp.WSMsgType.TEXT, f"socket closed: {message} code={ws.close_code}"
        event = json.loads(message.data)
        if wanted(event):
            return event


def from_(sender: str, text: str) -> Callable[[Dict[str, Any]], bool]:
    return lambda e: e.get("type") == "message" and e["message"]["sender"] == sender and e["message"]["text"] == text


async def post(http, url: str, body: Dict[str, Any], token: str = "") -> aiohttp.ClientResponse:
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    return await http.post(url, data=json.dumps(body), headers={**headers, "Content-Type": "application/json"})


async def open_handoff(http, cluster) -> Dict[str, Any]:
    """A shopper logged in on gateway 0, a ticket queued for them, an agent on gateway 1 holding it."""
    first, second = cluster["urls"]
    shopper = await (await post(http, f"{first}/api/shopper/login", {"shopper_id": "u1001"})).json()
    agent = await (await post(http, f"{second}/api/agent/login", {"agent_id": "a01", "password": PASSWORD})).json()
    ticket = Ticket(ticket_id=f"{shopper['conversation_id']}-1", conversation_id=shopper["conversation_id"],
                    shopper_id="u1001", reason="request_human", priority=10, summary="用户要求转人工",
                    created_at=time.time())
    await AgentQueue(cluster["client"], Keys()).enqueue(ticket)
    claim = await post(http, f"{second}/api/agent/tickets/{ticket.ticket_id}/claim", {}, agent["token"])
    assert claim.status == 200
    return {"shopper": shopper, "agent": agent, "ticket": ticket}


async def log_texts(cluster, conversation_id: str) -> List[str]:
    raw = await cluster["client"].lrange(Keys().conversation_log(conversation_id), 0, -1)
    return [json.loads(item)["text"] for item in raw]


async def test_shopper_and_agent_on_different_gateways_talk(cluster):
    first, second = cluster["urls"]
    async with aiohttp.ClientSession() as http:
        session = await open_handoff(http, cluster)
        shopper_ws = await http.ws_connect(f"{first}/ws/shopper?token={session['shopper']['token']}")
        agent_ws = await http.ws_connect(f"{second}/ws/agent?token={session['agent']['token']}")
        await shopper_ws.receive_json(), await agent_ws.receive_json()
        ticket_id = session["ticket"].ticket_id
        for i in range(5):
            await agent_ws.send_json({"type": "message", "ticket_id": ticket_id, "text": f"客服第{i}句"})
            await receive(shopper_ws, from_("agent", f"客服第{i}句"))
            await shopper_ws.send_json({"type": "message", "text": f"顾客第{i}句", "client_id": f"s{i}"})
            await receive(agent_ws, from_("shopper", f"顾客第{i}句"))
        await shopper_ws.close(), await agent_ws.close()


async def test_a_gateway_killed_mid_conversation_loses_nothing(cluster):
    first, second = cluster["urls"]
    async with aiohttp.ClientSession() as http:
        session = await open_handoff(http, cluster)
        conversation = session["shopper"]["conversation_id"]
        token = session["shopper"]["token"]
        shopper_ws = await http.ws_connect(f"{first}/ws/shopper?token={token}")
        agent_ws = await http.ws_connect(f"{second}/ws/agent?token={session['agent']['token']}")
        await shopper_ws.receive_json(), await agent_ws.receive_json()
        await shopper_ws.send_json({"type": "message", "text": "包裹还没到", "client_id": "k1"})
        await receive(agent_ws, from_("shopper", "包裹还没到"))

        cluster["processes"][0].kill()  # SIGKILL, no clean-up
        cluster["processes"][0].wait()
        # The shopper's page sends one more message into the dead socket: it is never acknowledged.
        with contextlib.suppress(ConnectionError, aiohttp.ClientError):
            await shopper_ws.send_json({"type": "message", "text": "还在吗", "client_id": "k2"})
        while (await asyncio.wait_for(shopper_ws.receive(), 5)).type not in (
                aiohttp.WSMsgType.CLOSE, aiohttp.WSMsgType.CLOSED, aiohttp.WSMsgType.ERROR):
            pass

        # The page reconnects to the surviving gateway and resends what was not acknowledged.
        shopper_ws = await http.ws_connect(f"{second}/ws/shopper?token={token}")
        hello = await shopper_ws.receive_json()
        assert [m["text"] for m in hello["messages"]].count("包裹还没到") == 1
        for client_id, text in (("k1", "包裹还没到"), ("k2", "还在吗")):
            await shopper_ws.send_json({"type": "message", "text": text, "client_id": client_id})
        # If the gateway died holding the conversation's turn, the turn expires first.
        await receive(agent_ws, from_("shopper", "还在吗"), timeout=TURN_TTL_MS / 1000 + 5)
        await agent_ws.send_json({"type": "message", "ticket_id": session["ticket"].ticket_id, "text": "在的"})
        await receive(shopper_ws, from_("agent", "在的"))
        texts = await log_texts(cluster, conversation)
        assert texts.count("包裹还没到") == 1 and texts.count("还在吗") == 1 and texts.count("在的") == 1
        ticket = await AgentQueue(cluster["client"], Keys()).get(session["ticket"].ticket_id)
        assert ticket.status == "claimed" and ticket.agent_id == "a01"
        await shopper_ws.close(), await agent_ws.close()


@pytest.mark.parametrize("how", ["restart", "crash"])
async def test_redis_restart_keeps_the_queue_and_the_log(cluster, how):
    first, second = cluster["urls"]
    server = cluster["redis"]
    async with aiohttp.ClientSession() as http:
        session = await open_handoff(http, cluster)
        conversation, token = session["shopper"]["conversation_id"], session["shopper"]["token"]
        waiting = Ticket(ticket_id="other-1", conversation_id="other", shopper_id="u1003", reason="complaint",
                         priority=20, summary="用户投诉", created_at=time.time())
        await AgentQueue(cluster["client"], Keys()).enqueue(waiting)
        sent = await post(http, f"{first}/api/shopper/messages", {"text": "我等你们回复"}, token)
        assert sent.status == 200
        before = await log_texts(cluster, conversation)
        if how == "crash":
            await asyncio.sleep(1.5)  # appendfsync everysec: what a crash can lose is the last second
            server.kill()
        else:
            server.stop()

        health = await http.get(f"{first}/health")
        assert health.status == 503 and (await health.json())["redis"] == "unreachable"
        refused = await post(http, f"{first}/api/shopper/messages", {"text": "有人吗"}, token)
        assert refused.status == 503
        assert "没有发送成功" in (await refused.json())["message"]

        server.start()
        assert await log_texts(cluster, conversation) == before
        queue = AgentQueue(cluster["client"], Keys())
        assert [t.ticket_id for t in await queue.waiting()] == ["other-1"]
        held = await queue.get(session["ticket"].ticket_id)
        assert held.status == "claimed" and held.agent_id == "a01"

        # Both gateways reconnect by themselves; the conversation goes on.
        agent_ws = await http.ws_connect(f"{second}/ws/agent?token={session['agent']['token']}")
        await agent_ws.receive_json()
        await asyncio.sleep(1.5)  # the hub re-subscribes after its reconnect delay
        resent = await post(http, f"{first}/api/shopper/messages", {"text": "有人吗"}, token)
        assert resent.status == 200
        await receive(agent_ws, from_("shopper", "有人吗"))
        await agent_ws.close()
