"""Rectification: each correction keeps its history (who, when, before, after, why), shown to
authorised staff and in the subject-access archive; If-Match still guards the update."""

from __future__ import annotations

import io
import json
import zipfile
from typing import Any

import httpx

from tests.conftest import Staff

PERSON: dict[str, Any] = {
    "given_names": "Fatou",
    "family_name": "Ndiay",
    "sex": "female",
    "date_of_birth": "1991-04",
    "phones": [{"number": "06 12 34 56 78"}],
    "documents": [{"doc_type": "passport", "number": "A01234567", "issuing_country": "SN"}],
    "residence_status": "titre de séjour valide",
}


async def _create(client: httpx.AsyncClient, staff: Staff) -> dict[str, Any]:
    response = await client.post("/api/v1/registrants?confirm_duplicates=true", headers=staff.headers, json=PERSON)
    assert response.status_code == 201, response.text
    return response.json()  # type: ignore[no-any-return]


async def test_corrections_keep_their_history_with_reason_author_and_values(
    client: httpx.AsyncClient, supervisor: Staff, agent: Staff, make_staff
) -> None:
    person = await _create(client, supervisor)
    url = f"/api/v1/registrants/{person['id']}"
    first = await client.patch(
        url,
        headers={**agent.headers, "If-Match": '"v1"'},
        json={
            "family_name": "Ndiaye",
            "phones": [{"number": "06 12 34 56 78"}, {"number": "+221 77 123 45 67"}],
            "reason": "Orthographe du passeport",
        },
    )
    stale = await client.patch(
        url, headers={**agent.headers, "If-Match": '"v1"'}, json={"family_name": "X", "reason": "test"}
    )
    missing = await client.patch(url, headers=agent.headers, json={"family_name": "Y"})
    restricted = await client.patch(
        url, headers={**supervisor.headers, "If-Match": '"v2"'}, json={"residence_status": "récépissé"}
    )
    assert [first.status_code, stale.status_code, missing.status_code, restricted.status_code] == [200, 412, 428, 200]

    history = await client.get(f"{url}/corrections", headers=supervisor.headers)
    assert history.status_code == 200
    rows = history.json()
    assert [
        (r["field"], r["old_value"], r["new_value"], r["reason"], r["corrected_by_label"], r["version"]) for r in rows
    ] == [
        ("family_name", "Ndiay", "Ndiaye", "Orthographe du passeport", agent.email, 2),
        ("phones", ["+212612345678"], ["+212612345678", "+221771234567"], "Orthographe du passeport", agent.email, 2),
        ("residence_status", "titre de séjour valide", "récépissé", None, supervisor.email, 3),
    ]
    auditor = await make_staff("auditor", [])
    by_auditor = await client.get(f"{url}/corrections", headers=auditor.headers)
    by_agent = await client.get(f"{url}/corrections", headers=agent.headers)
    unknown = await client.get(
        "/api/v1/registrants/00000000-0000-4000-8000-000000000000/corrections", headers=supervisor.headers
    )
    assert [r["field"] for r in by_auditor.json()] == ["family_name", "phones"]  # the restricted field withheld
    assert [by_agent.status_code, unknown.status_code] == [403, 404]

    request = await client.post(
        "/api/v1/privacy/subject-requests", headers=supervisor.headers, json={"registrant_id": person["id"]}
    )
    archive = await client.post(
        f"/api/v1/privacy/subject-requests/{request.json()['id']}/archive", headers=supervisor.headers
    )
    assert archive.status_code == 200, archive.text
    with zipfile.ZipFile(io.BytesIO(archive.content)) as z:
        data = json.loads(z.read("data.json"))
        summary = z.read("resume.html").decode()
    assert [(c["field"], c["old_value"], c["new_value"]) for c in data["corrections"]] == [
        ("family_name", "Ndiay", "Ndiaye"),
        ("phones", ["+212612345678"], ["+212612345678", "+221771234567"]),
        ("residence_status", "titre de séjour valide", "récépissé"),
    ]
    assert "Rectifications de votre dossier" in summary and "Orthographe du passeport" in summary


async def test_a_reason_alone_or_a_bad_reason_changes_nothing(client: httpx.AsyncClient, supervisor: Staff) -> None:
    person = await _create(client, supervisor)
    url = f"/api/v1/registrants/{person['id']}"
    headers = {**supervisor.headers, "If-Match": '"v1"'}
    alone = await client.patch(url, headers=headers, json={"reason": "rien à changer"})
    too_long = await client.patch(url, headers=headers, json={"family_name": "Ndiaye", "reason": "x" * 2001})
    not_text = await client.patch(url, headers=headers, json={"family_name": "Ndiaye", "reason": 12})
    assert [alone.status_code, too_long.status_code, not_text.status_code] == [200, 422, 422]
    assert alone.headers["etag"] == '"v1"'
    assert (await client.get(f"{url}/corrections", headers=supervisor.headers)).json() == []
