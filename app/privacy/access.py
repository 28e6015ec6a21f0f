"""Subject access: everything held about one registrant, as a ZIP archive.

The archive (``application/zip``) holds:

* ``data.json`` — every record about the person: identity (search keys left out: they are derived),
  phones, identity documents, consents, cases with their notes (except notes marked
  ``internal_assessment``), referrals, timeline, transfers, appointments, documents' metadata,
  disclosures to third parties, subject requests, the messages sent to the person (event, channel,
  address, language, delivery status; not their text nor one-time codes), the corrections of the
  file (field, value before and after, reason, who and when), legal holds, the person's
  self-service accounts (``self_service_accounts``: kind, the phone or e-mail they sign in with,
  message language, created, last sign-in, linked), the sign-in code messages sent to them
  (``sign_in_code_messages``: when, how, to which address, delivery status — never a code), the
  person's message preferences (``notification_preferences``: channel, language; ``null``
  without a choice), the audit trail of
  who read and changed the file (time, action, staff member and role), and the person's other
  files at the controller's desks (``linked_files``: merged, or linked by a transfer — desk,
  number, how linked; named, not copied: each is answered by an access request at its file);
* ``documents/<id>-<filename>`` — the stored files of the documents not deleted;
* ``resume.html`` — the same in French, for print (:mod:`app.privacy.summary`);
* ``manifest.json`` — every other file of the archive with its size and SHA-256 (FIPS 180-4).

The archive is built in memory: a person's documents are a few files of at most
``DOCUMENTS_MAX_BYTES`` each.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import json
import re
import uuid
import zipfile
from typing import Any, Final

from sqlalchemy import Table, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from app.appointments.models import Appointment
from app.audit.models import AuditEvent
from app.cases.models import Case, CaseEvent, CaseNote, CaseTransfer, Partner, Referral
from app.desks.models import Desk
from app.documents.content import shortened, with_extension
from app.documents.models import Document
from app.documents.storage import Storage
from app.notifications.models import Notification, NotificationPreference
from app.privacy import linked, rectification
from app.privacy.models import Disclosure, LegalHold, SubjectRequest
from app.privacy.summary import render_summary
from app.reference.models import AdminArea
from app.registrants.models import Consent, IdentityDocument, Registrant, RegistrantPhone
from app.selfservice.accounts import sign_in_identifiers
from app.selfservice.delivery import CODE_EVENT
from app.selfservice.models import PersonAccount

DERIVED_FIELDS: Final = frozenset(
    {
        "given_names_key",
        "family_name_key",
        "given_names_phonetic",
        "family_name_phonetic",
        "name_arabic_key",
        "name_arabic_phonetic",
        "version",
    }
)
_UNSAFE = re.compile(r"[^A-Za-z0-9._-]+")


NOTIFICATION_INTERNALS = frozenset(
    {"context", "dedupe_key", "lease_until", "consent_purpose", "disclosure_id", "registrant_id", "message_id"}
)


def _row(obj: Any, *, skip: frozenset[str] = frozenset()) -> dict[str, Any]:
    table: Table = obj.__table__
    return {c.key: getattr(obj, c.key) for c in table.columns if c.key not in skip}


async def _all(session: AsyncSession, stmt: Any) -> list[Any]:
    return list((await session.execute(stmt)).scalars().all())


async def collect(session: AsyncSession, *, registrant: Registrant) -> dict[str, Any]:
    """Every record about ``registrant`` as plain values (see the module docstring)."""
    rid = registrant.id
    cases = await _all(session, select(Case).where(Case.registrant_id == rid).order_by(Case.opened_on, Case.id))
    case_ids = [c.id for c in cases]
    notes = await _all(
        session,
        select(CaseNote)
        .where(CaseNote.case_id.in_(case_ids), CaseNote.internal_assessment.is_(False))
        .order_by(CaseNote.created_at, CaseNote.id),
    )
    referrals = (
        await session.execute(
            select(Referral, Partner.name)
            .join(Partner, Partner.id == Referral.partner_id)
            .where(Referral.case_id.in_(case_ids))
            .order_by(Referral.referred_on, Referral.id)
        )
    ).all()
    events = await _all(
        session, select(CaseEvent).where(CaseEvent.case_id.in_(case_ids)).order_by(CaseEvent.occurred_at, CaseEvent.id)
    )
    appointments = await _all(
        session, select(Appointment).where(Appointment.registrant_id == rid).order_by(Appointment.starts_at)
    )
    documents = await _all(
        session,
        select(Document)
        .where(
            or_(
                (Document.owner_type == "registrant") & (Document.owner_id == rid),
                (Document.owner_type == "case") & Document.owner_id.in_(case_ids),
            ),
            Document.deleted_at.is_(None),
        )
        .order_by(Document.created_at, Document.id),
    )
    transfers = await _all(
        session,
        select(CaseTransfer)
        .where(or_(CaseTransfer.source_registrant_id == rid, CaseTransfer.target_registrant_id == rid))
        .order_by(CaseTransfer.transferred_at),
    )
    entity_ids = {
        str(i)
        for i in (
            rid,
            *case_ids,
            *(r.id for r, _ in referrals),
            *(n.id for n in notes),
            *(a.id for a in appointments),
            *(d.id for d in documents),
        )
    }
    trail = await _all(
        session,
        select(AuditEvent).where(AuditEvent.entity_id.in_(entity_ids)).order_by(AuditEvent.id),
    )
    by_case: dict[uuid.UUID, dict[str, list[dict[str, Any]]]] = {
        c: {"notes": [], "referrals": [], "timeline": []} for c in case_ids
    }
    for note in notes:
        by_case[note.case_id]["notes"].append(_row(note, skip=frozenset({"internal_assessment"})))
    for referral, partner_name in referrals:
        by_case[referral.case_id]["referrals"].append(
            {**_row(referral, skip=frozenset({"version"})), "partner_name": partner_name}
        )
    for event in events:
        by_case[event.case_id]["timeline"].append(_row(event))
    return {
        "registrant": _row(registrant, skip=DERIVED_FIELDS),
        "phones": [
            _row(p, skip=frozenset({"id", "registrant_id", "position"}))
            for p in await _children(session, RegistrantPhone, rid)
        ],
        "identity_documents": [
            _row(d, skip=frozenset({"id", "registrant_id", "position"}))
            for d in await _children(session, IdentityDocument, rid)
        ],
        "consents": [
            _row(c, skip=frozenset({"registrant_id", "extra"})) for c in await _children(session, Consent, rid)
        ],
        "cases": [{**_row(c, skip=frozenset({"version"})), **by_case[c.id]} for c in cases],
        "transfers": [_row(t) for t in transfers],
        "appointments": [_row(a, skip=frozenset({"version"})) for a in appointments],
        "documents": [
            _row(d, skip=frozenset({"storage_key", "deleted_at", "deleted_by", "delete_reason"})) for d in documents
        ],
        "disclosures": [_row(d) for d in await _children(session, Disclosure, rid)],
        "subject_requests": [_row(s) for s in await _children(session, SubjectRequest, rid)],
        "notifications": [_row(n, skip=NOTIFICATION_INTERNALS) for n in await _children(session, Notification, rid)],
        "corrections": [
            _row(c, skip=frozenset({"id", "registrant_id"}))
            for c in await rectification.rows_of(session, registrant_id=rid)
        ],
        "legal_holds": [_row(h, skip=frozenset({"registrant_id"})) for h in await _children(session, LegalHold, rid)],
        "audit_trail": [
            {
                "occurred_at": e.occurred_at,
                "action": e.action,
                "actor": e.actor_label,
                "actor_role": e.actor_role,
                "entity_type": e.entity_type,
                "entity_id": e.entity_id,
            }
            for e in trail
        ],
        **await _self_service(session, rid),
        "linked_files": await _linked_files(session, rid),
        "_storage_keys": {str(d.id): d.storage_key for d in documents},
        "_area_names": await _area_names(session, registrant),
        "_desk_names": {str(i): n for i, n in await session.execute(select(Desk.id, Desk.name))},
    }


ACCOUNT_FIELDS: Final = ("id", "kind", "identifier", "language", "created_at", "last_sign_in_at", "linked_at")
"""What the archive says of a self-service account (not its token counter nor its failed links)."""
CODE_MESSAGE_FIELDS: Final = ("channel", "recipient", "language", "status", "created_at", "sent_at", "provider")
"""What the archive says of a sign-in code message: that it was sent, when, how, to which address
(never its code, held in the message's context, nor a provider's answer)."""


async def _self_service(session: AsyncSession, rid: uuid.UUID) -> dict[str, Any]:
    """The person's self-service accounts, the sign-in code messages sent to their addresses and
    their message preferences — what erasure removes with the file."""
    accounts = await _all(
        session,
        select(PersonAccount).where(PersonAccount.registrant_id == rid).order_by(PersonAccount.created_at),
    )
    sign_ins = await sign_in_identifiers(session, rid)
    messages = (
        (
            await session.execute(
                select(*(getattr(Notification, f) for f in CODE_MESSAGE_FIELDS))
                .where(Notification.event == CODE_EVENT, Notification.recipient.in_(sign_ins))
                .order_by(Notification.created_at, Notification.id)
            )
        ).all()
        if sign_ins
        else []
    )
    preference = await session.get(NotificationPreference, rid)
    return {
        "self_service_accounts": [{f: getattr(a, f) for f in ACCOUNT_FIELDS} for a in accounts],
        "sign_in_code_messages": [dict(zip(CODE_MESSAGE_FIELDS, m, strict=True)) for m in messages],
        "notification_preferences": None
        if preference is None
        else {"channel": preference.channel, "language": preference.language, "updated_at": preference.updated_at},
    }


async def _area_names(session: AsyncSession, registrant: Registrant) -> dict[str, str]:
    """The names of the person's region and département codes, for the summary to say them."""
    codes = {registrant.origin_region_code, registrant.origin_departement_code, registrant.host_region_code}
    found = await session.execute(select(AdminArea.code, AdminArea.name).where(AdminArea.code.in_(codes - {None})))
    return {code: name for code, name in found.all()}


