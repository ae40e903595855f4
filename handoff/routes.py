"""HTTP and WebSocket views of the gateway: they know HTTP, the bridge knows Redis.

Shoppers:  POST /api/shopper/login, GET /api/shopper/conversation, POST /api/shopper/conversations (new),
           POST /api/shopper/messages,
           POST /api/shopper/rating, GET /ws/shopper?token=...
Agents:    POST /api/agent/login, GET /api/agent/queue, GET /api/agent/tickets/{id},
           POST /api/agent/tickets/{id}/{claim|messages|transfer|resolve|handback},
           POST /api/agent/claim-next, GET /ws/agent?token=...
Errors are JSON {"error": code, "message": polite Chinese text}.
"""
from __future__ import annotations

import asyncio
import contextlib
import json
import logging
from dataclasses import asdict
from pathlib import Path
from typing import Any, Awaitable, Callable, Dict, Optional

import redis.asyncio as aioredis
from aiohttp import WSMsgType, web

from actions.services.store import StoreError
from handoff.agents import Agent
from handoff.bridge import Bridge, BridgeError
from handoff.hub import Hub, Subscription
from handoff.keys import Keys
from handoff.models import Ticket
from handoff.tokens import ROLE_AGENT, ROLE_SHOPPER, InvalidToken, TokenSigner

logger = logging.getLogger(__name__)

routes = web.RouteTableDef()

BRIDGE = web.AppKey("bridge", Bridge)
HUB = web.AppKey("hub", Hub)
KEYS = web.AppKey("keys", Keys)
SIGNER = web.AppKey("signer", TokenSigner)
REDIS = web.AppKey("redis", aioredis.Redis)
SOCKETS = web.AppKey("sockets", set)  # open WebSockets, closed on shutdown so clients reconnect elsewhere
TOKEN_HOURS = web.AppKey("token_hours", dict)  # role -> hours a token stays valid
SHOPPER_LOOKUP = web.AppKey("shopper_lookup", Callable[[str], Awaitable[Optional[str]]])
AGENT_HEARTBEAT_SECONDS = 5.0
SHOPPER_SIDE, AGENT_SIDE = "shopper", "agent"


# --- helpers ------------------------------------------------------------------------------------
def dumps(data: Any) -> str:
    """JSON with Chinese as is; dates as ISO 8601, money (Decimal) as strings."""
    return json.dumps(data, ensure_ascii=False,
                      default=lambda v: v.isoformat() if hasattr(v, "isoformat") else str(v))


def _error(request: web.Request, side: str, code: str, status: int, **values: Any) -> web.Response:
    texts = request.app[BRIDGE].texts
    table = texts.shopper if side == SHOPPER_SIDE else texts.agent
    message = table.get(code, table.get("bad_request", "")).format(**values)
    return web.json_response({"error": code, "message": message}, status=status)


def _side(request: web.Request) -> str:
    return AGENT_SIDE if request.path.startswith(("/api/agent", "/ws/agent")) else SHOPPER_SIDE


@web.middleware
async def errors_middleware(request: web.Request, handler: Callable) -> web.StreamResponse:
    """Turn refusals and a dead Redis into polite JSON answers instead of stack traces."""
    try:
        return await handler(request)
    except BridgeError as exc:
        return _error(request, _side(request), exc.code, exc.status, **exc.values)
    except (aioredis.ConnectionError, aioredis.TimeoutError) as exc:
        logger.warning("gateway.redis.unavailable path=%s error=%s", request.path, exc)
        return _error(request, _side(request), "storage_unavailable", 503)


async def _json_body(request: web.Request) -> Dict[str, Any]:
    try:
        body = await request.json()
    except (ValueError, UnicodeDecodeError):
        raise BridgeError("bad_request")
    if not isinstance(body, dict):
        raise BridgeError("bad_request")
    return body


def _token(request: web.Request) -> Optional[str]:
    header = request.headers.get("Authorization", "")
    if header.startswith("Bearer "):
        return header[len("Bearer "):].strip()
    return request.query.get("token")


def _shopper_id(request: web.Request) -> str:
    try:
        return request.app[SIGNER].verify(_token(request), ROLE_SHOPPER).subject
    except InvalidToken:
        raise BridgeError("login_required", status=401)


