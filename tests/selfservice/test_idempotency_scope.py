"""A person's Idempotency-Key never meets a staff user's, even when the person's account and the
staff account have the same id: the two kinds of account are separate clients
(draft-ietf-httpapi-idempotency-key-header: a key is unique per client), so a person sending a
key a staff user already used makes a first request of their own — never a replay of the staff
user's stored response, never a "key reused with another body" refusal."""

from __future__ import annotations

import uuid

import httpx
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from app.auth.models import DeskMembership, StaffUser
from app.core.security import create_access_token
from app.desks.models import Desk
from app.selfservice.models import PersonAccount
from tests.conftest import TEST_SECRET
from tests.selfservice.conftest import SELF, World

REQUEST = {"service_type": "student", "description": "Inscription à l'université de Fès"}


async def _staff_twin(sessionmaker: async_sessionmaker[AsyncSession], identifier: str) -> dict[str, str]:
    """An agent of CASA-BASE whose id is the id of the person account ``identifier``; its headers."""
    async with sessionmaker() as session:
        account_id = (
            await session.execute(select(PersonAccount.id).where(PersonAccount.identifier == identifier))
        ).scalar_one()
        desk_id = (await session.execute(select(Desk.id).where(Desk.code == "CASA-BASE"))).scalar_one()
        session.add(
            StaffUser(id=account_id, email="twin@desk.example", full_name="Twin agent", role="agent", password_hash="x")
        )
        await session.flush()
        session.add(DeskMembership(user_id=account_id, desk_id=desk_id))
        await session.commit()
    token = create_access_token(user_id=account_id, role="agent", token_version=1, key=TEST_SECRET, ttl_seconds=900)
    return {"Authorization": f"Bearer {token}"}


def _case_body(world: World) -> dict[str, str]:
    return {"registrant_id": str(world.a.registrant_id), "service_type": "SOCIAL", "channel": "walk_in"}


async def test_a_person_sending_a_staff_users_key_makes_their_own_request(
    client: httpx.AsyncClient, sessionmaker: async_sessionmaker[AsyncSession], world: World
) -> None:
    staff = await _staff_twin(sessionmaker, world.a.recipient["phone"])
    key = {"Idempotency-Key": "shared-key"}
    by_staff = await client.post("/api/v1/cases", json=_case_body(world), headers={**staff, **key})
    assert by_staff.status_code == 201, by_staff.text

    by_person = await client.post(f"{SELF}/requests", json=REQUEST, headers={**world.a.headers, **key})
    assert by_person.status_code == 201, by_person.text
    assert "idempotent-replayed" not in by_person.headers
    assert by_person.json()["id"] != by_staff.json()["id"]
    assert by_person.json()["service_type"]["code"] == "STUDENT"
    # Each one's own retry is still a replay of their own response.
    again = await client.post(f"{SELF}/requests", json=REQUEST, headers={**world.a.headers, **key})
    assert (again.headers["idempotent-replayed"], again.json()["id"]) == ("true", by_person.json()["id"])
    staff_again = await client.post("/api/v1/cases", json=_case_body(world), headers={**staff, **key})
    assert (staff_again.headers["idempotent-replayed"], staff_again.json()["id"]) == ("true", by_staff.json()["id"])


async def test_a_staff_user_sending_a_persons_key_makes_their_own_request(
    client: httpx.AsyncClient, sessionmaker: async_sessionmaker[AsyncSession], world: World
) -> None:
    staff = await _staff_twin(sessionmaker, world.a.recipient["phone"])
    key = {"Idempotency-Key": "shared-key"}
    by_person = await client.post(f"{SELF}/requests", json=REQUEST, headers={**world.a.headers, **key})
    assert by_person.status_code == 201, by_person.text

    by_staff = await client.post("/api/v1/cases", json=_case_body(world), headers={**staff, **key})
    assert by_staff.status_code == 201, by_staff.text
    assert "idempotent-replayed" not in by_staff.headers
    assert by_staff.json()["id"] != by_person.json()["id"]
    assert uuid.UUID(by_staff.json()["registrant_id"]) == world.a.registrant_id


async def test_stored_keys_keep_the_format_retries_meet_across_an_upgrade(
    client: httpx.AsyncClient, sessionmaker: async_sessionmaker[AsyncSession], world: World
) -> None:
    """A stored key outlives a deployment: a retry after an upgrade must find it, so its scope
    (``person:<id>``/``staff:<id>``) and its fingerprint (SHA-256 of the version line, ``METHOD
    path?`` with the query's sorted pairs as compact JSON, a newline, ``parsed:`` and the body as
    its model reads it, as sorted compact JSON in UTF-8) are written out here by hand, not read
    from the code. (Records of the formats before — the body as raw JSON; without the version line
    and the query — still replay: tests/core/test_idempotency_fingerprint.py.)"""
    import hashlib
    import json

    from app.core.idempotency import IdempotencyRecord

    staff = await _staff_twin(sessionmaker, world.a.recipient["phone"])
    key = {"Idempotency-Key": "format-key"}
    by_person = await client.post(f"{SELF}/requests", json=REQUEST, headers={**world.a.headers, **key})
    by_staff = await client.post("/api/v1/cases", json=_case_body(world), headers={**staff, **key})
    assert (by_person.status_code, by_staff.status_code) == (201, 201)

    def fingerprint(target: str, body: dict[str, str]) -> str:
        canonical = b"parsed:" + json.dumps(body, sort_keys=True, ensure_ascii=False, separators=(",", ":")).encode()
        head = b"diaspora-desk/idempotency-fingerprint/2\nPOST " + target.encode() + b"?[]\n"
        return hashlib.sha256(head + canonical).hexdigest()

    async with sessionmaker() as session:
        rows = await session.execute(
            select(IdempotencyRecord.scope, IdempotencyRecord.fingerprint, IdempotencyRecord.status_code).where(
                IdempotencyRecord.key == "format-key"
            )
        )
        stored = sorted(rows.all())
    account = stored[0][0].partition(":")[2]
    assert stored == [
        (f"person:{account}", fingerprint(f"{SELF}/requests", REQUEST), 201),
        (f"staff:{account}", fingerprint("/api/v1/cases", _case_body(world)), 201),
    ]
    assert uuid.UUID(account)  # the person account's id, shared by the staff twin
