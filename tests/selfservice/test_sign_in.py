"""Signing in with a one-time code: delivery, hashing at rest, tries, expiry, sending limits,
no account enumeration, bad input, sign-out."""

from __future__ import annotations

import datetime as dt
import math
import time

import httpx
import pytest
from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from app.audit.models import AuditEvent
from app.notifications.models import Notification
from app.selfservice.models import OneTimeCode, PersonAccount
from tests.lock_waits import cut_when_waiting, postgres_only, table_locked
from tests.selfservice.conftest import SELF, count, latest_code

PHONE = "+221771234567"


async def test_code_queued_by_sms_signs_up_then_in(
    client: httpx.AsyncClient, sessionmaker: async_sessionmaker[AsyncSession]
) -> None:
    r = await client.post(f"{SELF}/codes", json={"phone": "77 123 45 67", "channel": "sms", "language": "en"})
    assert r.status_code == 202
    assert r.json() == {"status": "code_sent", "expires_in": 600, "resend_after": 60}
    async with sessionmaker() as session:
        message = (await session.execute(select(Notification))).scalar_one()
    assert (message.event, message.channel, message.recipient, message.language) == (
        "one_time_code",
        "sms",
        PHONE,
        "en",
    )
    assert message.context["expires_minutes"] == 10
    code = await latest_code(sessionmaker, PHONE)

    r = await client.post(f"{SELF}/sessions", json={"phone": "+221 77 123 45 67", "code": code, "language": "en"})
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["token_type"] == "bearer" and body["expires_in"] == 86400
    assert body["account"]["identifier"] == PHONE and body["account"]["linked"] is False
    assert body["account"]["language"] == "en"
    me = await client.get(f"{SELF}/account", headers={"Authorization": f"Bearer {body['access_token']}"})
    assert me.json()["id"] == body["account"]["id"]
    async with sessionmaker() as session:
        actions = (await session.execute(select(AuditEvent.action).order_by(AuditEvent.id))).scalars().all()
    assert [a for a in actions if a.startswith("self_service.")] == [
        "self_service.code_send",
        "self_service.sign_up",
        "self_service.sign_in",
    ]
    # The same code does not sign in twice.
    again = await client.post(f"{SELF}/sessions", json={"phone": PHONE, "code": code})
    assert again.status_code == 401 and again.json()["type"] == "/problems/invalid-code"


async def test_code_is_stored_only_as_a_keyed_hash(
    client: httpx.AsyncClient, sessionmaker: async_sessionmaker[AsyncSession]
) -> None:
    await client.post(f"{SELF}/codes", json={"email": "Awa.Ndiaye@Example.ORG"})  # kept in small letters
    code = await latest_code(sessionmaker, "awa.ndiaye@example.org")
    async with sessionmaker() as session:
        row = (await session.execute(select(OneTimeCode))).scalar_one()
    assert row.identifier == "awa.ndiaye@example.org" and row.channel == "email"
    assert len(row.code_hash) == 64 and code not in row.code_hash
    assert row.expires_at - row.created_at == dt.timedelta(seconds=600)


async def test_known_and_unknown_recipients_get_the_same_answer(client: httpx.AsyncClient, sign_in) -> None:  # type: ignore[no-untyped-def]
    await sign_in(phone=PHONE)
    known = await client.post(f"{SELF}/codes", json={"phone": "+212612345678", "country": "MA"})
    unknown_first = await client.post(f"{SELF}/codes", json={"phone": "+221781112233"})
    assert known.status_code == unknown_first.status_code == 202
    assert known.json() == unknown_first.json()
    assert set(known.headers) == set(unknown_first.headers)


async def test_wrong_codes_are_counted_and_the_code_dies_after_five(
    client: httpx.AsyncClient, sessionmaker: async_sessionmaker[AsyncSession]
) -> None:
    await client.post(f"{SELF}/codes", json={"phone": PHONE})
    code = await latest_code(sessionmaker, PHONE)
    wrong = f"{(int(code) + 1) % 1_000_000:06d}"
    for _ in range(5):
        r = await client.post(f"{SELF}/sessions", json={"phone": PHONE, "code": wrong})
        assert r.status_code == 401 and r.json()["type"] == "/problems/invalid-code"
    r = await client.post(f"{SELF}/sessions", json={"phone": PHONE, "code": code})
    assert r.status_code == 401  # the right code, but its five tries are spent
    async with sessionmaker() as session:
        assert (await session.execute(select(OneTimeCode.attempts))).scalar_one() == 5
        failed = await session.execute(select(AuditEvent).where(AuditEvent.action == "self_service.sign_in_failed"))
        assert len(failed.scalars().all()) == 6
    assert await count(sessionmaker, PersonAccount) == 0


