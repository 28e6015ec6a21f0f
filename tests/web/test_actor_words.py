"""Who acted, in words, wherever the web client names them: the file's history names the person by
their online account (partly masked), never by an internal id, and so does a case's timeline for a
request the person sent from the app."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from playwright.async_api import Page, expect
from sqlalchemy import select

from app.notifications.models import Notification
from tests.web.conftest import Agent, LiveServer
from tests.web.helpers import register_via_api, sign_in
from tests.web.test_merge_files import open_by_address

pytestmark = pytest.mark.asyncio(loop_scope="session")

ADDRESS = "rtl@example.org"


@contextlib.contextmanager
def person_signs_in(server: LiveServer, email: str = ADDRESS) -> Iterator[httpx.Client]:
    """A person signed in to self-service with ``email`` (the one-time code read from the outbox)."""
    with httpx.Client(base_url=server.url, timeout=60) as http:
        yield _signed_in(server, http, email)


def _signed_in(server: LiveServer, http: httpx.Client, email: str) -> httpx.Client:
    assert http.post("/api/v1/self/codes", json={"email": email}).status_code == 202

    async def code() -> str:
        async with server.app.state.sessionmaker() as session:
            row = (
                await session.execute(
                    select(Notification)
                    .where(Notification.event == "one_time_code", Notification.recipient == email)
                    .order_by(Notification.created_at.desc())
                    .limit(1)
                )
            ).scalar_one()
            return str(row.context["code"])

    signed = http.post("/api/v1/self/sessions", json={"email": email, "code": server.call(code())})
    assert signed.status_code == 200, signed.text
    http.headers["Authorization"] = f"Bearer {signed.json()['access_token']}"
    return http


def link_via_api(server: LiveServer, agent: Agent, person: dict[str, Any], email: str = ADDRESS) -> None:
    """The desk issues a code and the person types it (as from another counter)."""
    with server.api(agent) as desk:
        code = desk.post(f"/api/v1/registrants/{person['id']}/self-service/link-codes").json()["code"]
    with person_signs_in(server, email) as app:
        assert app.post("/api/v1/self/link", json={"code": code}).status_code == 200


async def test_the_files_history_names_the_person_by_their_online_account(page: Page, server: LiveServer) -> None:
    agent = server.make_agent()
    person = register_via_api(server, agent)
    link_via_api(server, agent, person)
    await sign_in(page, server, agent)
    await open_by_address(page, server, person["id"])
    history = page.locator("#history")
    await expect(history).to_contain_text(
        "la personne (compte en ligne r***@example.org) a relié la fiche à son compte en ligne"
    )
    await expect(history).to_contain_text(f"{agent.email} (agent) a remis à la personne un code")
    await expect(history).not_to_contain_text("person:")
    await page.get_by_role("button", name="English").click()
    await expect(history).to_contain_text("the person (online account r***@example.org) linked the file")


async def test_a_request_sent_from_the_app_names_the_person_in_the_cases_timeline(
    page: Page, server: LiveServer
) -> None:
    agent = server.make_agent()
    person = register_via_api(server, agent)
    with server.api(agent) as desk:
        code = desk.post(f"/api/v1/registrants/{person['id']}/self-service/link-codes").json()["code"]
    with person_signs_in(server) as app:
        assert app.post("/api/v1/self/link", json={"code": code}).status_code == 200
        sent = app.post("/api/v1/self/requests", json={"service_type": "CONSULAR_ADMIN"})
        assert sent.status_code == 201, sent.text
    await sign_in(page, server, agent)
    await page.goto(f"{server.url}/app/#/case/{sent.json()['id']}")
    timeline = page.locator("ol.timeline")
    await expect(timeline.locator("li").first).to_contain_text("la personne (depuis son compte en ligne)")
    await expect(timeline).not_to_contain_text("person:")
