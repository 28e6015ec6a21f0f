"""Subject access: the request is logged with its deadline, and the archive holds what was stored."""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import json
import zipfile
from typing import Any

import httpx
from PIL import Image
from sqlalchemy import select

from app.audit.models import AuditEvent
from tests.cases.conftest import open_case
from tests.conftest import Staff


def _png() -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (8, 8), (200, 30, 30)).save(buffer, format="PNG")
    return buffer.getvalue()


async def _file_of_a_person(
    client: httpx.AsyncClient, agent: Staff, registrant: Any, partner: dict[str, Any]
) -> dict[str, Any]:
    case = await open_case(client, agent, registrant, description="Renouvellement de la carte de séjour")
    url = f"/api/v1/cases/{case['id']}"
    shown = await client.post(f"{url}/notes", headers=agent.headers, json={"text": "A apporté son contrat"})
    internal = await client.post(
        f"{url}/notes",
        headers=agent.headers,
        json={"text": "Évaluation interne : dossier fragile", "internal_assessment": True},
    )
    referral = await client.post(f"{url}/referrals", headers=agent.headers, json={"partner_id": partner["id"]})
    document = await client.post(
        f"/api/v1/registrants/{registrant}/documents",
        headers=agent.headers,
        files={"file": ("passeport scanné.png", _png(), "image/png")},
        data={"kind": "passport"},
    )
    read = await client.get(f"/api/v1/registrants/{registrant}", headers=agent.headers)
    statuses = [shown.status_code, internal.status_code, referral.status_code, document.status_code, read.status_code]
    assert statuses == [201, 201, 201, 201, 200], document.text
    assert internal.json()["internal_assessment"] is True
    content = await client.get(f"/api/v1/documents/{document.json()['id']}/content", headers=agent.headers)
    return {"case": case, "document": document.json(), "content": content.content, "registrant": read.json()}


async def test_a_request_is_logged_with_its_deadline_by_supervisors_only(
    client: httpx.AsyncClient, agent: Staff, supervisor: Staff, dakar_supervisor: Staff, make_registrant
) -> None:
    registrant = await make_registrant(registered_on=dt.date(2026, 10, 1))
    body = {"registrant_id": str(registrant), "received_on": "2026-11-02", "channel": "in_person"}
    by_agent = await client.post("/api/v1/privacy/subject-requests", headers=agent.headers, json=body)
    other_desk = await client.post("/api/v1/privacy/subject-requests", headers=dakar_supervisor.headers, json=body)
    future = await client.post(
        "/api/v1/privacy/subject-requests",
        headers=supervisor.headers,
        json={**body, "received_on": (dt.date.today() + dt.timedelta(days=2)).isoformat()},
    )
    created = await client.post("/api/v1/privacy/subject-requests", headers=supervisor.headers, json=body)
    assert [by_agent.status_code, other_desk.status_code, future.status_code, created.status_code] == [
        403,
        404,
        422,
        201,
    ]
    # GDPR art. 12(3): one month; the default deadline is 30 days: 2 November + 30 days.
    assert (created.json()["due_on"], created.json()["fulfilled_at"]) == ("2026-12-02", None)
    log = await client.get("/api/v1/privacy/subject-requests", headers=supervisor.headers)
    assert [r["id"] for r in log.json()["items"]] == [created.json()["id"]]
    other = await client.get("/api/v1/privacy/subject-requests", headers=dakar_supervisor.headers)
    assert other.json() == {"items": [], "next_cursor": None}


async def test_a_request_retried_with_its_idempotency_key_is_logged_once(
    client: httpx.AsyncClient, supervisor: Staff, make_registrant
) -> None:
    person = await make_registrant(registered_on=dt.date(2026, 10, 1))
    body = {"registrant_id": str(person), "received_on": "2026-11-02", "channel": "in_person"}
    headers = {**supervisor.headers, "Idempotency-Key": "demande-acces-1"}
    first = await client.post("/api/v1/privacy/subject-requests", headers=headers, json=body)
    again = await client.post("/api/v1/privacy/subject-requests", headers=headers, json=body)
    assert (first.status_code, again.status_code, again.headers.get("idempotent-replayed")) == (201, 201, "true")
    assert again.json() == first.json()
    log = await client.get("/api/v1/privacy/subject-requests", headers=supervisor.headers)
    assert [r["id"] for r in log.json()["items"]] == [first.json()["id"]]


