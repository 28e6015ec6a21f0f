"""``/api/v1/registrants``: register, read, update, list and search people; record consents.

Creating a person whose details resemble registrants already on file answers 409
``possible-duplicates`` with the scored candidates and writes nothing; the agent looks at them and,
if this is really someone new, sends the same request again with ``?confirm_duplicates=true``
(a query flag, so the body stays the same person; the 409 is not stored under an
``Idempotency-Key``, so that request may carry the same key — but once a create has answered 201,
the same key with the flag added or dropped is another request: 422 ``idempotency-key-reused``).
"""

from __future__ import annotations

import uuid
from typing import Annotated, Any

from fastapi import Depends, Header, Path, Query, Response

from app.auth.deps import CurrentActor, require_roles
from app.core.conflicts import with_current
from app.core.context import Actor
from app.core.dates import InstantText
from app.core.deps import SessionDep, SettingsDep
from app.core.errors import PreconditionFailed, ValidationFailed
from app.core.http import etag_of
from app.core.idempotency import IdempotencyDep
from app.core.integers import INTEGER_MAX, INTEGER_MIN
from app.core.pagination import DEFAULT_LIMIT, MAX_LIMIT, Page
from app.core.periods import check_order
from app.core.routing import api_router
from app.desks import service as desks
from app.registrants import repository, service
from app.registrants.errors import PossibleDuplicates, RegistrantMerged
from app.registrants.schemas import (
    ConsentIn,
    ConsentOut,
    RegistrantCreate,
    RegistrantOut,
    RegistrantSummary,
    RegistrantUpdate,
    Sex,
    StatusCategory,
)

router = api_router(prefix="/api/v1/registrants", tags=["registrants"])

WriterActor = Annotated[Actor, Depends(require_roles("agent", "supervisor", "admin"))]
_PROBLEM: dict[str, Any] = {"content": {"application/problem+json": {}}}


# The search box and the city filter in words (a French message never names a query parameter).
_NOTHING_TO_SEARCH_FR = {
    "q": "La recherche ne contient ni lettre ni chiffre : tapez un nom, un numéro ou un téléphone.",
    "city": "La ville recherchée ne contient ni lettre ni chiffre.",
}


@router.post(
    "",
    status_code=201,
    response_model=RegistrantOut,
    responses={
        409: {"description": "possible-duplicates: scored `candidates`; nothing written", **_PROBLEM},
        403: {"description": "restricted-field (residence_status), role, or a member of no desk", **_PROBLEM},
        422: {
            "description": "validation-failed / idempotency-key-reused / desk-required / unknown-desk",
            **_PROBLEM,
        },
    },
)
async def create_registrant(
    body: RegistrantCreate,
    session: SessionDep,
    actor: WriterActor,
    settings: SettingsDep,
    idem: IdempotencyDep,
    confirm_duplicates: Annotated[
        bool, Query(description="Create even though possible duplicates were shown (after a 409).")
    ] = False,
) -> Response:
    """Register a person at a desk; 201 with ``Location`` and ``ETag``.

    Phones are parsed with the desk's country as default; the registration number is
    ``<PREFIX>-<YEAR>-<NNNNNN>``. ``Idempotency-Key`` makes a retry return the first response.
    A ``date_of_birth`` or ``arrival_date`` after today at the desk (its local date) is a 422
    naming the field; so is a ``desk_code`` no desk has (``unknown-desk``), where a desk the user
    does not belong to is 404. The record's ``source`` is ``counter`` for a staff member signed in
    themselves (the desk's web client), ``api`` for an app client acting for one.
    """
    replayed = await idem.replay(actor)
    if replayed is not None:
        return replayed
    desk = await service.resolve_desk(session, actor=actor, desk_code=body.desk_code)
    outcome = await service.create(
        session,
        actor=actor,
        desk=desk,
        data=body,
        confirm_duplicates=confirm_duplicates,
        source=service.source_of(actor),
        document_patterns=settings.document_number_patterns,
    )
    if outcome.registrant is None:
        raise PossibleDuplicates(
            "This person may already be registered; check the candidates, then resend with "
            "?confirm_duplicates=true if they are someone else.",
            detail_fr="Cette personne est peut-être déjà inscrite ; vérifiez les candidats, puis confirmez "
            "l'inscription s'il s'agit de quelqu'un d'autre.",
            candidates=[c.model_dump(mode="json") for c in outcome.candidates],
        )
    registrant = outcome.registrant
    return await idem.respond(
        201,
        service.present(registrant, actor).model_dump(mode="json"),
        headers={"Location": f"/api/v1/registrants/{registrant.id}", "ETag": service.etag(registrant)},
    )


