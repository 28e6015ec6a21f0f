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