async def test_the_access_archive_holds_what_was_stored_with_checksums(
    client: httpx.AsyncClient, agent: Staff, supervisor: Staff, make_registrant, partner, sessionmaker
) -> None:
    registrant = await make_registrant()
    stored = await _file_of_a_person(client, agent, registrant, partner)
    request = await client.post(
        "/api/v1/privacy/subject-requests", headers=supervisor.headers, json={"registrant_id": str(registrant)}
    )
    refused = await client.post(
        f"/api/v1/privacy/subject-requests/{request.json()['id']}/archive", headers=agent.headers
    )
    response = await client.post(
        f"/api/v1/privacy/subject-requests/{request.json()['id']}/archive", headers=supervisor.headers
    )
    assert (refused.status_code, response.status_code) == (403, 200)
    assert response.headers["content-type"] == "application/zip"
    assert response.headers["cache-control"] == "no-store"
    archive = zipfile.ZipFile(io.BytesIO(response.content))
    document_path = f"documents/{stored['document']['id']}-passeport_scann_.png"
    assert sorted(archive.namelist()) == sorted(["data.json", "resume.html", "manifest.json", document_path])

    manifest = json.loads(archive.read("manifest.json"))
    assert manifest["registrant_id"] == str(registrant)
    for entry in manifest["files"]:
        content = archive.read(entry["path"])
        assert (entry["size"], entry["sha256"]) == (len(content), hashlib.sha256(content).hexdigest())
    assert sorted(e["path"] for e in manifest["files"]) == sorted(["data.json", "resume.html", document_path])

    # The file is the one the desk stores and serves.
    assert archive.read(document_path) == stored["content"]
    assert hashlib.sha256(stored["content"]).hexdigest() == stored["document"]["sha256"]

    data = json.loads(archive.read("data.json"))
    person = data["registrant"]
    assert (person["id"], person["family_name"], person["given_names"], person["residence_status"]) == (
        str(registrant),
        "Ndiaye",
        "Awa",
        "carte de séjour expirée",
    )
    assert "family_name_key" not in person
    assert [p["e164"] for p in data["phones"]] == ["+212612345678"]
    assert [(c["purpose"], c["partner_name"]) for c in data["consents"]] == [("partner_referral", "OIM Maroc")]
    [case] = data["cases"]
    assert (case["case_number"], case["description"]) == (
        stored["case"]["case_number"],
        "Renouvellement de la carte de séjour",
    )
    assert [n["text"] for n in case["notes"]] == ["A apporté son contrat"]
    assert "dossier fragile" not in archive.read("data.json").decode() + archive.read("resume.html").decode()
    assert [(r["partner_name"], r["status"]) for r in case["referrals"]] == [("OIM Maroc", "sent")]
    assert [(d["id"], d["sha256"], d["archive_path"]) for d in data["documents"]] == [
        (stored["document"]["id"], stored["document"]["sha256"], document_path)
    ]
    assert [(d["kind"], d["recipient_name"]) for d in data["disclosures"]] == [("referral", "OIM Maroc")]
    trail = {(e["action"], e["actor"]) for e in data["audit_trail"]}
    assert {("registrant.read", agent.email), ("case.create", agent.email), ("referral.create", agent.email)} <= trail

    summary = archive.read("resume.html").decode("utf-8")
    assert '<html lang="fr">' in summary and "Ndiaye" in summary and stored["case"]["case_number"] in summary

    log = (await client.get("/api/v1/privacy/subject-requests", headers=supervisor.headers)).json()["items"]
    assert log[0]["archive_sha256"] == hashlib.sha256(response.content).hexdigest()
    assert log[0]["fulfilled_by"] == str(supervisor.id)
    async with sessionmaker() as session:
        event = (
            await session.execute(select(AuditEvent).where(AuditEvent.action == "privacy.subject_access"))
        ).scalar_one()
    assert (event.actor_label, event.details["document_files"]) == (supervisor.email, 1)
    assert "Ndiaye" not in json.dumps(event.details)


async def test_the_log_of_requests_comes_in_pages_oldest_received_first(
    client: httpx.AsyncClient, supervisor: Staff, make_registrant
) -> None:
    """Before: the whole log in one unpaginated list, however long it grew."""
    received = ["2026-11-03", "2026-11-01", "2026-11-02"]
    ids = {}
    for day in received:
        person = await make_registrant(registered_on=dt.date(2026, 10, 1))
        body = {"registrant_id": str(person), "received_on": day, "channel": "in_person"}
        created = await client.post("/api/v1/privacy/subject-requests", headers=supervisor.headers, json=body)
        assert created.status_code == 201, created.text
        ids[day] = created.json()["id"]
    url = "/api/v1/privacy/subject-requests"
    first = (await client.get(url, params={"limit": 2}, headers=supervisor.headers)).json()
    rest = (
        await client.get(url, params={"limit": 2, "cursor": first["next_cursor"]}, headers=supervisor.headers)
    ).json()
    assert [r["id"] for r in first["items"] + rest["items"]] == [ids[day] for day in sorted(received)]
    assert rest["next_cursor"] is None
    refused = await client.get(url, params={"cursor": "not-a-cursor"}, headers=supervisor.headers)
    assert (refused.status_code, refused.json()["type"]) == (400, "/problems/bad-request")


