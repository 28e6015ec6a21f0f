"""Every event a case's timeline or a person's history can hold is said in words of its own: an
appointment booked, moved or cancelled, a document attached or deleted are not "a modifié le
dossier". The kinds and actions are read from the API's code (``app/``), so that one added there
without words fails here; one the client does not know is said as what it is (an action not
detailed), never as an edit."""

from __future__ import annotations

import ast
import datetime as dt
import re
from pathlib import Path
from typing import Any

import pytest
from playwright.async_api import Page, expect

from app.registrants.history import READS
from tests.web.conftest import LiveServer
from tests.web.helpers import (
    agent_with_case,
    desk_id,
    open_case_via_api,
    open_file,
    register_via_api,
    show_case,
    sign_in,
)
from tests.web.test_calendar_reschedule import free_slot, moved_by
from tests.web.test_documents_receipt import png_bytes

APP = Path(__file__).resolve().parents[2] / "app"


def _calls() -> list[ast.Call]:
    return [
        node
        for path in APP.rglob("*.py")
        for node in ast.walk(ast.parse(path.read_text()))
        if isinstance(node, ast.Call)
    ]


def _text(call: ast.Call, keyword: str) -> str | None:
    value = next((k.value for k in call.keywords if k.arg == keyword), None)
    return value.value if isinstance(value, ast.Constant) and isinstance(value.value, str) else None


def timeline_kinds() -> list[str]:
    """The kinds of case events the API writes (``add_event(..., kind="…")``)."""
    named = {"add_event", "_case_event"}
    return sorted(
        {
            kind
            for call in _calls()
            if (call.func.attr if isinstance(call.func, ast.Attribute) else getattr(call.func, "id", "")) in named
            and (kind := _text(call, "kind"))
        }
    )


def history_actions() -> list[str]:
    """The audit actions recorded on a person's file that its history lists (not the reads)."""
    return sorted(
        {
            action
            for call in _calls()
            if _text(call, "entity_type") == "registrant"
            and (action := _text(call, "action"))
            and not action.endswith(("read", ".list"))
            and action not in READS
        }
    )


def test_the_api_code_is_read() -> None:
    assert {"appointment_booked", "document_deleted", "case_opened"} <= set(timeline_kinds())
    assert {"registrant.update", "privacy.erasure"} <= set(history_actions())


WORDS = """async ([kinds, actions]) => {
  const base = document.querySelector("script[type=module]").src;
  const { eventText } = await import(new URL("case.js", base));
  const { entryText } = await import(new URL("history.js", base));
  const at = { occurred_at: "2026-06-01T10:00:00Z", actor_label: "x", actor_role: "agent", details: {}, changes: [] };
  const event = (kind) => eventText({ ...at, kind }, null).split(" — ").slice(1).join(" — ");
  const entry = (action) => entryText({ ...at, action }, null).split(" — ").slice(1).join(" — ");
  return {
    timeline: Object.fromEntries(kinds.map((k) => [k, event(k)])), unknownEvent: event("zz_unknown"),
    history: Object.fromEntries(actions.map((a) => [a, entry(a)])), unknownEntry: entry("zz.unknown"),
  };
}"""


@pytest.mark.asyncio(loop_scope="session")
async def test_every_event_the_api_records_has_words_of_its_own(page: Page, server: LiveServer) -> None:
    agent, case = agent_with_case(server, given_names="Ousmane", family_name="Faye")
    await sign_in(page, server, agent)
    await open_file(page, "Ousmane Faye")
    await show_case(page, server, case)
    said: dict[str, Any] = await page.evaluate(WORDS, [timeline_kinds(), history_actions()])

    assert said["unknownEvent"] == "x (agent) a agi sur le dossier (action non détaillée ici)"
    vague = [k for k, words in said["timeline"].items() if words == said["unknownEvent"]]
    assert vague == [], f"case events without words of their own: {vague}"
    edits = [k for k, words in said["timeline"].items() if "a modifié le dossier" in words and k != "case_updated"]
    assert edits == [], f"case events said as an edit of the case: {edits}"

    assert said["unknownEntry"] == "x (agent) a agi sur la fiche (action non détaillée ici)"
    vague = [a for a, words in said["history"].items() if words == said["unknownEntry"]]
    assert vague == [], f"actions on a person's file without words of their own: {vague}"


@pytest.mark.asyncio(loop_scope="session")
async def test_appointments_and_documents_are_said_as_such_in_the_case_timeline(page: Page, server: LiveServer) -> None:
    supervisor = server.make_agent("supervisor")
    person = register_via_api(server, supervisor, given_names="Coumba", family_name="Ndour")
    case, _ = open_case_via_api(server, supervisor, person)
    day = dt.date.today() + dt.timedelta(days=7)
    while day.weekday() >= 5:
        day += dt.timedelta(days=1)
    slot = free_slot(server, supervisor, day, "10:00")
    with server.api(supervisor) as http:
        body = {"desk_id": desk_id(server, supervisor), "agent_id": str(supervisor.id), "registrant_id": person["id"]}
        body |= {"case_id": case["id"], "starts_at": slot["start_local"], "ends_at": slot["end_local"]}
        booked = http.post("/api/v1/appointments", json=body).json()
    moved_by(server, supervisor, supervisor, booked["id"], day, "11:00")
    with server.api(supervisor) as http:
        etag = http.get(f"/api/v1/appointments/{booked['id']}").headers["etag"]
        cancelled = http.post(
            f"/api/v1/appointments/{booked['id']}/transitions",
            json={"status": "cancelled", "reason": "La personne a changé d'avis"},
            headers={"If-Match": etag},
        )
        assert cancelled.status_code == 200, cancelled.text
        up = http.post(
            f"/api/v1/cases/{case['id']}/documents",
            files={"file": ("carte.png", png_bytes(), "image/png")},
            data={"kind": "residence_card"},
        )
        assert up.status_code == 201, up.text
        gone = http.request("DELETE", f"/api/v1/documents/{up.json()['id']}", json={"reason": "Mauvais dossier"})
        assert gone.status_code == 204, gone.text
    await sign_in(page, server, supervisor)
    await show_case(page, server, case)
    events = page.locator(".timeline li")
    await expect(events).to_have_count(6)
    words = [re.sub(r"^.*? — \S+ \(superviseur\) ", "", w) for w in await events.all_inner_texts()]
    assert words[0] == "a ouvert le dossier"
    assert re.fullmatch(r"a pris un rendez-vous pour le .*10:00", words[1]), words
    assert re.fullmatch(r"a déplacé le rendez-vous au .*11:00", words[2]), words
    assert re.fullmatch(r"a annulé le rendez-vous du .*11:00", words[3]), words
    assert words[4:] == ["a joint un document : Titre de séjour", "a supprimé un document"], words
