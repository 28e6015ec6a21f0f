"""Problem types of registrants."""

from __future__ import annotations

import datetime as dt
import uuid

from app.core.errors import Forbidden, Problem, ValidationFailed


class PossibleDuplicates(Problem):
    """409: the new person resembles registrants already on file; ``candidates`` lists them."""

    status, slug = 409, "possible-duplicates"
    title_fr, title_en = "Doublons possibles", "Possible duplicates"


class RestrictedField(Forbidden):
    """403: the actor's role may not write a restricted field (``residence_status``)."""

    slug = "restricted-field"
    title_fr, title_en = "Champ réservé à un autre rôle", "Field restricted to another role"


class DeskRequired(ValidationFailed):
    """422: the actor belongs to several desks (or all of them) and named none."""

    slug = "desk-required"
    title_fr, title_en = "Guichet à préciser", "Desk required"


class ConsentAlreadyWithdrawn(Problem):
    status, slug = 409, "consent-already-withdrawn"
    title_fr, title_en = "Consentement déjà retiré", "Consent already withdrawn"


class RegistrantMerged(Problem):
    """409: the file was merged into another (``survivor_id``, ``survivor_location``); write there.

    A ``GET`` of the file answers ``301 Moved Permanently`` to the survivor instead. Not 410: an
    unmerge brings the file back, so it is not gone for good.
    """

    status, slug = 409, "registrant-merged"
    title_fr, title_en = "Dossier fusionné dans un autre", "File merged into another"


def merged_into(survivor_id: uuid.UUID | None) -> RegistrantMerged:
    """The 409 ``registrant-merged`` problem pointing at the survivor ``survivor_id``."""
    return RegistrantMerged(
        f"This file was merged into {survivor_id}; use that file.",
        detail_fr=f"Ce dossier a été fusionné dans {survivor_id} ; utilisez ce dossier.",
        survivor_id=str(survivor_id),
        survivor_location=f"/api/v1/registrants/{survivor_id}",
    )


class RegistrantErased(Problem):
    """409: the registrant's file was anonymised (``anonymised_at``): nothing identifying is left to
    act on, and nothing may be attached to it or changed in it (docs/data-protection.md)."""

    status, slug = 409, "registrant-erased"
    title_fr, title_en = "Dossier anonymisé", "File anonymised"


def erased(registrant_id: uuid.UUID, anonymised_at: dt.datetime) -> RegistrantErased:
    """The 409 ``registrant-erased`` problem refusing a write to the anonymised file ``registrant_id``."""
    return RegistrantErased(
        "This person's file was anonymised (erasure): nothing can be added to it or changed in it.",
        detail_fr="Le dossier de cette personne a été anonymisé (effacement) : rien ne peut y être ajouté ni modifié.",
        registrant_id=str(registrant_id),
        anonymised_at=anonymised_at.isoformat(),
    )