async def _linked_files(session: AsyncSession, registrant_id: uuid.UUID) -> list[dict[str, Any]]:
    """The person's other files at any desk (merged, or linked by a transfer): desk, number, how
    linked and whether anonymised — named, not copied: each file is answered by its own request."""
    files = (await linked.person_files(session, registrant_id))[1:]
    desks = {
        d.id: d for d in await _all(session, select(Desk).where(Desk.id.in_({f.registrant.desk_id for f in files})))
    }
    return [
        {
            "registrant_id": f.registrant.id,
            "desk_code": desks[f.registrant.desk_id].code,
            "desk_name": desks[f.registrant.desk_id].name,
            "registration_number": f.registrant.registration_number,
            "link": f.link,
            "anonymised_at": f.registrant.anonymised_at,
        }
        for f in files
    ]


async def _children(session: AsyncSession, model: Any, registrant_id: uuid.UUID) -> list[Any]:
    return await _all(session, select(model).where(model.registrant_id == registrant_id).order_by(model.id))


def _json_default(value: Any) -> Any:
    if isinstance(value, dt.datetime):
        return value.astimezone(dt.UTC).isoformat().replace("+00:00", "Z")
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, uuid.UUID):
        return str(value)
    raise TypeError(f"not JSON serialisable: {type(value).__name__}")


