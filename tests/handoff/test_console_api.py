"""What the pages need from the gateway besides the chat API: the pages themselves, the console's
reference data, the order behind a ticket and the supervisor's numbers (tests/browser drives the pages)."""
import time

from handoff.agents import ROLE_SUPERVISOR, AgentDirectory
from handoff.models import Ticket
from handoff.queue import AgentQueue
from tests.handoff.conftest import AGENT_PASSWORD, bearer, login_agent, login_shopper


async def queue_ticket(redis, keys, conversation_id: str, shopper_id: str = "u1001", **fields) -> Ticket:
    ticket = Ticket(
        ticket_id=f"{conversation_id}-{time.time_ns()}", conversation_id=conversation_id, shopper_id=shopper_id,
        reason=fields.pop("reason", "request_human"), priority=fields.pop("priority", 50),
        summary="用户询问订单状态", created_at=fields.pop("created_at", time.time()), **fields,
    )
    await AgentQueue(redis, keys).enqueue(ticket)
    return ticket


async def login_supervisor(gateway, redis, keys):
    await AgentDirectory(redis, keys).add("boss", "陈主管", AGENT_PASSWORD, ROLE_SUPERVISOR)
    response = await gateway.post("/api/agent/login", json={"agent_id": "boss", "password": AGENT_PASSWORD})
    assert response.status == 200
    return await response.json()


async def test_the_pages_are_served_with_a_strict_content_policy(gateway):
    for path, marker in (("/", "/static/chat.js"), ("/console", "/static/console.js")):
        response = await gateway.get(path)
        assert response.status == 200
        assert marker in await response.text()
        assert "default-src 'self'" in response.headers["Content-Security-Policy"]
    assert (await gateway.get("/static/common.js")).status == 200
    assert (await gateway.get("/static/../app.py")).status in (403, 404)


async def test_the_console_gets_labels_and_canned_replies(gateway, redis, keys):
    assert (await gateway.get("/api/agent/reference")).status == 401
    agent = await login_agent(gateway, redis, keys)
    response = await gateway.get("/api/agent/reference", headers=bearer(agent["token"]))
    body = await response.json()
    assert body["labels"]["reasons"]["request_human"] == "用户主动要求"
    assert body["labels"]["order_statuses"]["shipped"] == "已发货"
    groups = {group["title"]: group["replies"] for group in body["canned_replies"]}
    assert any("抱歉" in reply for reply in groups["安抚致歉"])


async def test_the_order_of_a_ticket_with_its_tracking(gateway, redis, keys):
    session = await login_shopper(gateway, "u1001")
    agent = await login_agent(gateway, redis, keys)
    ticket = await queue_ticket(redis, keys, session["conversation_id"], order_id="800000000104")
    response = await gateway.get(f"/api/agent/tickets/{ticket.ticket_id}/order", headers=bearer(agent["token"]))
    assert response.status == 200
    body = await response.json()
    assert body["order"]["order_id"] == "800000000104" and body["order"]["status"] == "shipped"
    assert body["order"]["items"] and body["order"]["total_amount"]
    assert body["order"]["created_at"].startswith("2024-11-")  # ISO 8601
    assert body["shipment"]["tracking_number"] and body["shipment"]["events"]


async def test_an_order_is_read_for_the_tickets_shopper_only(gateway, redis, keys):
    session = await login_shopper(gateway, "u1001")
    agent = await login_agent(gateway, redis, keys)
    headers = bearer(agent["token"])
    other = await queue_ticket(redis, keys, session["conversation_id"], slots={"order_id": "800000000201"})
    assert await (await gateway.get(f"/api/agent/tickets/{other.ticket_id}/order", headers=headers)).json() == {
        "order": None, "shipment": None}
    assert (await gateway.get("/api/agent/tickets/nope/order", headers=headers)).status == 404
    assert (await gateway.get(f"/api/agent/tickets/{other.ticket_id}/order")).status == 401


async def test_supervisor_stats_are_for_supervisors_only(gateway, redis, keys):
    agent = await login_agent(gateway, redis, keys)
    response = await gateway.get("/api/agent/supervisor/stats", headers=bearer(agent["token"]))
    assert response.status == 403
    assert (await response.json())["message"] == "数据看板仅对主管开放。"


async def test_supervisor_stats_count_the_queue_handoffs_and_ratings(gateway, redis, keys):
    first = await login_shopper(gateway, "u1001")
    second = await login_shopper(gateway, "u1002")
    boss = await login_supervisor(gateway, redis, keys)
    agent = await login_agent(gateway, redis, keys)
    now = time.time()
    done = await queue_ticket(redis, keys, first["conversation_id"], "u1001", created_at=now - 60)
    await queue_ticket(redis, keys, second["conversation_id"], "u1002", reason="high_anger", created_at=now - 120)
    for step in ("claim", "resolve"):
        response = await gateway.post(f"/api/agent/tickets/{done.ticket_id}/{step}", headers=bearer(agent["token"]))
        assert response.status == 200
    rated = await gateway.post("/api/shopper/rating", headers=bearer(first["token"]),
                               json={"ticket_id": done.ticket_id, "score": 4})
    assert rated.status == 200

    stats = await (await gateway.get("/api/agent/supervisor/stats", headers=bearer(boss["token"]))).json()
    assert stats["queue_length"] == 1
    assert 115 <= stats["waiting"]["oldest_seconds"] <= 180
    assert stats["waiting"]["average_seconds"] == stats["waiting"]["oldest_seconds"]
    assert [t["reason"] for t in stats["waiting"]["tickets"]] == ["high_anger"]
    assert stats["handoffs_today"] == {"high_anger": 1, "request_human": 1}
    assert stats["closed_today"] == {"resolved": 1, "returned": 0}
    assert stats["satisfaction_today"] == {"average": 4.0, "count": 1}
    assert {a["agent_id"] for a in stats["agents_online"]} == {"a01", "boss"}
    assert stats["labels"]["reasons"]["high_anger"] == "用户非常愤怒"
