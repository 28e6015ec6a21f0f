"""The French, printable summary of a subject access archive (``resume.html``).

Plain HTML with a print style sheet, every value escaped (``html.escape``); it lists what
``data.json`` holds, section by section, in words a person at the counter reads.
"""

from __future__ import annotations

import datetime as dt
import html
import re
import uuid
from collections.abc import Iterable, Sequence
from typing import Any

from app.privacy import summary_words as w
from app.privacy.action_words import action

_STYLE = (
    "body{font-family:sans-serif;font-size:11pt;margin:2em}table{border-collapse:collapse;width:100%;"
    "margin-bottom:1em}th,td{border:1px solid #999;padding:3px 6px;text-align:left;vertical-align:top}"
    "h2{margin-top:1.5em}@media print{h2{page-break-after:avoid}}"
)
_IDENTITY = (
    ("registration_number", "Numéro d'enregistrement"),
    ("family_name", "Nom"),
    ("given_names", "Prénoms"),
    ("name_arabic", "Nom en caractères arabes"),
    ("sex", "Sexe"),
    ("date_of_birth", "Date de naissance"),
    ("place_of_birth", "Lieu de naissance"),
    ("nationality", "Nationalité"),
    ("origin_region_code", "Région d'origine"),
    ("origin_departement_code", "Département d'origine"),
    ("host_country", "Pays de résidence"),
    ("host_city", "Ville de résidence"),
    ("email", "Courriel"),
    ("languages", "Langues"),
    ("status_category", "Situation"),
    ("occupation", "Profession"),
    ("arrival_date", "Date d'arrivée"),
    ("residence_status", "Situation administrative de séjour"),
    ("notes", "Observations"),
    ("registered_on", "Enregistré(e) le"),
)


def _text(value: Any) -> str:
    if value is None:
        return "—"
    if isinstance(value, bool):
        return "oui" if value else "non"
    if isinstance(value, dt.datetime):
        return value.astimezone(dt.UTC).strftime("%d/%m/%Y %H:%M UTC")
    if isinstance(value, dt.date):
        return value.strftime("%d/%m/%Y")
    if isinstance(value, uuid.UUID):
        return str(value)
    if isinstance(value, list):
        return ", ".join(_text(v) for v in value) or "—"
    return str(value)


_PARTIAL_DAY = re.compile(r"(\d{4})(?:-(\d{2}))?(?:-(\d{2}))?")
_DAY_FIELDS = frozenset({"date_of_birth", "arrival_date", "expires_on", "issued_on"})
"""The fields whose values are days written as text (a date of birth may be partial: ``1992-03``)."""


def day(value: Any) -> Any:
    """A day written ``YYYY-MM-DD``, ``YYYY-MM`` or ``YYYY`` (a date of birth known in part) the way
    the summary writes every date: ``15/03/1992``, ``03/1992``, ``1992``; another value as it is."""
    found = _PARTIAL_DAY.fullmatch(value) if isinstance(value, str) else None
    if found is None:
        return value
    return "/".join(part for part in reversed(found.groups()) if part)


def _correction_value(field: str, value: Any) -> Any:
    """A value before or after a correction, its days written like the rest of the summary (a list
    of phones or documents: one item a line's worth, its values separated by commas)."""
    if field in _DAY_FIELDS:
        return day(value)
    if isinstance(value, list):
        return (
            "; ".join(
                ", ".join(_text(day(v) if k in _DAY_FIELDS else v) for k, v in item.items() if v not in (None, ""))
                if isinstance(item, dict)
                else _text(item)
                for item in value
            )
            or None
        )
    return value


def _identity(person: dict[str, Any], names: dict[str, str]) -> dict[str, Any]:
    """The person's record with every code in words (sex, countries, regions, languages, status)
    and its date of birth written like every other date."""
    return {
        **person,
        "date_of_birth": day(person.get("date_of_birth")),
        "sex": w.code(person.get("sex")),
        "nationality": w.country(person.get("nationality")),
        "host_country": w.country(person.get("host_country")),
        "origin_region_code": w.area(person.get("origin_region_code"), names),
        "origin_departement_code": w.area(person.get("origin_departement_code"), names),
        "languages": [w.language(x) for x in person.get("languages") or []],
        "status_category": w.code(person.get("status_category")),
    }


def _fields(codes: list[str] | None) -> list[str]:
    return [w.data_field(c) for c in codes or []]


