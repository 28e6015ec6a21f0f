"""Every document permission follows from the owner's, one rule: a matrix of roles × owner kinds ×
actions, with the expected answers written out from the roles of the brief.

The brief's roles: agents work the records of their own desk (another desk's records do not
exist for them: 404); supervisors also moderate (delete a document); administrators may do
everything anywhere; auditors (data-protection officers) read, never write, and handle access
requests, so they read a registrant's documents on every desk, but cases are not theirs (their
own routes answer 403 to them, and so do the case's documents).
"""

from __future__ import annotations

import io
import uuid

import pytest
from PIL import Image

from tests.documents.test_case_documents import make_case  # noqa: F401  (fixture)

ROLES = ("agent_own_desk", "agent_other_desk", "supervisor", "admin", "auditor")
ACTIONS = ("list", "read", "download", "upload", "delete")
ALL_ALLOWED = {"list": 200, "read": 200, "download": 200, "upload": 201, "delete": 204}

EXPECTED: dict[tuple[str, str], dict[str, int]] = {
    # Agents: everything but deleting on their desk's records.
    ("agent_own_desk", "registrant"): {**ALL_ALLOWED, "delete": 403},
    ("agent_own_desk", "case"): {**ALL_ALLOWED, "delete": 403},
    # Another desk's records are not found; deleting is refused to the role whatever the record.
    ("agent_other_desk", "registrant"): {"list": 404, "read": 404, "download": 404, "upload": 404, "delete": 403},
    ("agent_other_desk", "case"): {"list": 404, "read": 404, "download": 404, "upload": 404, "delete": 403},
    ("supervisor", "registrant"): ALL_ALLOWED,
    ("supervisor", "case"): ALL_ALLOWED,
    ("admin", "registrant"): ALL_ALLOWED,
    ("admin", "case"): ALL_ALLOWED,
    # Auditors read registrants (access requests) but write nothing; cases are closed to them.
    ("auditor", "registrant"): {"list": 200, "read": 200, "download": 200, "upload": 403, "delete": 403},
    ("auditor", "case"): {"list": 403, "read": 403, "download": 403, "upload": 403, "delete": 403},
}


@pytest.fixture
def backend() -> str:
    """Permissions do not depend on the storage backend: local files only."""
    return "local"


def _png(seed: int) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (2, 2), (seed % 256, 10, 20)).save(buffer, format="PNG")
    return buffer.getvalue()


async def _upload(client, headers, kind: str, owner_id: uuid.UUID, seed: int):  # type: ignore[no-untyped-def]
    return await client.post(
        f"/api/v1/{kind}s/{owner_id}/documents",
        headers=headers,
        files={"file": (f"scan-{seed}.png", _png(seed), "image/png")},
        data={"kind": "other"},
    )


async def _act(client, headers, action: str, kind: str, owner_id: uuid.UUID, document_id: str, seed: int) -> int:  # type: ignore[no-untyped-def]
    if action == "list":
        response = await client.get(f"/api/v1/{kind}s/{owner_id}/documents", headers=headers)
    elif action == "read":
        response = await client.get(f"/api/v1/documents/{document_id}", headers=headers)
    elif action == "download":
        response = await client.get(f"/api/v1/documents/{document_id}/content", headers=headers)
    elif action == "upload":
        response = await _upload(client, headers, kind, owner_id, seed)
    else:
        response = await client.request(
            "DELETE", f"/api/v1/documents/{document_id}", headers=headers, json={"reason": "scanned twice"}
        )
    if response.status_code >= 400:
        assert response.headers["content-type"].startswith("application/problem+json")
    return response.status_code


async def test_document_permissions_follow_the_owner(client, make_staff, make_registrant, make_case) -> None:  # noqa: F811
    staff = {
        "agent_own_desk": await make_staff("agent", ["CASA-BASE"]),
        "agent_other_desk": await make_staff("agent", ["DKR-MOB"]),
        "supervisor": await make_staff("supervisor", ["CASA-BASE"]),
        "admin": await make_staff("admin", []),
        "auditor": await make_staff("auditor", []),
    }
    admin = staff["admin"]
    seed = 0
    observed: dict[tuple[str, str], dict[str, int]] = {}
    for role in ROLES:
        for kind in ("registrant", "case"):
            owner_id = await make_registrant("CASA-BASE") if kind == "registrant" else await make_case("CASA-BASE")
            seed += 1
            created = await _upload(client, admin.headers, kind, owner_id, seed)
            assert created.status_code == 201, created.text
            document_id = created.json()["id"]
            observed[(role, kind)] = {}
            for action in ACTIONS:
                seed += 1
                status = await _act(client, staff[role].headers, action, kind, owner_id, document_id, seed)
                observed[(role, kind)][action] = status
    assert observed == EXPECTED


async def test_the_owners_own_routes_agree_for_auditors(client, make_staff, make_registrant, make_case) -> None:  # noqa: F811
    """The rule's premise: auditors read a registrant but are refused a case and any write."""
    auditor = await make_staff("auditor", [])
    registrant_id = await make_registrant("CASA-BASE")
    case_id = await make_case("CASA-BASE")
    assert (await client.get(f"/api/v1/registrants/{registrant_id}", headers=auditor.headers)).status_code == 200
    assert (await client.get(f"/api/v1/cases/{case_id}", headers=auditor.headers)).status_code == 403
    assert (await client.get(f"/api/v1/cases/{case_id}/documents", headers=auditor.headers)).status_code == 403
