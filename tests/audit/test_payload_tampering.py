"""The verifier checks the events' personal values kept outside the chain (app/audit/payload_check.py).

Someone with full rights on the database edits or deletes an ``audit_payloads`` row directly
(the chain hashes only the payload's digest, so no chain hash breaks): the verifier names the
event. A payload deleted by an erasure is accepted: the erasure's event lists it; an erasure
recorded before events listed their payloads is accepted for the person it names only.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import uuid

import pytest
from sqlalchemy import delete, select, text, update
from sqlalchemy.exc import DBAPIError

from app.audit import payloads
from app.audit import service as audit
from app.audit.models import AuditEvent, AuditLink, AuditPayload
from app.audit.payload_check import ERASED_PAYLOADS
from app.audit.verify import verify_log
from app.core.context import SYSTEM_ACTOR
from app.desks.models import Desk
from app.registrants.models import ERASED_NAME, Registrant
from tests.audit.tampering import lift_protection

ANNA, BINTA = uuid.UUID(int=1), uuid.UUID(int=2)
NOW = dt.datetime(2026, 12, 1, tzinfo=dt.UTC)


async def _person_events(sessionmaker, audit_log, *, named: bool = True) -> dict[uuid.UUID, list[str]]:
    """Two registrants' creations and corrections, each with personal values; all sealed.
    ``{registrant id: [payload id of each event]}``. ``named=False``: the references name no
    person, as they were written before references named theirs."""
    async with sessionmaker() as session:
        for registrant_id, name in ((ANNA, "Anna Diop"), (BINTA, "Binta Sow")):
            for action, value in (("registrant.create", name), ("registrant.update", f"{name} Fall")):
                personal = {"changes": {"family_name": [None, value]}}
                details = None
                if not named:
                    row, reference = payloads.payload_values(registrant_id=registrant_id, value=personal)
                    session.add(AuditPayload(**row))
                    details, personal = {"personal": {k: reference[k] for k in ("payload", "digest")}}, None
                await audit.record(
                    session,
                    actor=SYSTEM_ACTOR,
                    action=action,
                    entity_type="registrant",
                    entity_id=registrant_id,
                    details=details,
                    personal=personal,
                    subject_id=registrant_id,
                )
        await session.commit()
    await audit_log.seal()
    async with sessionmaker() as session:
        rows = await session.execute(
            select(AuditPayload.registrant_id, AuditPayload.id).order_by(AuditPayload.created_at)
        )
        found: dict[uuid.UUID, list[str]] = {}
        for registrant_id, payload_id in rows:
            found.setdefault(registrant_id, []).append(str(payload_id))
    return found


async def _event_of(session, payload_id: str) -> tuple[int, int]:
    """(seq, event id) of the event referring to ``payload_id``."""
    rows = await session.execute(
        select(AuditLink.seq, AuditEvent.id, AuditEvent.details).join(AuditEvent, AuditEvent.id == AuditLink.event_id)
    )
    (found,) = [
        (seq, event_id) for seq, event_id, details in rows if details.get("personal", {}).get("payload") == payload_id
    ]
    return found


def _unlisted(event_id: int, payload_id: str) -> str:
    """The verifier's reason for a payload gone that no erasure lists."""
    return f"event {event_id}: its personal values (payload {payload_id}) were deleted, yet no erasure lists them"


async def test_intact_payloads_verify(sessionmaker, audit_log) -> None:
    await _person_events(sessionmaker, audit_log)
    assert (await audit_log.verify()).reason is None


