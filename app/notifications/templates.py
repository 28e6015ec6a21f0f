"""The message templates, keyed by event and language, and their rendering.

French and English are built in (:data:`BUILT_IN`). A desk supplies other languages — Wolof first —
as JSON files in ``NOTIFY_TEMPLATES_DIR``: ``<language>.json`` for every desk, or
``<DESK-CODE>/<language>.json`` for one desk (it wins), each ``{"events": {event: {"subject": …,
"body": …}}, "status_labels": {status: label}}``. A language is used only for the events it
covers; any other event falls back to the next language the person speaks, then to French.

Bodies are :meth:`str.format` strings over the event's context. A desk's name says what it is
(« Guichet unique mobilité — Dakar », « Bureau d'accueil … — Casablanca »): templates write it
alone, never after « guichet » or before "desk", and where French would need an article before
it (« au … »), as the subject of the sentence or after a colon instead. Context values that are ISO 8601
datetimes with an offset (keys ending in ``_at``) are shown in the desk's IANA time zone, in the
message's language, by Babel (``babel.dates.format_datetime``, CLDR patterns) — an appointment at
10:00 in Casablanca reads 10:00 whatever the server's zone. ``{status}`` and ``{status_label}``
both read as the status's label in the message's language. A value given per language
(``service_type_fr``, ``service_type_en``, ``documents_fr``…) fills ``{service_type}`` in the
message's language, French otherwise. Each event offers the placeholders of :data:`PLACEHOLDERS`.
"""

from __future__ import annotations

import datetime as dt
import json
import string
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Final
from zoneinfo import ZoneInfo

from babel import Locale, UnknownLocaleError
from babel.dates import format_datetime

DEFAULT_LANGUAGE: Final = "fr"


@dataclass(frozen=True)
class Template:
    """One event's message in one language: ``subject`` (e-mail only) and ``body``."""

    subject: str
    body: str


@dataclass(frozen=True)
class Rendered:
    """A rendered message: its language, subject (e-mail) and text."""

    language: str
    subject: str
    body: str


