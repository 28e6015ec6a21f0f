"""JSON texts the verifier vouches for may not hold one key twice, at any depth.

:mod:`json` and PostgreSQL's ``json`` functions keep the last of two values, other readers the
first: the owner could put a fake value first and leave the original last, and the log verified
clean (the hash covers the last value) while such a reader read the fake one. The application never
writes such a text.
"""

from __future__ import annotations

import datetime as dt
import json
import uuid
from pathlib import Path

import pytest
from sqlalchemy import select, text

from app.audit.models import AuditLink
from app.audit.signing import load_checkpoint_file
from app.audit.state import Backlog
from app.audit.verify import VerifyResult
from tests.audit.tampering import lift_protection
from tests.audit.test_payload_tampering import ANNA, _event_of, _person_events
from tests.audit.test_verify_failures import _event, _signer, _verify

DETAILS = {"amount": 1000, "changes": {"host_city": {"before": "Rabat", "after": "Fès"}}}


@pytest.mark.parametrize(
    ("stored", "key"),
    [
        ('{"amount": 5, "amount": 1000, "changes": {"host_city": {"before": "Rabat", "after": "Fès"}}}', "amount"),
        (
            '{"amount": 1000, "changes": {"host_city": {"before": "Tanger", "before": "Rabat", "after": "Fès"}}}',
            "before",
        ),
    ],
    ids=["top-level", "nested"],
)
async def test_details_holding_a_key_twice_are_named(app, sessionmaker, audit_log, stored, key) -> None:
    async with sessionmaker() as session:
        for n in (1, 2, 3):
            session.add(_event(n, details=DETAILS))
        await session.commit()
    await audit_log.seal()
    async with sessionmaker() as session:
        await lift_protection(session)
        event_2 = (await session.execute(select(AuditLink.event_id).where(AuditLink.seq == 2))).scalar_one()
        await session.execute(text("UPDATE audit_events SET details = :d WHERE id = :e"), {"d": stored, "e": event_2})
        await session.commit()
    assert json.loads(stored) == DETAILS  # the last values: what the chain hashed
    for result in await _verify(sessionmaker, _signer(app)):
        assert result == VerifyResult(3, 1, Backlog(0, None), 2, event_2, f'details hold the key "{key}" twice')


async def test_personal_values_holding_a_key_twice_are_named(sessionmaker, audit_log) -> None:
    payload_ids = await _person_events(sessionmaker, audit_log)
    target = payload_ids[ANNA][0]
    async with sessionmaker() as session:
        stored = '{"changes": {"family_name": [null, "Awa Ba"]}, "changes": {"family_name": [null, "Anna Diop"]}}'
        key = uuid.UUID(target) if session.bind.dialect.name == "postgresql" else uuid.UUID(target).hex
        await session.execute(text("UPDATE audit_payloads SET value = :v WHERE id = :id"), {"v": stored, "id": key})
        await session.commit()
        seq, event_id = await _event_of(session, target)
    result = await audit_log.verify()
    assert (result.broken_seq, result.broken_id, result.reason) == (
        seq,
        event_id,
        f'event {event_id}: its personal values (payload {target}) hold the key "changes" twice',
    )


def test_a_kept_checkpoint_holding_a_key_twice_is_refused(tmp_path: Path) -> None:
    kept = {
        "seq": 3,
        "hash": "ab" * 32,
        "signed_at": dt.datetime(2026, 11, 30, tzinfo=dt.UTC).isoformat(),
        "key_id": "0123456789abcdef",
        "signature": "c2lnbmF0dXJl",
    }
    path = tmp_path / "kept.json"
    path.write_text('{"hash": "' + "cd" * 32 + '", ' + json.dumps(kept)[1:])
    with pytest.raises(ValueError) as refused:
        load_checkpoint_file(path)
    assert str(refused.value) == f'{path} is not a checkpoint: the key "hash" appears twice in one object'
    path.write_text(json.dumps(kept))
    assert load_checkpoint_file(path).hash == "ab" * 32