async def _agent(request: web.Request) -> Agent:
    try:
        identity = request.app[SIGNER].verify(_token(request), ROLE_AGENT)
    except InvalidToken:
        raise BridgeError("login_required", status=401)
    bridge = request.app[BRIDGE]
    agent = await bridge.agents.get(identity.subject)
    if agent is None:  # removed since the token was issued
        raise BridgeError("login_required", status=401)
    await bridge.queue.heartbeat(agent.agent_id)
    return agent


def shopper_view(message: Dict[str, Any]) -> Dict[str, Any]:
    """What a shopper may see of a message: not the bot's analysis or internal agent ids."""
    return {
        "message_id": message.get("message_id"), "sender": message.get("sender"),
        "text": message.get("text"), "at": message.get("at"), "agent_name": message.get("agent_name"),
        "buttons": message.get("buttons") or [], "custom": message.get("custom"),
    }


def ticket_line(ticket: Ticket, position: Optional[int] = None) -> Dict[str, Any]:
    """A ticket as the queue list shows it (no transcript)."""
    return {
        "ticket_id": ticket.ticket_id, "conversation_id": ticket.conversation_id,
        "shopper_id": ticket.shopper_id, "reason": ticket.reason, "priority": ticket.priority,
        "vip": ticket.vip, "anger_score": ticket.anger_score, "summary": ticket.summary,
        "order_id": ticket.order_id, "created_at": ticket.created_at, "status": ticket.status,
        "agent_id": ticket.agent_id, "requeue_count": ticket.requeue_count, "position": position,
    }


async def queue_snapshot(bridge: Bridge, agent: Agent) -> Dict[str, Any]:
    waiting = await bridge.queue.waiting()
    mine = await bridge.queue.claimed_by(agent.agent_id)
    online = await bridge.queue.online_agents(bridge.policy.agent_heartbeat_seconds)
    return {
        "type": "queue",
        "waiting": [ticket_line(t, i + 1) for i, t in enumerate(waiting)],
        "mine": [ticket_line(t) for t in mine],
        "agents_online": len(online),
    }


# --- health ---------------------------------------------------------------------------------------
@routes.get("/health")
async def health(request: web.Request) -> web.Response:
    bridge = request.app[BRIDGE]
    try:
        redis_ok = bool(await request.app[REDIS].ping())
    except (aioredis.RedisError, OSError):
        redis_ok = False
    rasa_ok = await bridge.rasa.healthy()
    body = {"status": "ok" if redis_ok and rasa_ok else "degraded",
            "redis": "ok" if redis_ok else "unreachable", "rasa": "ok" if rasa_ok else "unreachable"}
    return web.json_response(body, status=200 if redis_ok else 503)


# --- shoppers -------------------------------------------------------------------------------------
@routes.post("/api/shopper/login")
async def shopper_login(request: web.Request) -> web.Response:
    """Demo login: picks one of the demo shoppers (a shop puts its own login in front instead)."""
    body = await _json_body(request)
    shopper_id = body.get("shopper_id")
    name = await request.app[SHOPPER_LOOKUP](shopper_id) if isinstance(shopper_id, str) else None
    if name is None:
        raise BridgeError("unknown_shopper", status=404)
    bridge = request.app[BRIDGE]
    token, expires_at = request.app[SIGNER].issue(
        shopper_id, ROLE_SHOPPER, request.app[TOKEN_HOURS][ROLE_SHOPPER] * 3600
    )
    conversation_id = await bridge.conversations.conversation_for(shopper_id)
    return web.json_response({"token": token, "expires_at": expires_at, "shopper_id": shopper_id,
                              "name": name, "conversation_id": conversation_id})


async def _conversation_view(bridge: Bridge, conversation_id: str) -> Dict[str, Any]:
    state = await bridge.conversations.state(conversation_id)
    history = await bridge.conversations.history(conversation_id)
    return {
        "conversation_id": conversation_id,
        "mode": state.get("mode"),
        "position": await bridge.position(conversation_id),
        "messages": [shopper_view(m.to_dict()) for m in history],
    }


@routes.get("/api/shopper/conversation")
async def shopper_conversation(request: web.Request) -> web.Response:
    bridge = request.app[BRIDGE]
    shopper_id = _shopper_id(request)
    conversation_id = await bridge.owned_conversation(shopper_id, request.query.get("conversation_id"))
    return web.json_response(await _conversation_view(bridge, conversation_id))