_FR: dict[str, Template] = {
    "one_time_code": Template(
        "Votre code de connexion",
        "Votre code Diaspora Desk est {code}. Il expire dans {expires_minutes} minutes. Ne le communiquez à personne.",
    ),
    "registration_receipt": Template(
        "Votre inscription : {desk_name}",
        "Bonjour {given_names}, {desk_name} vous a inscrit(e) sous le numéro {registration_number}.",
    ),
    "case_received": Template(
        "Demande {case_number} reçue",
        "{desk_name} a bien reçu votre demande {case_number} ({service_type}).",
    ),
    "case_status_changed": Template(
        "Demande {case_number} : {status_label}",
        "Votre demande {case_number} est maintenant : {status_label}.",
    ),
    "case_transferred": Template(
        "Demande {case_number} transférée : {to_desk_name}",
        "Votre demande {case_number} a été transférée : {to_desk_name} la suit désormais "
        "sous le numéro {target_case_number}.",
    ),
    "documents_missing": Template(
        "Demande {case_number} : documents manquants",
        "Pour traiter votre demande {case_number}, {desk_name} attend : {documents}.",
    ),
    "appointment_booked": Template(
        "Rendez-vous le {starts_at}",
        "{desk_name} : votre rendez-vous est fixé au {starts_at} (heure locale du guichet).",
    ),
    "appointment_changed": Template(
        "Rendez-vous déplacé au {starts_at}",
        "{desk_name} : votre rendez-vous est déplacé au {starts_at} (heure locale du guichet).",
    ),
    "appointment_cancelled": Template(
        "Rendez-vous du {starts_at} annulé",
        "{desk_name} : votre rendez-vous du {starts_at} est annulé.",
    ),
    "appointment_cancelled_transfer": Template(
        "Rendez-vous du {starts_at} annulé",
        "{desk_name} : votre rendez-vous du {starts_at} est annulé, votre demande {case_number} ayant été "
        "transférée : {to_desk_name} la suit désormais sous le numéro {target_case_number} et vous recontactera.",
    ),
    "appointment_reminder": Template(
        "Rappel : rendez-vous demain, {starts_at}",
        "{desk_name} : rappel, vous avez rendez-vous le {starts_at} (heure locale du guichet).",
    ),
}
_EN: dict[str, Template] = {
    "one_time_code": Template(
        "Your sign-in code",
        "Your Diaspora Desk code is {code}. It expires in {expires_minutes} minutes. Do not share it with anyone.",
    ),
    "registration_receipt": Template(
        "Your registration: {desk_name}",
        "Hello {given_names}, {desk_name} registered you under number {registration_number}.",
    ),
    "case_received": Template(
        "Request {case_number} received",
        "{desk_name} received your request {case_number} ({service_type}).",
    ),
    "case_status_changed": Template(
        "Request {case_number}: {status_label}",
        "Your request {case_number} is now: {status_label}.",
    ),
    "case_transferred": Template(
        "Request {case_number} transferred: {to_desk_name}",
        "Your request {case_number} was transferred: {to_desk_name} now follows it under number {target_case_number}.",
    ),
    "documents_missing": Template(
        "Request {case_number}: documents missing",
        "To handle your request {case_number}, {desk_name} needs: {documents}.",
    ),
    "appointment_booked": Template(
        "Appointment on {starts_at}",
        "{desk_name}: your appointment is on {starts_at} (the desk's local time).",
    ),
    "appointment_changed": Template(
        "Appointment moved to {starts_at}",
        "{desk_name}: your appointment is moved to {starts_at} (the desk's local time).",
    ),
    "appointment_cancelled": Template(
        "Appointment of {starts_at} cancelled",
        "{desk_name}: your appointment on {starts_at} is cancelled.",
    ),
    "appointment_cancelled_transfer": Template(
        "Appointment of {starts_at} cancelled",
        "{desk_name}: your appointment on {starts_at} is cancelled, as your request {case_number} was "
        "transferred: {to_desk_name} now follows it under number {target_case_number} and will contact you.",
    ),
    "appointment_reminder": Template(
        "Reminder: appointment tomorrow, {starts_at}",
        "{desk_name}: reminder, you have an appointment on {starts_at} (the desk's local time).",
    ),
}
BUILT_IN: Final[dict[str, dict[str, Template]]] = {"fr": _FR, "en": _EN}
EVENTS: Final = frozenset(_FR)
"""Every event a notification may announce."""

_APPOINTMENT: Final = frozenset({"starts_at", "desk_name"})
_CASE: Final = frozenset({"case_number", "service_type", "desk_name"})
PLACEHOLDERS: Final[dict[str, frozenset[str]]] = {
    "one_time_code": frozenset({"code", "expires_minutes"}),
    "registration_receipt": frozenset({"given_names", "registration_number", "desk_name"}),
    "case_received": _CASE,
    "case_status_changed": _CASE | {"status", "status_label"},
    "case_transferred": _CASE | {"to_desk_name", "target_case_number"},
    "documents_missing": _CASE | {"documents"},
    "appointment_booked": _APPOINTMENT,
    "appointment_changed": _APPOINTMENT,
    "appointment_cancelled": _APPOINTMENT,
    "appointment_cancelled_transfer": _APPOINTMENT | {"case_number", "to_desk_name", "target_case_number"},
    "appointment_reminder": _APPOINTMENT,
}
"""The placeholders each event offers its templates (``docs/notifications.md`` lists them); a
template naming another is refused when it is loaded."""
assert set(PLACEHOLDERS) == EVENTS

NEUTRAL_SERVICE_TYPE: Final = {"fr": "Accompagnement individuel", "en": "Individual support"}
"""What a message says of a sensitive service type (:attr:`app.cases.models.ServiceType.sensitive`)."""


def check_placeholders(event: str, part: str, text: str) -> None:
    """Raise ``ValueError`` naming ``event``, ``part`` (``subject``, ``body``) and the placeholder
    when ``text`` is not a :meth:`str.format` template over :data:`PLACEHOLDERS` of ``event``
    (an unknown name, a positional ``{}``, an attribute or index, an unmatched brace)."""
    offered = PLACEHOLDERS[event]
    try:
        fields = [field for _, field, _, _ in string.Formatter().parse(text) if field is not None]
    except ValueError as exc:
        raise ValueError(f"event {event!r}, {part}: {exc}") from exc
    for field in fields:
        if field not in offered:
            raise ValueError(
                f"event {event!r}, {part}: unknown placeholder {{{field}}}; "
                f"this event offers {', '.join('{' + p + '}' for p in sorted(offered))}"
            )


