"""The pages on a gateway without Rasa: safety, login, reconnection, the supervisor's board.

Tickets are queued the way the handoff action queues them (AgentQueue.enqueue), so these tests do
not need a trained model; test_handoff_pages.py runs the whole flow through Rasa.
"""
from __future__ import annotations

import re
import time
import urllib.error
import urllib.request

import redis.asyncio as aioredis
from playwright.async_api import expect

from handoff.models import Ticket
from handoff.queue import AgentQueue
from handoff.routes import STATIC_DIR
from tests.browser.conftest import (DESKTOP, GATEWAY_SECRET, PHONE, XSS, add_agent, agent_login, conversation_id,
                                    open_page, say, shopper_login)


def fetch(url: str) -> tuple[int, dict, str]:
    try:
        with urllib.request.urlopen(url, timeout=10) as response:
            return response.status, dict(response.headers), response.read().decode("utf-8")
    except urllib.error.HTTPError as error:
        return error.code, dict(error.headers), error.read().decode("utf-8")


async def queue_ticket(gateway, conversation: str, shopper: str, **fields) -> Ticket:
    """What the handoff action does when the shopper asks for a person."""
    ticket = Ticket(
        ticket_id=f"{conversation}-{time.time_ns()}", conversation_id=conversation, shopper_id=shopper,
        reason=fields.pop("reason", "request_human"), priority=fields.pop("priority", 50),
        summary=fields.pop("summary", "用户询问订单状态，转人工原因：用户主动要求"),
        created_at=time.time() - 30, **fields,
    )
    client = aioredis.Redis(port=gateway.redis_port, decode_responses=True)
    try:
        await AgentQueue(client, gateway.keys).enqueue(ticket)
    finally:
        await client.close()
    return ticket


def test_pages_are_static_files_with_no_outside_links_and_a_strict_policy(gateway):
    for path in ("/", "/console"):
        status, headers, body = fetch(gateway.url + path)
        assert status == 200
        policy = headers["Content-Security-Policy"]
        assert "default-src 'self'" in policy and "unsafe-inline" not in policy
        assert "<script>" not in body  # only <script src=...> of our own files
    for file in STATIC_DIR.iterdir():
        text = file.read_text(encoding="utf-8")
        status, _, served = fetch(f"{gateway.url}/static/{file.name}")
        assert status == 200 and served == text
        assert not re.search(r"(https?:)?//[a-z0-9.-]+\.[a-z]{2,}/", text, re.I), f"{file.name} links outside"
        assert not re.search(r"\.(inner|outer)HTML\b|insertAdjacentHTML|document\.write|\beval\(|new Function", text)
        assert GATEWAY_SECRET not in text


async def test_agent_pages_and_api_need_a_login(gateway, browser):
    for path in ("/api/agent/queue", "/api/agent/reference", "/api/agent/supervisor/stats", "/api/agent/agents"):
        status, _, _ = fetch(gateway.url + path)
        assert status == 401, path
    agent = await open_page(browser, DESKTOP)
    await agent.page.goto(f"{gateway.url}/console")
    await expect(agent.page.locator("#login")).to_be_visible()
    await expect(agent.page.locator("#app")).to_be_hidden()
    await agent.page.fill("#agent-id", "nobody")
    await agent.page.fill("#password", "wrong-password")
    await agent.page.click("#login-form button[type=submit]")
    await expect(agent.page.locator("#login-error")).to_contain_text("账号或密码不正确")
    agent.assert_quiet()


