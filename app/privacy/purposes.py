"""The consent purposes and the legal bases a disclosure may rest on.

Purposes are those of DOMAIN.md "Data protection" (consent recorded per purpose). A purpose may
have a validity: a consent recorded for it stops being in force ``validity_days`` after it was
given (the person is asked again), as the notice given at collection states.

Legal bases other than consent (laws 2008-12 and 09-08 admit them as the GDPR does in art. 6(1)(c)
and (d)): ``vital_interest`` (an emergency where the person's life or physical safety is at stake
and they cannot consent) and ``legal_obligation`` (a disclosure the law or a court requires). They
are used by a supervisor or an administrator only, with a written justification, and recorded on
the disclosure and in the audit log.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Final, Literal

LegalBasis = Literal["consent", "vital_interest", "legal_obligation"]
LEGAL_BASES: Final = ("consent", "vital_interest", "legal_obligation")
OVERRIDE_BASES: Final = frozenset({"vital_interest", "legal_obligation"})
MIN_JUSTIFICATION_LENGTH: Final = 20


@dataclass(frozen=True)
class Purpose:
    """One purpose of processing: labels, recipients, data categories and consent validity."""

    code: str
    label_fr: str
    label_en: str
    recipients: tuple[str, ...]
    categories: tuple[str, ...]
    validity_days: int | None = None


IDENTITY = ("identity", "contact")
PURPOSES: Final[dict[str, Purpose]] = {
    p.code: p
    for p in (
        Purpose(
            "service_delivery",
            "Accueil, orientation et suivi par le guichet",
            "Reception, orientation and follow-up by the desk",
            ("desk staff",),
            (*IDENTITY, "identity documents", "case", "residence status"),
        ),
        Purpose(
            "transfer_to_senegal",
            "Transfert du dossier vers un guichet au Sénégal",
            "Transfer of the file to a desk in Senegal",
            ("receiving desk in Senegal",),
            IDENTITY,
        ),
        Purpose(
            "desk_transfer",
            "Transfert du dossier vers un autre guichet",
            "Transfer of the file to another desk",
            ("receiving desk",),
            IDENTITY,
        ),
        Purpose(
            "partner_referral",
            "Orientation vers un partenaire nommé",
            "Referral to a named partner",
            ("the partner named in the consent",),
            (*IDENTITY, "case"),
            validity_days=365,
        ),
        Purpose(
            "contact_sms_whatsapp",
            "Contact par SMS ou WhatsApp (prestataire externe)",
            "Contact by SMS or WhatsApp (external provider)",
            ("messaging provider",),
            ("contact",),
            validity_days=730,
        ),
        Purpose(
            "contact_email",
            "Contact par e-mail (avis sur les demandes et les rendez-vous)",
            "Contact by e-mail (notices about requests and appointments)",
            ("the desk's e-mail relay",),
            ("contact",),
            validity_days=730,
        ),
        Purpose(
            "statistics",
            "Statistiques agrégées pour les bailleurs",
            "Aggregated statistics for funders",
            ("funders (aggregates only)",),
            ("sex", "age band", "region of origin"),
        ),
        Purpose(
            "named_export",
            "Liste nominative remise hors du guichet (bailleur, programme)",
            "Named list handed outside the desk (funder, programme)",
            ("the recipient stated in the export's purpose",),
            (*IDENTITY, "identity documents"),
            validity_days=365,
        ),
    )
}

REFERRAL_PURPOSE: Final = "partner_referral"
NOTIFICATION_PURPOSE: Final = "contact_sms_whatsapp"
EMAIL_CONTACT_PURPOSE: Final = "contact_email"
NAMED_EXPORT_PURPOSE: Final = "named_export"

# The category of every field of a person's file (a registrant's columns and child collections), as
# named in the purposes' ``categories``: what a purpose covers is read from here, so a field added
# to the file must be placed in a category before any disclosure can carry it (tests check that
# every column of ``registrants`` is listed here or in ``REGISTRANT_RECORD_COLUMNS``).
# ``contact``: where and how to reach the person (phones, e-mail, where they live in the host
# country). ``identity``: who they are (names as written and their search keys, sex, birth, origin,
# languages, profile). ``notes`` are the desk's free-text working notes: ``case`` data.
REGISTRANT_FIELD_CATEGORIES: Final[dict[str, str]] = {
    "given_names": "identity",
    "family_name": "identity",
    "name_arabic": "identity",
    "given_names_key": "identity",
    "family_name_key": "identity",
    "given_names_phonetic": "identity",
    "family_name_phonetic": "identity",
    "name_arabic_key": "identity",
    "name_arabic_phonetic": "identity",
    "sex": "identity",
    "date_of_birth": "identity",
    "birth_year": "identity",
    "place_of_birth": "identity",
    "nationality": "identity",
    "origin_region_code": "identity",
    "origin_departement_code": "identity",
    "languages": "identity",
    "status_category": "identity",
    "occupation": "identity",
    "arrival_date": "identity",
    "email": "contact",
    "phones": "contact",
    "host_country": "contact",
    "host_city": "contact",
    "host_region_code": "contact",
    "documents": "identity documents",
    "residence_status": "residence status",
    "notes": "case",
}
# Columns of ``registrants`` that describe the record, not the person: each desk sets its own.
# ``consents`` are the legal bases of processing, kept with whatever record they justify.
REGISTRANT_RECORD_COLUMNS: Final = frozenset(
    {
        "id", "desk_id", "registration_number", "registered_on", "source", "source_ref", "created_by",
        "merged_into_id", "version", "anonymised_at", "created_at", "updated_at",
    }
)  # fmt: skip


def fields_covered(purposes: Iterable[str]) -> tuple[str, ...]:
    """The fields of a person's file (:data:`REGISTRANT_FIELD_CATEGORIES`) whose category every
    one of ``purposes`` covers, in the map's order."""
    sets = [set(PURPOSES[p].categories) for p in purposes]
    covered = set.intersection(*sets) if sets else set()
    return tuple(f for f, category in REGISTRANT_FIELD_CATEGORIES.items() if category in covered)
