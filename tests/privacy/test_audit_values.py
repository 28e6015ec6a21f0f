"""No audit event holds a value identifying a person in its chained ``details``: a person's file
is registered, corrected, merged with a second file of theirs and unmerged, their case noted,
referred (with the partner's reference), transferred, their consents given and withdrawn, their
account linked and their contact details corrected by themselves; the audit log's ``details``
then hold none of their values. Those values are in the events' erasable payloads, and the
person's erasure leaves none of them there either, nor in their cases' timelines.

Before: a merge's and an unmerge's events carried the names, e-mail, phones, passport numbers and
registration number of the files, an unmerge the reason given, a referral's update the partner's
reference: in the append-only chain, for ever."""

from __future__ import annotations

import json
from typing import Any

import httpx
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from app.audit.models import AuditEvent, AuditPayload
from app.cases.models import CaseEvent
from tests.cases.conftest import move, open_case
from tests.conftest import Staff
from tests.merges.conftest import Pair as Files
from tests.merges.conftest import merge
from tests.selfservice.conftest import SELF, link, sign_in

__all__ = ["link", "sign_in"]  # fixtures

REGISTRANTS = "/api/v1/registrants"
FIRST: dict[str, Any] = {
    "given_names": "Zoumanaqx",
    "family_name": "Tandjigorax",
    "sex": "male",
    "date_of_birth": "1987-11-23",
    "place_of_birth": "Bignonaqx",
    "email": "zoumanaqx.first@example.org",
    "occupation": "tisserandqx",
    "residence_status": "recepisse-qx",
    "notes": "Vit chez son oncle Mamadouqx",
    "phones": [{"number": "+221771239876", "whatsapp": True}],
    "documents": [{"doc_type": "passport", "number": "P99887766", "issuing_country": "SN"}],
}
SECOND: dict[str, Any] = {
    **FIRST,
    "email": "zoumanaqx.second@example.org",
    "occupation": "pecheurqx",
    "phones": [{"number": "+221781112233"}],
    "documents": [{"doc_type": "passport", "number": "P99112233", "issuing_country": "SN"}],
}
VALUES = (
    "Zoumanaqx",
    "Tandjigorax",
    "1987-11-23",
    "Bignonaqx",
    "tisserandqx",
    "pecheurqx",
    "forgeronqx",
    "recepisse-qx",
    "Mamadouqx",
    "771239876",
    "781112233",
    "779998877",
    "P99887766",
    "P99112233",
    "QXREF-4242",
    "qx-unmerge-why",
    "qx-basis-note",
    "qx-case-description",
    "qx-note-text",
)
CONSENT = {"granted": True, "channel": "in_person", "notice_version": "2026-01", "language": "fr"}


async def _register(client: httpx.AsyncClient, staff: Staff, body: dict[str, Any], partner_id: str) -> dict[str, Any]:
    consents = [
        {**CONSENT, "purpose": "partner_referral", "partner_id": partner_id},
        {**CONSENT, "purpose": "transfer_to_senegal"},
    ]
    response = await client.post(
        REGISTRANTS, params={"confirm_duplicates": "true"}, headers=staff.headers, json={**body, "consents": consents}
    )
    assert response.status_code == 201, response.text
    return response.json()  # type: ignore[no-any-return]


def _ok(response: httpx.Response, status: int = 200) -> dict[str, Any]:
    assert response.status_code == status, response.text
    return response.json() if response.content else {}  # type: ignore[no-any-return]


async def _erase(client: httpx.AsyncClient, staff: Staff, registrant_id: str) -> None:
    request = _ok(
        await client.post(
            "/api/v1/privacy/subject-requests",
            headers=staff.headers,
            json={"registrant_id": registrant_id, "kind": "erasure"},
        ),
        201,
    )
    _ok(await client.post(f"/api/v1/privacy/subject-requests/{request['id']}/erase", headers=staff.headers))


def _found(texts: list[Any], values: tuple[str, ...]) -> list[str]:
    text = json.dumps(texts, ensure_ascii=False, default=str).lower()
    return [v for v in values if v.lower() in text]


