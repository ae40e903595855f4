"""The gateway over HTTP and WebSocket, on a real Redis: logins, refusals, relay between shopper and agent."""
import asyncio
import time
from typing import Any, Callable, Dict

import pytest
from aiohttp.test_utils import TestClient, TestServer

from handoff.app import create_app
from handoff.models import MODE_AGENT, MODE_BOT, Ticket
from handoff.queue import AgentQueue
from handoff.routes import BRIDGE
from tests.handoff.conftest import bearer, gateway_settings, login_agent, login_shopper


async def next_event(ws, wanted: Callable[[Dict[str, Any]], bool], timeout: float = 5.0) -> Dict[str, Any]:
    """The first event the socket receives that `wanted` accepts."""
    deadline = time.monotonic() + timeout
    while True:
        event = await asyncio.wait_for(ws.receive_json(), timeout=max(0.01, deadline - time.monotonic()))
        if wanted(event):
            return event


async def enqueue_handoff(redis, keys, conversation_id: str, shopper_id: str = "u1001", **fields) -> Ticket:
    """What the handoff action does when the shopper asks for a person."""
    ticket = Ticket(
        ticket_id=f"{conversation_id}-1", conversation_id=conversation_id, shopper_id=shopper_id,
        reason=fields.pop("reason", "request_human"), priority=fields.pop("priority", 10),
        summary="用户要求转人工", created_at=time.time(), **fields,
    )
    await AgentQueue(redis, keys).enqueue(ticket)
    return ticket


async def history_length(client, token: str) -> int:
    response = await client.get("/api/shopper/conversation", headers=bearer(token))
    return len((await response.json())["messages"])


async def test_demo_login_knows_only_the_demo_shoppers(gateway):
    response = await gateway.post("/api/shopper/login", json={"shopper_id": "u9999"})
    assert response.status == 404
    assert "没有找到" in (await response.json())["message"]
    session = await login_shopper(gateway, "u1002")
    assert session["name"] == "李娜" and session["conversation_id"].startswith("c")


@pytest.mark.parametrize(
    "body, status, error",
    [
        ('{"text": "我的订单', 400, "bad_request"),
        ('["我的订单"]', 400, "bad_request"),
        ('{"text": 12}', 400, "bad_request"),
        ('{"text": "   "}', 400, "empty_message"),
        ('{"text": "' + "退" * 501 + '"}', 413, "too_long"),
    ],
)
async def test_bad_messages_get_a_polite_refusal_and_change_nothing(gateway, body, status, error):
    session = await login_shopper(gateway)
    response = await gateway.post("/api/shopper/messages", data=body.encode(),
                                  headers={**bearer(session["token"]), "Content-Type": "application/json"})
    assert response.status == status
    answer = await response.json()
    assert answer["error"] == error and answer["message"]
    assert await history_length(gateway, session["token"]) == 0


@pytest.mark.parametrize("token", [None, "garbage", "eyJzdWIiOiJ1MTAwMSJ9.forged"])
async def test_messages_need_a_valid_shopper_token(gateway, token):
    headers = bearer(token) if token else {}
    response = await gateway.post("/api/shopper/messages", json={"text": "你好"}, headers=headers)
    assert response.status == 401
    assert "登录" in (await response.json())["message"]


async def test_an_agent_token_is_not_a_shopper_token(gateway, redis, keys):
    agent = await login_agent(gateway, redis, keys)
    response = await gateway.post("/api/shopper/messages", json={"text": "你好"}, headers=bearer(agent["token"]))
    assert response.status == 401


async def test_another_shoppers_conversation_is_refused(gateway):
    mine, theirs = await login_shopper(gateway, "u1001"), await login_shopper(gateway, "u1002")
    response = await gateway.post("/api/shopper/messages", headers=bearer(mine["token"]),
                                  json={"text": "我的订单", "conversation_id": theirs["conversation_id"]})
    assert response.status == 403
    response = await gateway.get(f"/api/shopper/conversation?conversation_id={theirs['conversation_id']}",
                                 headers=bearer(mine["token"]))
    assert response.status == 403
    assert await history_length(gateway, theirs["token"]) == 0