@routes.post("/api/shopper/conversations")
async def shopper_new_conversation(request: web.Request) -> web.Response:
    """Start a fresh conversation (the previous one stays in the log)."""
    bridge = request.app[BRIDGE]
    conversation_id = await bridge.start_new_conversation(_shopper_id(request))
    return web.json_response(await _conversation_view(bridge, conversation_id))


@routes.post("/api/shopper/messages")
async def shopper_message(request: web.Request) -> web.Response:
    """REST fallback: send one message, get the bot's replies in the response."""
    bridge = request.app[BRIDGE]
    shopper_id = _shopper_id(request)
    body = await _json_body(request)
    conversation_id = await bridge.owned_conversation(shopper_id, body.get("conversation_id"))
    replies = await bridge.shopper_says(shopper_id, conversation_id, body.get("text"), body.get("client_id"))
    state = await bridge.conversations.state(conversation_id)
    return web.json_response({
        "conversation_id": conversation_id, "mode": state.get("mode"),
        "position": await bridge.position(conversation_id),
        "replies": [shopper_view(m.to_dict()) for m in replies],
    })


@routes.post("/api/shopper/rating")
async def shopper_rating(request: web.Request) -> web.Response:
    bridge = request.app[BRIDGE]
    shopper_id = _shopper_id(request)
    body = await _json_body(request)
    conversation_id = await bridge.owned_conversation(shopper_id, body.get("conversation_id"))
    thanks = await bridge.rate(shopper_id, conversation_id, body.get("ticket_id"), body.get("score"))
    return web.json_response({"reply": shopper_view(thanks.to_dict())})


async def _pump(subscription: Subscription, ws: web.WebSocketResponse,
                transform: Callable[[Dict[str, Any]], Awaitable[Optional[Dict[str, Any]]]]) -> None:
    """Forward hub events to the socket until it closes; a client too far behind is disconnected."""
    while not ws.closed:
        event = await subscription.events.get()
        if subscription.overflowed:
            await ws.close(code=1013, message=b"too slow, reconnect")
            return
        outgoing = await transform(event)
        if outgoing is not None:
            await ws.send_json(outgoing, dumps=dumps)


async def _socket_error(ws: web.WebSocketResponse, request: web.Request, side: str, exc: BridgeError) -> None:
    texts = request.app[BRIDGE].texts
    table = texts.shopper if side == SHOPPER_SIDE else texts.agent
    await ws.send_json({"type": "error", "error": exc.code,
                        "message": table.get(exc.code, table["bad_request"]).format(**exc.values)},
                       dumps=dumps)


async def _frames(ws: web.WebSocketResponse):
    """Decoded JSON objects from the client; None for a frame that is not one."""
    async for frame in ws:
        if frame.type != WSMsgType.TEXT:
            if frame.type == WSMsgType.ERROR:
                return
            continue
        try:
            data = json.loads(frame.data)
        except ValueError:
            data = None
        yield data if isinstance(data, dict) else None


@routes.get("/ws/shopper")
async def shopper_socket(request: web.Request) -> web.StreamResponse:
    bridge, hub = request.app[BRIDGE], request.app[HUB]
    shopper_id = _shopper_id(request)  # refused with 401 before the upgrade
    conversation_id = await bridge.owned_conversation(shopper_id, request.query.get("conversation_id"))
    ws = web.WebSocketResponse(heartbeat=20)
    await ws.prepare(request)
    request.app[SOCKETS].add(ws)
    subscription = hub.subscribe()
    subscription.follow(request.app[KEYS].conversation_events(conversation_id))

    async def for_shopper(event: Dict[str, Any]) -> Optional[Dict[str, Any]]:
        if event.get("type") == "message":
            return {"type": "message", "message": shopper_view(event["message"])}
        if event.get("type") == "state":
            return {"type": "state", "mode": event.get("mode"),
                    "position": await bridge.position(conversation_id)}
        if event.get("type") == "typing":
            return {"type": "typing", "sender": event.get("sender")}
        return None

    pump = asyncio.create_task(_pump(subscription, ws, for_shopper))
    try:
        await ws.send_json({"type": "hello", **await _conversation_view(bridge, conversation_id)},
                           dumps=dumps)
        async for data in _frames(ws):
            try:
                if data is None:
                    raise BridgeError("bad_request")
                kind = data.get("type")
                if kind == "message":
                    await bridge.shopper_says(shopper_id, conversation_id, data.get("text"), data.get("client_id"))
                    await ws.send_json({"type": "ack", "client_id": data.get("client_id")})
                elif kind == "rating":
                    await bridge.rate(shopper_id, conversation_id, data.get("ticket_id"), data.get("score"))
                elif kind == "typing":
                    await bridge.conversations.publish(conversation_id, {"type": "typing", "sender": "shopper"})
                elif kind != "ping":
                    raise BridgeError("bad_request")
            except BridgeError as exc:
                await _socket_error(ws, request, SHOPPER_SIDE, exc)
            except (aioredis.ConnectionError, aioredis.TimeoutError):
                await _socket_error(ws, request, SHOPPER_SIDE, BridgeError("storage_unavailable", 503))
    finally:
        request.app[SOCKETS].discard(ws)
        subscription.close()
        pump.cancel()
        with contextlib.suppress(asyncio.CancelledError, Exception):
            await pump
    return ws


