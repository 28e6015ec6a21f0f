"""Recording audit events (:mod:`app.audit.service`): what an event holds, when it is written, and
the hash it is sealed with.

The event's time is read from ``app.audit.service.utcnow``; the tests replace that clock with a
fixed one so that a recorded event is exactly the known-answer event of :mod:`tests.audit.vectors`.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import uuid
from typing import Any

import pytest
from sqlalchemy import select, text
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from app.audit import chain
from app.audit import service as audit
from app.audit.models import AuditEvent, AuditLink, AuditPayload
from app.core.context import Actor, RequestContext
from app.core.db import CanonicalJSON, run_failure_callbacks
from tests.audit import vectors as v
from tests.audit.vectors import COLUMNS as VECTOR_COLUMNS

COLUMNS = ", ".join(chain.CONTENT_FIELDS)
PARAMETERS = ", ".join(f":{name}" for name in chain.CONTENT_FIELDS)

UTC = dt.UTC
NOW = v.OCCURRED_AT.astimezone(UTC)

AGENT = Actor(
    user_id=v.ACTOR_ID,
    email="agent@desk.example",
    role="agent",
    desk_ids=frozenset({v.DESK_ID}),
    context=RequestContext(request_id=v.REQUEST_ID, ip=v.IP, user_agent=v.USER_AGENT),
)
"""The vector event's actor, acting from the vector event's request."""


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch) -> list[dt.datetime]:
    """The audit log's clock, fixed at the vector event's time; ``clock[0] = …`` moves it."""
    now = [NOW]
    monkeypatch.setattr(audit, "utcnow", lambda: now[0])
    return now


def _columns(event: AuditEvent) -> dict[str, Any]:
    names = ("occurred_at", "actor_id", "actor_label", "actor_role", "action", "entity_type", "entity_id")
    names += ("desk_id", "request_id", "ip", "user_agent", "details")
    return {name: getattr(event, name) for name in names}


async def _events(sessionmaker: async_sessionmaker[AsyncSession]) -> list[AuditEvent]:
    async with sessionmaker() as session:
        return list((await session.execute(select(AuditEvent).order_by(AuditEvent.id))).scalars())


async def _hashes(sessionmaker: async_sessionmaker[AsyncSession]) -> list[str]:
    async with sessionmaker() as session:
        return list((await session.execute(select(AuditLink.hash).order_by(AuditLink.seq))).scalars())


async def _record_vector_event(session: AsyncSession) -> None:
    await audit.record(
        session,
        actor=AGENT,
        action="registrant.update",
        entity_type="registrant",
        entity_id=v.ENTITY_ID,  # a UUID: stored as its text
        desk_id=v.DESK_ID,
        details=v.DETAILS,
    )


async def test_a_recorded_event_stores_the_actor_the_request_the_desk_and_the_details(
    sessionmaker, clock, audit_log
) -> None:
    async with sessionmaker() as session:
        await _record_vector_event(session)
        clock[0] = NOW + dt.timedelta(seconds=5)  # the commit comes later: the event keeps its own time
        await session.commit()
    [event] = await _events(sessionmaker)
    assert _columns(event) == VECTOR_COLUMNS


async def test_a_recorded_event_is_sealed_with_the_published_hash(sessionmaker, clock, audit_log) -> None:
    """The whole path — record, commit, seal — gives the known answer: logs written before a
    change of the code still verify after it."""
    async with sessionmaker() as session:
        await _record_vector_event(session)
        await session.commit()
    assert await audit_log.seal() == 1
    assert await _hashes(sessionmaker) == [v.HASH_V2_FIRST]
    assert (await audit_log.verify()).ok


async def test_an_event_without_entity_desk_request_or_details_stores_nulls(sessionmaker, clock) -> None:
    async with sessionmaker() as session:
        await audit.record(
            session, actor=Actor(user_id=None, email="system", role="system"), action="x.y", entity_type="t"
        )
        await session.commit()
    [event] = await _events(sessionmaker)
    assert _columns(event) == {
        "occurred_at": NOW,
        "actor_id": None,
        "actor_label": "system",
        "actor_role": "system",
        "action": "x.y",
        "entity_type": "t",
        "entity_id": None,
        "desk_id": None,
        "request_id": None,
        "ip": None,
        "user_agent": None,
        "details": {},
    }


async def test_details_are_stored_as_json_values(sessionmaker, clock) -> None:
    """Dates, times and UUIDs become ISO 8601 and UUID text, tuples lists, keys text — nested too."""
    ref = uuid.UUID("00000000-0000-4000-8000-0000000000bb")
    details = {
        "on": dt.date(2026, 11, 30),
        "at": dt.datetime(2026, 11, 30, 9, 30, tzinfo=UTC),
        "ref": ref,
        "refs": (ref, [dt.date(2026, 1, 2)], 3),
        "nested": {1: {"at": dt.date(2026, 2, 3)}, "n": None, "ok": True, "x": 1.5},
    }
    async with sessionmaker() as session:
        await audit.record(session, actor=AGENT, action="x.y", entity_type="t", entity_id=7, details=details)
        await session.commit()
    [event] = await _events(sessionmaker)
    assert event.entity_id == "7"
    assert event.details == {
        "on": "2026-11-30",
        "at": "2026-11-30T09:30:00+00:00",
        "ref": "00000000-0000-4000-8000-0000000000bb",
        "refs": ["00000000-0000-4000-8000-0000000000bb", ["2026-01-02"], 3],
        "nested": {"1": {"at": "2026-02-03"}, "n": None, "ok": True, "x": 1.5},
    }


async def test_an_app_client_acting_for_a_user_is_named_in_the_details(sessionmaker, clock) -> None:
    via_app = Actor(user_id=v.ACTOR_ID, email="agent@desk.example", role="agent", client_id="desk-mobile")
    async with sessionmaker() as session:
        await audit.record(session, actor=via_app, action="x.one", entity_type="t", details={"k": 1})
        await audit.record(session, actor=via_app, action="x.two", entity_type="t")
        await audit.record(session, actor=via_app, action="x.three", entity_type="t", details={"via_client": "given"})
        await audit.record(session, actor=AGENT, action="x.four", entity_type="t", details={"k": 1})
        await session.commit()
    assert [e.details for e in await _events(sessionmaker)] == [
        {"k": 1, "via_client": "desk-mobile"},
        {"via_client": "desk-mobile"},
        {"via_client": "given"},
        {"k": 1},
    ]


async def test_personal_values_are_stored_apart_and_the_event_keeps_a_salted_digest(sessionmaker, clock) -> None:
    subject = uuid.UUID("00000000-0000-4000-8000-0000000000cc")
    async with sessionmaker() as session:
        await audit.record(
            session,
            actor=AGENT,
            action="registrant.create",
            entity_type="registrant",
            desk_id=v.DESK_ID,
            details={"source": "desk"},
            personal={"last_name": "Diallo", "first_name": "Ndèye"},
            subject_id=subject,
        )
        await session.commit()
    [event] = await _events(sessionmaker)
    async with sessionmaker() as session:
        [payload] = (await session.execute(select(AuditPayload))).scalars().all()
    assert payload.registrant_id == subject
    assert payload.value == {"last_name": "Diallo", "first_name": "Ndèye"}
    canonical = '{"first_name":"Ndèye","last_name":"Diallo"}'
    digest = hashlib.sha256(f"{payload.salt}:{canonical}".encode()).hexdigest()
    reference = {"payload": str(payload.id), "digest": digest, "registrant": str(subject)}
    assert event.details == {"source": "desk", "personal": reference}
    assert event.desk_id == v.DESK_ID
    assert "Diallo" not in str(event.details)


REFUSED = r"^personal values need the subject_id of the person they belong to$"


async def test_personal_values_without_their_person_are_refused(sessionmaker, clock) -> None:
    async with sessionmaker() as session:
        with pytest.raises(ValueError, match=REFUSED):
            await audit.record(session, actor=AGENT, action="x.y", entity_type="t", personal={"name": "Awa"})
        with pytest.raises(ValueError, match=REFUSED):
            audit.event_values(actor=AGENT, action="x.y", entity_type="t", personal={"name": "Awa"})


async def test_an_event_queued_to_survive_a_rollback_is_written_after_it_alone(sessionmaker, clock) -> None:
    """What the request's session dependency does on failure: roll back, run the queued writes, commit."""
    async with sessionmaker() as session:
        await audit.record(session, actor=AGENT, action="x.rolled_back", entity_type="t")
        audit.record_even_if_rolled_back(
            session,
            actor=AGENT,
            action="registrant.read",
            entity_type="registrant",
            entity_id=v.ENTITY_ID,
            desk_id=v.DESK_ID,
            details={"reason": "precondition_failed"},
        )
        await session.rollback()
        assert await run_failure_callbacks(session)
        await session.commit()
    [event] = await _events(sessionmaker)
    assert _columns(event) == {
        **VECTOR_COLUMNS,
        "action": "registrant.read",
        "details": {"reason": "precondition_failed"},
    }