def carried(
    event: str,
    context: Mapping[str, Any],
    *,
    language: str,
    channel: str,
    desk_code: str = "",
    registry: TemplateRegistry | None = None,
) -> list[str]:
    """The categories of data a message of ``event`` with ``context`` carries, for the register
    of disclosures: the placeholders of the template it is written with — the one
    :meth:`TemplateRegistry.render` uses (the desk's own in ``language`` first, French when that
    language has none) —, its body, and its subject on the ``email`` channel only (an SMS or a
    WhatsApp message has no subject). ``status_label`` is ``status``; ``service_type`` is
    ``service_type_neutral`` when the message names a sensitive type by the neutral label.
    Sorted names, each once; ``[]`` for an event without a template.
    """
    try:
        _, template = (registry or _active).template(event, language, desk_code)
    except LookupError:
        return []
    texts = [template.body, *([template.subject] if channel == "email" else [])]
    found = {field for text in texts for _, field, _, _ in string.Formatter().parse(text) if field is not None}
    found = {"status" if field == "status_label" else field for field in found}
    if "service_type" in found and context.get("service_type_neutral"):
        found = (found - {"service_type"}) | {"service_type_neutral"}
    return sorted(found)


STATUS_LABELS: Final[dict[str, dict[str, str]]] = {
    "fr": {
        "received": "reçue",
        "qualified": "qualifiée",
        "oriented": "orientée",
        "referred": "transmise à un partenaire",
        "in_follow_up": "en suivi",
        "pending_closure": "en cours de clôture",
        "resolved": "résolue",
        "closed_no_response": "close (sans réponse de votre part)",
        "closed_withdrawn": "close (retirée)",
        "transferred": "transférée à un autre guichet",
    },
    "en": {
        "received": "received",
        "qualified": "qualified",
        "oriented": "oriented",
        "referred": "referred to a partner",
        "in_follow_up": "in follow-up",
        "pending_closure": "being closed",
        "resolved": "resolved",
        "closed_no_response": "closed (no response from you)",
        "closed_withdrawn": "closed (withdrawn)",
        "transferred": "transferred to another desk",
    },
}


