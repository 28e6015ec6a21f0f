"""The record of processing activities (GDPR art. 30(1); the declarations laws 09-08 and 2008-12
ask of a controller), generated from the configuration: the consent purposes
(:data:`app.privacy.purposes.PURPOSES`), the desks, and the retention settings in force.

Each activity gives: controller (the desks), purpose, legal basis, categories of data subjects and
of data, recipients, transfers to another country, time limits, security measures.
"""

from __future__ import annotations

from typing import Any, Final

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from app.core.config import Settings
from app.core.context import Actor
from app.core.errors import Forbidden
from app.desks.models import Desk
from app.privacy.purposes import PURPOSES

READER_ROLES: Final = frozenset({"admin", "auditor", "supervisor"})
SUBJECTS: Final = ["registrants: Senegalese abroad, returnees and their family members served by a desk"]
SECURITY: Final = [
    "access by desk and role (agent, supervisor, administrator, auditor); sensitive fields restricted",
    "every read and write of a personal record in a hash-chained, append-only audit log",
    "passwords hashed with Argon2id; short-lived signed access tokens; rate-limited login",
    "exports pseudonymised by default; named exports audited and gated by consent",
    "uploaded images and PDFs stripped of hidden metadata",
]
# Transfers outside the desk's country that a purpose implies (DOMAIN.md: Morocco → Senegal).
TRANSFERS: Final = {"transfer_to_senegal": ["SN"], "desk_transfer": ["the receiving desk's country"]}


def _retention(purpose: str, settings: Settings) -> list[str]:
    validity = PURPOSES[purpose].validity_days
    limits = [f"consent valid {validity} days, then asked again" if validity else "consent valid until withdrawn"]
    limits.append(f"soft-deleted documents purged after {settings.documents_retention_days} days")
    limits.append(
        f"closed cases' free text and documents removed {settings.retention_closed_case_years} years after closure"
    )
    limits.append(
        f"registrants anonymised after {settings.retention_inactive_registrant_years} years without activity "
        "(no open case), unless under a legal hold; erasure on request at any time"
    )
    return limits


async def record_of_processing(session: AsyncSession, *, actor: Actor, settings: Settings) -> dict[str, Any]:
    """The record as JSON-ready values. Raises ``Forbidden`` (403) for agents."""
    if actor.role not in READER_ROLES:
        raise Forbidden(
            "The record of processing activities is read by supervisors, administrators and auditors.",
            detail_fr="Le registre des traitements est lu par les superviseurs, administrateurs et auditeurs.",
        )
    desks = (await session.execute(select(Desk).order_by(Desk.code))).scalars().all()
    return {
        "controllers": [{"desk": d.code, "name": d.name, "country": d.country, "city": d.city} for d in desks],
        "other_legal_bases": {
            "vital_interest": "an emergency where the person's life or safety is at stake (supervisor, justified)",
            "legal_obligation": "a disclosure the law or a court requires (supervisor, justified)",
        },
        "activities": [
            {
                "purpose": p.code,
                "label_fr": p.label_fr,
                "label_en": p.label_en,
                "legal_basis": "consent",
                "data_subjects": SUBJECTS,
                "data_categories": list(p.categories),
                "recipients": list(p.recipients),
                "transfers_to_other_countries": TRANSFERS.get(p.code, []),
                "time_limits": _retention(p.code, settings),
                "security_measures": SECURITY,
            }
            for p in PURPOSES.values()
        ],
    }
