"""The French words of the codes a subject access summary shows (``resume.html``).

The person reads the summary at the counter: no code is shown as it is stored. The project's own
tables first (the report words of :mod:`app.reports.chart_words`, the consent purposes of
:mod:`app.privacy.purposes`, the document labels of :mod:`app.cases.catalogue_data`), Babel's CLDR
names for languages and countries, the reference areas' names for regions (passed in by the
caller), and the tables below for the codes no other table names.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, Final

from babel import Locale

from app.cases.catalogue_data import document_label
from app.privacy.purposes import PURPOSES
from app.reports.chart_words import CODES

_FR: Final = Locale("fr")

CONSENT_CHANNELS: Final = {
    "in_person": "en personne",
    "paper_form": "formulaire papier",
    "phone": "par téléphone",
    "email": "par courriel",
    "whatsapp": "par WhatsApp",
    "online": "en ligne",
}
REFERRAL_STATUSES: Final = {
    "sent": "Envoyée",
    "acknowledged": "Reçue par le partenaire",
    "accepted": "Acceptée",
    "declined": "Refusée",
    "answered": "Réponse reçue",
    "no_answer": "Sans réponse",
    "closed_with_case": "Close avec le dossier",
}
APPOINTMENT_STATUSES: Final = {"booked": "Prévu", "kept": "Honoré", "missed": "Manqué", "cancelled": "Annulé"}
LEGAL_BASES: Final = {
    "consent": "votre consentement",
    "vital_interest": "intérêt vital",
    "legal_obligation": "obligation légale",
}
ROLES: Final = {
    "agent": "agent",
    "supervisor": "superviseur",
    "admin": "administrateur",
    "auditor": "auditeur",
    "person": "vous-même (compte en ligne)",
    "system": "traitement automatique",
    "anonymous": "personne non connectée",
}
ACTORS: Final = {"system": "le guichet (traitement automatique)", "self-service": "vous (compte en ligne)"}
"""The labels of the actors that are not a member of the staff (their e-mail address otherwise)."""
DATA_FIELDS: Final = {
    "given_names": "prénom(s)",
    "family_name": "nom",
    "name_arabic": "nom en caractères arabes",
    "sex": "sexe",
    "date_of_birth": "date de naissance",
    "place_of_birth": "lieu de naissance",
    "nationality": "nationalité",
    "origin_region_code": "région d'origine",
    "origin_region": "région d'origine",
    "origin_departement_code": "département d'origine",
    "host_country": "pays de résidence",
    "host_region_code": "région de résidence",
    "host_city": "ville de résidence",
    "email": "courriel",
    "languages": "langues",
    "status_category": "situation",
    "occupation": "profession",
    "arrival_date": "date d'arrivée",
    "residence_status": "situation administrative de séjour",
    "notes": "observations",
    "phones": "téléphones",
    "phone": "téléphone",
    "documents": "pièces d'identité",
    "consents": "consentements",
    "registration_number": "numéro d'enregistrement",
    "service_type": "type de service",
    "service_type_neutral": "type de service (libellé neutre)",
    "case_description": "description de la demande",
    "case_number": "numéro de la demande",
    "case.service_type": "type de service",
    "case.channel": "canal d'arrivée de la demande",
    "case.priority": "priorité de la demande",
    "case.language": "langue de la demande",
    "case.interpreter_used": "recours à un interprète",
    "case.description": "description de la demande",
    "case.vulnerability_flags": "vulnérabilités",
    "case.due_date_reason": "motif de l'échéance",
    "desk_name": "nom du guichet",
    "to_desk_name": "guichet destinataire",
    "target_case_number": "nouveau numéro de la demande",
    "starts_at": "date du rendez-vous",
    "status": "statut de la demande",
    "code": "code à usage unique",
    "expires_minutes": "durée de validité du code",
    "message:sms": "message SMS",
    "message:whatsapp": "message WhatsApp",
    "message:email": "courriel",
}
"""The data a transfer, a referral or a message carried (the register of disclosures' ``fields``
and a transfer's ``fields_sent``), as the web client's register names them (``df_…``)."""
LINKS: Final = {"transfer": "transfert", "merge": "fusion de doublons"}
SENDING_SERVICES: Final = {
    "sms": "Prestataire d'envoi de SMS",
    "whatsapp": "Prestataire d'envoi de messages WhatsApp",
    "email": "Service d'envoi de courriels",
}
"""Who carried a message to the person, by its channel (the register's ``message:<channel>``)."""
MESSAGE_CHANNELS: Final = {"sms": "SMS", "whatsapp": "WhatsApp", "email": "e-mail", "none": "aucun message"}
"""A message's channel in words, the same in French and English, as the staff register names a
provider's disclosure (:func:`provider_in_words`), and the person's chosen one (``none``: no
message at all)."""
ACCOUNT_KINDS: Final = {"phone": "téléphone", "email": "adresse e-mail"}
"""What a self-service account signs in with."""
MESSAGE_STATUSES: Final = {
    "queued": "en attente d'envoi",
    "sending": "en cours d'envoi",
    "in_flight": "en cours d'envoi",
    "in_doubt": "envoi non confirmé",
    "sent": "envoyé",
    "failed": "non remis",
    "withheld": "non envoyé",
    "skipped": "non envoyé",
}
"""Where a message stands (``app.notifications.models.STATUSES``)."""
PROVIDER_ORGANISATIONS: Final = {"twilio": "Twilio"}
"""The sending providers that are an organisation a person can look up, by the provider's id;
another id (``log``: messages only written to the server's log; ``smtp``: the desk's mail
server…) is an internal name, never shown."""
_MEDIA: Final = {"image": "image", "application": "document", "text": "texte", "audio": "son", "video": "vidéo"}


def code(value: str | None) -> str | None:
    """A sex, a status category, a case's status, channel, priority or outcome category."""
    return None if value is None else CODES.get(value, (value.replace("_", " "),))[0]


def purpose(value: str) -> str:
    """A consent's or a disclosure's purpose (``partner_referral`` → its French label)."""
    return PURPOSES[value].label_fr if value in PURPOSES else value.replace("_", " ")


def language(value: str | None) -> str | None:
    """A language code (``wo`` → ``wolof``) by its CLDR name in French."""
    return None if value is None else _FR.languages.get(value, value)


def country(value: str | None) -> str | None:
    """An ISO 3166 code (``SN`` → ``Sénégal``) by its CLDR name in French."""
    return None if value is None else _FR.territories.get(value.upper(), value)


def area(value: str | None, names: Mapping[str, str]) -> str | None:
    """A region or département code (``SN-TH`` → ``Thiès``) by its name in the reference areas."""
    return None if value is None else names.get(value, value)


def word(table: Mapping[str, str], value: str | None) -> str | None:
    """``value`` from ``table`` (one of this module's), else with its underscores as spaces."""
    return None if value is None else table.get(value, value.replace("_", " "))


def document(value: str | None) -> str | None:
    """An identity document's type or an uploaded document's kind (``passport`` → ``Passeport``)."""
    return None if value is None else document_label(value, "fr")


def data_field(value: str) -> str:
    """A datum a transfer or a disclosure carried (``case.priority`` → ``priorité de la demande``);
    one not named here → ``autre donnée (the code)``."""
    return DATA_FIELDS.get(value) or f"autre donnée ({value})"


def actor(label: str | None) -> str | None:
    """Who did an audited action: a staff member's address as it is, the system or the person's own
    account in words."""
    return None if label is None else ACTORS.get(label, label)


def media(value: str) -> str:
    """A media type in words: ``image/png`` → ``image PNG``, ``application/pdf`` → ``document PDF``."""
    major, _, minor = value.partition("/")
    return f"{_MEDIA.get(major, major)} {minor.upper()}".strip()


def recipient(disclosure: Mapping[str, Any], desk_names: Mapping[str, str]) -> str:
    """Who received a disclosure, as a person understands it: a partner by its name, a desk by its
    name (``desk_names``, by id; its code otherwise), a provider by the channel it carried the
    message on — with its organisation's name when it is one (``Twilio``), never an internal id."""
    kind, name = disclosure.get("recipient_type"), str(disclosure.get("recipient_name") or "")
    if kind == "partner":
        return f"{name} (organisme partenaire)"
    if kind == "desk":
        return f"{desk_names.get(str(disclosure.get('recipient_id')), name)} (guichet destinataire du transfert)"
    if kind == "provider":
        channels = [f.partition(":")[2] for f in disclosure.get("fields") or [] if f.startswith("message:")]
        service = (
            SENDING_SERVICES.get(channels[0], "Prestataire d'envoi de messages")
            if channels
            else ("Prestataire d'envoi de messages")
        )
        organisation = PROVIDER_ORGANISATIONS.get(name.lower())
        return f"{service} ({organisation})" if organisation else service
    return name


def provider_in_words(fields: Sequence[str] | None, name: str) -> str:
    """A sending provider's disclosure as staff read it in the register: the channel that carried
    the message (``fields``' ``message:<channel>``: « SMS », « WhatsApp », « e-mail »; « message »
    when none is listed), with the provider's organisation when it is one (« SMS (Twilio) ») —
    never the provider's internal id ``name`` (``log``, ``smtp``, ``twilio``)."""
    channels = [f.partition(":")[2] for f in fields or [] if f.startswith("message:")]
    channel = MESSAGE_CHANNELS.get(channels[0], channels[0]) if channels else "message"
    organisation = PROVIDER_ORGANISATIONS.get(name.lower())
    return f"{channel} ({organisation})" if organisation else channel