async def test_a_dead_rasa_gets_an_apology_and_the_message_is_kept(gateway):
    session = await login_shopper(gateway)
    response = await gateway.post("/api/shopper/messages", json={"text": "我的快递到哪了"},
                                  headers=bearer(session["token"]))
    assert response.status == 200
    replies = (await response.json())["replies"]
    assert [r["sender"] for r in replies] == ["system"] and "暂时无法回复" in replies[0]["text"]
    history = (await (await gateway.get("/api/shopper/conversation", headers=bearer(session["token"]))).json())
    assert [m["text"] for m in history["messages"]][0] == "我的快递到哪了"


async def test_a_resent_message_is_stored_once(gateway):
    session = await login_shopper(gateway)
    for _ in range(2):
        await gateway.post("/api/shopper/messages", json={"text": "在吗", "client_id": "m-1"},
                           headers=bearer(session["token"]))
    texts = [m["text"] for m in (await (await gateway.get(
        "/api/shopper/conversation", headers=bearer(session["token"]))).json())["messages"]]
    assert texts.count("在吗") == 1


async def test_agents_must_log_in(gateway, redis, keys):
    assert (await gateway.get("/api/agent/queue")).status == 401
    await login_agent(gateway, redis, keys)
    response = await gateway.post("/api/agent/login", json={"agent_id": "a01", "password": "wrong-password"})
    assert response.status == 401
    assert "密码不正确" in (await response.json())["message"]
    response = await gateway.post("/api/agent/login", json={"agent_id": "nobody", "password": "whatever1"})
    assert response.status == 401
    socket_refused = await gateway.get("/ws/agent?token=forged.token")
    assert socket_refused.status == 401


async def test_exactly_one_of_two_agents_claims_a_ticket(gateway, redis, keys):
    session = await login_shopper(gateway)
    ticket = await enqueue_handoff(redis, keys, session["conversation_id"])
    first = await login_agent(gateway, redis, keys, "a01", "小王")
    second = await login_agent(gateway, redis, keys, "a02", "小李")
    responses = await asyncio.gather(*(
        gateway.post(f"/api/agent/tickets/{ticket.ticket_id}/claim", headers=bearer(agent["token"]))
        for agent in (first, second)
    ))
    assert sorted(r.status for r in responses) == [200, 409]
    loser = next(r for r in responses if r.status == 409)
    assert "其他客服" in (await loser.json())["message"]


