"""What an erasure keeps of a person's file, and how it blanks the rest.

The web client's erasure question says what is kept (``erase_q`` in
``app/web/static/i18n_rights.js``): the sex, the birth year (or month, or date, only as precise as
the reports' age bands need), nationality, regions and département of origin, country and region
of residence, the status category, languages, the year of arrival, the registration date, and
the cases, referrals, appointments and consents with their dates, statuses and categories.
:data:`KEPT_FIELDS` lists those columns of a registrant; every other column that is not the
record's structure (:data:`STRUCTURE_FIELDS`) or replaced (:data:`REPLACED_FIELDS`) is blanked —
a column added later is erased unless it is put in one of these lists.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Mapping, Sequence
from typing import Any, Final

from sqlalchemy import ColumnElement, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from app.cases.models import CaseEvent
from app.registrants.models import ERASED_NAME, Registrant

KEPT_FIELDS: Final = frozenset(
    {
        "sex",
        "birth_year",
        "nationality",
        "origin_region_code",
        "origin_departement_code",
        "host_country",
        "host_region_code",
        "languages",
        "status_category",
        "registered_on",
    }
)
"""Codes and dates the reports count by, kept as they are (none is typed free text)."""

REPLACED_FIELDS: Final = frozenset(
    {
        "given_names",
        "family_name",
        "given_names_key",
        "family_name_key",
        "given_names_phonetic",
        "family_name_phonetic",
        "registration_number",
        "date_of_birth",
        "arrival_date",
    }
)
"""Kept in a form that names no one: ``[anonymisé]``, empty keys, ``ANON-…``, a birth date only
as precise as the age bands need, the year of arrival (set by :mod:`app.privacy.erasure`)."""

STRUCTURE_FIELDS: Final = frozenset(
    {"id", "desk_id", "created_at", "updated_at", "created_by", "source", "merged_into_id", "version", "anonymised_at"}
)
"""The record's own bookkeeping: ids, the desk, staff ids, the channel it came by (a code)."""


def blank_registrant(registrant: Registrant) -> list[str]:
    """Set every column of ``registrant`` that is neither kept, replaced nor structure to null;
    the names of the columns blanked. Names get :data:`ERASED_NAME`, their keys ``""``."""
    registrant.given_names = registrant.family_name = ERASED_NAME
    registrant.given_names_key = registrant.family_name_key = ""
    registrant.given_names_phonetic = registrant.family_name_phonetic = ""
    blanked = []
    for column in Registrant.__table__.columns:
        if column.key not in KEPT_FIELDS | REPLACED_FIELDS | STRUCTURE_FIELDS:
            setattr(registrant, column.key, None)
            blanked.append(column.key)
    return blanked


CASE_BLANKED: Final[Mapping[str, str | None]] = {"description": "", "outcome_note": None}
NOTE_BLANKED: Final[Mapping[str, str | None]] = {"text": ""}
REFERRAL_BLANKED: Final[Mapping[str, str | None]] = {"outcome": None, "partner_reference": None}
APPOINTMENT_BLANKED: Final[Mapping[str, str | None]] = {"purpose": None, "status_reason": None}
"""The free text of a case's rows (case, notes, referrals, appointments) and the value each column
is blanked to. An erasure (:mod:`app.privacy.erasure`) and the end of a closed case's retention
(:mod:`app.privacy.retention`) both blank them: what one removes, the other removes too."""


def holds_text(model: Any, blanked: Mapping[str, str | None]) -> ColumnElement[bool]:
    """A condition true for a row of ``model`` any column of ``blanked`` of which still holds a
    value (is not null, or not ``""`` for a column blanked to ``""``)."""
    columns = [getattr(model, k) for k in blanked]
    return or_(*(c.is_not(None) if blanked[c.key] is None else c != blanked[c.key] for c in columns))


FREE_TEXT_EVENT_KEYS: Final = frozenset(
    {"reason", "note", "text", "comment", "outcome", "outcome_note", "description", "partner_reference"}
)
"""Keys of a timeline event's details whose string values may hold what a person said, at the
top level or as a field of its ``changes`` (``{field: {"before": …, "after": …}}``)."""

LABEL_LIST_KEYS: Final = frozenset({"documents"})
"""Keys of a timeline event's details holding a list of codes or of labels an agent typed (the
documents asked of the person, ``documents_requested``): the codes stay, the labels go."""

_CODE = re.compile(r"[a-z0-9_]{1,48}")


def _scrubbed(details: dict[str, Any]) -> dict[str, Any] | None:
    found = details.get("changes")
    changes: dict[str, Any] = found if isinstance(found, dict) else {}
    texts = FREE_TEXT_EVENT_KEYS & changes.keys()
    lists = {
        k: [x for x in v if isinstance(x, str) and _CODE.fullmatch(x)]
        for k, v in details.items()
        if k in LABEL_LIST_KEYS and isinstance(v, list)
    }
    typed = any(isinstance(details.get(k), str) and details[k] for k in FREE_TEXT_EVENT_KEYS)
    if not (texts or typed or any(lists[k] != details[k] for k in lists)):
        return None
    scrubbed = {k: (None if k in FREE_TEXT_EVENT_KEYS else v) for k, v in details.items()} | lists
    if texts:
        scrubbed["changes"] = {k: ({"before": None, "after": None} if k in texts else v) for k, v in changes.items()}
    return scrubbed


async def scrub_timeline(session: AsyncSession, case_ids: Sequence[uuid.UUID]) -> None:
    """Blank the free text (:data:`FREE_TEXT_EVENT_KEYS`, :data:`LABEL_LIST_KEYS`) of the
    timeline events of ``case_ids``."""
    events = (await session.execute(select(CaseEvent).where(CaseEvent.case_id.in_(case_ids)))).scalars().all()
    for event in events:
        scrubbed = _scrubbed(event.details or {})
        if scrubbed is not None:
            event.details = scrubbed