async def test_bulk_written_events_are_the_events_record_would_write(sessionmaker, clock, audit_log) -> None:
    subject = uuid.UUID("00000000-0000-4000-8000-0000000000dd")
    first, none = audit.event_values(
        actor=AGENT,
        action="registrant.update",
        entity_type="registrant",
        entity_id=v.ENTITY_ID,
        desk_id=v.DESK_ID,
        details=v.DETAILS,
    )
    assert none is None
    second, payload = audit.event_values(
        actor=AGENT,
        action="registrant.create",
        entity_type="registrant",
        entity_id="8",
        details={"source": "import"},
        personal={"last_name": "Sow"},
        subject_id=subject,
    )
    assert payload is not None
    async with sessionmaker() as session:
        await audit.insert_events(session, [first, second], [payload])
        await session.commit()
    events = await _events(sessionmaker)
    assert [_columns(e) for e in events] == [
        VECTOR_COLUMNS,
        {
            **VECTOR_COLUMNS,
            "action": "registrant.create",
            "entity_id": "8",
            "desk_id": None,
            "details": {"source": "import", "personal": events[1].details["personal"]},
        },
    ]
    async with sessionmaker() as session:
        [stored] = (await session.execute(select(AuditPayload))).scalars().all()
    assert (stored.registrant_id, stored.value) == (subject, {"last_name": "Sow"})
    digest = hashlib.sha256(f'{stored.salt}:{{"last_name":"Sow"}}'.encode()).hexdigest()
    assert events[1].details["personal"] == {"payload": str(stored.id), "digest": digest, "registrant": str(subject)}
    assert await audit_log.seal() == 2
    assert (await _hashes(sessionmaker))[0] == v.HASH_V2_FIRST
    assert (await audit_log.verify()).ok