async def test_shopper_and_agent_talk_in_real_time(gateway, redis, keys):
    session = await login_shopper(gateway)
    agent = await login_agent(gateway, redis, keys)
    shopper_ws = await gateway.ws_connect(f"/ws/shopper?token={session['token']}")
    agent_ws = await gateway.ws_connect(f"/ws/agent?token={agent['token']}")
    assert (await shopper_ws.receive_json())["type"] == "hello"
    assert (await agent_ws.receive_json())["type"] == "hello"

    ticket = await enqueue_handoff(redis, keys, session["conversation_id"], vip=True, anger_score=0.9)
    queued = await next_event(agent_ws, lambda e: e["type"] == "queue" and e["waiting"])
    assert queued["waiting"][0]["ticket_id"] == ticket.ticket_id and queued["waiting"][0]["vip"] is True
    state = await next_event(shopper_ws, lambda e: e["type"] == "state")
    assert state["position"] == 1

    claim = await gateway.post(f"/api/agent/tickets/{ticket.ticket_id}/claim", headers=bearer(agent["token"]))
    assert claim.status == 200
    joined = await next_event(shopper_ws, lambda e: e["type"] == "message")
    assert "小王" in joined["message"]["text"]

    await agent_ws.send_json({"type": "message", "ticket_id": ticket.ticket_id, "text": "您好，我来帮您查"})
    reply = await next_event(shopper_ws, lambda e: e["type"] == "message" and e["message"]["sender"] == "agent")
    assert reply["message"]["text"] == "您好，我来帮您查" and reply["message"]["agent_name"] == "小王"
    assert "agent_id" not in reply["message"]

    await shopper_ws.send_json({"type": "message", "text": "气死我了，等了半个月还没到！！！", "client_id": "s-1"})
    heard = await next_event(agent_ws, lambda e: e["type"] == "message" and e["message"]["sender"] == "shopper")
    assert heard["message"]["text"] == "气死我了，等了半个月还没到！！！"
    assert heard["message"]["sentiment"]["label"] == "angry"
    state = await redis.hgetall(keys.conversation(session["conversation_id"]))
    assert state["mode"] == MODE_AGENT

    resolved = await gateway.post(f"/api/agent/tickets/{ticket.ticket_id}/resolve", headers=bearer(agent["token"]))
    assert resolved.status == 200
    ask = await next_event(shopper_ws, lambda e: e["type"] == "message" and (e["message"]["custom"] or {}).get("type") == "rating_request")
    assert ask["message"]["custom"]["ticket_id"] == ticket.ticket_id
    await shopper_ws.send_json({"type": "rating", "ticket_id": ticket.ticket_id, "score": 5})
    thanks = await next_event(shopper_ws, lambda e: e["type"] == "message" and "感谢您的评价" in e["message"]["text"])
    assert thanks
    assert (await AgentQueue(redis, keys).get(ticket.ticket_id)).rating == 5
    await shopper_ws.send_json({"type": "rating", "ticket_id": ticket.ticket_id, "score": 1})
    again = await next_event(shopper_ws, lambda e: e["type"] == "error")
    assert again["error"] == "rating_not_allowed"
    assert (await redis.hgetall(keys.conversation(session["conversation_id"])))["mode"] == MODE_BOT
    await shopper_ws.close()
    await agent_ws.close()


async def test_bad_socket_frames_get_an_error_and_the_socket_stays_open(gateway):
    session = await login_shopper(gateway)
    ws = await gateway.ws_connect(f"/ws/shopper?token={session['token']}")
    await ws.receive_json()
    for frame in ("not json", '{"type": "message", "text": ""}', '{"type": "warp"}',
                  '{"type": "message", "text": "' + "好" * 600 + '"}'):
        await ws.send_str(frame)
        error = await next_event(ws, lambda e: e["type"] == "error")
        assert error["message"]
    await ws.send_json({"type": "rating", "ticket_id": "someone-elses", "score": 5})
    assert (await next_event(ws, lambda e: e["type"] == "error"))["error"] == "not_your_conversation"
    await ws.close()
    assert await history_length(gateway, session["token"]) == 0


async def test_an_agent_cannot_act_on_a_ticket_they_do_not_hold(gateway, redis, keys):
    session = await login_shopper(gateway)
    ticket = await enqueue_handoff(redis, keys, session["conversation_id"])
    agent = await login_agent(gateway, redis, keys)
    for command in ("messages", "resolve", "handback"):
        response = await gateway.post(f"/api/agent/tickets/{ticket.ticket_id}/{command}",
                                      json={"text": "你好"}, headers=bearer(agent["token"]))
        assert response.status == 409, command
    assert (await AgentQueue(redis, keys).get(ticket.ticket_id)).status == "waiting"