@router.get("", response_model=Page[RegistrantSummary])
async def list_registrants(
    session: SessionDep,
    actor: CurrentActor,
    q: Annotated[str | None, Query(max_length=200, description="Name, phone, document or registration number.")] = None,
    desk: Annotated[str | None, Query(max_length=32, description="Desk code, e.g. CASA-BASE.")] = None,
    sex: Sex | None = None,
    status_category: StatusCategory | None = None,
    created_from: Annotated[InstantText | None, Query(description="Inclusive, with offset.")] = None,
    created_to: Annotated[InstantText | None, Query(description="Inclusive, with offset.")] = None,
    city: Annotated[
        str | None, Query(min_length=1, max_length=120, description="City of residence (case- and accent-insensitive).")
    ] = None,
    age_min: Annotated[int | None, Query(ge=0, le=130, description="Age in whole years today, at least.")] = None,
    age_max: Annotated[int | None, Query(ge=0, le=130, description="Age in whole years today, at most.")] = None,
    cursor: Annotated[str | None, Query(max_length=512)] = None,
    limit: Annotated[int, Query(ge=1, le=MAX_LIMIT)] = DEFAULT_LIMIT,
) -> Page[RegistrantSummary]:
    """Registrants of the user's desks, newest first, with cursor pagination.

    ``q`` is accent- and case-insensitive and tolerant of spelling variants (N'Diaye, Njaay and
    NDIAYE all find Ndiaye); a phone may be written any way. ``city`` is the city of residence,
    its words read like a name's (``Kenitra`` finds ``KÉNITRA``);
    ``age_min``/``age_max`` count whole years today from the date of birth (a partial date from its
    first day; no date of birth, no match). ``q`` empty (``?q=``) is no search (everyone
    listed). 422 ``unknown-desk``; ``validation-failed`` for ``age_min`` above ``age_max``, or a
    ``q`` or ``city`` with nothing to search by once normalised (white space, invisible characters
    such as U+3164 or U+200B, variation selectors, tatweel, marks or punctuation alone: error type
    ``blank_after_normalisation``, ``loc`` naming the parameter).
    """
    check_order(created_from, created_to, names=("created_from", "created_to"))
    if age_min is not None and age_max is not None and age_min > age_max:
        raise ValidationFailed(
            "age_min must not be above age_max.",
            detail_fr="L'âge minimum ne peut pas dépasser l'âge maximum.",
            errors=[{"loc": ["query", "age_min"], "type": "age_range", "msg": "age_min is above age_max"}],
        )
    # `?q=` (a form's field left empty) is no search; white space alone is typed, and searches by nothing.
    q = q or None
    if blank := repository.unsearchable(q=q, city=city):
        raise ValidationFailed(
            f"Nothing to search by in {', '.join(blank)}.",
            detail_fr=" ".join(_NOTHING_TO_SEARCH_FR[name] for name in blank),
            errors=[
                {
                    "loc": ["query", name],
                    "type": "blank_after_normalisation",
                    "msg": "Nothing to search by once invisible characters, marks and punctuation are set aside.",
                }
                for name in blank
            ],
        )
    desk_ids = [(await desks.get_by_code(session, code=desk, field="desk", where="query")).id] if desk else None
    filters = repository.SearchFilters(
        q=q,
        desk_ids=desk_ids,
        sex=sex,
        status_category=status_category,
        created_from=created_from,
        created_to=created_to,
        city=city,
        age_min=age_min,
        age_max=age_max,
    )
    rows, next_cursor = await service.search(session, actor=actor, filters=filters, cursor=cursor, limit=limit)
    return Page[RegistrantSummary](items=[RegistrantSummary.model_validate(r) for r in rows], next_cursor=next_cursor)