async def test_bulk_writing_nothing_writes_nothing(sessionmaker) -> None:
    async with sessionmaker() as session:
        await audit.insert_events(session, [])
        await session.commit()
    assert await _events(sessionmaker) == []


def test_a_diff_lists_only_changed_fields_added_and_removed_ones_included() -> None:
    changes = audit.diff(
        {"a_same": 1, "b_changed": "x", "c_removed": "gone", "e_none": None},
        {"a_same": 1, "b_changed": "y", "d_added": "new", "e_none": None},
    )
    assert changes == {
        "b_changed": {"before": "x", "after": "y"},
        "c_removed": {"before": "gone", "after": None},
        "d_added": {"before": None, "after": "new"},
    }


def test_a_diff_masks_sensitive_values_but_says_whether_there_was_one() -> None:
    sensitive = frozenset({"status", "note"})
    changes = audit.diff({"status": None, "note": "old"}, {"status": "irregular", "note": None}, sensitive=sensitive)
    assert changes == {"note": {"before": "***", "after": None}, "status": {"before": None, "after": "***"}}


def test_a_diff_gives_json_values() -> None:
    ref = uuid.UUID("00000000-0000-4000-8000-0000000000ee")
    changes = audit.diff(
        {"born": dt.date(1990, 5, 1), "ids": [ref]},
        {"born": dt.date(1990, 5, 2), "ids": (ref, ref), "seen": dt.datetime(2026, 1, 1, 8, tzinfo=UTC)},
    )
    assert changes == {
        "born": {"before": "1990-05-01", "after": "1990-05-02"},
        "ids": {"before": [str(ref)], "after": [str(ref), str(ref)]},
        "seen": {"before": None, "after": "2026-01-01T08:00:00+00:00"},
    }


def test_a_creation_diff_gives_every_field_with_a_value_in_name_order() -> None:
    ref = uuid.UUID("00000000-0000-4000-8000-0000000000ee")
    after = {"z_none": None, "born": dt.date(1990, 5, 1), "status": "irregular", "ids": (ref,), "empty": [], "n": 0}
    changes = audit.diff({}, after, sensitive=frozenset({"status"}))
    assert list(changes.items()) == [
        ("born", {"before": None, "after": "1990-05-01"}),
        ("empty", {"before": None, "after": []}),
        ("ids", {"before": None, "after": [str(ref)]}),
        ("n", {"before": None, "after": 0}),
        ("status", {"before": None, "after": "***"}),
    ]