async def test_shopper_and_agent_see_markup_as_text(gateway, browser):
    shopper = await open_page(browser, PHONE)
    await shopper_login(shopper.page, gateway.url, "u1001")
    await say(shopper.page, XSS)
    mine = shopper.page.locator(".msg.shopper .text")
    await expect(mine).to_have_text([XSS])
    await expect(shopper.page.locator(".msg.shopper.pending")).to_have_count(0)

    conversation = await conversation_id(shopper.page)
    ticket = await queue_ticket(gateway, conversation, "u1001", summary=f"用户说：{XSS}")
    agent_id, password = await add_agent(gateway.redis_port, gateway.keys, "<b>小王</b>")
    agent = await open_page(browser, DESKTOP)
    await agent_login(agent.page, gateway.url, agent_id, password)
    card = agent.page.locator(f".ticket-card[data-ticket-id='{ticket.ticket_id}']")
    await expect(card.locator(".summary")).to_have_text(f"用户说：{XSS}")
    await card.locator(".claim-button").click()
    panel = agent.page.locator(".panel:not([hidden])")
    await expect(panel.locator(".line.shopper .text")).to_have_text([XSS])
    await panel.locator(".reply-text").fill(f"收到 {XSS}")
    await panel.locator(".send").click()
    await expect(shopper.page.locator(".msg.agent .text")).to_have_text([f"收到 {XSS}"])
    await expect(shopper.page.locator(".msg.agent .who")).to_have_text(["人工客服 <b>小王</b>"])

    for watched in (shopper, agent):
        assert await watched.page.locator(".messages img, .transcript img, .ticket-list img, b").count() == 0
        watched.assert_quiet()


async def test_the_chat_reconnects_restores_the_history_and_resends(gateway, browser):
    shopper = await open_page(browser, PHONE)
    page = shopper.page
    await shopper_login(page, gateway.url, "u1002")
    await say(page, "你好")
    await expect(page.locator(".msg.system")).to_have_count(1)  # no Rasa here: the polite apology

    gateway.crash()
    await expect(page.locator("#connection")).to_be_visible()
    await say(page, "我还在等回复")
    await expect(page.locator(".msg.shopper.pending")).to_contain_text("我还在等回复")

    gateway.start()  # same port: the page reconnects by itself
    await expect(page.locator("#connection")).to_be_hidden(timeout=20_000)
    await expect(page.locator(".msg.shopper .text")).to_have_text(["你好", "我还在等回复"])
    await expect(page.locator(".msg.shopper.pending")).to_have_count(0)
    await expect(page.locator(".msg.system")).to_have_count(2)

    await page.reload()  # a new page load restores the conversation too
    await expect(page.locator(".msg.shopper .text")).to_have_text(["你好", "我还在等回复"])
    shopper.assert_quiet()


async def test_queue_position_and_the_rating_at_the_end(gateway, browser):
    shopper = await open_page(browser, PHONE)
    await shopper_login(shopper.page, gateway.url, "u1003")
    conversation = await conversation_id(shopper.page)
    ticket = await queue_ticket(gateway, conversation, "u1003", vip=True, anger_score=0.9, reason="high_anger")
    await expect(shopper.page.locator("#banner")).to_contain_text("排在第 1 位")
    await expect(shopper.page.locator("#human-button")).to_be_disabled()

    agent_id, password = await add_agent(gateway.redis_port, gateway.keys, "小李")
    agent = await open_page(browser, DESKTOP)
    await agent_login(agent.page, gateway.url, agent_id, password)
    card = agent.page.locator(f".ticket-card[data-ticket-id='{ticket.ticket_id}']")
    await expect(card.locator(".flag.vip")).to_be_visible()
    await expect(card.locator(".flag.angry")).to_contain_text("0.90")
    await expect(card.locator(".reason")).to_have_text("用户非常愤怒")
    await card.locator(".claim-button").click()
    await expect(shopper.page.locator("#banner")).to_contain_text("人工客服")
    panel = agent.page.locator(".panel:not([hidden])")
    await panel.locator(".reply-text").fill("您好，问题已经处理好了")
    await panel.locator(".reply-text").press("Enter")
    await expect(shopper.page.locator(".msg.agent")).to_contain_text("问题已经处理好了")
    await panel.locator(".resolve").click()

    stars = shopper.page.locator(".rating .star")
    await expect(stars).to_have_count(5)
    await shopper.page.locator(".rating .star[data-score='5']").click()
    await expect(shopper.page.locator(".rating-label")).to_have_text("您的评分：5 分")
    await expect(shopper.page.locator(".msg.system").last).to_contain_text("感谢您的评价")
    await expect(shopper.page.locator("#human-button")).to_be_enabled()
    for watched in (shopper, agent):
        watched.assert_quiet()


