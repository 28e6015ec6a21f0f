"""Registrants: create (with duplicate candidates), read, update, list/search, consents.

Every function takes the acting staff user; records of desks the actor does not belong to are
answered as ``NotFound`` (404). Every write and every read of one record is audited in the same
transaction. ``residence_status`` is restricted: only supervisors and administrators read or write
it (``RestrictedField``, 403), and it is masked in audit details.

Registration numbers are ``<PREFIX>-<YEAR>-<6 digits>`` (``CASA-2026-000123``): the prefix is the
desk's ``number_prefix`` and the year the desk's local year; see ``app.core.numbering``.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import uuid
import zoneinfo
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import bindparam, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm.exc import StaleDataError

from app.audit import service as audit
from app.core import client_ids, numbering
from app.core.context import Actor
from app.core.db import utcnow
from app.core.errors import Forbidden, NotFound, PreconditionFailed
from app.core.http import etag_of, require_if_match
from app.core.pagination import paginate
from app.desks import service as desks
from app.desks.models import Desk
from app.notifications import events as notify
from app.privacy import linked, rectification
from app.registrants import bulk, closed, in_flight, linkage, matching, prepare, repository, sounding
from app.registrants import keys as match_keys
from app.registrants.errors import ConsentAlreadyWithdrawn, DeskRequired, PossibleDuplicates, merged_into
from app.registrants.models import Consent, Registrant
from app.registrants.normalize import PhoneReading, validate_document_number
from app.registrants.schemas import (
    ConsentIn,
    DuplicateCandidate,
    RegistrantCreate,
    RegistrantOut,
    RegistrantUpdate,
)


@dataclass
class CreateOutcome:
    """The registrant created, or ``None`` with the candidates that stopped the creation."""

    registrant: Registrant | None
    candidates: list[DuplicateCandidate]


_DESK_BY_CODE = select(Desk).where(Desk.code == bindparam("code"))
"""The desk of a code: built once (building the statement for each registration cost a third of running it)."""


async def resolve_desk(session: AsyncSession, *, actor: Actor, desk_code: str | None) -> Desk:
    """The desk a new registrant belongs to: ``desk_code`` if the actor belongs to it, else the
    actor's only desk. Raises ``UnknownDesk`` (422 at ``desk_code``: no desk has the code),
    ``NotFound`` (a desk the actor does not belong to; the actor's only desk gone),
    ``Forbidden`` (403: the actor belongs to no desk, so can register at none) or ``DeskRequired``
    (422: several desks, or every desk, and none named), ``DeskInactive`` (409: the desk is closed)."""
    if desk_code:
        found = await session.execute(_DESK_BY_CODE, {"code": desk_code.strip().upper()})
        desk = found.scalar_one_or_none()
        if desk is None:  # a reference the body gets wrong: 422 at the field, as everywhere a desk is named
            raise desks.unknown_desks([desk_code.strip().upper()], field="desk_code")
        if not actor.can_see_desk(desk.id):
            raise NotFound(f"No desk {desk_code} for you.", detail_fr=f"Aucun guichet {desk_code} pour vous.")
        desks.require_open(desk)
        return desk
    if actor.desk_ids is not None and len(actor.desk_ids) == 1:
        (only,) = actor.desk_ids
        only_desk = await session.get(Desk, only)
        if only_desk is None:
            raise NotFound("Your desk no longer exists.", detail_fr="Votre guichet n'existe plus.")
        desks.require_open(only_desk)
        return only_desk
    if actor.desk_ids is None:
        raise DeskRequired(
            "You may register at any desk: name one in desk_code.",
            detail_fr="Vous pouvez inscrire à n'importe quel guichet : choisissez le guichet de l'inscription.",
        )
    if not actor.desk_ids:
        raise Forbidden(
            "You belong to no desk, so you cannot register anyone: an administrator must add you to one.",
            detail_fr="Vous n'êtes membre d'aucun guichet et ne pouvez donc inscrire personne : "
            "un administrateur doit vous y ajouter.",
        )
    raise DeskRequired(
        "You work for several desks: name one in desk_code.",
        detail_fr="Vous travaillez pour plusieurs guichets : choisissez le guichet de l'inscription.",
    )


async def find_duplicates(
    session: AsyncSession,
    *,
    data: RegistrantCreate | matching.PersonKeys,
    desk_ids: Sequence[uuid.UUID] | frozenset[uuid.UUID] | None = None,
    exclude_id: uuid.UUID | None = None,
    default_region: str = "SN",
    document_patterns: Mapping[str, str] | None = None,
) -> list[DuplicateCandidate]:
    """Registrants (of ``desk_ids``; all when None) that may be the person in ``data``, best first.

    Candidates are blocked through the indexed match keys (:func:`app.registrants.keys.block`:
    a phone, a document number, the full birth date, a given name with the family name and birth
    year; a key shared by very many registrants only through its combinations; the names in Arabic
    script or Latin letters also under the registry's words of the other script they may write,
    :func:`app.registrants.sounding.heard_counting`), then scored by
    :func:`app.registrants.linkage.compare` with the registry's term
    frequencies; shown from ``linkage.SHOW_PROBABILITY`` or whatever their score when they share a
    phone (an unverified one by its last 9 digits) or a document number. Phones and documents in
    ``data`` that do not parse are ignored here. Never merges anything.
    """
    if isinstance(data, RegistrantCreate):
        read = prepare.phones_lenient(data.phones, default_region)
        docs: list[tuple[str, str]] = []
        for d in data.documents:
            try:
                docs.append((d.doc_type, validate_document_number(d.doc_type, d.number, patterns=document_patterns)))
            except ValueError:
                continue
        keys = matching.PersonKeys.of(
            given_names=data.given_names,
            family_name=data.family_name,
            date_of_birth=data.date_of_birth,
            sex=data.sex,
            phones=prepare.verified_numbers(read),
            unverified_phones=prepare.unverified_digits(read),
            typed_documents=docs,
            place_of_birth=data.place_of_birth,
            arrival_date=data.arrival_date.isoformat() if data.arrival_date else None,
            email=data.email,
            host_city=data.host_city,
            occupation=data.occupation,
            name_arabic=data.name_arabic,
        )
    else:
        keys = data
    own = match_keys.frequency_keys(keys)
    # Looked up under the other script's words too; the keys known before hearing them are
    # counted in the same statement, those the words heard add (rarely any) after it.
    first = own | match_keys.lookup_keys(keys)
    keys, counted = await sounding.heard_counting(session, keys, first)
    wanted = own | match_keys.heard_keys(keys) | match_keys.lookup_keys(keys)
    counted = {key: n for key, n in counted.items() if key in wanted}
    if wanted - first:
        counted |= await match_keys.counts(session, wanted - first)
    pool = await match_keys.block(session, keys, desk_ids=desk_ids, exclude_id=exclude_id, counted=counted)
    if not pool:
        return []
    size = await match_keys.registry_size(session)
    carried = dict(counted)
    if exclude_id is None:  # not stored yet: the person counts among those carrying its own values,
        for key in own:  # as in N (and as the import counts its file's rows)
            carried[key] = carried.get(key, 0) + 1
    frequency = linkage.Frequencies(carried, size + (exclude_id is None))
    found: list[DuplicateCandidate] = []
    for r in pool:  # never a merged file: the survivor is the candidate, compared under its spellings too
        match, through = linkage.best_match(keys, r, frequency)
        if match.probability < linkage.SHOW_PROBABILITY and not linkage.shares_identifier(match):
            continue
        found.append(linkage.candidate(match, r, through))
    return DuplicateCandidate.ranked(found)


async def _registration_number(session: AsyncSession, *, desk: Desk) -> str:
    year = dt.datetime.now(zoneinfo.ZoneInfo(desk.time_zone)).year
    column = Registrant.registration_number
    return await numbering.allocate(session, prefix=desk.number_prefix, kind="", year=year, column=column)


SILENT_SOURCES = frozenset({"import", "transfer"})
"""Registrations that send no receipt: a legacy register imported, a file copied by a transfer."""
COUNTER_SOURCE = "counter"
"""A registration by a staff member signed in themselves (the desk's web client, at the counter)."""
APP_SOURCE = "api"
"""A registration sent by an app client (a mobile app, a server) acting for a staff member."""


def source_of(actor: Actor) -> str:
    """The ``source`` of a registration ``actor`` makes through the API: :data:`APP_SOURCE` when an
    app client acts (its token names one), :data:`COUNTER_SOURCE` for a staff sign-in."""
    return APP_SOURCE if actor.client_id else COUNTER_SOURCE


async def create(
    session: AsyncSession,
    *,
    actor: Actor,
    desk: Desk,
    data: RegistrantCreate,
    confirm_duplicates: bool,
    source: str = "api",
    source_ref: str | None = None,
    document_patterns: Mapping[str, str] | None = None,
    known_candidates: list[DuplicateCandidate] | None = None,
    registered_on: dt.date | None = None,
    phone_readings: Mapping[str, PhoneReading] | None = None,
) -> CreateOutcome:
    """Register a person at ``desk`` (audited ``registrant.create``).

    When possible duplicates exist among the actor's desks and ``confirm_duplicates`` is false,
    nothing is written and the candidates are returned. ``known_candidates``: the caller already
    looked for duplicates: no lookup. ``phone_readings``: how the caller already read ``data``'s
    phones from what the person wrote (:func:`app.registrants.bulk.build`). Raises ``NotFound`` (desk not the actor's),
    ``RestrictedField`` (403, residence_status by an agent), ``ValidationFailed`` (422: a
    phone, document number or area that does not parse) and ``IdTaken`` (409: ``data.id`` in use).

    The rows are written as plain column values (:mod:`app.registrants.bulk`), not through the
    ORM's unit of work; the returned registrant is built from them, with its consents' ids, and is
    not in the session (load it to change it).
    """
    if not actor.can_see_desk(desk.id):
        raise NotFound("No such desk.", detail_fr="Guichet introuvable.")
    registrant_id = await client_ids.new_id(
        session, Registrant, data.id, location="/api/v1/registrants/{id}", actor=actor
    )
    prepare.check_restricted(actor, data.model_dump(include=set(prepare.SENSITIVE), exclude_unset=True))
    find = await prepare.area_finder(session, country=desk.country, fields=data.model_dump(include=AREA_FIELDS))
    if data.consents:  # each referral decision bound to its partner (422 when it designates none)
        data = data.model_copy(
            update={"consents": await prepare.bind_partners(session, data.consents, where="consents.")}
        )
    new = bulk.build(
        actor=actor,
        desk=desk,
        data=data,
        registrant_id=registrant_id,
        find_area=find,
        source=source,
        source_ref=source_ref,
        document_patterns=document_patterns,
        registered_on=registered_on,
        phone_readings=phone_readings,
    )
    keys = new.keys
    if known_candidates is None:
        await in_flight.hold(session, keys)  # the same person sent twice at once: one after the other
        candidates = await find_duplicates(session, data=keys, desk_ids=actor.desk_ids)
    else:
        candidates = known_candidates
    if candidates and not confirm_duplicates:
        return CreateOutcome(None, candidates)
    new.values["registration_number"] = await _registration_number(session, desk=desk)
    new.confirmed = [str(c.id) for c in candidates]
    registrant = bulk.registrant_of(new)
    receipt = None if source in SILENT_SOURCES else await notify.registration_receipt(session, registrant=registrant)
    consent_ids = await bulk.store_one(session, actor, new, keys, receipt=receipt)
    for consent, consent_id in zip(registrant.consents, consent_ids, strict=True):
        consent.id = consent_id
    return CreateOutcome(registrant, candidates)


AREA_FIELDS = {"origin_region", "origin_departement", "host_region"}
IDENTIFYING = frozenset({"given_names", "family_name", "name_arabic", "sex", "date_of_birth", "phones", "documents"})
"""The fields a duplicate check compares first: an edit of one is checked as a registration is."""


async def registration_numbers(session: AsyncSession, *, desk: Desk, count: int) -> list[str]:
    """``count`` new registration numbers of ``desk``'s series for this year, in order (one round
    trip for the lot on PostgreSQL; see :func:`app.core.numbering.allocate_many`)."""
    year = dt.datetime.now(zoneinfo.ZoneInfo(desk.time_zone)).year
    column = Registrant.registration_number
    return await numbering.allocate_many(
        session, prefix=desk.number_prefix, kind="", year=year, column=column, count=count
    )


async def _load(session: AsyncSession, *, actor: Actor, registrant_id: uuid.UUID, lock: bool = False) -> Registrant:
    stmt = repository.with_children(select(Registrant).where(Registrant.id == registrant_id))
    if lock:  # as last committed, should an erasure have held the row (app.registrants.closed)
        stmt = stmt.with_for_update(of=Registrant).execution_options(populate_existing=True)
    registrant: Registrant | None = (await session.execute(stmt)).unique().scalar_one_or_none()
    if registrant is None or not actor.can_see_desk(registrant.desk_id):
        raise NotFound("No such registrant.", detail_fr="Personne introuvable.")
    if registrant.merged_into_id is not None:
        raise merged_into(registrant.merged_into_id)
    return registrant


async def get_visible(session: AsyncSession, *, actor: Actor, registrant_id: uuid.UUID) -> Registrant:
    """The registrant (not audited: the caller audits its own read); ``NotFound`` (404) also for
    one of a desk the actor does not belong to."""
    return await _load(session, actor=actor, registrant_id=registrant_id)


async def get(session: AsyncSession, *, actor: Actor, registrant_id: uuid.UUID) -> Registrant:
    """One registrant with phones, documents and consents; audited ``registrant.read``.

    Raises ``NotFound`` (404) also for a registrant of a desk the actor does not belong to, and
    ``RegistrantMerged`` (409; the router answers a GET with 301) for a file merged into another.
    """
    registrant = await _load(session, actor=actor, registrant_id=registrant_id)
    await audit.record(
        session,
        actor=actor,
        action="registrant.read",
        entity_type="registrant",
        entity_id=registrant.id,
        desk_id=registrant.desk_id,
    )
    return registrant


READ_RECORD = audit.audited_read(repository.record_sql(RegistrantOut.model_fields))
"""PostgreSQL: the statement behind :func:`read` (parameters ``registrant_id``, ``desk_ids``)."""


async def read(session: AsyncSession, *, actor: Actor, registrant_id: uuid.UUID) -> RegistrantOut:
    """One registrant's record as the API shows it; the read is audited ``registrant.read``.

    ``residence_status`` is null unless the actor may read it. Raises ``NotFound`` (404), also for
    a registrant of a desk the actor does not belong to (and then nothing is logged), and
    ``RegistrantMerged`` (nothing logged either) for a file merged into another.

    On PostgreSQL, the desk's most frequent request is one statement: it reads the record with its
    phones, documents and consents and appends the read's audit event (:func:`audit.audited_read`),
    committed before the record is returned. Elsewhere: :func:`get` and the commit-time hook.
    """
    if session.get_bind().dialect.name != "postgresql":
        return present(await get(session, actor=actor, registrant_id=registrant_id), actor)
    scope = list(actor.desk_ids) if actor.desk_ids is not None else None
    record = await audit.read_logged(
        session,
        READ_RECORD,
        {"registrant_id": registrant_id, "desk_ids": scope},
        actor=actor,
        action="registrant.read",
        entity_type="registrant",
        entity_id=registrant_id,
    )
    if record is None:
        await _raise_if_merged(session, actor=actor, registrant_id=registrant_id)
        raise NotFound("No such registrant.", detail_fr="Personne introuvable.")
    return present(record, actor)


async def read_after_conflict(session: AsyncSession, *, actor: Actor, registrant_id: uuid.UUID) -> Registrant:
    """The registrant as it is now, for a 412 answer; the read is audited (``registrant.read``)
    although the failed request rolls back. Raises ``NotFound``."""
    registrant = await _load(session, actor=actor, registrant_id=registrant_id)
    audit.record_even_if_rolled_back(
        session,
        actor=actor,
        action="registrant.read",
        entity_type="registrant",
        entity_id=registrant.id,
        desk_id=registrant.desk_id,
        details={"reason": "precondition_failed"},
    )
    return registrant


async def _raise_if_merged(session: AsyncSession, *, actor: Actor, registrant_id: uuid.UUID) -> None:
    """Raise ``RegistrantMerged`` when the (visible) file was merged into another; the read
    statement skips merged files, so only a miss pays for this lookup."""
    stmt = select(Registrant.desk_id, Registrant.merged_into_id).where(Registrant.id == registrant_id)
    found = (await session.execute(stmt)).one_or_none()
    if found is not None and found.merged_into_id is not None and actor.can_see_desk(found.desk_id):
        raise merged_into(found.merged_into_id)


def present(registrant: Registrant | Mapping[str, Any], actor: Actor) -> RegistrantOut:
    """The API's view of a registrant (an ORM object or a row read as a mapping) for ``actor``:
    the restricted fields (:data:`app.registrants.prepare.SENSITIVE`: ``residence_status``) are
    null unless they may read them."""
    out = RegistrantOut.model_validate(registrant)
    if not actor.reads_sensitive:
        for name in prepare.SENSITIVE:
            setattr(out, name, None)
    return out


async def update(
    session: AsyncSession,
    *,
    actor: Actor,
    registrant_id: uuid.UUID,
    if_match: str | None,
    data: RegistrantUpdate,
    document_patterns: Mapping[str, str] | None = None,
    check_duplicates: bool = False,
    confirm_duplicates: bool = False,
    phone_readings: Mapping[str, PhoneReading] | None = None,
) -> Registrant:
    """Apply a partial update checked against ``If-Match``: a rectification, whose changed fields
    are kept in the registrant's correction history with ``data.reason``
    (:mod:`app.privacy.rectification`); audited ``registrant.update`` with the changed fields, the
    before/after values (residence_status masked) in the event's erasable personal payload.
    ``phone_readings``: how the caller already read ``data``'s phones
    (:func:`app.registrants.prepare.phone_values`), kept as read.

    ``check_duplicates`` (an agent's edit): when the update changes what identifies the person
    (:data:`IDENTIFYING`) and the file now resembles registrants of the actor's desks it did not
    resemble before, or strongly where it resembled them only possibly, as a registration would
    find them (:func:`find_duplicates`), nothing changes and ``PossibleDuplicates`` (409) lists
    them, unless ``confirm_duplicates``. Those it resembled as much already were shown when it was
    registered or last edited (a file trimmed before a merge still resembles the other file of the
    person).

    Raises ``NotFound``, ``RegistrantErased`` (409: the file was anonymised, see
    :mod:`app.registrants.closed`), ``PreconditionRequired`` (428), ``PreconditionFailed`` (412,
    also when a concurrent update won), ``RestrictedField`` (403), ``ValidationFailed`` (422) and
    ``PossibleDuplicates`` (409).
    """
    registrant = await _load(session, actor=actor, registrant_id=registrant_id, lock=True)
    closed.ensure_open(registrant)
    require_if_match(if_match, registrant.version)
    changes = data.model_dump(exclude_unset=True)
    reason = changes.pop("reason", None)
    prepare.check_restricted(actor, changes, registrant)
    desk = await session.get(Desk, registrant.desk_id)
    assert desk is not None
    prepare.check_days(desk, changes, registrant)
    before = prepare.snapshot(registrant)
    checked = check_duplicates and not confirm_duplicates and bool(IDENTIFYING & changes.keys())
    # the registrants the file resembled already (shown when it was registered or last edited)
    resembled = {c.id: c.strength for c in await _resembling(session, actor, registrant)} if checked else {}
    for name in ("origin_region", "origin_departement", "host_region"):
        if name in changes and changes[name] is None:
            setattr(registrant, f"{name}_code", None)
    areas = await prepare.areas(session, desk=desk, fields=changes)
    for name, value in areas.items():
        setattr(registrant, name, value)
    for name in prepare.PLAIN:
        if name in changes:
            setattr(registrant, name, changes[name])
    if data.phones is not None and "phones" in changes:
        prepare.merge_phones(registrant, prepare.phones(data.phones, desk.country, phone_readings))
    if data.documents is not None and "documents" in changes:
        prepare.merge_documents(registrant, prepare.documents(data.documents, document_patterns))
    prepare.set_keys(registrant)
    if not changes or _unchanged(session, registrant, before):
        # an empty PATCH, or one whose values are those already held (a blank city on a file
        # without one), changes nothing: no new version, no history entry, no audit event
        return registrant
    if checked:
        candidates = [
            c
            for c in await _resembling(session, actor, registrant)
            if c.id not in resembled or (c.strength == "strong" and resembled[c.id] != "strong")
        ]
        if candidates:  # the request's transaction is rolled back: nothing changed
            raise PossibleDuplicates(
                "With these changes the file resembles other registrants; check the candidates, then resend "
                "with ?confirm_duplicates=true if they are someone else.",
                detail_fr="Avec ces modifications, la fiche ressemble à d'autres personnes inscrites ; vérifiez "
                "les candidats, puis confirmez la modification s'il s'agit de quelqu'un d'autre.",
                candidates=[c.model_dump(mode="json") for c in candidates],
            )
    registrant.updated_at = utcnow()  # always bump the version, even when only children changed
    try:
        await session.flush()
    except StaleDataError as exc:
        raise PreconditionFailed(
            "The record changed while you were updating it; read it again.",
            detail_fr="L'enregistrement a changé pendant votre modification ; relisez-le.",
        ) from exc
    await match_keys.replace(session, registrant)
    after = prepare.snapshot(registrant)
    corrected = await rectification.record(
        session, actor=actor, registrant=registrant, before=before, after=after, reason=reason
    )
    diff = audit.diff(before, after, sensitive=prepare.SENSITIVE)
    await audit.record(
        session,
        actor=actor,
        action="registrant.update",
        entity_type="registrant",
        entity_id=registrant.id,
        desk_id=registrant.desk_id,
        details={"changes": rectification.masked(diff), "corrections": corrected, "reason_given": reason is not None},
        personal={"changes": diff},
        subject_id=registrant.id,
    )
    return registrant


def _unchanged(session: AsyncSession, registrant: Registrant, before: dict[str, Any]) -> bool:
    """Whether the values set on ``registrant`` (not flushed) are those it held: its audited
    fields as in ``before`` and no column of it or of its phones and documents changed, none added
    or removed (SQLAlchemy's net change)."""
    if prepare.snapshot(registrant) != before or session.is_modified(registrant):
        return False
    children = [*registrant.phones, *registrant.documents]
    return not any(child in session.new or session.is_modified(child) for child in children)


async def _resembling(session: AsyncSession, actor: Actor, registrant: Registrant) -> list[DuplicateCandidate]:
    """The registrants of the actor's desks that ``registrant`` (as it stands in the session) may be."""
    person = match_keys.person_of(registrant)
    return await find_duplicates(session, data=person, desk_ids=actor.desk_ids, exclude_id=registrant.id)


async def search(
    session: AsyncSession,
    *,
    actor: Actor,
    filters: repository.SearchFilters,
    cursor: str | None,
    limit: int,
) -> tuple[list[Registrant], str | None]:
    """A page of the registrants the actor may see, newest first, matching ``filters``.

    ``q`` matches names (accent/case-insensitive, spelling variants and phonetic keys, in Arabic
    script or Latin letters whichever the file uses), phones
    written any way, document numbers and registration numbers. ``filters.desk_ids`` narrows to
    those desks (intersected with the actor's). Raises ``BadRequest`` for an invalid cursor.

    Audited ``registrant.search`` with what was found — the ids of the registrants on the page —
    and the names of the filters given, never their values (a phone number, a name).
    """
    wanted = set(filters.desk_ids) if filters.desk_ids is not None else None
    if actor.desk_ids is not None:
        wanted = set(actor.desk_ids) if wanted is None else wanted & actor.desk_ids
    visible = list(wanted) if wanted is not None else None
    regions_stmt = select(Desk.country).distinct()
    if visible is not None:
        regions_stmt = regions_stmt.where(Desk.id.in_(visible))
    regions = sorted((await session.execute(regions_stmt)).scalars().all()) or ["SN"]
    scoped = dataclasses.replace(filters, desk_ids=visible)
    postgresql = bool(filters.q) and session.get_bind().dialect.name == "postgresql"
    tokens = repository.name_tokens(filters.q or "")
    terms = await repository.name_terms(session, tokens) if tokens and postgresql else None
    heard = await sounding.words(session, tokens) if tokens and not postgresql else None
    stmt = repository.search_query(scoped, regions=regions, few=postgresql and not tokens, terms=terms, heard=heard)
    rows, next_cursor = await paginate(
        session, stmt, keys=[Registrant.created_at, Registrant.id], cursor=cursor, limit=limit, descending=True
    )
    given = [f.name for f in dataclasses.fields(filters) if getattr(filters, f.name) is not None and f.name != "today"]
    await audit.record(
        session,
        actor=actor,
        action="registrant.search",
        entity_type="registrant",
        details={"filters": given, "registrant_ids": [str(r.id) for r in rows]},
    )
    return list(rows), next_cursor


async def add_consent(session: AsyncSession, *, actor: Actor, registrant_id: uuid.UUID, data: ConsentIn) -> Consent:
    """Record a consent decision for one purpose (audited ``registrant.consent_add``). A refusal
    withdraws the consents in force for that purpose in the person's files at other desks
    (:func:`app.privacy.linked.propagate_withdrawal`); a grant stays at this desk.

    A ``partner_referral`` decision is bound to its partner (:func:`prepare.bind_partners`:
    ``UnknownPartner``/``ValidationFailed``, 422). Raises ``NotFound`` (404) and
    ``RegistrantErased`` (409) for an anonymised file."""
    registrant = await _load(session, actor=actor, registrant_id=registrant_id, lock=True)
    closed.ensure_open(registrant)
    [data] = await prepare.bind_partners(session, [data])
    consent = prepare.consent(data, actor)
    consent.registrant_id = registrant.id
    session.add(consent)
    registrant.updated_at = utcnow()
    await session.flush()
    await audit.record(
        session,
        actor=actor,
        action="registrant.consent_add",
        entity_type="registrant",
        entity_id=registrant.id,
        desk_id=registrant.desk_id,
        details={"consent_id": consent.id, "purpose": consent.purpose, "granted": consent.granted},
    )
    if not consent.granted:  # a refusal is the person's latest decision at every desk holding their file
        await linked.propagate_withdrawal(session, actor=actor, consent=consent, at=consent.recorded_at)
    return consent


async def withdraw_consent(
    session: AsyncSession, *, actor: Actor, registrant_id: uuid.UUID, consent_id: int
) -> Consent:
    """Withdraw a consent (audited ``registrant.consent_withdraw``); the record is kept. The
    consents in force for that purpose in the person's files at other desks (linked by transfer or
    merge) are withdrawn with it (:func:`app.privacy.linked.propagate_withdrawal`).

    Raises ``NotFound``, ``ConsentAlreadyWithdrawn`` (409) and ``RegistrantErased`` (409: an
    anonymised file's consents were all withdrawn by its erasure).
    """
    registrant = await _load(session, actor=actor, registrant_id=registrant_id, lock=True)
    closed.ensure_open(registrant)
    consent = next((c for c in registrant.consents if c.id == consent_id), None)
    if consent is None:
        raise NotFound("No such consent.", detail_fr="Consentement introuvable.")
    if consent.withdrawn_at is not None:
        raise ConsentAlreadyWithdrawn(
            "This consent was already withdrawn.", detail_fr="Ce consentement a déjà été retiré."
        )
    now = utcnow()
    consent.withdrawn_at = now
    registrant.updated_at = now
    await session.flush()
    await audit.record(
        session,
        actor=actor,
        action="registrant.consent_withdraw",
        entity_type="registrant",
        entity_id=registrant.id,
        desk_id=registrant.desk_id,
        details={"consent_id": consent.id, "purpose": consent.purpose},
    )
    await linked.propagate_withdrawal(session, actor=actor, consent=consent, at=now)
    return consent


def etag(registrant: Registrant) -> str:
    """The ETag of the registrant's current version."""
    return etag_of(registrant.version)
