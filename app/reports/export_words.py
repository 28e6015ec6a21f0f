"""Exports in words (``labels=fr|en``): the header row and the coded values as people read them.

The ministry's and funders' readers open an export in a spreadsheet program: ``female``,
``walk_in`` or ``LEGAL_AID`` are codes for machines. A labelled export writes, in French or
English, each column's name and every coded value in words, from the words the product already
has: the report words of :mod:`app.reports.chart_words` (sex, a person's situation, a case's
status, channel, priority and outcome), the subject access summary's of
:mod:`app.privacy.summary_words` (referral and appointment statuses, roles), the document labels
of :mod:`app.cases.catalogue_data`, Babel's CLDR names of countries and languages, and from the
database the service types' ``label_fr``/``label_en``, the desks' names and the reference areas'
names. A code no table knows is written as it is. The two cells a builder writes as sentences
(a registrant's ``other_documents`` and an unverified phone) it writes in the language itself
(:attr:`~app.reports.export_base.ExportContext.labels`).

What stays as it is, because a spreadsheet reads it best so: pseudonymous ids, numbers, dates
(ISO 8601 ``2026-02-10`` in CSV, which every spreadsheet reads as a date whatever its locale,
where ``10/02/2026`` is a day or a month by the reader's settings; real date cells in XLSX),
timestamps (UTC), free text, and the audit log's ``action`` and ``entity_type`` (the names an
auditor searches the log by). The rows themselves are the codes' rows, converted batch by batch
as they stream: the same rows, counts, consent gate and formula protection.
"""

from __future__ import annotations

import re
from collections.abc import AsyncIterator, Callable, Mapping
from dataclasses import dataclass, replace
from typing import Any, Final, Literal

from babel import Locale
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncSession

from app.cases.catalogue_data import document_label
from app.cases.models import ServiceType
from app.desks.models import Desk
from app.privacy import summary_words
from app.reference.models import AdminArea
from app.reports import chart_words
from app.reports.export_base import NO_NAMED_CONSENT, ExportSpec
from app.reports.streaming import Batch, closing
from app.reports.writers import Column

LabelLanguage = Literal["fr", "en"]
"""The languages an export can be written in words: ``labels=fr`` or ``labels=en``."""

HEADERS: Final[dict[str, tuple[str, str]]] = {
    # people
    "person_id": ("Identifiant de la personne", "Person id"),
    "desk": ("Guichet", "Desk"),
    "registered_on": ("Inscrit(e) le", "Registered on"),
    "sex": ("Sexe", "Sex"),
    "age_band_at_registration": ("Tranche d'âge à l'inscription", "Age band at registration"),
    "nationality": ("Nationalité", "Nationality"),
    "origin_region": ("Région d'origine", "Region of origin"),
    "origin_departement": ("Département d'origine", "Département of origin"),
    "host_country": ("Pays de résidence", "Country of residence"),
    "host_city": ("Ville de résidence", "City of residence"),
    "host_region": ("Région de résidence", "Region of residence"),
    "status_category": ("Situation", "Situation"),
    "languages": ("Langues", "Languages"),
    "arrival_year": ("Année d'arrivée", "Year of arrival"),
    "source": ("Origine de l'inscription", "Registered through"),
    "registration_number": ("N° d'inscription", "Registration number"),
    "family_name": ("Nom de famille", "Family name"),
    "given_names": ("Prénoms", "Given names"),
    "name_arabic": ("Nom en arabe", "Name in Arabic"),
    "date_of_birth": ("Date de naissance", "Date of birth"),
    "place_of_birth": ("Lieu de naissance", "Place of birth"),
    "email": ("Courriel", "E-mail"),
    "other_phones": ("Autres téléphones", "Other phones"),
    "other_documents": ("Autres pièces", "Other documents"),
    "occupation": ("Profession", "Occupation"),
    "not_named_because": ("Non nommé(e) parce que", "Not named because"),
    # cases, referrals, appointments
    "case_id": ("Identifiant du dossier", "Case id"),
    "service_type": ("Service", "Service type"),
    "channel": ("Canal", "Channel"),
    "priority": ("Priorité", "Priority"),
    "status": ("Statut", "Status"),
    "outcome_category": ("Résultat", "Outcome"),
    "opened_on": ("Ouvert le", "Opened on"),
    "due_date": ("Échéance", "Due date"),
    "closed_on": ("Clos le", "Closed on"),
    "days_to_close": ("Jours jusqu'à la clôture", "Days to close"),
    "age_band_at_opening": ("Tranche d'âge à l'ouverture", "Age band at opening"),
    "transferred_from": ("Transféré depuis le dossier", "Transferred from case"),
    "case_number": ("N° de dossier", "Case number"),
    "referral_id": ("Identifiant de l'orientation", "Referral id"),
    "partner": ("Partenaire", "Partner"),
    "referred_on": ("Orienté le", "Referred on"),
    "expected_answer_on": ("Réponse attendue le", "Answer expected on"),
    "answered_on": ("Réponse reçue le", "Answered on"),
    "answered_on_time": ("Réponse dans le délai", "Answered on time"),
    "partner_reference": ("Référence du partenaire", "Partner's reference"),
    "appointment_id": ("Identifiant du rendez-vous", "Appointment id"),
    "local_date": ("Date (heure du guichet)", "Date (desk's time)"),
    "local_time": ("Heure (heure du guichet)", "Time (desk's time)"),
    "starts_at_utc": ("Début (UTC)", "Starts at (UTC)"),
    "duration_minutes": ("Durée (minutes)", "Duration (minutes)"),
    "agent": ("Agent", "Agent"),
    # audit log
    "seq": ("N° dans la chaîne", "Sequence number"),
    "occurred_at": ("Date et heure (UTC)", "Occurred at (UTC)"),
    "actor": ("Auteur", "Actor"),
    "actor_role": ("Rôle de l'auteur", "Actor's role"),
    "action": ("Action", "Action"),
    "entity_type": ("Type d'objet", "Entity type"),
    "entity_id": ("Identifiant de l'objet", "Entity id"),
    "request_id": ("Identifiant de la requête", "Request id"),
    "ip": ("Adresse IP", "IP address"),
    "user_agent": ("Logiciel client", "User agent"),
    "prev_hash": ("Empreinte précédente", "Previous hash"),
    "hash": ("Empreinte", "Hash"),
    "details": ("Détails", "Details"),
}
"""Each export column's name in French and English (:func:`header`)."""

