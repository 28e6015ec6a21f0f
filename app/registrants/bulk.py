"""Registrants as plain column values: how every registration is written.

:func:`build` checks a request body and gives the column values of its ``registrants``,
``registrant_phones``, ``identity_documents`` and ``consents`` rows (:class:`NewRow`), not ORM
objects: building, tracking and flushing ORM objects costs several times the work itself.
:func:`store` writes a numbered lot of them (the register import) with their match keys and their
``registrant.create`` audit events in the caller's transaction, one bulk insert per table
(:mod:`app.core.bulk`); :func:`store_one` writes one (``POST /api/v1/registrants``,
:func:`app.registrants.service.create`, which also queues the registration receipt).
"""

from __future__ import annotations

import datetime as dt
import uuid
import zoneinfo
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, cast

from sqlalchemy import Table
from sqlalchemy.ext.asyncio import AsyncSession

from app.audit import service as audit
from app.core import bulk
from app.core.context import Actor
from app.core.db import utcnow
from app.core.ids import new_id
from app.desks.models import Desk
from app.notifications.models import Notification
from app.privacy import rectification
from app.registrants import keys as match_keys
from app.registrants import prepare
from app.registrants.matching import PersonKeys
from app.registrants.models import Consent, IdentityDocument, Registrant, RegistrantKey, RegistrantPhone
from app.registrants.normalize import PhoneReading
from app.registrants.schemas import RegistrantCreate

if TYPE_CHECKING:
    from app.notifications.outbox import Planned

_REGISTRANTS = cast(Table, Registrant.__table__)
_PHONES = cast(Table, RegistrantPhone.__table__)
_DOCUMENTS = cast(Table, IdentityDocument.__table__)
_CONSENTS = cast(Table, Consent.__table__)
_KEYS = cast(Table, RegistrantKey.__table__)
_NOTIFICATIONS = cast(Table, Notification.__table__)


@dataclass
class NewRow:
    """A registrant built by :func:`build`, not yet numbered nor stored.

    ``values`` are its ``registrants`` columns (``registration_number`` None until numbered);
    ``phones``, ``documents`` and ``consents`` its child rows' columns, without ``registrant_id``;
    ``keys`` its matching keys (:func:`app.registrants.keys.person_of` of the stored registrant).
    """

    id: uuid.UUID
    values: dict[str, Any]
    phones: list[dict[str, Any]]
    documents: list[dict[str, Any]]
    consents: list[dict[str, Any]]
    source: str
    granted: list[str] = field(default_factory=list)
    confirmed: list[str] = field(default_factory=list)
    """The ids of the possible duplicates the actor confirmed this person is not."""

    @property
    def keys(self) -> PersonKeys:
        v = self.values
        return PersonKeys.of(
            given_names=v["given_names"],
            family_name=v["family_name"],
            date_of_birth=v["date_of_birth"],
            sex=v["sex"],
            phones=[p["e164"] for p in self.phones if p["e164"] is not None],
            unverified_phones=[p["digits"] for p in self.phones if p["e164"] is None and p["digits"]],
            typed_documents=[(d["doc_type"], d["number"]) for d in self.documents],
            place_of_birth=v["place_of_birth"],
            origin_region=v["origin_region_code"],
            arrival_date=v["arrival_date"].isoformat() if v["arrival_date"] else None,
            email=v["email"],
            host_city=v["host_city"],
            occupation=v["occupation"],
            name_arabic=v["name_arabic"],
        )