async def test_archived_documents_keep_their_extension_whatever_their_name(
    client: httpx.AsyncClient, agent: Staff, supervisor: Staff, make_registrant
) -> None:
    """A name of no ASCII letters, a long one and a bare extension each keep ``.png`` in the ZIP
    (they lost it: ``documents/<id>-png`` for ``ملف.png``, a cut at 100 characters)."""
    registrant = await make_registrant()
    names = ["ملف.png", "Carte de séjour de Aïssatou " + "Ndiaye " * 20 + ".png", ".png"]
    ids = []
    for shade, name in enumerate(names):
        picture = io.BytesIO()
        Image.new("RGB", (8, 8), (shade * 40, 30, 30)).save(picture, format="PNG")
        uploaded = await client.post(
            f"/api/v1/registrants/{registrant}/documents",
            headers=agent.headers,
            files={"file": (name, picture.getvalue(), "image/png")},
            data={"kind": "other"},
        )
        assert uploaded.status_code == 201, uploaded.text
        ids.append(uploaded.json()["id"])
    request = await client.post(
        "/api/v1/privacy/subject-requests", headers=supervisor.headers, json={"registrant_id": str(registrant)}
    )
    response = await client.post(
        f"/api/v1/privacy/subject-requests/{request.json()['id']}/archive", headers=supervisor.headers
    )
    assert response.status_code == 200, response.text
    documents = sorted(
        n for n in zipfile.ZipFile(io.BytesIO(response.content)).namelist() if n.startswith("documents/")
    )
    long_name = "Carte_de_s_jour_de_A_ssatou_" + "Ndiaye_" * 20
    assert documents == sorted(
        [
            f"documents/{ids[0]}-document.png",
            f"documents/{ids[1]}-{long_name[:96].rstrip('_')}.png",
            f"documents/{ids[2]}-document.png",
        ]
    )


async def test_the_log_of_requests_filters_one_persons_requests(
    client: httpx.AsyncClient, supervisor: Staff, make_registrant
) -> None:
    """The person's file lists their own requests (``registrant_id``), not every request of the desk.

    Before: the filter did not exist, the parameter was ignored and the whole desk's log answered."""
    awa, other = [await make_registrant(registered_on=dt.date(2026, 10, 1)) for _ in range(2)]
    made = {}
    for who, kind in ((awa, "access"), (other, "access"), (awa, "erasure")):
        body = {"registrant_id": str(who), "kind": kind, "received_on": "2026-11-02"}
        created = await client.post("/api/v1/privacy/subject-requests", headers=supervisor.headers, json=body)
        assert created.status_code == 201, created.text
        made[(who, kind)] = created.json()["id"]
    url = "/api/v1/privacy/subject-requests"
    mine = (await client.get(url, params={"registrant_id": str(awa)}, headers=supervisor.headers)).json()
    assert [r["id"] for r in mine["items"]] == [made[(awa, "access")], made[(awa, "erasure")]]
    # each names its desk, whose calendar says when it is overdue
    desk = (await client.get(f"/api/v1/registrants/{awa}", headers=supervisor.headers)).json()["desk_id"]
    assert {r["desk_id"] for r in mine["items"]} == {desk}
    refused = await client.get(url, params={"registrant_id": "awa"}, headers=supervisor.headers)
    assert refused.status_code == 422


async def test_a_request_received_in_the_future_names_its_date_for_the_form(
    client: httpx.AsyncClient, supervisor: Staff, make_registrant
) -> None:
    """Before: a bare detail ("received_on cannot be in the future."), no field for a form to mark."""
    body = {
        "registrant_id": str(await make_registrant()),
        "received_on": (dt.date.today() + dt.timedelta(days=2)).isoformat(),
    }
    refused = await client.post("/api/v1/privacy/subject-requests", headers=supervisor.headers, json=body)
    problem = refused.json()
    assert (refused.status_code, problem["field"]) == (422, "received_on")
    assert [(e["loc"], e["type"]) for e in problem["errors"]] == [(["body", "received_on"], "date_in_future")]


async def test_a_request_received_before_the_persons_registration_is_refused_naming_its_date(
    client: httpx.AsyncClient, supervisor: Staff, make_registrant
) -> None:
    """Before: « Reçue le » 2019-01-01 for a person registered years later was taken, and shown
    « en retard de 2866 jours »: the desk held nothing of the person to be asked about then."""
    person = await make_registrant(registered_on=dt.date(2026, 11, 2))
    url = "/api/v1/privacy/subject-requests"
    answers = {}
    for lang in ("fr", "en"):
        for day in ("2019-01-01", "2026-11-01"):
            body = {"registrant_id": str(person), "kind": "access", "received_on": day}
            answers[lang, day] = await client.post(
                url, headers={**supervisor.headers, "Accept-Language": lang}, json=body
            )
    for refused in answers.values():
        problem = refused.json()
        assert (refused.status_code, refused.headers["content-type"]) == (422, "application/problem+json")
        assert problem["field"] == "received_on"
        assert [(e["loc"], e["type"]) for e in problem["errors"]] == [
            (["body", "received_on"], "date_before_registration")
        ]
    assert "l'enregistrement de la personne (2\u00a0novembre 2026)" in answers["fr", "2019-01-01"].json()["detail"]
    assert "before the person's registration (2026-11-02)" in answers["en", "2019-01-01"].json()["detail"]
    log = await client.get(url, params={"registrant_id": str(person)}, headers=supervisor.headers)
    assert log.json()["items"] == []  # nothing written
    taken = await client.post(
        url, headers=supervisor.headers, json={"registrant_id": str(person), "received_on": "2026-11-02"}
    )
    assert (taken.status_code, taken.json()["received_on"]) == (201, "2026-11-02")
