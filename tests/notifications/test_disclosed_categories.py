"""The register of disclosures lists, for each message handed to a provider, exactly the data its
text carries: the placeholders of the template the message is written with (the person's language,
the desk's own template first), never those the event merely offers."""

from __future__ import annotations

import json
import uuid
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from app.notifications import templates
from app.notifications.worker import deliver_due
from app.privacy.models import Disclosure

SENTINEL_TIME = "2031-03-04T10:00:00+00:00"


def _context(event: str) -> dict[str, Any]:
    """A context giving each placeholder of ``event`` a value found nowhere else in a message."""
    context: dict[str, Any] = {}
    for name in templates.PLACEHOLDERS[event]:
        if name in ("status", "status_label"):
            context["status"] = "qualified"
        elif name.endswith("_at"):
            context[name] = SENTINEL_TIME
        elif name in ("service_type", "documents"):
            for language in ("fr", "en"):
                context[f"{name}_{language}"] = [f"«{name}»"] if name == "documents" else f"«{name}»"
        else:
            context[name] = f"«{name}»"
    return context


def _seen(event: str, language: str, text: str) -> set[str]:
    """The placeholders of ``event`` whose value shows in ``text``."""
    seen = set()
    for name in templates.PLACEHOLDERS[event] - {"status_label"}:
        if name == "status":
            shown = templates.STATUS_LABELS[language]["qualified"]
        elif name.endswith("_at"):
            shown = "2031"
        else:
            shown = f"«{name}»"
        if shown in text:
            seen.add(name)
    return seen


@pytest.mark.parametrize("language", sorted(templates.BUILT_IN))
@pytest.mark.parametrize("event", sorted(templates.EVENTS))
def test_every_messages_categories_are_the_data_its_text_shows(event: str, language: str) -> None:
    registry = templates.TemplateRegistry()
    context = _context(event)
    rendered = registry.render(event, language, context)

    for channel, text in (("sms", rendered.body), ("email", f"{rendered.subject}\n{rendered.body}")):
        said = templates.carried(event, context, language=language, channel=channel, registry=registry)
        assert set(said) == _seen(event, language, text), (event, language, channel, text)


def test_a_desks_own_template_decides_what_its_messages_carry(tmp_path: Path) -> None:
    (tmp_path / "CASA-BASE").mkdir()
    (tmp_path / "CASA-BASE" / "wo.json").write_text(
        json.dumps({"events": {"case_received": {"subject": "Demande", "body": "Sa demande {case_number} agsi na."}}}),
        encoding="utf-8",
    )
    registry = templates.TemplateRegistry(tmp_path)
    context = _context("case_received")

    at_the_desk = templates.carried(
        "case_received", context, language="wo", channel="sms", desk_code="CASA-BASE", registry=registry
    )
    elsewhere = templates.carried("case_received", context, language="wo", channel="sms", registry=registry)

    assert at_the_desk == ["case_number"]
    assert elsewhere == ["case_number", "desk_name", "service_type"]  # no Wolof there: the French message


async def test_a_status_change_sms_registers_only_the_case_number_and_status(
    client, make_staff, make_person, sessionmaker, settings
) -> None:
    agent = await make_staff("agent", ["CASA-BASE"])
    person: uuid.UUID = await make_person(languages=("fr",))
    case = await client.post(
        "/api/v1/cases",
        json={"registrant_id": str(person), "service_type": "SOCIAL", "channel": "walk_in"},
        headers=agent.headers,
    )
    moved = await client.post(
        f"/api/v1/cases/{case.json()['id']}/transitions",
        json={"to": "qualified"},
        headers={**agent.headers, "If-Match": case.headers["ETag"]},
    )
    assert moved.status_code == 200, moved.text

    await deliver_due(sessionmaker, settings)

    path = settings.data_dir / "notifications" / "whatsapp.jsonl"
    sent = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]
    [status] = [m for m in sent if "est maintenant" in m["body"]]
    assert status["body"] == f"Votre demande {case.json()['case_number']} est maintenant : qualifiée."
    async with sessionmaker() as session:
        [fields] = (
            await session.execute(select(Disclosure.fields).where(Disclosure.entity_id == status["notification_id"]))
        ).scalars()
    assert fields == ["phone", "message:whatsapp", "case_number", "status"]
