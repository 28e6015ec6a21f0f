"""The files of one person across the desks of the controller: linked by transfer or by merge.

A transfer (:mod:`app.cases.transfers`) gives the receiving desk a copy of the person's file (or
reuses the one it holds); a merge folds a duplicate into its survivor. Every desk belongs to one
controller, so the person's rights reach every such file: an erasure on request erases them all
(:func:`app.privacy.requests.erase`), a consent withdrawn or refused at one desk is withdrawn at
the others (:func:`propagate_withdrawal`), and the access archive names them.

The links are the transfer register (``case_transfers``: sending and receiving file, kept for
good, an erasure included) and ``merged_into_id``, followed in both directions and transitively
(Casablanca → Dakar → Saint-Louis, a copy merged into a Dakar file, and back).
"""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass
from typing import Final

from sqlalchemy import or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from app.audit import service as audit
from app.cases.models import CaseTransfer
from app.core.context import Actor
from app.privacy.purposes import REFERRAL_PURPOSE
from app.privacy.service import in_force
from app.registrants.models import Consent, Registrant

LINKS: Final = ("request", "merge", "transfer")
"""How a file was reached: the one asked about, a merge, a transfer."""


@dataclass(frozen=True)
class LinkedFile:
    """One file of the person: the registrant row and how it was reached (:data:`LINKS`)."""

    registrant: Registrant
    link: str


async def person_files(
    session: AsyncSession, registrant_id: uuid.UUID, *, transfers: bool = True, lock: bool = False
) -> list[LinkedFile]:
    """Every file of the person of ``registrant_id``, that one first, then in the order found
    (breadth first): the files merged into each or each one's survivor, and, with ``transfers``,
    the files on either side of each transfer. Without ``transfers``: the files one anonymisation
    erases together (:func:`app.privacy.erasure.anonymise`: the survivor and the files merged
    into it), which retention locks. Read without a lock, to learn which files to lock
    (:mod:`app.registrants.lock_order`); ``lock``: the rows are read again ``FOR UPDATE``, once
    they were locked in id order, so that what another transaction committed meanwhile is seen.
    An unknown id gives ``[]``."""
    seen: dict[uuid.UUID, str] = {registrant_id: "request"}
    found: list[LinkedFile] = []
    frontier = [registrant_id]
    while frontier:
        stmt = select(Registrant).where(Registrant.id.in_(frontier)).order_by(Registrant.created_at, Registrant.id)
        if lock:  # read again under the lock: what another transaction committed meanwhile
            stmt = stmt.with_for_update().execution_options(populate_existing=True)
        rows = list((await session.execute(stmt)).scalars())
        found.extend(LinkedFile(r, seen[r.id]) for r in sorted(rows, key=lambda r: frontier.index(r.id)))
        ids = [r.id for r in rows]
        nearby: list[tuple[uuid.UUID, str]] = [(r.merged_into_id, "merge") for r in rows if r.merged_into_id]
        merged = select(Registrant.id).where(Registrant.merged_into_id.in_(ids))
        nearby += [(i, "merge") for i in (await session.execute(merged)).scalars()]
        if transfers:
            moved = select(CaseTransfer.source_registrant_id, CaseTransfer.target_registrant_id).where(
                or_(CaseTransfer.source_registrant_id.in_(ids), CaseTransfer.target_registrant_id.in_(ids))
            )
            for source, target in (await session.execute(moved.order_by(CaseTransfer.transferred_at))).all():
                nearby += [(source, "transfer"), (target, "transfer")]
        frontier = []
        for other, link in nearby:
            if other not in seen:
                seen[other] = link
                frontier.append(other)
    return found


async def propagate_withdrawal(
    session: AsyncSession, *, actor: Actor, consent: Consent, at: dt.datetime
) -> list[Consent]:
    """Withdraw at ``at``, in the person's other files (:func:`person_files`, anonymised ones
    aside), every consent in force for ``consent``'s purpose (for ``partner_referral``: about the
    same partner, ``partner_id``) — ``consent`` being the decision just taken at one desk: a withdrawal, or a
    refusal (``granted`` false). Each is audited ``registrant.consent_withdraw`` at its own desk
    with ``propagated_from`` (the file and consent the decision was taken on). Returns them.

    Grants are not propagated: a consent is given to the desk that informed the person (its
    notice, its language); the other desk records its own."""
    files = [f.registrant for f in await person_files(session, consent.registrant_id)][1:]
    open_ids = [r.id for r in files if r.anonymised_at is None]
    if not open_ids:
        return []
    stmt = select(Consent).where(Consent.registrant_id.in_(open_ids), Consent.purpose == consent.purpose)
    withdrawn: list[Consent] = []
    desks = {r.id: r.desk_id for r in files}
    for other in (await session.execute(stmt.order_by(Consent.id))).scalars():
        if consent.purpose == REFERRAL_PURPOSE and other.partner_id != consent.partner_id:
            continue  # a referral consent is about one partner, by its id (a copy keeps the id)
        if not in_force(other, at):
            continue
        other.withdrawn_at = at
        withdrawn.append(other)
    await session.flush()
    for other in withdrawn:
        await audit.record(
            session,
            actor=actor,
            action="registrant.consent_withdraw",
            entity_type="registrant",
            entity_id=other.registrant_id,
            desk_id=desks[other.registrant_id],
            details={
                "consent_id": other.id,
                "purpose": other.purpose,
                "propagated_from": {"registrant_id": consent.registrant_id, "consent_id": consent.id},
            },
        )
    return withdrawn