def build(
    *,
    actor: Actor,
    desk: Desk,
    data: RegistrantCreate,
    find_area: prepare.AreaFinder,
    source: str,
    source_ref: str | None = None,
    document_patterns: Mapping[str, str] | None = None,
    registered_on: dt.date | None = None,
    registrant_id: uuid.UUID | None = None,
    phone_readings: Mapping[str, PhoneReading] | None = None,
) -> NewRow:
    """The new registrant of ``data`` at ``desk`` as column values (see :class:`NewRow`).

    Raises ``RestrictedField`` (403: a value for ``residence_status`` from a role that may not write it) and
    ``ValidationFailed`` (422: a phone, document number or area that does not parse, a date of
    birth or arrival after the desk's today). No database
    access. ``registrant_id``: the id (checked free by the caller), else ``data.id``, else a new one.
    ``phone_readings``: how the caller already read ``data``'s phones
    (:func:`app.registrants.prepare.phone_values`).
    """
    fields = data.model_dump(exclude={"id", "phones", "documents", "consents", "desk_code"})
    # the restricted fields as sent (data.model_dump(include=…, exclude_unset=True): a second dump per row)
    prepare.check_restricted(actor, {f: fields[f] for f in prepare.SENSITIVE if f in data.model_fields_set})
    prepare.check_days(desk, fields)
    phones = prepare.phone_values(data.phones, desk.country, phone_readings)
    documents = prepare.document_values(data.documents, document_patterns)
    areas = prepare.resolve_areas(find_area, country=desk.country, fields=fields)
    now = utcnow()
    registrant_id = registrant_id or data.id or new_id()
    values: dict[str, Any] = {
        "id": registrant_id,
        "desk_id": desk.id,
        "registration_number": None,
        "registered_on": registered_on or dt.datetime.now(zoneinfo.ZoneInfo(desk.time_zone)).date(),
        **{f: fields[f] for f in prepare.PLAIN},
        **prepare.key_values(
            fields["given_names"], fields["family_name"], fields["date_of_birth"], fields["name_arabic"]
        ),
        "origin_region_code": areas.get("origin_region_code"),
        "origin_departement_code": areas.get("origin_departement_code"),
        "host_country": desk.country,
        "host_region_code": areas.get("host_region_code"),
        "source": source,
        "source_ref": source_ref,
        "created_by": actor.user_id,
        "merged_into_id": None,
        "version": 1,
        "anonymised_at": None,
        "created_at": now,
        "updated_at": now,
    }
    return NewRow(
        id=registrant_id,
        values=values,
        phones=phones,
        documents=documents,
        consents=[prepare.consent_values(c, actor) for c in data.consents],
        source=source,
        granted=[c.purpose for c in data.consents if c.granted],
    )


@dataclass
class Rows:
    """The rows :func:`store` inserts, by table (see :func:`rows_of`)."""

    registrants: list[dict[str, Any]] = field(default_factory=list)
    phones: list[dict[str, Any]] = field(default_factory=list)
    documents: list[dict[str, Any]] = field(default_factory=list)
    consents: list[dict[str, Any]] = field(default_factory=list)
    keys: list[dict[str, Any]] = field(default_factory=list)
    notifications: list[dict[str, Any]] = field(default_factory=list)
    events: list[dict[str, Any]] = field(default_factory=list)
    payloads: list[dict[str, Any]] = field(default_factory=list)

    def prepare(self, *, dialect: str | None) -> list[bulk.Prepared]:
        """The rows made ready for :func:`app.core.bulk.insert_prepared`, in the order they are
        inserted (registrants before the rows referring to them); ``dialect`` as
        :func:`app.core.bulk.prepare`. CPU only."""
        return [
            bulk.prepare(_REGISTRANTS, self.registrants, dialect=dialect),
            bulk.prepare(_PHONES, self.phones, dialect=dialect),
            bulk.prepare(_DOCUMENTS, self.documents, dialect=dialect),
            bulk.prepare(_CONSENTS, self.consents, dialect=dialect),
            bulk.prepare(_KEYS, self.keys, dialect=dialect),
            bulk.prepare(_NOTIFICATIONS, self.notifications, dialect=dialect),
            *audit.prepare_events(self.events, self.payloads, dialect=dialect),
        ]


