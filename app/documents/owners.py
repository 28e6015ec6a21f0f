"""Owners of documents, behind one resolver, and the one rule for document permissions.

An owner type maps to a loader returning the owner's desk id (or ``None`` when it does not
exist) and to the roles that may read and write the owner itself. Every document action is
allowed exactly when the actor may do the corresponding thing to the owner
(:data:`DOCUMENT_ACTIONS`): listing, reading and downloading need the owner's *read*
permission, uploading its *write* permission, deleting its *write* permission and a moderating
role (supervisor, administrator). :func:`resolve` applies it: a role without the permission gets
``Forbidden`` (403, as on the owner's own routes), a record of a desk the actor does not see
``NotFound`` (404, indistinguishable from a missing one). Attaching documents to a new kind of
record is one :func:`register` call and one route.
"""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Literal

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from app.auth.deps import CurrentActor
from app.cases.models import Case
from app.core.context import Actor
from app.core.errors import Forbidden, NotFound
from app.registrants import closed
from app.registrants.errors import merged_into
from app.registrants.models import Registrant

DeskLoader = Callable[[AsyncSession, uuid.UUID], Awaitable[uuid.UUID | None]]
PersonLoader = Callable[[AsyncSession, uuid.UUID], Awaitable[uuid.UUID | None]]
DocumentAction = Literal["list", "read", "download", "upload", "delete"]

DOCUMENT_ACTIONS: dict[str, tuple[Literal["read", "write"], frozenset[str] | None]] = {
    "list": ("read", None),
    "read": ("read", None),
    "download": ("read", None),
    "upload": ("write", None),
    "delete": ("write", frozenset({"supervisor", "admin"})),
}
"""Document action → (the owner permission it needs, the roles it is further limited to)."""

# The roles of the owners' own routes (app/registrants/router.py, app/cases/router.py): every role
# reads registrants of the desks it sees (auditors handle access requests); cases are for agents,
# supervisors and administrators only; auditors write nothing.
STAFF_WRITERS = frozenset({"agent", "supervisor", "admin"})
EVERY_ROLE = frozenset({"agent", "supervisor", "admin", "auditor"})


@dataclass(frozen=True)
class _OwnerKind:
    loader: DeskLoader
    read_roles: frozenset[str]
    write_roles: frozenset[str]
    person: PersonLoader | None


_KINDS: dict[str, _OwnerKind] = {}


@dataclass(frozen=True)
class Owner:
    """A resolved owner: its type, id and the desk it belongs to."""

    type: str
    id: uuid.UUID
    desk_id: uuid.UUID


def register(
    owner_type: str,
    loader: DeskLoader,
    *,
    read_roles: frozenset[str],
    write_roles: frozenset[str],
    person: PersonLoader | None = None,
) -> None:
    """Make ``owner_type`` a valid owner, with ``loader(session, id) -> desk_id | None`` and the
    roles that may read and write such an owner (on the desks they see). ``person(session, id) ->
    registrant_id | None``: whose file the owner's documents are part of, for an owner that holds
    a person's data (no upload once that file is anonymised: :func:`hold_open`)."""
    _KINDS[owner_type] = _OwnerKind(loader, read_roles, write_roles, person)


async def hold_open(session: AsyncSession, owner: Owner) -> uuid.UUID | None:
    """Raise ``RegistrantErased`` (409) when the owner's person's file is anonymised, and keep an
    erasure waiting until the transaction ends (:func:`app.registrants.closed.hold_open`): called
    when an upload is resolved (before a byte is read) and again in the transaction writing its row,
    since an erasure may commit while the bytes stream. Returns that person's registrant id (None
    for an owner holding no person's data)."""
    kind = _KINDS[owner.type]
    registrant_id = await kind.person(session, owner.id) if kind.person is not None else None
    if registrant_id is not None:
        await closed.hold_open(session, registrant_id)
    return registrant_id


