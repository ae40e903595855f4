"""The whole handoff in two browsers, on the real stack (Rasa, action server, Redis, gateway).

A shopper on a phone asks about an order and gets the answer with buttons, asks for a person; an
agent in another browser sees the ticket appear without reloading, claims it and replies; the shopper
sees the reply and answers; the agent hands back and the bot answers again. A shopper's markup stays
text in both pages. Screenshots of both pages at the handoff are kept for the README.
"""
from __future__ import annotations

import re

from playwright.async_api import expect

from handoff.keys import Keys
from tests.browser.conftest import (DESKTOP, PHONE, XSS, add_agent, agent_login, conversation_id, open_page, say,
                                    screenshot, shopper_login)

BOT_TIMEOUT = 60_000  # the first answers of a fresh Rasa server are slow


async def test_a_handoff_in_the_shopper_page_and_the_agent_console(stack, browser, screenshot_dir):
    gateway, _ = stack.start_gateway()
    agent_id, password = await add_agent(stack.redis_port, Keys(), "小王")
    agent = await open_page(browser, DESKTOP)
    await agent_login(agent.page, gateway, agent_id, password)
    shopper = await open_page(browser, PHONE)
    chat = shopper.page
    await shopper_login(chat, gateway, "u1003")

    # An order question: the bot offers the shopper's orders as buttons; a click gets the answer.
    await say(chat, "我的订单到哪了")
    choice = chat.locator(".msg.bot .quick", has_text="800000000302")
    await expect(choice).to_be_visible(timeout=BOT_TIMEOUT)
    answers = await chat.locator(".msg.bot").count()
    await choice.click()
    await expect(chat.locator(".msg.shopper .text").last).to_contain_text("800000000302 · ")  # the title
    await expect(chat.locator(".msg.bot")).not_to_have_count(answers, timeout=BOT_TIMEOUT)
    await expect(chat.locator(".msg.bot .text").last).to_contain_text("800000000302")
    await expect(chat.locator("#typing")).to_be_hidden(timeout=BOT_TIMEOUT)

    # 转人工: the shopper sees the place in the queue, the agent the new ticket, without reloading.
    await chat.click("#human-button")
    await expect(chat.locator("#banner")).to_contain_text("排在第", timeout=BOT_TIMEOUT)
    card = agent.page.locator(f".ticket-card[data-conversation-id='{await conversation_id(chat)}']")
    await expect(card).to_be_visible()
    await expect(card.locator(".reason")).to_have_text("用户主动要求")
    await card.get_by_role("button", name="查看").click()
    panel = agent.page.locator(".panel:not([hidden])")
    first = panel.locator(".line.shopper").first  # 我的订单到哪了, as the bot understood it
    await expect(first.locator(".tag.intent")).to_have_text(re.compile(r"意图：.*（[a-z_]+） · 置信度 \d+%"))
    await expect(panel.locator(".order")).to_contain_text("800000000302")
    await expect(chat.locator("#typing")).to_be_hidden(timeout=BOT_TIMEOUT)
    await screenshot(chat, "chat-handoff.png", screenshot_dir)
    await screenshot(agent.page, "console-handoff.png", screenshot_dir)

    # The agent claims and replies; the shopper sees it, with the agent's name.
    await panel.locator(".claim").click()
    await expect(panel.locator(".reply-text")).to_be_enabled()
    await expect(chat.locator("#banner")).to_contain_text("人工客服")
    await panel.locator(".reply-text").fill("您好，我是小王，马上帮您查这个订单")
    await panel.locator(".send").click()
    reply = chat.locator(".msg.agent", has_text="马上帮您查")
    await expect(reply).to_be_visible()
    await expect(reply.locator(".who")).to_have_text("人工客服 小王")

    # The shopper's answers reach the console: anger marked, markup shown as text on both sides.
    await say(chat, "你们这什么破服务，等了好几天都没到，气死我了！")
    angry = panel.locator(".line.shopper.angry", has_text="气死我了")
    await expect(angry).to_be_visible()
    await expect(angry.locator(".tag.mood")).to_contain_text("愤怒")
    await say(chat, XSS)
    await expect(panel.locator(".line.shopper .text").last).to_have_text(XSS)
    await expect(chat.locator(".msg.shopper .text").last).to_have_text(XSS)
    await screenshot(chat, "chat-agent.png", screenshot_dir)
    await screenshot(agent.page, "console-conversation.png", screenshot_dir)

    # Hand back: the shopper is told, and the bot answers the next question again.
    await panel.locator(".handback").click()
    await expect(chat.locator(".msg.system", has_text="智能助手")).to_be_visible()
    await expect(chat.locator("#banner")).to_be_hidden()
    answers = await chat.locator(".msg.bot").count()
    await say(chat, "怎么申请退货")
    await expect(chat.locator(".msg.bot")).not_to_have_count(answers, timeout=BOT_TIMEOUT)

    for watched in (shopper, agent):
        assert await watched.page.locator("img").count() == 0
        watched.assert_quiet()
