"""Rectification: every correction of a registrant's file is kept with its history.

A correction is a ``PATCH /api/v1/registrants/{id}`` (``If-Match`` required, as for any update).
For each field it changes (identity, contact, phones and identity documents), one
``registrant_corrections`` row keeps who, when, the value before, the value after, the reason
given and the version produced (GDPR art. 16; law 09-08 art. 8; law 2008-12's right of rectification: the right to
have inaccurate data rectified, the desk keeping the trace of what it changed).

The history is read by supervisors and administrators of the person's desk, and auditors
(``GET /api/v1/registrants/{id}/corrections``, audited ``registrant.corrections_read``); the
restricted fields (``app.registrants.prepare.SENSITIVE``: the residence status) only by those who
may read them. It is part of the subject-access
archive and deleted by erasure.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from typing import Any, Final

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from app.audit import service as audit
from app.audit.service import MASK
from app.core.context import Actor
from app.core.db import utcnow
from app.core.errors import Forbidden, NotFound
from app.privacy.models import RegistrantCorrection
from app.registrants import prepare
from app.registrants.errors import merged_into
from app.registrants.models import Registrant

READ_ROLES: Final = frozenset({"admin", "supervisor", "auditor"})


def masked(changes: Mapping[str, Mapping[str, Any]]) -> dict[str, dict[str, str | None]]:
    """``changes`` (an :func:`app.audit.service.diff`) with every value masked: what an audit event
    of a person's file keeps in its chained ``details`` (the values go to its erasable payload)."""
    return {
        field: {"before": None if c.get("before") is None else MASK, "after": None if c.get("after") is None else MASK}
        for field, c in changes.items()
    }


async def record(
    session: AsyncSession,
    *,
    actor: Actor,
    registrant: Registrant,
    before: Mapping[str, Any],
    after: Mapping[str, Any],
    reason: str | None,
) -> list[str]:
    """Add one correction per field whose value differs between ``before`` and ``after``
    (:func:`app.registrants.prepare.snapshot`s); the fields, in name order."""
    now = utcnow()
    fields = sorted(k for k in set(before) | set(after) if before.get(k) != after.get(k))
    for field in fields:
        session.add(
            RegistrantCorrection(
                registrant_id=registrant.id,
                field=field,
                old_value=_jsonable(before.get(field)),
                new_value=_jsonable(after.get(field)),
                reason=reason,
                version=registrant.version,
                corrected_at=now,
                corrected_by=actor.user_id,
                corrected_by_label=actor.email,
            )
        )
    await session.flush()
    return fields


def _jsonable(value: Any) -> Any:
    return value.isoformat() if hasattr(value, "isoformat") else value


async def rows_of(session: AsyncSession, *, registrant_id: uuid.UUID) -> list[RegistrantCorrection]:
    """The corrections of ``registrant_id``, oldest first (no access check: for the archive)."""
    stmt = (
        select(RegistrantCorrection)
        .where(RegistrantCorrection.registrant_id == registrant_id)
        .order_by(RegistrantCorrection.corrected_at, RegistrantCorrection.id)
    )
    return list((await session.execute(stmt)).scalars().all())


async def history(session: AsyncSession, *, actor: Actor, registrant_id: uuid.UUID) -> list[RegistrantCorrection]:
    """The correction history of a registrant, oldest first; audited ``registrant.corrections_read``.

    The restricted fields' corrections (:data:`app.registrants.prepare.SENSITIVE`) are left out
    for an actor who may not read them. Raises
    ``Forbidden`` (403) for agents, ``NotFound`` (404) for an unknown registrant or one of a desk
    the actor does not belong to, ``RegistrantMerged`` (409) for a file merged into another (its
    corrections come back with it at an unmerge).
    """
    if actor.role not in READ_ROLES:
        raise Forbidden(
            "The correction history is read by supervisors, administrators and auditors.",
            detail_fr="L'historique des rectifications est lu par les superviseurs, administrateurs et auditeurs.",
        )
    registrant = await session.get(Registrant, registrant_id)
    if registrant is None or not actor.can_see_desk(registrant.desk_id):
        raise NotFound("No such registrant.", detail_fr="Personne introuvable.")
    if registrant.merged_into_id is not None:  # as every part of a merged file: read the survivor's
        raise merged_into(registrant.merged_into_id)
    rows = await rows_of(session, registrant_id=registrant_id)
    if not actor.reads_sensitive:
        rows = [r for r in rows if r.field not in prepare.SENSITIVE]
    await audit.record(
        session,
        actor=actor,
        action="registrant.corrections_read",
        entity_type="registrant",
        entity_id=registrant.id,
        desk_id=registrant.desk_id,
        details={"corrections": len(rows)},
    )
    return rows
