"""The access archive holds what erasure removes with the file: the person's self-service accounts
(sign-in address, created, last sign-in, linked), the sign-in code messages sent to them (that a
message was sent, when, how and to which address — never a code), and their message preferences
(channel, language) — in ``data.json`` and in ``resume.html`` (docs/data-protection.md)."""

from __future__ import annotations

import io
import json
import zipfile
from typing import Any

import httpx
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from tests.selfservice.conftest import SELF, World, latest_code


def _read(content: bytes) -> tuple[dict[str, Any], str, bytes]:
    with zipfile.ZipFile(io.BytesIO(content)) as archive:
        everything = b"".join(archive.read(n) for n in archive.namelist())
        return json.loads(archive.read("data.json")), archive.read("resume.html").decode(), everything


async def test_the_archive_holds_the_accounts_their_code_messages_and_the_message_preferences(
    client: httpx.AsyncClient, sessionmaker: async_sessionmaker[AsyncSession], world: World, make_staff, link, sign_in
) -> None:  # type: ignore[no-untyped-def]
    rid = world.b.registrant_id
    second = await sign_in(phone="+221781112233")  # the same person's phone account, linked too
    await link(second, world.agent, rid)
    codes = [
        await latest_code(sessionmaker, "binta.diop@example.org"),
        await latest_code(sessionmaker, "+221781112233"),
    ]
    put = await client.put(
        f"/api/v1/registrants/{rid}/notification-preferences",
        json={"channel": "whatsapp", "language": "wo"},
        headers={**world.agent.headers, "If-Match": '"v0"'},
    )
    assert put.status_code == 200, put.text
    supervisor = await make_staff("supervisor", ["CASA-BASE"])
    request = await client.post(
        "/api/v1/privacy/subject-requests",
        headers=supervisor.headers,
        json={"registrant_id": str(rid)},
    )
    assert request.status_code == 201, request.text
    by_desk = await client.post(
        f"/api/v1/privacy/subject-requests/{request.json()['id']}/archive", headers=supervisor.headers
    )
    by_self = await client.get(f"{SELF}/archive", headers=world.b.headers)
    for response in (by_desk, by_self):
        assert response.status_code == 200, response.text
        data, summary, everything = _read(response.content)
        accounts = data["self_service_accounts"]
        assert sorted(a["identifier"] for a in accounts) == ["+221781112233", "binta.diop@example.org"]
        for account in accounts:
            assert {"kind", "identifier", "language", "created_at", "last_sign_in_at", "linked_at"} <= set(account)
            assert account["linked_at"] is not None and account["last_sign_in_at"] is not None
            assert not {"token_version", "link_failures", "registrant_id"} & set(account)
        messages = data["sign_in_code_messages"]
        assert sorted((m["recipient"], m["channel"]) for m in messages) == [
            ("+221781112233", "sms"),
            ("binta.diop@example.org", "email"),
        ]
        for message in messages:
            assert message["created_at"] and message["status"]
            assert not {"context", "code_hash", "code"} & set(message)
        assert data["notification_preferences"] == {
            "channel": "whatsapp",
            "language": "wo",
            "updated_at": data["notification_preferences"]["updated_at"],
        }
        for code in codes:
            assert f'"{code}"'.encode() not in everything and f">{code}<".encode() not in everything
        assert "Vos comptes en ligne" in summary and "binta.diop@example.org" in summary
        assert "Codes de connexion envoyés" in summary
        assert "Vos préférences de messages" in summary and "WhatsApp" in summary and "wolof" in summary