def allowed_roles(owner_type: str, action: DocumentAction) -> frozenset[str]:
    """The roles that may do ``action`` to the documents of an ``owner_type`` (desk aside)."""
    kind = _KINDS[owner_type]
    permission, limited_to = DOCUMENT_ACTIONS[action]
    roles = kind.read_roles if permission == "read" else kind.write_roles
    return roles if limited_to is None else roles & limited_to


def roles_for(action: DocumentAction) -> frozenset[str]:
    """The roles that may do ``action`` to the documents of at least one owner type."""
    return frozenset().union(*(allowed_roles(owner_type, action) for owner_type in _KINDS))


def require_action(action: DocumentAction) -> Callable[[Actor], Awaitable[Actor]]:
    """A route dependency answering 403 to a role that may do ``action`` to no document at all.

    Runs before the request body is read and validated, so such a role learns nothing from the
    body's problems; :func:`resolve` still checks the role against the owner found.
    """

    async def check(actor: CurrentActor) -> Actor:
        if actor.role not in roles_for(action):
            raise Forbidden(
                f"The role {actor.role} may not {action} documents.",
                detail_fr=f"Le rôle {actor.role} ne peut pas faire « {action} » sur des documents.",
            )
        return actor

    return check


async def resolve(
    session: AsyncSession, *, actor: Actor, owner_type: str, owner_id: uuid.UUID, action: DocumentAction
) -> Owner:
    """The owner if the actor may do ``action`` to its documents.

    Raises ``Forbidden`` (403) when the actor's role may not (whatever the record), ``NotFound``
    (404) when the owner does not exist or belongs to a desk the actor does not see,
    ``RegistrantMerged`` (409, with the survivor) for a registrant file merged into another, and
    for an upload ``RegistrantErased`` (409) when the person's file is anonymised.
    """
    kind = _KINDS.get(owner_type)
    if kind is None:
        raise NotFound(f"No such {owner_type}.", detail_fr="Dossier introuvable.")
    if actor.role not in allowed_roles(owner_type, action):
        raise Forbidden(
            f"The role {actor.role} may not {action} the documents of a {owner_type}.",
            detail_fr=f"Le rôle {actor.role} ne peut pas faire « {action} » sur les documents de ce dossier.",
        )
    desk_id = await kind.loader(session, owner_id)
    if desk_id is None or not actor.can_see_desk(desk_id):
        raise NotFound(f"No such {owner_type}.", detail_fr="Dossier introuvable.")
    if owner_type == "registrant":
        survivor = (await session.execute(select(Registrant.merged_into_id).where(Registrant.id == owner_id))).scalar()
        if survivor is not None:  # a merged file's documents are the survivor's now
            raise merged_into(survivor)
    owner = Owner(type=owner_type, id=owner_id, desk_id=desk_id)
    if action == "upload":
        await hold_open(session, owner)
    return owner


async def _registrant_desk(session: AsyncSession, registrant_id: uuid.UUID) -> uuid.UUID | None:
    return (await session.execute(select(Registrant.desk_id).where(Registrant.id == registrant_id))).scalar()


async def _registrant_itself(_session: AsyncSession, registrant_id: uuid.UUID) -> uuid.UUID | None:
    return registrant_id


register("registrant", _registrant_desk, read_roles=EVERY_ROLE, write_roles=STAFF_WRITERS, person=_registrant_itself)


async def _case_desk(session: AsyncSession, case_id: uuid.UUID) -> uuid.UUID | None:
    return (await session.execute(select(Case.desk_id).where(Case.id == case_id))).scalar()


async def _case_person(session: AsyncSession, case_id: uuid.UUID) -> uuid.UUID | None:
    return (await session.execute(select(Case.registrant_id).where(Case.id == case_id))).scalar()


register("case", _case_desk, read_roles=STAFF_WRITERS, write_roles=STAFF_WRITERS, person=_case_person)