@pytest.mark.parametrize(
    ("stored", "reason"),
    [
        # the same value, written another way (spaces, keys in another order, an escape): no fault
        ('{ "changes" : { "family_name" : [ null , "Binta Sow Fal\\u006c" ] } }', None),
        ('[{"changes": {"family_name": [null, "Binta Sow Fall"]}}]', "do not match their digest"),
        ('"{\\"changes\\":{\\"family_name\\":[null,\\"Binta Sow Fall\\"]}}"', "do not match their digest"),
        ('{"changes": {"family_name": [null, "Binta Sow Fall"], "family_name": [null, "X"]}}', "twice"),
    ],
)
async def test_a_payload_is_read_as_the_value_its_text_holds(sessionmaker, audit_log, stored, reason) -> None:
    """A payload's stored JSON text is read for the value it holds: the same value in other words
    verifies, an array or string around it (whose canonical JSON could hash alike if only its
    text were looked at) does not, and a key twice is named."""
    payload_ids = await _person_events(sessionmaker, audit_log)
    target = payload_ids[BINTA][1]
    async with sessionmaker() as session:
        column = "CAST(:v AS json)" if session.bind.dialect.name == "postgresql" else ":v"
        statement = text(f"UPDATE audit_payloads SET value = {column} WHERE id = :id")
        target_id = target if session.bind.dialect.name == "postgresql" else uuid.UUID(target).hex
        assert (await session.execute(statement, {"v": stored, "id": target_id})).rowcount == 1
        await session.commit()
    found = await audit_log.verify()
    if reason is None:
        assert found.reason is None
    else:
        assert reason in (found.reason or "")


async def test_an_edited_payload_is_named_by_its_event(sessionmaker, audit_log) -> None:
    payload_ids = await _person_events(sessionmaker, audit_log)
    target = payload_ids[BINTA][1]
    async with sessionmaker() as session:
        await session.execute(
            update(AuditPayload)
            .where(AuditPayload.id == uuid.UUID(target))
            .values(value={"changes": {"family_name": [None, "Binta Ndiaye"]}})
        )
        await session.commit()
        seq, event_id = await _event_of(session, target)
    result = await audit_log.verify()
    assert (result.broken_seq, result.broken_id, result.reason) == (
        seq,
        event_id,
        f"event {event_id}: its personal values (payload {target}) do not match their digest",
    )


async def test_a_payload_with_another_salt_is_named_by_its_event(sessionmaker, audit_log) -> None:
    payload_ids = await _person_events(sessionmaker, audit_log)
    target = payload_ids[ANNA][0]
    async with sessionmaker() as session:
        await session.execute(update(AuditPayload).where(AuditPayload.id == uuid.UUID(target)).values(salt="0" * 32))
        await session.commit()
        seq, event_id = await _event_of(session, target)
    result = await audit_log.verify()
    assert (result.broken_seq, result.broken_id) == (seq, event_id)
    assert result.reason == f"event {event_id}: its personal values (payload {target}) do not match their digest"


async def test_a_payload_deleted_without_an_erasure_is_named_by_its_event(sessionmaker, audit_log) -> None:
    payload_ids = await _person_events(sessionmaker, audit_log)
    target = payload_ids[ANNA][1]
    async with sessionmaker() as session:
        await session.execute(delete(AuditPayload).where(AuditPayload.id == uuid.UUID(target)))
        await session.commit()
        seq, event_id = await _event_of(session, target)
    result = await audit_log.verify()
    assert (result.broken_seq, result.broken_id, result.reason) == (seq, event_id, _unlisted(event_id, target))


async def _anonymised_file(session, registrant_id: uuid.UUID, *, names: str = ERASED_NAME) -> None:
    """Store the anonymised file an erasure leaves (the events here are about files never stored);
    ``names``: its names (an erasure leaves :data:`ERASED_NAME`)."""
    desk_id = (await session.execute(select(Desk.id).order_by(Desk.code).limit(1))).scalar_one()
    blank = dict.fromkeys(("given_names_key", "family_name_key", "given_names_phonetic", "family_name_phonetic"), "")
    session.add(
        Registrant(
            id=registrant_id, desk_id=desk_id, registration_number=f"ERASED-{registrant_id.hex[:12]}",
            given_names=names, family_name=names, anonymised_at=NOW, **blank,
        )
    )  # fmt: skip