class TemplateRegistry:
    """Built-in templates plus the desk-supplied translations found under ``directory``.

    Raises ``ValueError`` at construction for an unreadable or malformed translation file (bad JSON, an unknown
    event, a template missing ``body``, a placeholder the event does not offer —
    :data:`PLACEHOLDERS` — or a brace out of place), naming the file, the event and the
    placeholder, so a typo is found at start-up, not at sending time.
    """

    def __init__(self, directory: Path | None = None) -> None:
        self._templates: dict[tuple[str, str], dict[str, Template]] = {("", k): v for k, v in BUILT_IN.items()}
        self._labels: dict[tuple[str, str], dict[str, str]] = {("", k): v for k, v in STATUS_LABELS.items()}
        for language, built_in in BUILT_IN.items():
            for event, template in built_in.items():
                for part, text in (("subject", template.subject), ("body", template.body)):
                    try:
                        check_placeholders(event, part, text)
                    except ValueError as exc:  # a built-in template is code: a test sees it first
                        raise ValueError(f"built-in {language} templates: {exc}") from exc
        if directory is not None and directory.is_dir():
            for path in sorted(directory.glob("*.json")):
                self._load(path, "")
            for path in sorted(directory.glob("*/*.json")):
                self._load(path, path.parent.name)

    def _load(self, path: Path, desk_code: str) -> None:
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
            events = data.get("events", {})
            found = {}
            for event, parts in events.items():
                if event not in EVENTS:
                    raise ValueError(f"unknown event {event!r}")
                template = Template(str(parts.get("subject", "")), str(parts["body"]))
                check_placeholders(event, "subject", template.subject)
                check_placeholders(event, "body", template.body)
                found[event] = template
        except OSError as exc:  # unreadable (permissions), or a directory named *.json
            raise ValueError(f"notification templates {path}: cannot be read: {exc.strerror or exc}") from exc
        except (ValueError, KeyError, AttributeError, TypeError) as exc:
            raise ValueError(f"notification templates {path}: {exc}") from exc
        language = path.stem
        self._templates.setdefault((desk_code, language), {}).update(found)
        labels = data.get("status_labels", {})
        if isinstance(labels, dict):
            self._labels.setdefault((desk_code, language), {}).update({str(k): str(v) for k, v in labels.items()})

    def find(self, event: str, language: str, desk_code: str = "") -> Template | None:
        """The template of ``event`` in ``language`` (the desk's own first), or ``None``."""
        for key in ((desk_code, language), ("", language)):
            template = self._templates.get(key, {}).get(event)
            if template is not None:
                return template
        return None

    def template(self, event: str, language: str, desk_code: str = "") -> tuple[str, Template]:
        """The language and template a message of ``event`` in ``language`` is written with: the
        desk's own, else the shared one, else French. Raises ``LookupError`` for an unknown event."""
        template = self.find(event, language, desk_code)
        if template is None:
            language = DEFAULT_LANGUAGE
            template = self.find(event, language, desk_code)
        if template is None:
            raise LookupError(f"no template for event {event!r}")
        return language, template

    def choose_language(self, event: str, languages: list[str], desk_code: str = "") -> str:
        """The first of ``languages`` (the person's, in order) with a template for ``event``,
        else French."""
        for language in languages:
            if self.find(event, language, desk_code) is not None:
                return language
        return DEFAULT_LANGUAGE

    def render(
        self, event: str, language: str, context: Mapping[str, Any], *, time_zone: str = "UTC", desk_code: str = ""
    ) -> Rendered:
        """``event``'s message in ``language`` (French when that language has none), filled from
        ``context`` with datetimes shown in ``time_zone`` (IANA name).

        Raises ``KeyError`` when the template needs a value ``context`` lacks, ``LookupError`` for
        an unknown event.
        """
        language, template = self.template(event, language, desk_code)
        values = self._values(context, language, time_zone, desk_code)
        return Rendered(language, template.subject.format_map(values), template.body.format_map(values))

    def _values(self, context: Mapping[str, Any], language: str, time_zone: str, desk_code: str) -> dict[str, Any]:
        locale = _locale(language)
        zone = ZoneInfo(time_zone)
        values: dict[str, Any] = {}
        for key, value in context.items():
            shown = value
            if key.endswith("_at") and isinstance(value, str):
                when = dt.datetime.fromisoformat(value)
                shown = format_datetime(when.astimezone(zone), "EEEE d MMMM y HH:mm", tzinfo=zone, locale=locale)
            elif isinstance(value, list):
                shown = ", ".join(str(v) for v in value)
            values[key] = shown
            base, _, suffix = key.rpartition("_")
            if suffix == language or (suffix == DEFAULT_LANGUAGE and base not in values):
                values[base] = shown  # a value given per language: service_type_fr, documents_en…
        if "status" in context:
            status = str(context["status"])
            labels = {**STATUS_LABELS["fr"]}
            for scope in (("", language), (desk_code, language)):
                labels.update(self._labels.get(scope, {}))
            # {status} reads as the label too: the person never sees a code such as "qualified".
            values["status"] = values["status_label"] = labels.get(status, status)
        return values


def _locale(language: str) -> Locale:
    try:
        return Locale.parse(language)
    except (UnknownLocaleError, ValueError):
        return Locale.parse(DEFAULT_LANGUAGE)


_active = TemplateRegistry()


def registry() -> TemplateRegistry:
    """The registry in use (built-in templates, plus ``NOTIFY_TEMPLATES_DIR`` once configured)."""
    return _active


def configure(directory: Path | None) -> TemplateRegistry:
    """Load the desk-supplied translations of ``directory`` (at start-up: app, worker, CLI).

    Raises ``ValueError`` for a malformed file.
    """
    global _active
    _active = TemplateRegistry(directory)
    return _active
