"""Deletion, purge after retention, garbage collection of orphaned objects, failed transactions."""

from __future__ import annotations

import asyncio
import os
import shutil
import time

import httpx
import pytest
from sqlalchemy import select, text
from typer.testing import CliRunner

from app.audit.models import AuditEvent
from app.cli import cli
from app.documents.storage import key_for
from tests.db import postgres_url
from tests.documents.conftest import CARD_PNG, NOTHING, PASSPORT, count_rows, leftovers, sha256_of, upload

PDF_KEY = key_for(sha256_of(PASSPORT.read_bytes()))
REASON = {"reason": "Scan illisible, remplacé par une nouvelle copie"}


@pytest.fixture
async def agent(make_staff):  # type: ignore[no-untyped-def]
    return await make_staff("agent", ["CASA-BASE"])


@pytest.fixture
async def supervisor(make_staff):  # type: ignore[no-untyped-def]
    return await make_staff("supervisor", ["CASA-BASE"])


@pytest.fixture
async def document(client, agent, make_registrant, storage) -> dict:  # type: ignore[no-untyped-def]
    response = await upload(
        client, agent.headers, await make_registrant(), filename="p.pdf", data=PASSPORT.read_bytes()
    )
    assert response.status_code == 201
    return dict(response.json())


async def delete(client, headers, document_id, body=REASON):  # type: ignore[no-untyped-def]
    return await client.request("DELETE", f"/api/v1/documents/{document_id}", headers=headers, json=body)


@pytest.fixture
def run_cli(settings, monkeypatch):  # type: ignore[no-untyped-def]
    """Run ``diaspora-desk …`` in a thread, configured like the test's app through the environment."""
    env = {
        "DATABASE_URL": settings.database_url,
        "DATA_DIR": str(settings.data_dir),
        "DOCUMENTS_STORAGE": settings.documents_storage,
        "S3_BUCKET": settings.s3_bucket,
        "S3_ENDPOINT_URL": settings.s3_endpoint_url or "",
        "S3_ACCESS_KEY_ID": settings.s3_access_key_id or "",
        "S3_SECRET_ACCESS_KEY": "testing",
        "SECRET_KEY": "x" * 40,
    }
    for name, value in env.items():
        monkeypatch.setenv(name, value)

    async def run(*args: str, **extra_env: str):  # type: ignore[no-untyped-def]
        for name, value in extra_env.items():
            monkeypatch.setenv(name, value)
        result = await asyncio.to_thread(CliRunner().invoke, cli, list(args))
        assert result.exit_code == 0, result.output
        return result.output

    return run


async def test_agent_cannot_delete(client, agent, document):
    response = await delete(client, agent.headers, document["id"])
    assert response.status_code == 403
    assert response.json()["type"] == "/problems/forbidden"


@pytest.mark.parametrize("body", [None, {}, {"reason": ""}, {"reason": "x", "extra": 1}], ids=repr)
async def test_a_role_that_may_not_delete_learns_nothing_from_a_bad_body(client, agent, document, body):
    response = await client.request("DELETE", f"/api/v1/documents/{document['id']}", json=body, headers=agent.headers)
    assert response.status_code == 403, response.text
    assert response.json()["type"] == "/problems/forbidden"


async def test_supervisor_soft_deletes_with_a_reason(client, agent, supervisor, document, storage, sessionmaker):
    response = await delete(client, supervisor.headers, document["id"])

    assert response.status_code == 204
    assert (await client.get(f"/api/v1/documents/{document['id']}", headers=agent.headers)).status_code == 404
    assert (await client.get(f"/api/v1/documents/{document['id']}/content", headers=agent.headers)).status_code == 404
    listing = await client.get(f"/api/v1/registrants/{document['owner_id']}/documents", headers=agent.headers)
    assert listing.json()["items"] == []
    assert (await leftovers(storage))["objects"] == [PDF_KEY]  # bytes kept until the purge
    async with sessionmaker() as session:
        event = (await session.execute(select(AuditEvent).where(AuditEvent.action == "document.delete"))).scalar_one()
    assert event.details == REASON
    assert event.actor_id == supervisor.id


async def test_delete_without_a_reason_is_422(client, supervisor, document):
    response = await delete(client, supervisor.headers, document["id"], body={})
    assert response.status_code == 422
    assert response.json()["type"] == "/problems/validation-failed"


async def test_supervisor_of_another_desk_gets_404(client, make_staff, document):
    stranger = await make_staff("supervisor", ["DKR-MOB"])
    response = await delete(client, stranger.headers, document["id"])
    assert response.status_code == 404


async def test_purge_waits_for_the_retention_period(client, supervisor, document, storage, sessionmaker, run_cli):
    await delete(client, supervisor.headers, document["id"])
    output = await run_cli("purge-documents")
    assert output.strip() == "purged; 0 objects removed"
    assert await count_rows(sessionmaker) == 1
    assert (await leftovers(storage))["objects"] == [PDF_KEY]


async def test_purge_after_retention_removes_row_and_object(
    client, supervisor, document, storage, sessionmaker, run_cli
):
    await delete(client, supervisor.headers, document["id"])
    output = await run_cli("purge-documents", DOCUMENTS_RETENTION_DAYS="0")
    assert output.strip() == "purged; 1 objects removed"
    assert await count_rows(sessionmaker) == 0
    assert await leftovers(storage) == NOTHING
    async with sessionmaker() as session:
        event = (await session.execute(select(AuditEvent).where(AuditEvent.action == "document.purge"))).scalar_one()
    assert event.entity_id == document["id"]