async def test_no_audit_event_holds_a_persons_values_and_erasure_leaves_none(
    client: httpx.AsyncClient,
    agent: Staff,
    supervisor: Staff,
    partner: dict[str, Any],
    sign_in,  # type: ignore[no-untyped-def]
    link,  # type: ignore[no-untyped-def]
    sessionmaker: async_sessionmaker[AsyncSession],
) -> None:
    first = await _register(client, supervisor, FIRST, partner["id"])
    second = await _register(client, supervisor, SECOND, partner["id"])
    numbers = (first["registration_number"], second["registration_number"])
    url = f"{REGISTRANTS}/{first['id']}"

    # merged and unmerged (the survivor takes the second file's e-mail and occupation)
    files = Files(first["id"], second["id"], "", *numbers)
    done = _ok(await merge(client, supervisor, files), 201)
    unmerge = f"/api/v1/registrant-merges/{done['id']}/unmerge"
    _ok(await client.post(unmerge, json={"note": "qx-unmerge-why"}, headers=supervisor.headers))
    # corrected by the desk, a consent given and withdrawn
    tag = (await client.get(url, headers=supervisor.headers)).headers["etag"]
    _ok(await client.patch(url, headers={**supervisor.headers, "If-Match": tag}, json={"occupation": "forgeronqx"}))
    consent = _ok(
        await client.post(f"{url}/consents", headers=agent.headers, json={**CONSENT, "purpose": "statistics"}), 201
    )
    _ok(await client.post(f"{url}/consents/{consent['id']}/withdraw", headers=agent.headers))
    # a case noted and referred, the partner's reference recorded; another case transferred
    case = await open_case(client, agent, first["id"], description="qx-case-description")
    _ok(
        await client.post(f"/api/v1/cases/{case['id']}/notes", headers=agent.headers, json={"text": "qx-note-text"}),
        201,
    )
    referral = _ok(
        await client.post(
            f"/api/v1/cases/{case['id']}/referrals", headers=agent.headers, json={"partner_id": partner["id"]}
        ),
        201,
    )
    referral_url = f"/api/v1/cases/{case['id']}/referrals/{referral['id']}"
    tag = (await client.get(referral_url, headers=agent.headers)).headers["etag"]
    _ok(
        await client.patch(
            referral_url, headers={**agent.headers, "If-Match": tag}, json={"partner_reference": "QXREF-4242"}
        )
    )
    other = await open_case(client, agent, first["id"], service_type="RETURN_REINTEGRATION")
    _ok(await move(client, agent, other["id"], "transferred", to_desk="DKR-MOB", legal_basis_note="qx-basis-note"))
    # the person signs in with their phone, is linked and corrects their contact details
    person = await sign_in(phone="+221771239876")
    await link(person, agent, first["id"])
    tag = (await client.get(f"{SELF}/contact", headers=person.headers)).headers["etag"]
    _ok(
        await client.patch(
            f"{SELF}/contact",
            headers={**person.headers, "If-Match": tag},
            json={"phones": [{"number": "+221779998877"}], "email": "zoumanaqx.self@example.org"},
        )
    )

    values = (*VALUES, *numbers, FIRST["email"], SECOND["email"], "zoumanaqx.self@example.org")
    async with sessionmaker() as session:
        details = list((await session.execute(select(AuditEvent.details))).scalars())
        stored = list((await session.execute(select(AuditPayload.value))).scalars())
    assert _found(details, values) == []
    kept = ("Zoumanaqx", "771239876", "P99112233", "forgeronqx", "QXREF-4242", "qx-unmerge-why", *numbers)
    assert _found(stored, kept) == list(kept)  # the values are kept, erasable

    for registrant_id in (first["id"], second["id"]):  # unmerged: two files (the copy goes with the first)
        await _erase(client, supervisor, registrant_id)
    async with sessionmaker() as session:
        details = list((await session.execute(select(AuditEvent.details))).scalars())
        stored = list((await session.execute(select(AuditPayload.value))).scalars())
        timeline = list((await session.execute(select(CaseEvent.details))).scalars())
    assert _found(details, values) == []
    assert _found(stored, values) == []
    assert _found(timeline, values) == []  # the case's timeline too (a referral's changes)