# --- agents ---------------------------------------------------------------------------------------
@routes.post("/api/agent/login")
async def agent_login(request: web.Request) -> web.Response:
    body = await _json_body(request)
    agent_id, password = body.get("agent_id"), body.get("password")
    bridge = request.app[BRIDGE]
    agent = None
    if isinstance(agent_id, str) and isinstance(password, str):
        agent = await bridge.agents.authenticate(agent_id, password)
    if agent is None:
        raise BridgeError("login_failed", status=401)
    token, expires_at = request.app[SIGNER].issue(
        agent.agent_id, ROLE_AGENT, request.app[TOKEN_HOURS][ROLE_AGENT] * 3600
    )
    await bridge.queue.heartbeat(agent.agent_id)
    return web.json_response({"token": token, "expires_at": expires_at,
                              "agent": {"agent_id": agent.agent_id, "name": agent.name, "role": agent.role}})


@routes.get("/api/agent/queue")
async def agent_queue(request: web.Request) -> web.Response:
    agent = await _agent(request)
    return web.json_response(await queue_snapshot(request.app[BRIDGE], agent))


@routes.get("/api/agent/tickets/{ticket_id}")
async def agent_ticket(request: web.Request) -> web.Response:
    await _agent(request)
    bridge = request.app[BRIDGE]
    ticket = await bridge.queue.get(request.match_info["ticket_id"])
    if ticket is None:
        raise BridgeError("ticket_not_found", status=404)
    history = await bridge.conversations.history(ticket.conversation_id)
    return web.json_response({"ticket": ticket.to_dict(), "position": await bridge.queue.position(ticket.ticket_id),
                              "messages": [m.to_dict() for m in history]})


@routes.post("/api/agent/claim-next")
async def agent_claim_next(request: web.Request) -> web.Response:
    agent = await _agent(request)
    ticket = await request.app[BRIDGE].claim(agent)
    return web.json_response({"ticket": ticket.to_dict()})


@routes.post("/api/agent/tickets/{ticket_id}/{command}")
async def agent_command(request: web.Request) -> web.Response:
    agent = await _agent(request)
    bridge = request.app[BRIDGE]
    ticket_id, command = request.match_info["ticket_id"], request.match_info["command"]
    if command == "claim":
        return web.json_response({"ticket": (await bridge.claim(agent, ticket_id)).to_dict()})
    if command == "messages":
        body = await _json_body(request)
        return web.json_response({"message": (await bridge.agent_says(agent, ticket_id, body.get("text"))).to_dict()})
    if command == "transfer":
        body = await _json_body(request)
        await bridge.transfer(agent, ticket_id, body.get("to_agent"))
    elif command == "resolve":
        await bridge.resolve(agent, ticket_id)
    elif command == "handback":
        await bridge.hand_back(agent, ticket_id)
    else:
        raise web.HTTPNotFound()
    return web.json_response({"ticket": (await bridge.queue.get(ticket_id)).to_dict()})