async def _erase_directly(
    sessionmaker, registrant_id: uuid.UUID, details: dict[str, object], *, anonymise: bool = True
) -> None:
    """Delete a person's payloads and record an erasure event with ``details``, as an erasure does
    (and, unless ``anonymise`` is False, leave the person's file anonymised, as it does too)."""
    async with sessionmaker() as session:
        if anonymise:
            await _anonymised_file(session, registrant_id)
        await session.execute(delete(AuditPayload).where(AuditPayload.registrant_id == registrant_id))
        await audit.record(
            session,
            actor=SYSTEM_ACTOR,
            action="privacy.erasure",
            entity_type="registrant",
            entity_id=registrant_id,
            details=details,
        )
        await session.commit()


async def test_payloads_listed_by_an_erasure_may_be_gone(sessionmaker, audit_log) -> None:
    payload_ids = await _person_events(sessionmaker, audit_log)
    await _erase_directly(sessionmaker, ANNA, {ERASED_PAYLOADS: payload_ids[ANNA]})
    assert (await audit_log.verify()).reason is None  # the erasure's event is not sealed yet
    await audit_log.seal()
    assert (await audit_log.verify()).reason is None


async def test_an_erasure_lists_only_its_own_payloads(sessionmaker, audit_log) -> None:
    payload_ids = await _person_events(sessionmaker, audit_log)
    await _erase_directly(sessionmaker, ANNA, {ERASED_PAYLOADS: payload_ids[ANNA][:1]})
    await audit_log.seal()
    missing = payload_ids[ANNA][1]
    async with sessionmaker() as session:
        _, event_id = await _event_of(session, missing)
    result = await audit_log.verify()
    assert (result.broken_id, result.reason) == (event_id, _unlisted(event_id, missing))


async def test_an_erasure_from_before_the_lists_covers_its_person_only(sessionmaker, audit_log) -> None:
    payload_ids = await _person_events(sessionmaker, audit_log, named=False)  # all before the upgrade
    await _erase_directly(sessionmaker, ANNA, {"trigger": "request", "counts": {"audit_payloads": 2}})
    await audit_log.seal()
    assert (await audit_log.verify()).reason is None
    target = payload_ids[BINTA][0]
    async with sessionmaker() as session:
        await session.execute(delete(AuditPayload).where(AuditPayload.id == uuid.UUID(target)))
        await session.commit()
        _, event_id = await _event_of(session, target)
    result = await audit_log.verify()
    assert (result.broken_id, result.reason) == (event_id, _unlisted(event_id, target))


async def test_a_payload_that_is_not_json_is_named_not_a_traceback(sessionmaker, audit_log) -> None:
    payload_ids = await _person_events(sessionmaker, audit_log)
    async with sessionmaker() as session:
        if session.bind.dialect.name == "postgresql":
            pytest.skip("PostgreSQL's json column refuses text that is not JSON")
        await session.execute(
            text("UPDATE audit_payloads SET value = 'not json' WHERE id = :id"),
            {"id": uuid.UUID(payload_ids[ANNA][0]).hex},
        )
        await session.commit()
    result = await audit_log.verify()
    assert result.reason is not None and result.reason.startswith("the payloads cannot be read (JSONDecodeError(")


async def _edit(sessionmaker, payload_id: str) -> None:
    async with sessionmaker() as session:
        await session.execute(
            update(AuditPayload).where(AuditPayload.id == uuid.UUID(payload_id)).values(value={"edited": True})
        )
        await session.commit()


