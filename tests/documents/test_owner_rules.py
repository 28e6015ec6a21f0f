"""The owner rule of documents (``app/documents/owners.py``) in its own words: who is refused
with which problem, in both languages, and what the resolved owner carries into the audit log.

Expected texts are the product's wording of the 403/404 problems as the brief asks for them
(English and French, RFC 9457 ``detail``); a record of a desk the actor does not see reads exactly
like one that does not exist.
"""

from __future__ import annotations

import uuid

import pytest
from sqlalchemy import select

from app.audit.models import AuditEvent
from app.core.context import Actor
from app.core.errors import Forbidden, NotFound
from app.documents import owners
from tests.documents.test_permissions_matrix import _upload


@pytest.fixture
def backend() -> str:
    return "local"


def _problem(response) -> tuple[int, str]:  # type: ignore[no-untyped-def]
    assert response.headers["content-type"].startswith("application/problem+json")
    return response.status_code, response.json()["detail"]


async def test_a_record_of_another_desk_reads_as_not_found_in_both_languages(
    client, make_staff, make_registrant
) -> None:
    agent = await make_staff("agent", ["CASA-BASE"])
    elsewhere = await make_registrant("DKR-MOB")
    url = f"/api/v1/registrants/{elsewhere}/documents"
    english = await client.get(url, headers={**agent.headers, "Accept-Language": "en"})
    assert _problem(english) == (404, "No such registrant.")
    french = await client.get(url, headers={**agent.headers, "Accept-Language": "fr"})
    assert _problem(french) == (404, "Dossier introuvable.")
    missing = await client.get(f"/api/v1/registrants/{uuid.uuid4()}/documents", headers=agent.headers)
    assert _problem(missing) == _problem(french)  # the same answer as a record that does not exist


async def test_a_role_refused_the_documents_of_a_record_is_told_why_in_both_languages(
    client, make_staff, make_registrant
) -> None:
    auditor = await make_staff("auditor", [])
    registrant_id = await make_registrant("CASA-BASE")
    english = await _upload(client, {**auditor.headers, "Accept-Language": "en"}, "registrant", registrant_id, 1)
    assert _problem(english) == (403, "The role auditor may not upload the documents of a registrant.")
    french = await _upload(client, {**auditor.headers, "Accept-Language": "fr"}, "registrant", registrant_id, 1)
    assert _problem(french) == (
        403,
        "Le rôle auditor ne peut pas faire « upload » sur les documents de ce dossier.",
    )


async def test_a_role_that_may_not_act_on_any_document_is_refused_before_the_record(make_staff) -> None:
    """``require_action``: auditors delete no document of any owner type."""
    check = owners.require_action("delete")
    auditor = Actor(user_id=uuid.uuid4(), email="a@example.org", role="auditor")
    with pytest.raises(Forbidden) as refused:
        await check(auditor)
    assert (refused.value.detail_en, refused.value.detail_fr) == (
        "The role auditor may not delete documents.",
        "Le rôle auditor ne peut pas faire « delete » sur des documents.",
    )
    supervisor = Actor(user_id=uuid.uuid4(), email="s@example.org", role="supervisor")
    assert await check(supervisor) is supervisor


async def test_an_unknown_owner_type_is_not_found(sessionmaker) -> None:
    admin = Actor(user_id=uuid.uuid4(), email="x@example.org", role="admin")
    async with sessionmaker() as session:
        with pytest.raises(NotFound) as missing:
            await owners.resolve(session, actor=admin, owner_type="passport", owner_id=uuid.uuid4(), action="read")
    assert (missing.value.detail_en, missing.value.detail_fr) == ("No such passport.", "Dossier introuvable.")


async def test_a_new_owner_kind_is_one_registration(sessionmaker, desk_ids) -> None:
    """The module's promise: attaching documents to a new kind of record is one ``register``."""
    desk = desk_ids["DKR-MOB"]
    record = uuid.uuid4()

    async def load(_session, owner_id: uuid.UUID) -> uuid.UUID | None:  # type: ignore[no-untyped-def]
        return desk if owner_id == record else None

    owners.register("transfer_request", load, read_roles=frozenset({"agent"}), write_roles=frozenset({"admin"}))
    try:
        assert owners.allowed_roles("transfer_request", "read") == {"agent"}
        assert owners.allowed_roles("transfer_request", "upload") == {"admin"}
        assert owners.allowed_roles("transfer_request", "delete") == {"admin"}
        agent = Actor(user_id=uuid.uuid4(), email="a@example.org", role="agent", desk_ids=frozenset({desk}))
        async with sessionmaker() as session:
            owner = await owners.resolve(
                session, actor=agent, owner_type="transfer_request", owner_id=record, action="read"
            )
        assert owner == owners.Owner(type="transfer_request", id=record, desk_id=desk)
    finally:
        del owners._KINDS["transfer_request"]


async def test_document_audit_events_carry_the_owners_desk(
    client, make_staff, make_registrant, sessionmaker, desk_ids
) -> None:
    """Per-desk audit: each event of a document is filed under the desk of the record it belongs to."""
    admin = await make_staff("admin", [])
    registrant_id = await make_registrant("DKR-MOB")
    uploaded = await _upload(client, admin.headers, "registrant", registrant_id, 7)
    assert uploaded.status_code == 201, uploaded.text
    document_id = uploaded.json()["id"]
    assert (await client.get(f"/api/v1/documents/{document_id}", headers=admin.headers)).status_code == 200
    async with sessionmaker() as session:
        rows = await session.execute(
            select(AuditEvent.action, AuditEvent.desk_id).where(AuditEvent.entity_id == document_id)
        )
        events = sorted(rows.all())
    assert events == [("document.read", desk_ids["DKR-MOB"]), ("document.upload", desk_ids["DKR-MOB"])]