async def test_only_a_supervisor_sees_the_board(gateway, browser):
    shopper = await open_page(browser, PHONE)
    await shopper_login(shopper.page, gateway.url, "u1001")
    await queue_ticket(gateway, await conversation_id(shopper.page), "u1001", reason="complaint")

    agent_id, password = await add_agent(gateway.redis_port, gateway.keys, "小王")
    agent = await open_page(browser, DESKTOP)
    await agent_login(agent.page, gateway.url, agent_id, password)
    await expect(agent.page.locator("#board-button")).to_be_hidden()
    status = await agent.page.evaluate(
        """async () => (await fetch('/api/agent/supervisor/stats', {headers: {Authorization: 'Bearer ' +
            JSON.parse(sessionStorage.getItem('kefu.agent')).token}})).status""")
    assert status == 403

    boss_id, boss_password = await add_agent(gateway.redis_port, gateway.keys, "陈主管", supervisor=True)
    boss = await open_page(browser, DESKTOP)
    await agent_login(boss.page, gateway.url, boss_id, boss_password)
    await boss.page.click("#board-button")
    await expect(boss.page.locator("#s-queue")).to_have_text("1")
    await expect(boss.page.locator("#s-agents")).to_have_text("2")
    await expect(boss.page.locator("#c-reasons .bar-label")).to_have_text(["投诉需要人工跟进"])
    await expect(boss.page.locator("#c-waits .bar-row")).to_have_count(1)
    for watched in (shopper, agent, boss):
        watched.assert_quiet()


async def test_canned_replies_and_a_transfer_to_another_agent(gateway, browser):
    shopper = await open_page(browser, PHONE)
    await shopper_login(shopper.page, gateway.url, "u1002")
    ticket = await queue_ticket(gateway, await conversation_id(shopper.page), "u1002")
    first_id, first_password = await add_agent(gateway.redis_port, gateway.keys, "小王")
    second_id, second_password = await add_agent(gateway.redis_port, gateway.keys, "小李")
    first, second = await open_page(browser, DESKTOP), await open_page(browser, DESKTOP)
    await agent_login(first.page, gateway.url, first_id, first_password)
    await agent_login(second.page, gateway.url, second_id, second_password)

    await first.page.locator(f".ticket-card[data-ticket-id='{ticket.ticket_id}'] .claim-button").click()
    panel = first.page.locator(".panel:not([hidden])")
    apology = "非常抱歉给您带来这么糟糕的体验，您的心情我完全理解，我现在就为您处理。"
    await panel.locator(".canned").select_option(apology)
    await expect(panel.locator(".reply-text")).to_have_value(apology)
    await panel.locator(".send").click()
    await expect(shopper.page.locator(".msg.agent .text")).to_have_text([apology])

    await panel.locator(".transfer-to").focus()
    await expect(panel.locator(f".transfer-to option[value='{second_id}']")).to_have_count(1)
    await panel.locator(".transfer-to").select_option(second_id)
    await panel.locator(".transfer-button").click()
    await expect(first.page.locator(".tab")).to_have_count(0)
    await expect(shopper.page.locator(".msg.system").last).to_contain_text("已为您转接客服小李")

    taken = second.page.locator(".panel:not([hidden])")  # the ticket opens by itself for the new agent
    await expect(taken.locator(".line.agent .text")).to_have_text([apology])
    await taken.locator(".reply-text").fill("您好，我是小李，接着为您处理")
    await taken.locator(".send").click()
    await expect(shopper.page.locator(".msg.agent .who").last).to_have_text("人工客服 小李")
    for watched in (shopper, first, second):
        watched.assert_quiet()