async def test_an_expired_code_is_refused(
    client: httpx.AsyncClient, sessionmaker: async_sessionmaker[AsyncSession]
) -> None:
    await client.post(f"{SELF}/codes", json={"phone": PHONE})
    code = await latest_code(sessionmaker, PHONE)
    async with sessionmaker() as session:
        await session.execute(update(OneTimeCode).values(expires_at=dt.datetime.now(dt.UTC) - dt.timedelta(seconds=1)))
        await session.commit()
    r = await client.post(f"{SELF}/sessions", json={"phone": PHONE, "code": code})
    assert r.status_code == 401


async def test_a_new_code_supersedes_the_previous_one(
    client: httpx.AsyncClient, sessionmaker: async_sessionmaker[AsyncSession], app
) -> None:  # type: ignore[no-untyped-def]
    app.state.settings.self_service_code_cooldown_seconds = 0
    await client.post(f"{SELF}/codes", json={"phone": PHONE})
    first = await latest_code(sessionmaker, PHONE)
    await client.post(f"{SELF}/codes", json={"phone": PHONE})
    second = await latest_code(sessionmaker, PHONE)
    if first != second:
        assert (await client.post(f"{SELF}/sessions", json={"phone": PHONE, "code": first})).status_code == 401
    assert (await client.post(f"{SELF}/sessions", json={"phone": PHONE, "code": second})).status_code == 200


def _retry_after_is_what_is_left(response: httpx.Response, *, of: int, since: float) -> None:
    """``Retry-After`` is the limit's period (``of`` seconds) less the time since the first code it
    counts was asked for (``since``, a ``time.monotonic()`` taken just before), rounded up: however
    slow the machine, never more than the period, never less than what is left of it."""
    assert of - math.ceil(time.monotonic() - since) <= int(response.headers["Retry-After"]) <= of


async def test_cool_down_answers_429_with_retry_after_and_sends_nothing(
    client: httpx.AsyncClient, sessionmaker: async_sessionmaker[AsyncSession]
) -> None:
    sent = time.monotonic()
    assert (await client.post(f"{SELF}/codes", json={"phone": PHONE})).status_code == 202
    r = await client.post(f"{SELF}/codes", json={"phone": PHONE, "channel": "whatsapp"})
    assert r.status_code == 429
    assert r.headers["content-type"] == "application/problem+json"
    assert r.json()["type"] == "/problems/code-sending-limited" and r.json()["limit"] == "recipient_cooldown"
    _retry_after_is_what_is_left(r, of=60, since=sent)
    assert await count(sessionmaker, Notification, Notification.event == "one_time_code") == 1
    assert await count(sessionmaker, OneTimeCode) == 1


async def test_daily_cap_per_recipient(
    client: httpx.AsyncClient, sessionmaker: async_sessionmaker[AsyncSession], app
) -> None:  # type: ignore[no-untyped-def]
    app.state.settings.self_service_code_cooldown_seconds = 0
    sent = time.monotonic()
    for _ in range(5):
        assert (await client.post(f"{SELF}/codes", json={"phone": PHONE})).status_code == 202
    r = await client.post(f"{SELF}/codes", json={"phone": PHONE})
    assert r.status_code == 429 and r.json()["limit"] == "recipient_daily_cap"
    _retry_after_is_what_is_left(r, of=86_400, since=sent)
    # Another recipient from the same address is still served.
    assert (await client.post(f"{SELF}/codes", json={"phone": "+221781112233"})).status_code == 202


async def test_hourly_cap_per_client_address(
    client: httpx.AsyncClient, sessionmaker: async_sessionmaker[AsyncSession], app
) -> None:  # type: ignore[no-untyped-def]
    app.state.settings.self_service_codes_per_address_per_hour = 3
    sent = time.monotonic()
    for i in range(3):
        assert (await client.post(f"{SELF}/codes", json={"email": f"p{i}@example.org"})).status_code == 202
    r = await client.post(f"{SELF}/codes", json={"email": "p9@example.org"})
    assert r.status_code == 429 and r.json()["limit"] == "address"
    _retry_after_is_what_is_left(r, of=3600, since=sent)
    assert await count(sessionmaker, OneTimeCode) == 3