async def test_a_claim_left_unanswered_goes_back_to_the_front_and_the_shopper_is_told(
        redis_server, redis, keys, seeded_db, monkeypatch):
    monkeypatch.setenv("KEFU_DB_PATH", str(seeded_db))
    now = [time.time()]
    app = create_app(gateway_settings(redis_server.url, keys.prefix), clock=lambda: now[0])
    async with TestClient(TestServer(app)) as client:
        session = await login_shopper(client)
        queue = AgentQueue(redis, keys, lambda: now[0])
        for ticket_id, conversation, shopper, created in (("t-1", session["conversation_id"], "u1001", now[0]),
                                                          ("t-2", "someone-else", "u1003", now[0] + 1)):
            await queue.enqueue(Ticket(ticket_id=ticket_id, conversation_id=conversation, shopper_id=shopper,
                                       reason="request_human", priority=10, summary="用户要求转人工",
                                       created_at=created))
        agent = await login_agent(client, redis, keys)
        assert (await client.post("/api/agent/tickets/t-1/claim", headers=bearer(agent["token"]))).status == 200

        bridge = app[BRIDGE]
        now[0] += bridge.policy.answer_within_seconds - 1
        await queue.heartbeat("a01")  # the agent is online, only silent
        assert await bridge.requeue_stale() == []
        now[0] += 2
        await queue.heartbeat("a01")
        assert await bridge.requeue_stale() == ["t-1"]
        assert [t.ticket_id for t in await queue.waiting()] == ["t-1", "t-2"]
        history = await (await client.get("/api/shopper/conversation", headers=bearer(session["token"]))).json()
        assert "重新排队" in history["messages"][-1]["text"] and history["position"] == 1


async def test_a_new_conversation_starts_fresh_but_not_while_a_person_has_the_current_one(gateway, redis, keys):
    session = await login_shopper(gateway)
    await gateway.post("/api/shopper/messages", json={"text": "在吗"}, headers=bearer(session["token"]))
    response = await gateway.post("/api/shopper/conversations", headers=bearer(session["token"]))
    assert response.status == 200
    fresh = await response.json()
    assert fresh["conversation_id"] != session["conversation_id"] and fresh["messages"] == []
    await enqueue_handoff(redis, keys, fresh["conversation_id"])
    refused = await gateway.post("/api/shopper/conversations", headers=bearer(session["token"]))
    assert refused.status == 409
    assert "客服正在为您处理" in (await refused.json())["message"]
    current = await (await gateway.get("/api/shopper/conversation", headers=bearer(session["token"]))).json()
    assert current["conversation_id"] == fresh["conversation_id"]


async def test_an_agent_transfers_a_conversation_to_a_colleague(gateway, redis, keys):
    session = await login_shopper(gateway)
    ticket = await enqueue_handoff(redis, keys, session["conversation_id"])
    first = await login_agent(gateway, redis, keys, "a01", "小王")
    second = await login_agent(gateway, redis, keys, "a02", "小李")
    colleague_ws = await gateway.ws_connect(f"/ws/agent?token={second['token']}")
    await colleague_ws.receive_json()
    await gateway.post(f"/api/agent/tickets/{ticket.ticket_id}/claim", headers=bearer(first["token"]))
    unknown = await gateway.post(f"/api/agent/tickets/{ticket.ticket_id}/transfer", json={"to_agent": "nobody"},
                                 headers=bearer(first["token"]))
    assert unknown.status == 404
    moved = await gateway.post(f"/api/agent/tickets/{ticket.ticket_id}/transfer", json={"to_agent": "a02"},
                               headers=bearer(first["token"]))
    assert moved.status == 200
    assert (await AgentQueue(redis, keys).get(ticket.ticket_id)).agent_id == "a02"
    told = await next_event(colleague_ws, lambda e: e["type"] == "message" and e["message"]["sender"] == "system")
    assert "小李" in told["message"]["text"]
    old_owner = await gateway.post(f"/api/agent/tickets/{ticket.ticket_id}/messages", json={"text": "还在"},
                                   headers=bearer(first["token"]))
    assert old_owner.status == 409
    await colleague_ws.send_json({"type": "message", "ticket_id": ticket.ticket_id, "text": "我是小李，接着为您处理"})
    heard = await next_event(colleague_ws, lambda e: e["type"] == "message" and e["message"]["sender"] == "agent")
    assert heard["message"]["agent_name"] == "小李"
    await colleague_ws.close()