def test_an_event_of_ready_details_is_the_event_of_the_same_details_converted(clock) -> None:
    details = {"source": "import", "changes": audit.diff({}, {"born": dt.date(1990, 5, 1)}), "consents": ["statistics"]}
    subject = uuid.UUID("00000000-0000-4000-8000-0000000000dd")
    common: dict[str, Any] = {
        "actor": AGENT,
        "action": "registrant.create",
        "entity_type": "registrant",
        "entity_id": subject,
        "desk_id": v.DESK_ID,
        "details": details,
    }
    converted, _ = audit.event_values(**common)
    ready, _ = audit.event_values(**common, details_ready=True)
    assert list(ready.items()) == list(converted.items())


def test_separating_a_diff_masks_the_personal_values_and_keeps_them_apart() -> None:
    changes = {
        "last_name": {"before": "Sow", "after": "Diallo"},
        "phone": {"before": None, "after": "+221 77 000 00 00"},
        "city": {"before": "Rabat", "after": "Fès"},
    }
    kept, personal = audit.separate(changes, frozenset({"last_name", "phone", "email"}))
    assert kept == {
        "last_name": {"before": "***", "after": "***"},
        "phone": {"before": None, "after": "***"},
        "city": {"before": "Rabat", "after": "Fès"},
    }
    assert personal == {
        "last_name": {"before": "Sow", "after": "Diallo"},
        "phone": {"before": None, "after": "+221 77 000 00 00"},
    }


async def test_details_and_personal_values_are_stored_as_their_canonical_json_text(sessionmaker, clock) -> None:
    """Whichever way an event is written (the ORM, a bulk COPY or INSERT, a statement), its
    details and personal values are stored as the text the chain hashes (keys sorted, no white
    space, UTF-8): the verifier hashes them as they are instead of reading and encoding each."""
    details = {"zone": "Fès", "changes": {"b": [1, 2.5, None], "a": True}}
    personal = {"given_names": "Awa", "family_name": "Sène"}
    subject = uuid.UUID("00000000-0000-4000-8000-0000000000dd")
    values, payload = audit.event_values(
        actor=AGENT, action="x.bulk", entity_type="t", details=details, personal=personal, subject_id=subject
    )
    assert payload is not None
    async with sessionmaker() as session:
        await audit.record(
            session,
            actor=AGENT,
            action="x.orm",
            entity_type="t",
            details=details,
            personal=personal,
            subject_id=subject,
        )
        await audit.insert_events(session, [values], [payload])
        postgresql = session.bind.dialect.name == "postgresql"
        if postgresql:  # a statement's UUID parameters: PostgreSQL (SQLite takes no UUID in a text statement)
            statement = chain.statement(f"INSERT INTO audit_events ({COLUMNS}) VALUES ({PARAMETERS})")
            await session.execute(statement, {**values, "action": "x.statement", "details": details})
        await session.commit()
        as_text = await session.execute(text("SELECT action, CAST(details AS TEXT) FROM audit_events ORDER BY id"))
        stored = dict(as_text.all())
        values_text = (await session.execute(text("SELECT CAST(value AS TEXT) FROM audit_payloads"))).scalars().all()
    canonical = '{"changes":{"a":true,"b":[1,2.5,null]},"zone":"Fès"}'
    assert stored.get("x.statement", canonical) == canonical and ("x.statement" in stored) is postgresql
    for action in ("x.orm", "x.bulk"):
        assert stored[action].startswith('{"changes":{"a":true,"b":[1,2.5,null]},"personal":{"digest":"')
        assert (
            json.dumps(json.loads(stored[action]), sort_keys=True, separators=(",", ":"), ensure_ascii=False)
            == (stored[action])
        )
    assert values_text == ['{"family_name":"Sène","given_names":"Awa"}'] * 2


def test_a_lone_surrogate_is_refused_where_stored_details_are_written() -> None:
    """No UTF-8 holds it and the chain could not hash it: refused as the value is bound, not
    escaped into a text that would stop the sequencer at its event."""
    with pytest.raises(UnicodeEncodeError):
        CanonicalJSON.serialize({"note": "Awa \udc80"})
    assert CanonicalJSON.serialize({"b": "Sène", "a": None}) == '{"a":null,"b":"Sène"}'
    assert CanonicalJSON.serialize(None) == "null"