@pytest.mark.parametrize(
    ("body", "loc"),
    [
        ({"phone": "12"}, ["body"]),
        ({"phone": "+221 33 821 00 00"}, ["body", "phone"]),  # a Dakar landline: no SMS
        ({"phone": "+999 1234567"}, ["body", "phone"]),
        ({"phone": PHONE, "channel": "email"}, ["body"]),
        ({"email": "awa@example.org", "channel": "sms"}, ["body"]),
        ({"email": "not-an-address"}, ["body", "email"]),
        ({"phone": PHONE, "email": "awa@example.org"}, ["body"]),
        ({}, ["body"]),
        ({"phone": PHONE, "language": "de"}, ["body", "language"]),
        ({"phone": PHONE, "extra": 1}, ["body", "extra"]),
    ],
)
async def test_bad_code_requests_are_422_problems_and_write_nothing(
    client: httpx.AsyncClient, sessionmaker: async_sessionmaker[AsyncSession], body: dict[str, object], loc: list[str]
) -> None:
    r = await client.post(f"{SELF}/codes", json=body)
    assert r.status_code == 422, r.text
    assert r.headers["content-type"] == "application/problem+json"
    assert r.json()["errors"][0]["loc"][: len(loc)] == loc
    assert await count(sessionmaker, OneTimeCode) == 0
    assert await count(sessionmaker, Notification) == 0


async def test_sign_out_revokes_every_token(client: httpx.AsyncClient, sign_in) -> None:  # type: ignore[no-untyped-def]
    person = await sign_in(phone=PHONE)
    assert (await client.delete(f"{SELF}/sessions", headers=person.headers)).status_code == 204
    r = await client.get(f"{SELF}/account", headers=person.headers)
    assert r.status_code == 401 and r.headers["WWW-Authenticate"] == "Bearer"


async def test_codes_come_in_the_language_kept_on_the_account_unless_another_is_asked(
    client: httpx.AsyncClient, sessionmaker: async_sessionmaker[AsyncSession], app
) -> None:  # type: ignore[no-untyped-def]
    app.state.settings.self_service_code_cooldown_seconds = 0

    async def queued_languages() -> list[str]:
        async with sessionmaker() as session:
            rows = await session.execute(select(Notification.language).order_by(Notification.created_at))
            return list(rows.scalars())

    await client.post(f"{SELF}/codes", json={"phone": PHONE})  # nobody yet: French
    r = await client.post(f"{SELF}/sessions", json={"phone": PHONE, "code": await latest_code(sessionmaker, PHONE)})
    assert r.json()["account"]["language"] == "fr"
    await client.post(f"{SELF}/codes", json={"phone": PHONE, "language": "en"})
    code = await latest_code(sessionmaker, PHONE)
    r = await client.post(f"{SELF}/sessions", json={"phone": PHONE, "code": code, "language": "wo"})
    assert r.json()["account"]["language"] == "wo"
    await client.post(f"{SELF}/codes", json={"phone": PHONE})  # no language given: the account's
    r = await client.post(f"{SELF}/sessions", json={"phone": PHONE, "code": await latest_code(sessionmaker, PHONE)})
    assert r.json()["account"]["language"] == "wo"  # signing in without a language keeps it
    assert await queued_languages() == ["fr", "en", "wo"]


async def test_a_right_code_whose_sign_in_the_database_fails_keeps_its_try(
    client: httpx.AsyncClient, sessionmaker: async_sessionmaker[AsyncSession], database_url: str
) -> None:
    """An outage must not spend a person's tries: the connection of a sign-in with the right code
    is cut while it waits for the accounts (PostgreSQL, :mod:`tests.lock_waits`)."""
    dsn = postgres_only(database_url)
    await client.post(f"{SELF}/codes", json={"phone": PHONE})
    code = await latest_code(sessionmaker, PHONE)
    async with table_locked(dsn, "person_accounts") as holder:
        cut = await cut_when_waiting(holder, client.post(f"{SELF}/sessions", json={"phone": PHONE, "code": code}))
    assert cut.status_code == 503, cut.text
    async with sessionmaker() as session:
        assert (await session.execute(select(OneTimeCode.attempts, OneTimeCode.consumed_at))).one() == (0, None)
    assert (await client.post(f"{SELF}/sessions", json={"phone": PHONE, "code": code})).status_code == 200