@routes.get("/ws/agent")
async def agent_socket(request: web.Request) -> web.StreamResponse:
    bridge, hub, keys = request.app[BRIDGE], request.app[HUB], request.app[KEYS]
    agent = await _agent(request)  # refused with 401 before the upgrade
    ws = web.WebSocketResponse(heartbeat=20)
    await ws.prepare(request)
    request.app[SOCKETS].add(ws)

    def follow_tickets(event: Dict[str, Any]) -> None:
        """Follow a conversation as soon as its ticket is this agent's: the notice and the shopper's
        next message are published right after the queue event."""
        if event.get("type") != "queue":
            return
        conversation = keys.conversation_events(event.get("conversation_id", ""))
        if event.get("agent_id") == agent.agent_id and event.get("event") in ("claimed", "transferred"):
            subscription.follow(conversation)
        elif event.get("event") in ("requeued", "resolved", "returned", "transferred"):
            subscription.unfollow(conversation)

    subscription = hub.subscribe(on_event=follow_tickets)
    subscription.follow(keys.queue_events)
    for ticket in await bridge.queue.claimed_by(agent.agent_id):
        subscription.follow(keys.conversation_events(ticket.conversation_id))

    async def for_agent(event: Dict[str, Any]) -> Optional[Dict[str, Any]]:
        if event.get("type") == "queue":
            return {**await queue_snapshot(bridge, agent), "event": event}
        event.pop("channel", None)
        return event

    async def heartbeat() -> None:
        while True:
            with contextlib.suppress(aioredis.RedisError):
                await bridge.queue.heartbeat(agent.agent_id)
            await asyncio.sleep(AGENT_HEARTBEAT_SECONDS)

    tasks = [asyncio.create_task(_pump(subscription, ws, for_agent)), asyncio.create_task(heartbeat())]
    try:
        await ws.send_json({**await queue_snapshot(bridge, agent), "type": "hello",
                            "agent": {"agent_id": agent.agent_id, "name": agent.name}},
                           dumps=dumps)
        async for data in _frames(ws):
            try:
                if data is None:
                    raise BridgeError("bad_request")
                kind = data.get("type")
                if kind == "message":
                    await bridge.agent_says(agent, str(data.get("ticket_id")), data.get("text"))
                elif kind == "claim":
                    await bridge.claim(agent, data.get("ticket_id"))
                elif kind == "watch":
                    ticket = await bridge.queue.get(str(data.get("ticket_id")))
                    if ticket is None:
                        raise BridgeError("ticket_not_found", status=404)
                    subscription.follow(keys.conversation_events(ticket.conversation_id))
                elif kind == "typing":
                    ticket = await bridge.queue.get(str(data.get("ticket_id")))
                    if ticket is not None and ticket.agent_id == agent.agent_id:
                        await bridge.conversations.publish(ticket.conversation_id,
                                                           {"type": "typing", "sender": "agent"})
                elif kind != "ping":
                    raise BridgeError("bad_request")
            except BridgeError as exc:
                await _socket_error(ws, request, AGENT_SIDE, exc)
            except (aioredis.ConnectionError, aioredis.TimeoutError):
                await _socket_error(ws, request, AGENT_SIDE, BridgeError("storage_unavailable", 503))
    finally:
        request.app[SOCKETS].discard(ws)
        subscription.close()
        for task in tasks:
            task.cancel()
        with contextlib.suppress(asyncio.CancelledError, Exception):
            await asyncio.gather(*tasks)
    return ws


# --- pages, console data, order and supervisor views ----------------------------------------------
# GET /                      the shopper's chat page          GET /console   the agent console
# GET /static/...            their CSS and JavaScript         GET /api/agent/reference  canned replies, labels
# GET /api/agent/agents      online agents (transfer targets) GET /api/agent/tickets/{id}/order
# GET /api/agent/supervisor/stats  (supervisors only)
STATIC_DIR = Path(__file__).with_name("static")
ORDERS = web.AppKey("orders", object)  # the order store (actions/services/store.py), read only here
CANNED_REPLIES = web.AppKey("canned_replies", list)  # groups from data/texts/canned_replies.yml
# The pages load only their own files: no inline script, no third-party origin, no framing.
PAGE_HEADERS = {
    "Content-Security-Policy": "default-src 'self'; connect-src 'self'; img-src 'self' data:; "
                               "object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "Cache-Control": "no-cache",
}

routes.static("/static", STATIC_DIR, append_version=False)


