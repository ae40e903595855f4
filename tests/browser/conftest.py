"""Browser tests: Playwright for Python driving Debian's Chromium (/usr/bin/chromium, installed by
`make browser`), against real gateway processes.

Pages are watched: a JavaScript dialog (alert, confirm) or an uncaught page error fails the test.
Screenshots go to the pytest temporary directory (the test artifacts) and are copied to
docs/screenshots/ for the README.
"""
from __future__ import annotations

import os
import secrets
import shutil
import subprocess
from dataclasses import dataclass, field
from pathlib import Path
from typing import AsyncIterator, Dict, Iterator, List, Tuple

import pytest
import redis.asyncio as aioredis
from playwright.async_api import Browser, BrowserContext, Page, async_playwright, expect

from handoff.agents import ROLE_AGENT, ROLE_SUPERVISOR, AgentDirectory
from handoff.keys import Keys
from tests.processes import ROOT, start_gateway, stop
from tests.redis_server import free_port

CHROMIUM = Path("/usr/bin/chromium")
README_SCREENSHOTS = ROOT / "docs" / "screenshots"
PHONE = {"viewport": {"width": 390, "height": 844}, "device_scale_factor": 2, "is_mobile": True,
         "has_touch": True}
DESKTOP = {"viewport": {"width": 1440, "height": 900}}
XSS = "<img src=x onerror=alert(1)>"
GATEWAY_SECRET = "browser-tests-secret-" + secrets.token_hex(8)

expect.set_options(timeout=15_000)


@dataclass
class Watched:
    """A page and what it did that a user must never see: dialogs and uncaught errors."""

    page: Page
    dialogs: List[str] = field(default_factory=list)
    errors: List[str] = field(default_factory=list)

    def assert_quiet(self) -> None:
        assert self.dialogs == [], f"a dialog was raised: {self.dialogs}"
        assert self.errors == [], f"page errors: {self.errors}"


@pytest.fixture
async def browser() -> AsyncIterator[Browser]:
    if not CHROMIUM.exists():
        pytest.fail(f"{CHROMIUM} is missing: run `make browser` (the test command does)")
    async with async_playwright() as playwright:
        browser = await playwright.chromium.launch(executable_path=str(CHROMIUM))
        try:
            yield browser
        finally:
            await browser.close()


async def open_page(browser: Browser, device: Dict) -> Watched:
    """A page in a context of its own (own storage, like another browser), Chinese locale."""
    context: BrowserContext = await browser.new_context(locale="zh-CN", timezone_id="Asia/Shanghai", **device)
    page = await context.new_page()
    watched = Watched(page)

    async def on_dialog(dialog) -> None:
        watched.dialogs.append(f"{dialog.type}: {dialog.message}")
        await dialog.dismiss()

    page.on("dialog", on_dialog)
    page.on("pageerror", lambda error: watched.errors.append(str(error)))
    return watched


@pytest.fixture(scope="session")
def screenshot_dir() -> Path:
    """Test artifacts: results/screenshots/ (not committed), replaced on every run."""
    path = ROOT / "results" / "screenshots"
    path.mkdir(parents=True, exist_ok=True)
    return path


async def screenshot(page: Page, name: str, artifacts: Path) -> Path:
    """Save a screenshot as a test artifact; with KEFU_UPDATE_SCREENSHOTS=1 also as the README's picture."""
    path = artifacts / name
    await page.screenshot(path=str(path))
    if os.environ.get("KEFU_UPDATE_SCREENSHOTS") == "1":
        README_SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(path, README_SCREENSHOTS / name)
    return path


async def shopper_login(page: Page, url: str, shopper_id: str) -> None:
    await page.goto(f"{url}/")
    await page.select_option("#shopper-id", shopper_id)
    await page.click("#login-form button[type=submit]")
    await expect(page.locator("#chat")).to_be_visible()
    await expect(page.locator("#connection")).to_be_hidden()


async def agent_login(page: Page, url: str, agent_id: str, password: str) -> None:
    await page.goto(f"{url}/console")
    await page.fill("#agent-id", agent_id)
    await page.fill("#password", password)
    await page.click("#login-form button[type=submit]")
    await expect(page.locator("#app")).to_be_visible()
    await expect(page.locator("#online")).to_contain_text("在线客服")


async def say(page: Page, text: str) -> None:
    """The shopper types a message and presses Enter."""
    await page.fill("#text", text)
    await page.press("#text", "Enter")


async def conversation_id(page: Page) -> str:
    return await page.evaluate("JSON.parse(sessionStorage.getItem('kefu.shopper')).conversation_id")


async def add_agent(redis_port: int, keys: Keys, name: str, supervisor: bool = False) -> Tuple[str, str]:
    """A new agent account with a random id and password."""
    client = aioredis.Redis(port=redis_port, decode_responses=True)
    agent_id, password = "b-" + secrets.token_hex(3), secrets.token_urlsafe(12)
    try:
        await AgentDirectory(client, keys).add(agent_id, name, password,
                                               ROLE_SUPERVISOR if supervisor else ROLE_AGENT)
    finally:
        await client.close()
    return agent_id, password


@dataclass
class Gateway:
    """A gateway process without Rasa (its Rasa URL is a closed port), restartable on its port."""

    url: str
    port: int
    env: Dict[str, str]
    log: Path
    keys: Keys
    redis_port: int
    process: subprocess.Popen = None  # type: ignore[assignment]

    def start(self) -> None:
        self.process = start_gateway(self.env, self.port, self.log)

    def stop(self) -> None:
        stop(self.process)

    def crash(self) -> None:
        """SIGKILL: the connections drop at once (a graceful stop waits for open WebSockets)."""
        self.process.kill()
        self.process.wait(timeout=10)


@pytest.fixture
def gateway(redis_server, seeded_db, tmp_path) -> Iterator[Gateway]:
    keys = Keys(prefix=f"browser:{secrets.token_hex(6)}")
    port = free_port()
    env = {
        **os.environ,
        "KEFU_GATEWAY_SECRET": GATEWAY_SECRET,
        "REDIS_HOST": "127.0.0.1", "REDIS_PORT": str(redis_server.port), "REDIS_DB": "0",
        "KEFU_HANDOFF_PREFIX": keys.prefix,
        "KEFU_RASA_URLS": f"http://127.0.0.1:{free_port()}",
        "RASA_AUTH_TOKEN": "unused",
        "KEFU_DB_PATH": str(seeded_db),
    }
    server = Gateway(f"http://127.0.0.1:{port}", port, env, tmp_path / "gateway.log", keys, redis_server.port)
    server.start()
    yield server
    server.stop()