def rows_of(
    actor: Actor, created: Sequence[tuple[NewRow, PersonKeys]], *, derived: match_keys.DerivedKeys | None = None
) -> Rows:
    """Every row of the numbered registrants ``created`` (each with its :attr:`NewRow.keys`): theirs,
    their phones', documents', consents', match keys' (:func:`app.registrants.keys.rows_of`; an
    import passes the keys its run computed already, ``derived``) and their ``registrant.create``
    audit events with the events' personal payloads. CPU work only (a worker thread may run it)."""
    out = Rows()
    for new, keys in created:
        values = new.values
        if values["registration_number"] is None:
            raise ValueError("a registrant is stored numbered")
        rid = new.id
        out.registrants.append(values)
        out.phones += [{"registrant_id": rid, **p} for p in new.phones]
        out.documents += [{"registrant_id": rid, **d} for d in new.documents]
        out.consents += [{"registrant_id": rid, **c} for c in new.consents]
        out.keys += key_rows(new, keys, derived)
        changes = audit.diff({}, prepare.snapshot_of(values, new.phones, new.documents), sensitive=prepare.SENSITIVE)
        event, payload = audit.event_values(
            actor=actor,
            action="registrant.create",
            entity_type="registrant",
            entity_id=rid,
            desk_id=values["desk_id"],
            details={
                "source": new.source,
                "changes": rectification.masked(changes),
                "consents": new.granted,
                "confirmed_duplicates": new.confirmed,
            },
            personal={"registration_number": values["registration_number"], "changes": changes},
            subject_id=rid,
            details_ready=True,  # a diff's values, strings and lists of strings
        )
        out.events.append(event)
        if payload is not None:
            out.payloads.append(payload)
    return out


def key_rows(new: NewRow, keys: PersonKeys, derived: match_keys.DerivedKeys | None = None) -> list[dict[str, Any]]:
    """The ``registrant_keys`` rows of ``new`` (``keys``: its :attr:`NewRow.keys`), as
    :func:`app.registrants.keys.rows_of` gives them for the stored registrant."""
    return match_keys.key_rows(new.id, keys, derived=derived)


async def store(session: AsyncSession, rows: Rows | Sequence[bulk.Prepared]) -> None:
    """Insert ``rows`` (:func:`rows_of`, or its :meth:`Rows.prepare`) in the session's
    transaction, one bulk insert per table."""
    if isinstance(rows, Rows):
        rows = rows.prepare(dialect=session.get_bind().dialect.name)
    for prepared in rows:
        await bulk.insert_prepared(session, prepared)


async def store_one(
    session: AsyncSession, actor: Actor, new: NewRow, keys: PersonKeys, *, receipt: Planned | None = None
) -> list[int]:
    """Store one numbered registrant ``new`` (``keys``: its :attr:`NewRow.keys`) with its rows and
    its ``registrant.create`` event in the session's transaction, as :func:`store` does, but in one
    statement (:func:`app.core.bulk.insert_together`; a client-chosen id is checked free, and held
    against a concurrent create, by :func:`app.core.client_ids.new_id` before: taken all the same,
    it raises ``IntegrityError``, answered 409 ``unique-violation``). ``receipt``: the registration's receipt
    (:func:`app.notifications.events.registration_receipt`), inserted in the same statement with
    its audit event after the registrant's; its ``dedupe_key`` names the new registrant, so no
    earlier row holds it. Returns the ids of its consents, in their order (numbered by the database).
    """
    rows = rows_of(actor, [(new, keys)])
    if receipt is not None:
        rows.notifications.append(receipt.row)
        event, _ = receipt.event(actor)
        rows.events.append(event)
    lots = rows.prepare(dialect=session.get_bind().dialect.name)
    return await bulk.insert_together(session, lots, returning_ids_of=_CONSENTS)


def registrant_of(new: NewRow) -> Registrant:
    """The registrant ``new`` as the API presents it once stored, with its phones, documents and
    consents: ORM objects outside the session (load the registrant to change it). Its consents'
    ids are the database's: unset until :func:`store_one` returns them. CPU only."""
    return Registrant(
        **new.values,
        phones=[RegistrantPhone(registrant_id=new.id, **p) for p in new.phones],
        documents=[IdentityDocument(registrant_id=new.id, **d) for d in new.documents],
        consents=[Consent(registrant_id=new.id, **c) for c in new.consents],
    )