@routes.get("/")
async def chat_page(request: web.Request) -> web.FileResponse:
    return web.FileResponse(STATIC_DIR / "chat.html", headers=PAGE_HEADERS)


@routes.get("/console")
async def console_page(request: web.Request) -> web.FileResponse:
    return web.FileResponse(STATIC_DIR / "console.html", headers=PAGE_HEADERS)


def _json(data: Any) -> web.Response:
    return web.json_response(data, dumps=dumps)


@routes.get("/api/agent/reference")
async def agent_reference(request: web.Request) -> web.Response:
    """What the console shows as labels (reason, order status, mood, topic) and the canned replies."""
    await _agent(request)
    summary = request.app[BRIDGE].policy.summary
    return _json({
        "canned_replies": request.app[CANNED_REPLIES],
        "labels": {"reasons": dict(summary.reasons), "order_statuses": dict(summary.order_statuses),
                   "moods": dict(summary.moods), "topics": dict(summary.topics)},
    })


async def _online_agents(bridge: Bridge) -> list:
    lines = []
    for agent_id in await bridge.queue.online_agents(bridge.policy.agent_heartbeat_seconds):
        agent = await bridge.agents.get(agent_id)
        if agent is not None:
            lines.append({"agent_id": agent.agent_id, "name": agent.name, "role": agent.role,
                          "tickets": len(await bridge.queue.claimed_by(agent.agent_id))})
    return lines


@routes.get("/api/agent/agents")
async def agent_list(request: web.Request) -> web.Response:
    await _agent(request)
    return _json({"agents": await _online_agents(request.app[BRIDGE])})


@routes.get("/api/agent/tickets/{ticket_id}/order")
async def agent_ticket_order(request: web.Request) -> web.Response:
    """The order the conversation is about, read for the ticket's shopper: status, items, tracking."""
    await _agent(request)
    ticket = await request.app[BRIDGE].queue.get(request.match_info["ticket_id"])
    if ticket is None:
        raise BridgeError("ticket_not_found", status=404)
    order_id = ticket.order_id or ticket.slots.get("order_id")
    if not isinstance(order_id, str) or not order_id:
        return _json({"order": None, "shipment": None})
    store = request.app[ORDERS]
    try:
        order = await store.get_order(ticket.shopper_id, order_id)
        shipment = await store.get_shipment(ticket.shopper_id, order_id) if order else None
    except StoreError as exc:
        logger.warning("gateway.orders.unavailable ticket=%s error=%s", ticket.ticket_id, exc)
        raise BridgeError("orders_unavailable", status=503)
    return _json({"order": asdict(order) if order else None, "shipment": asdict(shipment) if shipment else None})


@routes.get("/api/agent/supervisor/stats")
async def supervisor_stats(request: web.Request) -> web.Response:
    """Queue length, waiting times, agents online, today's handoffs by reason and satisfaction."""
    agent = await _agent(request)
    if not agent.is_supervisor:
        raise BridgeError("supervisor_only", status=403)
    bridge = request.app[BRIDGE]
    now = bridge.clock()
    waiting = await bridge.queue.waiting(limit=1000)
    waits = [max(0.0, now - ticket.created_at) for ticket in waiting]
    counters = await bridge.queue.day_stats(now)
    closed = await bridge.queue.closed_since(bridge.queue.day_start(now))
    ratings = counters.get("rating_count", 0)
    return _json({
        "at": now,
        "queue_length": len(waiting),
        "waiting": {
            "oldest_seconds": max(waits, default=None),
            "average_seconds": sum(waits) / len(waits) if waits else None,
            "tickets": [{"ticket_id": t.ticket_id, "reason": t.reason, "vip": t.vip, "wait_seconds": w}
                        for t, w in zip(waiting, waits)],
        },
        "agents_online": await _online_agents(bridge),
        "handoffs_today": {name.removeprefix("handoff:"): count
                           for name, count in sorted(counters.items()) if name.startswith("handoff:")},
        "closed_today": {"resolved": sum(t.status == "resolved" for t in closed),
                         "returned": sum(t.status == "returned" for t in closed)},
        "satisfaction_today": {"average": counters.get("rating_sum", 0) / ratings if ratings else None,
                               "count": ratings},
        "labels": {"reasons": dict(bridge.policy.summary.reasons)},
    })