_NUMBERED: Final = {
    re.compile(r"phone_(\d+)"): ("Téléphone {n}", "Phone {n}"),
    re.compile(r"document_(\d+)_type"): ("Type de la pièce {n}", "Document {n}: type"),
    re.compile(r"document_(\d+)_number"): ("Numéro de la pièce {n}", "Document {n}: number"),
    re.compile(r"document_(\d+)_expires_on"): ("Pièce {n} valable jusqu'au", "Document {n}: expires on"),
}

SHEETS: Final[dict[str, tuple[str, str]]] = {
    "registrants": ("Personnes inscrites", "Registrants"),
    "cases": ("Dossiers", "Cases"),
    "referrals": ("Orientations", "Referrals"),
    "appointments": ("Rendez-vous", "Appointments"),
    "audit": ("Journal d'audit", "Audit log"),
}
"""The XLSX sheet's name of each export in words."""

SOURCES: Final[dict[str, tuple[str, str]]] = {
    "counter": ("Au guichet", "At the counter"),
    "api": ("Application (API)", "App (API)"),
    "import": ("Import de registre", "Register import"),
    "transfer": ("Transfert d'un autre guichet", "Transfer from another desk"),
}
"""A registrant's ``source`` (:mod:`app.registrants.service`) in words."""

ENGLISH: Final = {
    # the English words of codes whose French ones are app.privacy.summary_words'
    # referral statuses, whose French words are summary_words.REFERRAL_STATUSES'
    "sent": "Sent",
    "acknowledged": "Acknowledged by the partner",
    "accepted": "Accepted",
    "declined": "Declined",
    "answered": "Answered",
    "no_answer": "No answer",
    "closed_with_case": "Closed with the case",
    # appointment statuses (summary_words.APPOINTMENT_STATUSES)
    "booked": "Booked",
    "kept": "Kept",
    "missed": "Missed",
    "cancelled": "Cancelled",
    # roles (summary_words.ROLES)
    "agent": "agent",
    "supervisor": "supervisor",
    "admin": "administrator",
    "auditor": "auditor",
}
WIDTHS: Final = {"desk": 32, "service_type": 36, "status": 20, "source": 20, "not_named_because": 36}
"""XLSX column widths (characters) for the columns whose words are longer than their codes."""
YES_NO: Final = {"fr": ("Oui", "Non"), "en": ("Yes", "No")}
NOT_NAMED: Final = {
    "fr": "pas de consentement à l'export nominatif",
    "en": "no consent to a named export",
}
""":data:`~app.reports.export_base.NO_NAMED_CONSENT` in words."""


def _pick(pair: tuple[str, str], lang: str) -> str:
    return pair[0] if lang == "fr" else pair[1]


def header(name: str, lang: str) -> str:
    """Column ``name`` in ``lang`` (``registered_on`` → ``Inscrit(e) le``); an unknown one as it is."""
    if name in HEADERS:
        return _pick(HEADERS[name], lang)
    for pattern, words in _NUMBERED.items():
        if found := pattern.fullmatch(name):
            return _pick(words, lang).format(n=found.group(1))
    return name


