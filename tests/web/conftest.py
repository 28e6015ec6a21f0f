"""Browser tests of the web client: a real uvicorn server on the test's database, driven by
Debian's Chromium through Playwright, with axe-core injected to check accessibility.

One browser per session, one fresh context (cookies, storage) per test. A failing test leaves a
full-page screenshot in the test's tmp folder (the path is printed in the failure report).
"""

from __future__ import annotations

import asyncio
import os
import socket
import sys
import threading
import traceback
import uuid
from collections.abc import AsyncIterator, Coroutine, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
import pytest_asyncio
import uvicorn
from playwright.async_api import Browser, BrowserContext, Page, async_playwright, expect
from sqlalchemy import select

from app.auth import service as auth_service
from app.auth.models import DeskMembership, StaffUser
from app.core.config import Settings
from app.core.security import create_access_token
from app.desks.models import Desk
from app.main import create_app
from tests.conftest import _PASSWORD_HASH, PASSWORD

CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
AXE = Path(__file__).parent / "vendor" / "axe.min.js"
# The browser's own widgets (a date field's 18/12/2026, a file field's button) in French, as a French
# desk sees them: the context's locale sets the page's language and Intl, not those widgets, which
# follow the browser's language (LANGUAGE on Linux; Debian's chromium-l10n holds its French words).
# LANG is a UTF-8 locale every Debian has (C.UTF-8; fr_FR.UTF-8 is often not generated, and then
# glibc falls back to ASCII): file names in UTF-8, as on a desk's computer — in ASCII, Chromium
# saved « été.csv » as « download ».
FRENCH_BROWSER = {**os.environ, "LANG": "C.UTF-8", "LANGUAGE": "fr"}
# Generous waits: CI machines are shared; a wait ends as soon as the page is ready.
WAIT_MS = 15_000
expect.set_options(timeout=WAIT_MS)
# A navigation waits for the page's load event, every module of the client fetched and run, in a
# new context (nothing cached) while the other CI run's browser shares the two cores: Playwright's
# own default (30 s) rather than WAIT_MS — once the sign-in page took more than 15 s to load.
NAVIGATION_MS = 30_000


@dataclass
class Agent:
    """A staff account made for a browser test (password: ``tests.conftest.PASSWORD``)."""

    id: uuid.UUID
    email: str
    role: str


class LiveServer:
    """The application served by uvicorn on 127.0.0.1 in a background thread, with its own loop."""

    def __init__(self, settings: Settings) -> None:
        self.app = create_app(settings)
        self._sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self._sock.bind(("127.0.0.1", 0))
        self.url = f"http://127.0.0.1:{self._sock.getsockname()[1]}"
        # A request still running at teardown (the browser closed before its answer) is cancelled
        # after a few seconds instead of holding the server's thread past ``stop``'s wait.
        config = uvicorn.Config(
            self.app, log_level="warning", lifespan="on", access_log=False, timeout_graceful_shutdown=5
        )
        self._server = uvicorn.Server(config)
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        asyncio.set_event_loop(self._loop)
        self._loop.run_until_complete(self._server.serve(sockets=[self._sock]))

    def start(self) -> None:
        self._thread.start()
        for _ in range(200):
            if self._server.started:
                return
            threading.Event().wait(0.02)
        raise RuntimeError("uvicorn did not start")

    def stop(self) -> None:
        """Stop gracefully, then forcibly; the loop is closed only once its thread has ended.

        Raises:
            RuntimeError: the server's thread still runs after both waits (its stack is in the
                message); the loop is left open rather than closed while running.
        """
        self._server.should_exit = True
        self._thread.join(30)
        if self._thread.is_alive():
            self._server.force_exit = True
            self._thread.join(30)
        self._sock.close()
        if self._thread.is_alive():
            frame = sys._current_frames().get(self._thread.ident or 0)
            stack = "".join(traceback.format_stack(frame)) if frame else "(no frame)"
            raise RuntimeError(f"uvicorn did not stop within 60 s; its thread is at:\n{stack}")
        self._loop.close()

    def call(self, coro: Coroutine[Any, Any, Any]) -> Any:
        """Run ``coro`` on the server's loop (so it shares the server's database engine)."""
        return asyncio.run_coroutine_threadsafe(coro, self._loop).result(30)

    def make_agent(self, role: str = "agent", desks: list[str] | None = None) -> Agent:
        """Create a staff account attached to ``desks`` (default ``["CASA-BASE"]``)."""
        desks = ["CASA-BASE"] if desks is None else desks
        email = f"{role}-{uuid.uuid4().hex[:8]}@desk.example"

        async def create() -> uuid.UUID:
            async with self.app.state.sessionmaker() as session:
                user = StaffUser(email=email, full_name=f"Test {role}", role=role, password_hash=_PASSWORD_HASH)
                session.add(user)
                await session.flush()
                for code in desks:
                    desk_id = (await session.execute(select(Desk.id).where(Desk.code == code))).scalar_one()
                    session.add(DeskMembership(user_id=user.id, desk_id=desk_id))
                await session.commit()
                return user.id

        return Agent(id=self.call(create()), email=email, role=role)

    def sign_in_elsewhere(self, agent: Agent) -> None:
        """``agent`` signs in through ``POST /api/v1/auth/token`` (as from another device): the
        login is recorded as any other."""
        # Generous timeout: on a shared CI machine one Argon2 check can take seconds.
        answer = httpx.post(
            f"{self.url}/api/v1/auth/token", data={"username": agent.email, "password": PASSWORD}, timeout=60
        )
        answer.raise_for_status()

    def session_tokens(self, agent: Agent) -> tuple[str, str]:
        """An access and a refresh token for ``agent``, as a sign-in issues them (the refresh token
        stored, its family new), without the sign-in's Argon2 check (0.15-0.3 s of CPU each, in
        some 260 tests): what a signed-in tab keeps in its sessionStorage."""

        async def issue() -> tuple[str, str]:
            async with self.app.state.sessionmaker() as session:
                user = (await session.execute(select(StaffUser).where(StaffUser.id == agent.id))).scalar_one()
                pair = await auth_service.issue_tokens(session, user=user, settings=self.app.state.settings)
                await session.commit()
                return pair.access_token, pair.refresh_token

        return self.call(issue())  # type: ignore[no-any-return]

    def api(self, agent: Agent) -> httpx.Client:
        """An HTTP client acting as ``agent`` (to prepare data the way another desk would), with a
        token minted as ``POST /api/v1/auth/token`` would for the account as it stands (its role and
        token version read now): each such login cost an Argon2 check, 160 of them in a CI run."""

        async def account() -> StaffUser:
            async with self.app.state.sessionmaker() as session:
                return (await session.execute(select(StaffUser).where(StaffUser.id == agent.id))).scalar_one()

        user = self.call(account())
        token = create_access_token(
            user_id=user.id,
            role=user.role,
            token_version=user.token_version,
            key=self.app.state.settings.signing_key(),
            ttl_seconds=3600,
        )
        return httpx.Client(base_url=self.url, headers={"Authorization": f"Bearer {token}"}, timeout=60)