async def test_the_personal_values_are_read_in_the_verifiers_snapshot(app, sessionmaker, audit_log) -> None:
    """PostgreSQL checks the payloads on a second connection beside the chain: it must see the log
    as the verifier's transaction does, not a later edit (nor miss an earlier one)."""
    payload_ids = await _person_events(sessionmaker, audit_log)
    signer = app.state.audit_sequencer.signer
    async with sessionmaker() as session:
        conn = await session.connection()
        if conn.dialect.name != "postgresql":
            pytest.skip("the second connection and its shared snapshot are PostgreSQL's")
        await conn.exec_driver_sql("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
        await conn.exec_driver_sql("SELECT 1")  # the snapshot is taken here
        await _edit(sessionmaker, payload_ids[ANNA][0])
        assert (await verify_log(conn, signer)).reason is None
    async with sessionmaker() as session:
        seq, event_id = await _event_of(session, payload_ids[ANNA][0])
    found = await audit_log.verify()  # a transaction begun after the edit
    assert (found.broken_seq, found.broken_id) == (seq, event_id)


async def test_the_personal_values_are_checked_outside_a_snapshot_too(app, sessionmaker, audit_log) -> None:
    """A caller that verifies under READ COMMITTED (no snapshot to share on PostgreSQL) still has
    the payloads checked, on its own connection after the chain."""
    payload_ids = await _person_events(sessionmaker, audit_log)
    await _edit(sessionmaker, payload_ids[BINTA][0])
    async with sessionmaker() as session:
        found = await verify_log(await session.connection(), app.state.audit_sequencer.signer)
        seq, event_id = await _event_of(session, payload_ids[BINTA][0])
    assert (found.broken_seq, found.broken_id) == (seq, event_id)
    assert "do not match their digest" in (found.reason or "")


async def test_a_payload_moved_to_another_person_is_named_by_its_event(sessionmaker, audit_log) -> None:
    """Erasure finds a person's payloads by their registrant: one moved to another person would
    escape the first one's erasure (deleted and inserted again: what the application's role may do)."""
    payload_ids = await _person_events(sessionmaker, audit_log)
    target = payload_ids[ANNA][0]
    async with sessionmaker() as session:
        row = await session.get(AuditPayload, uuid.UUID(target))
        values = {"id": row.id, "salt": row.salt, "value": row.value, "created_at": row.created_at}
        await session.execute(delete(AuditPayload).where(AuditPayload.id == row.id))
        session.add(AuditPayload(**values, registrant_id=BINTA))
        await session.commit()
        seq, event_id = await _event_of(session, target)
    result = await audit_log.verify()
    assert (result.broken_seq, result.broken_id) == (seq, event_id)
    assert result.reason == (
        f"event {event_id}: its personal values (payload {target}) were moved from registrant {ANNA} to {BINTA}"
    )


async def test_a_payload_no_event_refers_to_is_named(sessionmaker, audit_log) -> None:
    await _person_events(sessionmaker, audit_log)
    stray = uuid.UUID(int=99)
    async with sessionmaker() as session:
        session.add(
            AuditPayload(id=stray, registrant_id=ANNA, salt="00" * 16, value={"family_name": "Diop"}, created_at=NOW)
        )
        await session.commit()
    result = await audit_log.verify()
    assert (result.broken_seq, result.broken_id) == (None, None)
    assert result.reason == f"payload {stray} holds personal values that no event refers to"


async def test_the_payloads_of_events_waiting_to_be_sealed_are_no_strays(sessionmaker, audit_log) -> None:
    await _person_events(sessionmaker, audit_log)
    async with sessionmaker() as session:  # a correction committed, not sealed yet
        await audit.record(
            session,
            actor=SYSTEM_ACTOR,
            action="registrant.update",
            entity_type="registrant",
            entity_id=ANNA,
            personal={"changes": {"family_name": ["Diop", "Fall"]}},
            subject_id=ANNA,
        )
        await session.commit()
    result = await audit_log.verify()
    assert (result.reason, result.pending.count) == (None, 1)


async def test_an_erasure_listing_another_persons_payload_does_not_cover_it(sessionmaker, audit_log) -> None:
    """An erasure event of Anna (the application's role may insert events) listing one of Binta's
    payloads, deleted with it: Binta was never erased, so her payload is missing."""
    payload_ids = await _person_events(sessionmaker, audit_log)
    target = payload_ids[BINTA][0]
    async with sessionmaker() as session:
        await session.execute(delete(AuditPayload).where(AuditPayload.id == uuid.UUID(target)))
        await audit.record(
            session,
            actor=SYSTEM_ACTOR,
            action="privacy.erasure",
            entity_type="registrant",
            entity_id=ANNA,
            details={ERASED_PAYLOADS: [target]},
        )
        await session.commit()
        seq, event_id = await _event_of(session, target)
    await audit_log.seal()
    result = await audit_log.verify()
    assert (result.broken_seq, result.broken_id) == (seq, event_id)
    assert result.reason == (
        f"event {event_id}: its personal values (payload {target}) were deleted, "
        "listed by the erasure of another person"
    )


async def test_a_payload_restored_after_its_erasure_is_named_by_its_event(sessionmaker, audit_log) -> None:
    """A backup's copy of an erased person's values put back: the erasure's event lists the
    payload as deleted, so its being stored again is named (the digest still matches)."""
    payload_ids = await _person_events(sessionmaker, audit_log)
    target = payload_ids[ANNA][0]
    async with sessionmaker() as session:
        kept = (await session.execute(select(AuditPayload).where(AuditPayload.id == uuid.UUID(target)))).scalar_one()
        backup = {c.key: getattr(kept, c.key) for c in AuditPayload.__table__.columns}
    await _erase_directly(sessionmaker, ANNA, {ERASED_PAYLOADS: payload_ids[ANNA]})
    await audit_log.seal()
    assert (await audit_log.verify()).reason is None
    async with sessionmaker() as session:
        await session.execute(AuditPayload.__table__.insert().values(**backup))
        await session.commit()
        seq, event_id = await _event_of(session, target)
    result = await audit_log.verify()
    assert (result.broken_seq, result.broken_id) == (seq, event_id)
    assert (
        result.reason
        == f"event {event_id}: its personal values (payload {target}) are stored, yet an erasure deleted them"
    )


async def _erasure_event(sessionmaker) -> tuple[int, int | None]:
    """(event id, seq: None while waiting to be sealed) of the log's one erasure event."""
    async with sessionmaker() as session:
        stmt = (
            select(AuditEvent.id, AuditLink.seq)
            .outerjoin(AuditLink, AuditLink.event_id == AuditEvent.id)
            .where(AuditEvent.action == "privacy.erasure")
        )
        event_id, seq = (await session.execute(stmt)).one()
    return event_id, seq


@pytest.mark.parametrize("sealed", [False, True])
async def test_an_erasure_whose_file_is_not_anonymised_is_named(sessionmaker, audit_log, sealed: bool) -> None:
    """The application's role deletes Anna's payloads and inserts an erasure event listing them,
    her file left as it was: no erasure of the application's."""
    payload_ids = await _person_events(sessionmaker, audit_log)
    await _erase_directly(sessionmaker, ANNA, {ERASED_PAYLOADS: payload_ids[ANNA]}, anonymise=False)
    if sealed:
        await audit_log.seal()
    event_id, seq = await _erasure_event(sessionmaker)
    result = await audit_log.verify()
    assert (result.broken_seq, result.broken_id) == (seq, event_id)
    assert (seq is not None) is sealed
    assert result.reason == f"event {event_id}: its erasure names registrant {ANNA}, whose file is not anonymised"


async def test_an_erasure_listing_nothing_after_references_named_their_person_is_named(sessionmaker, audit_log) -> None:
    """An erasure without ``erased_payloads``, as written before the lists, inserted after the log's
    references named their person: not the application's (it lists what it deletes since then)."""
    payload_ids = await _person_events(sessionmaker, audit_log)
    await _erase_directly(sessionmaker, ANNA, {"trigger": "request"})
    await audit_log.seal()
    async with sessionmaker() as session:
        _, first_named = await _event_of(session, payload_ids[ANNA][0])
    event_id, seq = await _erasure_event(sessionmaker)
    result = await audit_log.verify()
    assert seq is not None
    assert (result.broken_seq, result.broken_id) == (seq, event_id)
    assert result.reason == (
        f"event {event_id}: its erasure lists no payloads, though the log's events have named them since event "
        f"{first_named}"
    )


async def test_an_erasure_whose_file_is_only_marked_anonymised_is_named(sessionmaker, audit_log) -> None:
    """The application's role also sets ``anonymised_at`` on Anna's file, her names left on it."""
    payload_ids = await _person_events(sessionmaker, audit_log)
    async with sessionmaker() as session:
        await _anonymised_file(session, ANNA, names="Anna")
        await session.commit()
    await _erase_directly(sessionmaker, ANNA, {ERASED_PAYLOADS: payload_ids[ANNA]}, anonymise=False)
    await audit_log.seal()
    result = await audit_log.verify()
    assert result.reason is not None
    assert result.reason.endswith(f"its erasure names registrant {ANNA}, whose file is not anonymised")


async def test_a_payload_split_across_its_salt_and_its_text_is_not_the_payload(sessionmaker, audit_log) -> None:
    """``salt:text`` hashed as stored: part of the canonical text moved into the salt (after a
    ``:``) would hash the same. The salt the application writes holds no ``:``, so such a row is
    read strictly, and refused (PostgreSQL's ``json`` refuses the text left, which is no JSON)."""
    payload_ids = await _person_events(sessionmaker, audit_log)
    target = payload_ids[BINTA][1]
    async with sessionmaker() as session:
        postgresql = session.bind.dialect.name == "postgresql"
        key = target if postgresql else uuid.UUID(target).hex
        read = text("SELECT salt, CAST(value AS TEXT) FROM audit_payloads WHERE id = :id")
        salt, stored = (await session.execute(read, {"id": key})).one()
        cut = stored.index(":")  # '{"changes"' moves into the salt
        forged = {"salt": f"{salt}:{stored[:cut]}", "value": stored[cut + 1 :], "id": key}
        assert (
            hashlib.sha256(f"{forged['salt']}:{forged['value']}".encode()).digest()
            == hashlib.sha256(f"{salt}:{stored}".encode()).digest()
        )
        column = "CAST(:value AS json)" if postgresql else ":value"
        statement = text(f"UPDATE audit_payloads SET salt = :salt, value = {column} WHERE id = :id")
        if postgresql:
            with pytest.raises(DBAPIError):
                await session.execute(statement, forged)
            return
        await session.execute(statement, forged)
        await session.commit()
    found = await audit_log.verify()
    assert found.reason is not None and found.reason.startswith("the payloads cannot be read (JSONDecodeError(")


@pytest.mark.parametrize("key", ["personal", "payload", "digest", "registrant"])
async def test_a_reference_under_escaped_keys_is_named_and_cannot_hide_a_tampered_payload(
    sessionmaker, audit_log, key
) -> None:
    """The owner rewrites one key of an event's reference with an escape (``"\\u0070ersonal"``:
    the same JSON, the same canonical form, so the chain still verifies), so that the search by
    ``"personal"`` or SQLite's JSON operators (before 3.45) read it otherwise, then deletes its
    payload, or moves it to another person (out of reach of that person's erasure): named, not
    verified clean. PostgreSQL's operators read escaped keys: there a key inside the reference is
    read as written, and the payload named as what was done to it."""
    payload_ids = await _person_events(sessionmaker, audit_log)
    target = payload_ids[BINTA][0]
    async with sessionmaker() as session:
        seq, event_id = await _event_of(session, target)
        await lift_protection(session)
        details = (
            await session.execute(text(f"SELECT CAST(details AS TEXT) FROM audit_events WHERE id = {event_id}"))
        ).scalar_one()
        escaped = details.replace(f'"{key}"', f'"\\u{ord(key[0]):04x}{key[1:]}"')
        assert escaped != details and json.loads(escaped) == json.loads(details)
        postgresql = session.bind.dialect.name == "postgresql"
        column = "CAST(:d AS json)" if postgresql else ":d"
        await session.execute(
            text(f"UPDATE audit_events SET details = {column} WHERE id = :e"), {"d": escaped, "e": event_id}
        )
        payload = AuditPayload.id == uuid.UUID(target)
        if key == "registrant":
            await session.execute(update(AuditPayload).where(payload).values(registrant_id=ANNA))
        else:
            await session.execute(delete(AuditPayload).where(payload))
        await session.commit()
    found = await audit_log.verify()
    assert (found.broken_seq, found.broken_id) == (seq, event_id)
    as_written = {
        "payload": _unlisted(event_id, target),
        "digest": _unlisted(event_id, target),
        "registrant": f"event {event_id}: its personal values (payload {target}) were moved from registrant "
        f"{BINTA} to {ANNA}",
    }
    if key != "personal" and postgresql:
        assert found.reason == as_written[key]
    else:
        assert found.reason == (
            f"event {event_id}: its details refer to personal values (payload {target}) under escaped keys, "
            "which the application never writes and which keep them from being checked"
        )


async def test_a_planted_payload_holding_a_key_twice_is_named_though_its_digest_is_of_its_text(
    sessionmaker, audit_log
) -> None:
    """An event the application's role inserts (as it may) with a digest of its payload's text as
    stored, a key twice in it: the sequencer signs whatever digest the event carries, so the
    payload is read strictly, whatever the hashes say."""
    stored = '{"changes":{"family_name":[null,"Awa Ba"]},"changes":{"family_name":[null,"Anna Diop"]}}'
    salt, payload_id = "ab" * 16, uuid.UUID(int=77)
    async with sessionmaker() as session:
        postgresql = session.bind.dialect.name == "postgresql"
        await session.execute(
            text(
                "INSERT INTO audit_payloads (id, registrant_id, salt, value, created_at) "
                f"VALUES (:id, :person, :salt, {'CAST(:value AS json)' if postgresql else ':value'}, :at)"
            ),
            {
                "id": payload_id if postgresql else payload_id.hex,
                "person": ANNA if postgresql else ANNA.hex,
                "salt": salt,
                "value": stored,
                "at": NOW if postgresql else NOW.replace(tzinfo=None),
            },
        )
        digest = hashlib.sha256(f"{salt}:{stored}".encode()).hexdigest()
        reference = {"payload": str(payload_id), "digest": digest, "registrant": str(ANNA)}
        await audit.record(
            session,
            actor=SYSTEM_ACTOR,
            action="registrant.update",
            entity_type="registrant",
            entity_id=ANNA,
            details={"personal": reference},
        )
        await session.commit()
    await audit_log.seal()
    found = await audit_log.verify()
    assert found.reason is not None and found.reason.endswith(
        f'its personal values (payload {payload_id}) hold the key "changes" twice'
    )


async def test_a_second_event_referring_to_a_payload_cannot_hide_a_planted_one(sessionmaker, audit_log) -> None:
    """The application's role may insert events: a copy of an event's reference in a new event
    (sealed, or waiting to be sealed) does not make up for a payload planted with no event."""
    found = await _person_events(sessionmaker, audit_log)
    copied = found[ANNA][0]
    stray = uuid.UUID(int=99)
    async with sessionmaker() as session:
        session.add(
            AuditPayload(id=stray, registrant_id=ANNA, salt="00" * 16, value={"planted": "secret"}, created_at=NOW)
        )
        first_seq, first_id = await _event_of(session, copied)
        details = (await session.execute(select(AuditEvent.details).where(AuditEvent.id == first_id))).scalar_one()
        await audit.record(
            session,
            actor=SYSTEM_ACTOR,
            action="registrant.update",
            entity_type="registrant",
            entity_id=ANNA,
            details=details,
        )
        await session.commit()
    waiting = await audit_log.verify()
    assert waiting.pending.count == 1
    assert waiting.reason == f"payload {stray} holds personal values that no event refers to"
    await audit_log.seal()
    result = await audit_log.verify()
    async with sessionmaker() as session:
        copy_seq, copy_id = max(
            (seq, event_id)
            for seq, event_id, details in await session.execute(
                select(AuditLink.seq, AuditEvent.id, AuditEvent.details).join(
                    AuditEvent, AuditEvent.id == AuditLink.event_id
                )
            )
            if details.get("personal", {}).get("payload") == copied
        )
    assert copy_seq > first_seq
    assert (result.broken_seq, result.broken_id) == (copy_seq, copy_id)
    assert result.reason == f"event {copy_id}: its personal values (payload {copied}) are those of event {first_id}"