def _table(headers: Sequence[str], rows: Iterable[Sequence[Any]], *, empty: str) -> str:
    """A table of ``rows``; none: the sentence ``empty``, which names what there is none of (« Aucune
    note. »: the word agrees with the thing, a bare « Aucun. » under « Notes » did not)."""
    head = "".join(f"<th>{html.escape(h)}</th>" for h in headers)
    body = "".join("<tr>" + "".join(f"<td>{html.escape(_text(v))}</td>" for v in row) + "</tr>" for row in rows)
    return (
        f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"
        if body
        else f"<p>{html.escape(empty)}</p>"
    )


def _preferences(chosen: dict[str, Any] | None) -> str:
    if chosen is None:
        return "<p>Aucune préférence enregistrée : le guichet choisit le canal et la langue.</p>"
    return _table(
        ("Canal", "Langue", "Depuis le"),
        [
            (
                w.word(w.MESSAGE_CHANNELS, chosen["channel"]) or "choisi par le guichet",
                w.language(chosen["language"]) or "choisie par le guichet",
                chosen["updated_at"],
            )
        ],
        empty="—",
    )


def render_summary(
    data: dict[str, Any], area_names: dict[str, str] | None = None, desk_names: dict[str, str] | None = None
) -> str:
    """``data`` (the archive's ``data.json`` content, not yet serialised) as an HTML page in French,
    every code in words (:mod:`app.privacy.summary_words`); ``area_names``: the names of the
    region and département codes (``{"SN-TH": "Thiès"}``); ``desk_names``: the names of the desks
    a transfer sent the file to, by id (a disclosure names the desk by its code)."""
    person = _identity(data["registrant"], area_names or {})
    parts = [
        "<!DOCTYPE html>",
        '<html lang="fr"><head><meta charset="utf-8">',
        f"<title>Vos données — {html.escape(_text(person['registration_number']))}</title>",
        f"<style>{_STYLE}</style></head><body>",
        "<h1>Données vous concernant</h1>",
        f"<p>Document établi le {html.escape(_text(data['generated_at']))} en réponse à votre demande "
        f"d'accès (référence {html.escape(_text(data['subject_request_id']))}). Le fichier "
        "<code>data.json</code> joint contient les mêmes informations sous une forme lisible par "
        "machine ; <code>manifest.json</code> donne l'empreinte SHA-256 de chaque fichier.</p>",
        "<h2>Identité</h2>",
        _table(("Champ", "Valeur"), ((label, person.get(key)) for key, label in _IDENTITY), empty="—"),
        "<h2>Téléphones</h2>",
        _table(
            ("Numéro", "WhatsApp", "Libellé"),
            ((p["e164"], p["whatsapp"], p["label"]) for p in data["phones"]),
            empty="Aucun téléphone.",
        ),
        "<h2>Pièces d'identité</h2>",
        _table(
            ("Type", "Numéro", "Pays", "Expire le"),
            (
                (w.document(d["doc_type"]), d["number"], w.country(d["issuing_country"]), d["expires_on"])
                for d in data["identity_documents"]
            ),
            empty="Aucune pièce d'identité.",
        ),
        "<h2>Consentements</h2>",
        _table(
            ("Finalité", "Donné", "Canal", "Notice", "Langue", "Partenaire", "Le", "Retiré le", "Expire le"),
            (
                (
                    w.purpose(c["purpose"]),
                    c["granted"],
                    w.word(w.CONSENT_CHANNELS, c["channel"]),
                    c["notice_version"],
                    w.language(c["language"]),
                    c["partner_name"],
                    c["recorded_at"],
                    c["withdrawn_at"],
                    c["expires_at"],
                )
                for c in data["consents"]
            ),
            empty="Aucun consentement.",
        ),
        "<h2>Dossiers</h2>",
    ]
    if not data["cases"]:
        parts.append("<p>Aucun dossier.</p>")
    for case in data["cases"]:
        parts += [
            f"<h3>Dossier {html.escape(_text(case['case_number']))}</h3>",
            _table(
                ("Ouvert le", "Statut", "Canal", "Priorité", "Résultat", "Description"),
                [
                    (
                        case["opened_on"],
                        w.code(case["status"]),
                        w.code(case["channel"]),
                        w.code(case["priority"]),
                        w.code(case["outcome_category"]),
                        case["description"],
                    )
                ],
                empty="—",
            ),
            "<h4>Notes</h4>",
            _table(
                ("Le", "Par", "Texte"),
                ((n["created_at"], n["author_label"], n["text"]) for n in case["notes"]),
                empty="Aucune note.",
            ),
            "<h4>Orientations vers des partenaires</h4>",
            _table(
                ("Partenaire", "Le", "Statut", "Réponse le", "Résultat"),
                (
                    (
                        r["partner_name"],
                        r["referred_on"],
                        w.word(w.REFERRAL_STATUSES, r["status"]),
                        r["answered_on"],
                        r["outcome"],
                    )
                    for r in case["referrals"]
                ),
                empty="Aucune orientation.",
            ),
        ]
    parts += [
        "<h2>Transferts entre guichets</h2>",
        _table(
            ("Le", "Base légale", "Champs transmis"),
            (
                (t["transferred_at"], w.word(w.LEGAL_BASES, t["legal_basis"]), _fields(t["fields_sent"]))
                for t in data["transfers"]
            ),
            empty="Aucun transfert.",
        ),
        "<h2>Vos dossiers dans d'autres guichets</h2>",
        _table(
            ("Guichet", "Numéro", "Lien", "Anonymisé le"),
            (
                (f["desk_name"], f["registration_number"], w.word(w.LINKS, f["link"]), f["anonymised_at"])
                for f in data.get("linked_files", [])
            ),
            empty="Aucun dossier dans un autre guichet.",
        ),
        "<h2>Vos comptes en ligne</h2>",
        _table(
            ("Connexion par", "Adresse ou numéro", "Langue", "Créé le", "Dernière connexion", "Relié au dossier le"),
            (
                (
                    w.word(w.ACCOUNT_KINDS, a["kind"]),
                    a["identifier"],
                    w.language(a["language"]),
                    a["created_at"],
                    a["last_sign_in_at"],
                    a["linked_at"],
                )
                for a in data.get("self_service_accounts", [])
            ),
            empty="Aucun compte en ligne.",
        ),
        "<h3>Codes de connexion envoyés</h3>",
        _table(
            ("Le", "Par", "À", "État"),
            (
                (
                    m["created_at"],
                    w.word(w.MESSAGE_CHANNELS, m["channel"]),
                    m["recipient"],
                    w.word(w.MESSAGE_STATUSES, m["status"]),
                )
                for m in data.get("sign_in_code_messages", [])
            ),
            empty="Aucun code de connexion envoyé.",
        ),
        "<h2>Vos préférences de messages</h2>",
        _preferences(data.get("notification_preferences")),
        "<h2>Rendez-vous</h2>",
        _table(
            ("Début", "Fin", "Statut"),
            ((a["starts_at"], a["ends_at"], w.word(w.APPOINTMENT_STATUSES, a["status"])) for a in data["appointments"]),
            empty="Aucun rendez-vous.",
        ),
        "<h2>Documents</h2>",
        _table(
            ("Nom du fichier", "Type", "Taille (octets)", "Déposé le", "Fichier dans l'archive"),
            (
                (
                    d["original_filename"],
                    f"{w.document(d['kind'])} ({w.media(d['media_type'])})",
                    d["size_bytes"],
                    d["created_at"],
                    d.get("archive_path"),
                )
                for d in data["documents"]
            ),
            empty="Aucun document.",
        ),
        "<h2>Communications à des tiers</h2>",
        _table(
            ("Le", "Destinataire", "Finalité", "Base légale", "Données transmises"),
            (
                (
                    d["disclosed_at"],
                    w.recipient(d, desk_names or {}),
                    w.purpose(d["purpose"]),
                    w.word(w.LEGAL_BASES, d["legal_basis"]),
                    _fields(d["fields"]),
                )
                for d in data["disclosures"]
            ),
            empty="Aucune communication à des tiers.",
        ),
        "<h2>Rectifications de votre dossier</h2>",
        _table(
            ("Le", "Champ", "Avant", "Après", "Motif", "Par"),
            (
                (
                    c["corrected_at"],
                    _fields([c["field"]]),
                    _correction_value(c["field"], c["old_value"]),
                    _correction_value(c["field"], c["new_value"]),
                    c["reason"],
                    c["corrected_by_label"],
                )
                for c in data.get("corrections", [])
            ),
            empty="Aucune rectification.",
        ),
        "<h2>Qui a consulté ou modifié votre dossier</h2>",
        _table(
            ("Le", "Action", "Par", "Rôle"),
            (
                (e["occurred_at"], action(e["action"]), w.actor(e["actor"]), w.word(w.ROLES, e["actor_role"]))
                for e in data["audit_trail"]
            ),
            empty="Aucune consultation ni modification enregistrée.",
        ),
        "</body></html>",
    ]
    return "\n".join(parts)
