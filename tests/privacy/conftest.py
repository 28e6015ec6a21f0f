"""Fixtures of the data-protection tests: those of the cases tests (registrants written straight to
the database with their consents, staff of each role, a partner) and a few more."""

from __future__ import annotations

import io
import uuid
import zipfile

import httpx
import pytest

from tests.cases.conftest import admin, agent, dakar_agent, make_registrant, partner, supervisor
from tests.conftest import Staff

__all__ = ["admin", "agent", "dakar_agent", "make_registrant", "partner", "supervisor"]


@pytest.fixture
async def auditor(make_staff) -> Staff:  # type: ignore[no-untyped-def]
    return await make_staff("auditor", [], email="auditor@desk.example")


@pytest.fixture
async def dakar_supervisor(make_staff) -> Staff:  # type: ignore[no-untyped-def]
    return await make_staff("supervisor", ["DKR-MOB"], email="supervisor.dakar@desk.example")


async def summary_page(client: httpx.AsyncClient, supervisor: Staff, registrant_id: uuid.UUID | str) -> str:
    """The printable summary (``resume.html``) of a subject access archive of ``registrant_id``,
    requested and built by ``supervisor`` over the API."""
    request = await client.post(
        "/api/v1/privacy/subject-requests", headers=supervisor.headers, json={"registrant_id": str(registrant_id)}
    )
    assert request.status_code == 201, request.text
    archive = await client.post(
        f"/api/v1/privacy/subject-requests/{request.json()['id']}/archive", headers=supervisor.headers
    )
    assert archive.status_code == 200, archive.text
    return zipfile.ZipFile(io.BytesIO(archive.content)).read("resume.html").decode("utf-8")