def document_path(document: dict[str, Any]) -> str:
    """Where a document's file sits in the archive: ``documents/<id>-<safe filename>``, the name in
    ASCII letters, digits, ``. _ -`` and at most 100 characters, always ending with an extension of
    its stored type (``ملف.pdf`` → ``documents/<id>-document.pdf``)."""
    name = with_extension(str(document["original_filename"]), str(document["media_type"]))
    stem, _, suffix = name.rpartition(".")
    safe = _UNSAFE.sub("_", stem).lstrip("._").rstrip(".") or "document"
    return f"documents/{document['id']}-{shortened(f'{safe}.{suffix}', 100)}"


async def build_archive(
    data: dict[str, Any], *, storage: Storage, generated_at: dt.datetime, request_id: uuid.UUID
) -> bytes:
    """The ZIP archive of ``data`` (from :func:`collect`) with the documents' files from ``storage``."""
    keys: dict[str, str] = data.pop("_storage_keys")
    area_names: dict[str, str] = data.pop("_area_names", {})
    desk_names: dict[str, str] = data.pop("_desk_names", {})
    files: dict[str, bytes] = {}
    for document in data["documents"]:
        chunks = [c async for c in storage.read(keys[str(document["id"])], 0, document["size_bytes"] - 1)]
        document["archive_path"] = document_path(document)
        files[document["archive_path"]] = b"".join(chunks)
    data = {"generated_at": generated_at, "subject_request_id": request_id, **data}
    files["data.json"] = json.dumps(data, default=_json_default, ensure_ascii=False, indent=2).encode("utf-8")
    files["resume.html"] = render_summary(data, area_names, desk_names).encode("utf-8")
    manifest = {
        "generated_at": _json_default(generated_at),
        "subject_request_id": str(request_id),
        "registrant_id": str(data["registrant"]["id"]),
        "algorithm": "SHA-256",
        "files": [
            {"path": path, "size": len(content), "sha256": hashlib.sha256(content).hexdigest()}
            for path, content in sorted(files.items())
        ],
    }
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for path, content in sorted(files.items()):
            archive.writestr(path, content)
        archive.writestr("manifest.json", json.dumps(manifest, ensure_ascii=False, indent=2))
    return buffer.getvalue()