@pytest.fixture
def server(settings: Settings) -> Iterator[LiveServer]:
    live = LiveServer(settings)
    live.start()
    yield live
    live.stop()


@pytest_asyncio.fixture(scope="session", loop_scope="session")
async def browser() -> AsyncIterator[Browser]:
    async with async_playwright() as pw:
        chromium = await pw.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"], env=FRENCH_BROWSER)
        yield chromium
        await chromium.close()


@pytest.hookimpl(wrapper=True, tryfirst=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> Any:
    report = yield
    if report.when == "call":
        item.stash[_FAILED] = report.failed
    return report


_FAILED = pytest.StashKey[bool]()


@pytest.fixture(params=[(1366, 768)], ids=["desk"])
def viewport(request: pytest.FixtureRequest) -> tuple[int, int]:
    return request.param  # type: ignore[no-any-return]


async def new_context(browser: Browser, viewport: tuple[int, int]) -> BrowserContext:
    """A browser context as a French desk's browser: ``viewport`` (width, height in CSS pixels),
    fr-FR, the tests' waits."""
    context = await browser.new_context(viewport={"width": viewport[0], "height": viewport[1]}, locale="fr-FR")
    context.set_default_timeout(WAIT_MS)
    context.set_default_navigation_timeout(NAVIGATION_MS)
    return context


@pytest_asyncio.fixture(loop_scope="session")
async def page(
    browser: Browser, server: LiveServer, request: pytest.FixtureRequest, tmp_path: Path, viewport: tuple[int, int]
) -> AsyncIterator[Page]:
    """A fresh browser context on ``server`` (which outlives it: late requests still get answers)."""
    context = await new_context(browser, viewport)
    tab = await context.new_page()
    errors: list[str] = []
    tab.on("pageerror", lambda exc: errors.append(str(exc)))
    tab.on("console", lambda msg: errors.append(msg.text) if "Content Security Policy" in msg.text else None)
    yield tab
    if request.node.stash.get(_FAILED, False):
        shot = tmp_path / "failure.png"
        await tab.screenshot(path=str(shot), full_page=True)
        print(f"screenshot: {shot}")
    await context.close()
    assert not errors, f"script errors or CSP violations in the page: {errors}"


async def axe_violations(page: Page) -> list[dict[str, Any]]:
    """Run axe-core (WCAG 2.0/2.1/2.2 A and AA rules) on the page; the violations found."""
    if not await page.evaluate("typeof window.axe !== 'undefined'"):
        # CDP evaluation is not subject to the page's Content-Security-Policy.
        await page.evaluate(AXE.read_text(encoding="utf-8"))
    result: dict[str, Any] = await page.evaluate(
        "axe.run(document, {runOnly: {type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'wcag22aa']}})"
    )
    return [
        {"id": v["id"], "help": v["help"], "nodes": [n["target"] for n in v["nodes"]][:5]} for v in result["violations"]
    ]


async def assert_accessible(page: Page) -> None:
    found = await axe_violations(page)
    assert found == [], found
