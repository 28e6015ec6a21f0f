"""The lists a file may hold at most: a merge never leaves the survivor with more than its API accepts.

A merge adds the merged file's phones and identity documents to the survivor's (those it does not
already have). Past the cap of ``PATCH /api/v1/registrants/{id}`` the survivor could no longer be
edited with its own list sent back as read (422), so such a merge is refused rather than
truncated: nothing is lost, and the agent removes what is obsolete from either file first.
"""

from __future__ import annotations

from typing import Any

from annotated_types import MaxLen

from app.merges.errors import MergeTooManyValues
from app.merges.schemas import ListOverLimit
from app.registrants.models import Registrant
from app.registrants.schemas import RegistrantUpdate

# moved kind → the registrant's field (as the API names it) and the survivor's rows of that kind
_CAPPED: dict[str, tuple[str, str]] = {"phones": ("phones", "phones"), "identity_documents": ("documents", "documents")}


def cap(field: str) -> int:
    """The most items ``field`` (a list of :class:`RegistrantUpdate`) accepts."""
    for constraint in RegistrantUpdate.model_fields[field].metadata:
        if isinstance(constraint, MaxLen):
            return int(constraint.max_length)
    raise LookupError(f"{field} has no maximum length")


def over_limit(survivor: Registrant, planned: dict[str, list[Any]]) -> list[ListOverLimit]:
    """The capped lists the survivor would hold too many items of after the merge ``planned``
    (a :func:`app.merges.moves.plan`): ``field``, ``count`` after the merge, ``limit``. The
    survivor is loaded with its phones and documents."""
    out = []
    for kind, (field, rows) in _CAPPED.items():
        count = len(getattr(survivor, rows)) + len(planned.get(kind, []))
        if count > (limit := cap(field)):
            out.append(ListOverLimit(field=field, count=count, limit=limit))
    return out


def check(survivor: Registrant, planned: dict[str, list[Any]]) -> None:
    """Raise ``MergeTooManyValues`` (409, ``exceeded``: each list's ``field``, ``count``, ``limit``)
    when the merge ``planned`` would leave the survivor with more items than a list accepts."""
    exceeded = over_limit(survivor, planned)
    if exceeded:
        said = ", ".join(f"{e.count} {e.field} (at most {e.limit})" for e in exceeded)
        said_fr = ", ".join(f"{e.count} {e.field} (au plus {e.limit})" for e in exceeded)
        raise MergeTooManyValues(
            f"The survivor would hold {said}: remove the obsolete ones from either file, then merge.",
            detail_fr=f"Le dossier conservé compterait {said_fr} : retirez d'abord les valeurs périmées "
            "de l'un ou l'autre dossier, puis fusionnez.",
            exceeded=[e.model_dump() for e in exceeded],
        )
