"""Desk-supplied templates (``NOTIFY_TEMPLATES_DIR``): a placeholder the event does not offer
stops the start-up with the file, the event and the placeholder named; ``{status}`` reads as the
status's label."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from itertools import pairwise
from pathlib import Path

import pytest

from app.core.config import Settings
from app.main import create_app
from app.notifications import templates
from app.startup import CannotStart


@pytest.fixture(autouse=True)
def _built_in_afterwards() -> Iterator[None]:
    yield
    templates.configure(None)


def _write(directory: Path, relative: str, events: dict[str, dict[str, str]]) -> Path:
    path = directory / relative
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps({"events": events}), encoding="utf-8")
    return path


@pytest.mark.parametrize(
    ("event", "part", "text", "named"),
    [
        ("registration_receipt", "body", "Nanga def {given_names} {family_name}", "{family_name}"),
        ("appointment_booked", "subject", "Rendez-vous {case_number}", "{case_number}"),
        ("case_received", "body", "Sa demande {} jot nanu ko", "{}"),
        ("one_time_code", "body", "{code.upper}", "{code.upper}"),
    ],
)
def test_an_unknown_placeholder_is_refused_naming_file_event_and_placeholder(
    tmp_path: Path, event: str, part: str, text: str, named: str
) -> None:
    other = "ok" if part == "body" else "Ok"
    path = _write(tmp_path, "CASA-BASE/wo.json", {event: {"subject": other, "body": other, part: text}})

    with pytest.raises(ValueError) as refused:
        templates.configure(tmp_path)

    message = str(refused.value)
    assert str(path) in message and f"event {event!r}, {part}: unknown placeholder {named}" in message
    assert templates.registry().find(event, "wo", "CASA-BASE") is None  # the previous registry stays


def test_a_brace_out_of_place_is_refused(tmp_path: Path) -> None:
    _write(tmp_path, "wo.json", {"appointment_booked": {"body": "Rendez-vous {starts_at"}})
    with pytest.raises(ValueError, match=r"wo\.json: event 'appointment_booked', body: .*'}'"):
        templates.configure(tmp_path)


def test_the_server_does_not_start_with_an_unknown_placeholder(tmp_path: Path, settings: Settings) -> None:
    _write(tmp_path, "CASA-BASE/wo.json", {"registration_receipt": {"body": "{family_name}"}})
    with pytest.raises(CannotStart, match=r"NOTIFY_TEMPLATES_DIR: .*unknown placeholder \{family_name\}"):
        create_app(settings.model_copy(update={"notify_templates_dir": tmp_path}))


def test_every_event_offers_what_its_built_in_templates_use(tmp_path: Path) -> None:
    for language, built_in in templates.BUILT_IN.items():
        _write(
            tmp_path,
            f"{language}-copy/xx.json",
            {e: {"subject": t.subject, "body": t.body} for e, t in built_in.items()},
        )
    templates.configure(tmp_path)


def test_status_reads_as_the_label_in_the_messages_language(tmp_path: Path) -> None:
    (tmp_path / "wo.json").write_text(
        json.dumps(
            {
                "events": {"case_status_changed": {"subject": "{status}", "body": "Sa demande: {status}"}},
                "status_labels": {"received": "nu jot na ko"},
            }
        ),
        encoding="utf-8",
    )
    registry = templates.TemplateRegistry(tmp_path)
    context = {"case_number": "CASA-2026-C-000001", "desk_name": "Casa", "status": "qualified"}

    assert registry.render("case_status_changed", "wo", context).body == "Sa demande: qualifiée"  # French label
    assert registry.render("case_status_changed", "wo", {**context, "status": "received"}).body == (
        "Sa demande: nu jot na ko"
    )
    assert registry.render("case_status_changed", "en", context).subject == "Request CASA-2026-C-000001: qualified"


DESK_NAMES = ("Guichet unique mobilité — Dakar", "Bureau d'accueil des Sénégalais de l'extérieur — Casablanca")
DESK_WORDS = {"guichet", "guichets", "bureau", "desk", "office"}
"""Words that name a desk: beside a desk's name, which already says what it is, they repeat it."""
FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "notifications"


def _words(text: str) -> list[str]:
    return [w.casefold() for w in re.findall(r"[^\W\d_]+", text)]


@pytest.mark.parametrize("language", ["fr", "en", "wo"])
@pytest.mark.parametrize("name", DESK_NAMES)
def test_a_desks_name_reads_alone_in_every_message(language: str, name: str) -> None:
    """A desk's name begins with what it is (« Guichet … », « Bureau … »): no template puts
    « guichet » or "desk" beside it (« transférée au guichet Guichet unique … »), in any language
    built in or of the desk-supplied example (``tests/fixtures/notifications``)."""
    registry = templates.TemplateRegistry(FIXTURES)
    context = {
        "code": "123456", "expires_minutes": 10, "given_names": "Awa", "registration_number": "CASA-2026-000042",
        "case_number": "CASA-2026-C-000001", "service_type": "Études", "status": "qualified",
        "documents": ["Passeport"], "starts_at": "2026-12-03T09:30:00+00:00", "target_case_number": "DKR-2026-C-000001",
        "desk_name": name, "to_desk_name": name,
    }  # fmt: skip
    name_words = _words(name)
    for event in sorted(templates.EVENTS):
        if registry.find(event, language) is None:
            continue
        rendered = registry.render(event, language, context)
        for part in (rendered.subject, rendered.body):
            words = _words(part)
            for i in range(len(words) - len(name_words) + 1):
                if words[i : i + len(name_words)] == name_words:
                    beside = words[max(i - 1, 0) : i] + words[i + len(name_words) : i + len(name_words) + 1]
                    assert not DESK_WORDS & set(beside), (event, language, part)
            assert all(a != b for a, b in pairwise(words)), (event, language, part)