async def test_purge_keeps_an_object_another_row_still_uses(
    client, agent, supervisor, document, make_registrant, storage, sessionmaker, run_cli
):
    other = await upload(client, agent.headers, await make_registrant(), filename="p.pdf", data=PASSPORT.read_bytes())
    assert other.status_code == 201
    await delete(client, supervisor.headers, document["id"])
    output = await run_cli("purge-documents", DOCUMENTS_RETENTION_DAYS="0")
    assert output.strip() == "purged; 0 objects removed"
    assert await count_rows(sessionmaker) == 1
    downloaded = await client.get(f"/api/v1/documents/{other.json()['id']}/content", headers=agent.headers)
    assert downloaded.content == PASSPORT.read_bytes()


async def _orphan(storage, tmp_path) -> str:  # type: ignore[no-untyped-def]
    spooled = storage.spool_dir / "orphan-source"
    shutil.copyfile(CARD_PNG, spooled)
    key = key_for(sha256_of(spooled.read_bytes()))
    await storage.put(source=spooled, key=key, media_type="image/png")
    return key


async def test_gc_dry_run_lists_orphans_and_removes_nothing(document, storage, run_cli, tmp_path):
    orphan = await _orphan(storage, tmp_path)
    output = await run_cli("gc-storage", "--dry-run", DOCUMENTS_GC_GRACE_SECONDS="0")
    assert f"would remove object {orphan}" in output
    assert sorted((await leftovers(storage))["objects"]) == sorted([orphan, PDF_KEY])


async def test_gc_removes_orphans_but_never_referenced_objects(document, storage, run_cli, tmp_path):
    orphan = await _orphan(storage, tmp_path)
    output = await run_cli("gc-storage", DOCUMENTS_GC_GRACE_SECONDS="0")
    assert f"removed object {orphan}" in output
    assert (await leftovers(storage))["objects"] == [PDF_KEY]


async def test_gc_keeps_recent_orphans_during_the_grace_period(storage, run_cli, tmp_path):
    orphan = await _orphan(storage, tmp_path)
    output = await run_cli("gc-storage")
    assert output.strip().endswith(
        "removed 0 orphaned objects and 0 spool files; 1 recent orphans kept until the grace period ends"
    )
    assert (await leftovers(storage))["objects"] == [orphan]


async def test_failed_transaction_removes_the_object_it_stored(app, agent, make_registrant, storage, sessionmaker):
    """A database trigger makes the INSERT fail for real: the upload answers 500 and leaves nothing."""
    async with sessionmaker() as session:
        if postgres_url():
            await session.execute(
                text(
                    "CREATE FUNCTION public.dd_fail() RETURNS trigger AS $$ BEGIN RAISE EXCEPTION 'boom'; END $$"
                    " LANGUAGE plpgsql"
                )
            )
            await session.execute(
                text("CREATE TRIGGER dd_fail BEFORE INSERT ON documents FOR EACH ROW EXECUTE FUNCTION public.dd_fail()")
            )
        else:
            await session.execute(
                text("CREATE TRIGGER dd_fail BEFORE INSERT ON documents BEGIN SELECT RAISE(ABORT, 'boom'); END")
            )
        await session.commit()
    registrant = await make_registrant()
    transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
        response = await upload(client, agent.headers, registrant, filename="p.pdf", data=PASSPORT.read_bytes())
    assert response.status_code == 500
    assert await count_rows(sessionmaker) == 0
    assert await leftovers(storage) == NOTHING


async def test_gc_removes_stale_spool_files_only(storage, run_cli):
    stale = storage.spool_dir / "upload-stale.part"
    fresh = storage.spool_dir / "upload-fresh.part"
    stale.write_bytes(b"%PDF-1.7 half an upload")
    fresh.write_bytes(b"%PDF-1.7 an upload in flight")
    os.utime(stale, (time.time() - 2 * 86_400, time.time() - 2 * 86_400))

    output = await run_cli("gc-storage")

    assert "removed spool file upload-stale.part" in output
    assert sorted(p.name for p in storage.spool_dir.iterdir()) == ["upload-fresh.part"]


async def test_a_delete_with_a_stale_if_match_is_412_and_keeps_the_document(
    client, agent, supervisor, document, storage, sessionmaker
):
    headers = {**supervisor.headers, "If-Match": '"' + "0" * 64 + '"'}
    response = await delete(client, headers, document["id"])
    assert response.status_code == 412, response.text
    assert response.json()["current_etag"] == f'"{document["sha256"]}"'
    assert (await client.get(f"/api/v1/documents/{document['id']}", headers=agent.headers)).status_code == 200
    content = await client.get(f"/api/v1/documents/{document['id']}/content", headers=agent.headers)
    assert (content.status_code, content.content) == (200, PASSPORT.read_bytes())
    assert (await leftovers(storage))["objects"] == [PDF_KEY]
    async with sessionmaker() as session:
        deletions = (await session.execute(select(AuditEvent).where(AuditEvent.action == "document.delete"))).all()
    assert deletions == []


@pytest.mark.parametrize("tag", ["read", "*"])
async def test_a_delete_with_the_current_if_match_deletes(client, agent, supervisor, document, tag):
    read = await client.get(f"/api/v1/documents/{document['id']}", headers=agent.headers)
    headers = {**supervisor.headers, "If-Match": read.headers["etag"] if tag == "read" else "*"}
    response = await delete(client, headers, document["id"])
    assert response.status_code == 204, response.text
    assert (await client.get(f"/api/v1/documents/{document['id']}", headers=agent.headers)).status_code == 404
