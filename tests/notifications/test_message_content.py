"""What a message says: documents by their label in the person's language (each named once),
sensitive service types by a neutral label (and the register of disclosures saying so). Messages
go through the worker to the file provider (WhatsApp) or to a real local SMTP server."""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterator
from typing import Any

import pytest
from sqlalchemy import select

from app.core.config import Settings
from app.notifications.worker import deliver_due
from app.privacy.models import Disclosure
from tests.notifications.servers import SmtpSink, smtp_server


@pytest.fixture
def smtp() -> Iterator[SmtpSink]:
    yield from smtp_server()


def _whatsapp(settings: Settings) -> list[dict[str, Any]]:
    path = settings.data_dir / "notifications" / "whatsapp.jsonl"
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


async def _open_case(client, agent, person: uuid.UUID, service_type: str) -> dict[str, Any]:  # type: ignore[no-untyped-def]
    case = await client.post(
        "/api/v1/cases",
        json={"registrant_id": str(person), "service_type": service_type, "channel": "walk_in"},
        headers=agent.headers,
    )
    assert case.status_code == 201, case.text
    return dict(case.json())


async def test_the_default_documents_read_as_their_labels_in_the_persons_language(
    client, make_staff, make_person, sessionmaker, settings
) -> None:
    agent = await make_staff("agent", ["CASA-BASE"])
    french, english = await make_person(languages=("fr",)), await make_person(languages=("en",))
    for person, service_type in ((french, "EMPLOYMENT"), (english, "RESIDENCE_MA")):
        case = await _open_case(client, agent, person, service_type)
        asked = await client.post(f"/api/v1/cases/{case['id']}/documents-missing", json={}, headers=agent.headers)
        assert asked.status_code == 201, asked.text

    await deliver_due(sessionmaker, settings)

    bodies = [m["body"] for m in _whatsapp(settings) if "attend :" in m["body"] or "needs:" in m["body"]]
    assert [b.rsplit(": ", 1)[1] for b in bodies] == [
        "Pièce d'identité, CV.",
        "Passport, Residence card or receipt, Work contract or proof of enrolment, Proof of address.",
    ]


async def test_a_document_named_twice_is_refused_naming_the_repeat(
    client, make_staff, make_person, sessionmaker
) -> None:
    agent = await make_staff("agent", ["CASA-BASE"])
    case = await _open_case(client, agent, await make_person(), "SOCIAL")
    url = f"/api/v1/cases/{case['id']}/documents-missing"

    twice = await client.post(url, json={"documents": ["Passeport", "Photo", "passeport "]}, headers=agent.headers)
    code_and_label = await client.post(url, json={"documents": ["passport", "Passeport"]}, headers=agent.headers)

    assert [twice.status_code, code_and_label.status_code] == [422, 422]
    assert twice.headers["content-type"].startswith("application/problem+json")
    assert "'Passeport' and 'passeport'" in twice.text
    assert "'passport' and 'Passeport'" in code_and_label.text
    once = await client.post(url, json={"documents": ["Passeport", "Photo"]}, headers=agent.headers)
    assert (once.status_code, once.json()["documents"]) == (201, ["Passeport", "Photo"])


@pytest.mark.parametrize(
    ("service_type", "language", "said"),
    [
        ("PSYCHOSOCIAL", "fr", "(Accompagnement individuel)."),
        ("EMERGENCY", "fr", "(Accompagnement individuel)."),
        ("LEGAL_AID", "en", "(Individual support)."),
        ("HEALTH", "en", "(Individual support)."),
        ("SOCIAL", "fr", "(Accompagnement social)."),
    ],
)
async def test_a_sensitive_service_type_is_never_named_in_a_message(
    client, make_staff, make_person, sessionmaker, settings, service_type: str, language: str, said: str
) -> None:
    agent = await make_staff("agent", ["CASA-BASE"])
    person = await make_person(languages=(language,))
    case = await _open_case(client, agent, person, service_type)

    await deliver_due(sessionmaker, settings)

    [received] = [m for m in _whatsapp(settings) if case["case_number"] in m["body"]]
    assert said in received["body"]
    async with sessionmaker() as session:
        [fields] = (
            await session.execute(select(Disclosure.fields).where(Disclosure.entity_id == received["notification_id"]))
        ).scalars()
    shown = "service_type" if service_type == "SOCIAL" else "service_type_neutral"
    assert fields == ["phone", "message:whatsapp", "case_number", "desk_name", shown]


async def test_the_catalogue_says_which_service_types_are_sensitive(client, make_staff) -> None:
    agent = await make_staff("agent", ["CASA-BASE"])
    types = (await client.get("/api/v1/service-types", headers=agent.headers)).json()
    assert sorted(t["code"] for t in types if t["sensitive"]) == ["EMERGENCY", "HEALTH", "LEGAL_AID", "PSYCHOSOCIAL"]


async def test_an_email_subject_of_a_desk_template_never_names_a_sensitive_type(
    client, make_staff, make_person, sessionmaker, settings, smtp, tmp_path
) -> None:
    from app.notifications import templates

    (tmp_path / "fr.json").write_text(
        json.dumps({"events": {"case_received": {"subject": "{service_type} : {case_number}", "body": "Reçue."}}}),
        encoding="utf-8",
    )
    templates.configure(tmp_path)
    try:
        agent = await make_staff("agent", ["CASA-BASE"])
        person = await make_person(phone=None, consents=("contact_email",), languages=("fr",))
        case = await _open_case(client, agent, person, "PSYCHOSOCIAL")
        await deliver_due(sessionmaker, settings.model_copy(update={"smtp_port": smtp.port}))
    finally:
        templates.configure(None)
    subjects = [str(m["Subject"]) for m in smtp.messages]
    assert f"Accompagnement individuel : {case['case_number']}" in subjects