def sheet_name(kind: str, lang: str) -> str:
    """The XLSX sheet's name of export ``kind`` in ``lang``; an unknown kind as it is."""
    return _pick(SHEETS[kind], lang) if kind in SHEETS else kind


def _from(table: Mapping[str, str]) -> Callable[[Any], Any]:
    return lambda value: table.get(value, value)


@dataclass(frozen=True)
class ExportWords:
    """The words of one language and what the database names: desks and service types by code,
    reference areas (regions, départements) by code."""

    lang: LabelLanguage
    desks: Mapping[str, str]
    service_types: Mapping[str, str]
    areas: Mapping[str, str]

    def converters(self, kind: str) -> dict[str, Callable[[Any], Any]]:
        """Column name → the function writing a (not None) value of that column of export
        ``kind`` in words; the columns without one are written as they are."""
        lang = self.lang
        locale = Locale(lang)
        codes = {code: _pick(pair, lang) for code, pair in chart_words.CODES.items()}
        yes, no = YES_NO[lang]

        def country(value: Any) -> Any:
            return locale.territories.get(str(value).upper(), value)

        def languages(value: Any) -> Any:
            return ", ".join(locale.languages.get(code, code) for code in str(value).split(",") if code)

        def document(value: Any) -> Any:
            return document_label(str(value), lang)

        if kind == "referrals":
            statuses = summary_words.REFERRAL_STATUSES if lang == "fr" else ENGLISH
        elif kind == "appointments":
            statuses = summary_words.APPOINTMENT_STATUSES if lang == "fr" else ENGLISH
        else:
            statuses = codes
        roles = summary_words.ROLES if lang == "fr" else ENGLISH
        words: dict[str, Callable[[Any], Any]] = {
            "desk": _from(self.desks),
            "sex": _from(codes),
            "age_band_at_registration": _from(codes),
            "age_band_at_opening": _from(codes),
            "status_category": _from(codes),
            "channel": _from(codes),
            "priority": _from(codes),
            "outcome_category": _from(codes),
            "status": _from(statuses),
            "nationality": country,
            "host_country": country,
            "origin_region": _from(self.areas),
            "origin_departement": _from(self.areas),
            "host_region": _from(self.areas),
            "languages": languages,
            "source": _from({code: _pick(pair, lang) for code, pair in SOURCES.items()}),
            "service_type": _from(self.service_types),
            "answered_on_time": lambda value: yes if value else no,
            "actor_role": _from(roles),
            "not_named_because": _from({NO_NAMED_CONSENT: NOT_NAMED[lang]}),
        }
        for i in range(1, 10):
            words[f"document_{i}_type"] = document
        return words


async def export_words(session: AsyncSession, lang: LabelLanguage) -> ExportWords:
    """The words of ``lang`` with the desks', service types' and reference areas' names read now
    (a few hundred short rows at most)."""
    label = ServiceType.label_fr if lang == "fr" else ServiceType.label_en
    desks = {code: name for code, name in await session.execute(select(Desk.code, Desk.name))}
    services = {code: name for code, name in await session.execute(select(ServiceType.code, label))}
    areas = {code: name for code, name in await session.execute(select(AdminArea.code, AdminArea.name))}
    return ExportWords(lang=lang, desks=desks, service_types=services, areas=areas)


def labelled(spec: ExportSpec, words: ExportWords) -> ExportSpec:
    """``spec`` written in ``words``: its columns named in the language, the coded values of its
    rows in words as each batch streams by (the same rows, in the same order; memory stays flat)."""
    converters = words.converters(spec.kind)
    plan = [(i, converters[c.name]) for i, c in enumerate(spec.columns) if c.name in converters]
    source = spec.source

    def in_words(row: Any) -> tuple[Any, ...]:
        cells = list(row)
        for i, convert in plan:
            if (value := cells[i]) is not None:
                cells[i] = convert(value)
        return tuple(cells)  # as the builders' rows: a tuple the cycle collector soon stops tracking

    async def worded(conn: AsyncConnection) -> AsyncIterator[Batch]:
        async with closing(source(conn)) as batches:
            async for batch in batches:
                converted = [in_words(row) for row in batch]
                del batch
                yield converted
                del converted

    columns = []
    for c in spec.columns:
        name = header(c.name, words.lang)
        width = max(c.width, WIDTHS.get(c.name, 0), min(len(name) + 2, 40))  # the words fit
        columns.append(Column(name, c.kind, width))
    return replace(spec, columns=columns, source=worded, sheet_name=sheet_name(spec.kind, words.lang))