@router.get(
    "/{registrant_id}",
    response_model=RegistrantOut,
    responses={301: {"description": "The file was merged: `Location` is the survivor's."}, 404: _PROBLEM},
)
async def get_registrant(
    registrant_id: uuid.UUID, session: SessionDep, actor: CurrentActor, response: Response
) -> RegistrantOut | Response:
    """One registrant with phones, documents and consents (``ETag``); the read is audited.

    404 also for a registrant of a desk the user does not belong to. A file merged into another
    answers ``301 Moved Permanently`` with ``Location`` the survivor's URL (not audited: no
    personal data is shown); its writes answer 409 ``registrant-merged``.
    """
    try:
        record = await service.read(session, actor=actor, registrant_id=registrant_id)
    except RegistrantMerged as moved:
        return Response(status_code=301, headers={"Location": moved.extra["survivor_location"]})
    response.headers["ETag"] = etag_of(record.version)
    return record


@router.patch(
    "/{registrant_id}",
    response_model=RegistrantOut,
    responses={403: _PROBLEM, 404: _PROBLEM, 409: _PROBLEM, 412: _PROBLEM, 428: _PROBLEM},
)
async def update_registrant(
    registrant_id: uuid.UUID,
    body: RegistrantUpdate,
    session: SessionDep,
    actor: WriterActor,
    settings: SettingsDep,
    response: Response,
    if_match: Annotated[str | None, Header(description="The ETag of your last read.")] = None,
    confirm_duplicates: Annotated[
        bool, Query(description="Change the file even though possible duplicates were shown (after a 409).")
    ] = False,
) -> RegistrantOut:
    """Change some fields (``If-Match`` required: 428 without it, 412 when stale, with the
    registrant as it is now in ``current`` and its ``current_etag``, to merge and resend).

    A change of the names, sex, birth date, phones or documents is checked for duplicates as a
    registration is: 409 ``possible-duplicates`` with the ``candidates``, nothing changed; resend
    with ``?confirm_duplicates=true`` when they are someone else. A ``date_of_birth`` or
    ``arrival_date`` after today at the file's desk (its local date) is a 422 naming the field."""
    try:
        registrant = await service.update(
            session,
            actor=actor,
            registrant_id=registrant_id,
            if_match=if_match,
            data=body,
            document_patterns=settings.document_number_patterns,
            check_duplicates=True,
            confirm_duplicates=confirm_duplicates,
        )
    except PreconditionFailed as stale:

        async def render() -> tuple[dict[str, Any], str]:
            current = await service.read_after_conflict(session, actor=actor, registrant_id=registrant_id)
            return service.present(current, actor).model_dump(mode="json"), service.etag(current)

        raise await with_current(stale, render) from None
    response.headers["ETag"] = service.etag(registrant)
    return service.present(registrant, actor)


@router.post("/{registrant_id}/consents", status_code=201, response_model=ConsentOut)
async def add_consent(
    registrant_id: uuid.UUID, body: ConsentIn, session: SessionDep, actor: WriterActor, idem: IdempotencyDep
) -> Response:
    """Record consent (granted or refused) for one purpose, with channel, notice version and language.
    Accepts ``Idempotency-Key``."""
    if (replayed := await idem.replay(actor)) is not None:
        return replayed
    consent = await service.add_consent(session, actor=actor, registrant_id=registrant_id, data=body)
    return await idem.respond(201, ConsentOut.model_validate(consent).model_dump(mode="json"))


@router.post("/{registrant_id}/consents/{consent_id}/withdraw", response_model=ConsentOut)
async def withdraw_consent(
    registrant_id: uuid.UUID,
    consent_id: Annotated[int, Path(ge=INTEGER_MIN, le=INTEGER_MAX, description="The consent's id.")],
    session: SessionDep,
    actor: WriterActor,
    idem: IdempotencyDep,
) -> Response:
    """Withdraw a consent; the decision stays on record with its withdrawal time. 409 if already
    withdrawn (but for a retry with the same ``Idempotency-Key``, which answers the withdrawal);
    404 for a consent not on this file; 422 for a ``consent_id`` beyond the SQL INTEGER range."""
    if (replayed := await idem.replay(actor)) is not None:
        return replayed
    consent = await service.withdraw_consent(session, actor=actor, registrant_id=registrant_id, consent_id=consent_id)
    return await idem.respond(200, ConsentOut.model_validate(consent).model_dump(mode="json"))
