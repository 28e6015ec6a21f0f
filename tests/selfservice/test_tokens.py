"""Person tokens and staff tokens cannot stand in for each other, even forged with the other
side's key or claims; concurrent guesses of a code share one count."""

from __future__ import annotations

import asyncio
import datetime as dt
import uuid

import httpx
import jwt
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from app.core.security import decode_access_token
from app.selfservice.credentials import create_person_token, decode_person_token
from app.selfservice.models import OneTimeCode
from tests.conftest import TEST_SECRET
from tests.selfservice.conftest import SELF, latest_code


def _claims(account_id: uuid.UUID, **extra: object) -> dict[str, object]:
    now = int(dt.datetime.now(dt.UTC).timestamp())
    return {"sub": str(account_id), "tv": 1, "iat": now, "exp": now + 600, **extra}


async def test_forged_person_tokens_are_refused(client: httpx.AsyncClient, sign_in) -> None:  # type: ignore[no-untyped-def]
    person = await sign_in(phone="+221771234567")
    me = (await client.get(f"{SELF}/account", headers=person.headers)).json()
    account_id = uuid.UUID(me["id"])
    forged = [
        # The right claims signed with the staff key itself.
        jwt.encode(_claims(account_id, aud="self-service", typ="person_access"), TEST_SECRET, algorithm="HS256"),
        # A staff-shaped token for the account's id.
        jwt.encode(_claims(account_id, typ="access", role="agent"), TEST_SECRET, algorithm="HS256"),
        # Unsigned.
        jwt.encode(_claims(account_id, aud="self-service", typ="person_access"), None, algorithm="none"),
    ]
    for token in forged:
        r = await client.get(f"{SELF}/account", headers={"Authorization": f"Bearer {token}"})
        assert r.status_code == 401, token


def test_each_side_refuses_the_other_sides_token() -> None:
    account_id = uuid.uuid4()
    person = create_person_token(account_id=account_id, token_version=1, server_key=TEST_SECRET, ttl_seconds=600)
    assert decode_person_token(person, server_key=TEST_SECRET) is not None
    assert decode_access_token(person, key=TEST_SECRET) is None
    assert decode_person_token(person, server_key="another-secret-key-that-is-long-enough-0123456789") is None
    expired = create_person_token(account_id=account_id, token_version=1, server_key=TEST_SECRET, ttl_seconds=-60)
    assert decode_person_token(expired, server_key=TEST_SECRET) is None


async def test_parallel_guesses_are_counted_one_by_one(
    client: httpx.AsyncClient, sessionmaker: async_sessionmaker[AsyncSession]
) -> None:
    phone = "+221771234567"
    await client.post(f"{SELF}/codes", json={"phone": phone})
    code = await latest_code(sessionmaker, phone)
    wrong = [f"{(int(code) + i) % 1_000_000:06d}" for i in range(1, 13)]
    answers = await asyncio.gather(
        *(client.post(f"{SELF}/sessions", json={"phone": phone, "code": guess}) for guess in wrong)
    )
    assert [r.status_code for r in answers] == [401] * 12
    async with sessionmaker() as session:
        assert (await session.execute(select(OneTimeCode.attempts))).scalar_one() == 5
    assert (await client.post(f"{SELF}/sessions", json={"phone": phone, "code": code})).status_code == 401
