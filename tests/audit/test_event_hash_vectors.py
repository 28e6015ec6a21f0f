"""Known answers of the audit chain's hash formulas (docstring of :mod:`app.audit.chain`).

The expected values never come from the code under test: either the literals of
:mod:`tests.audit.vectors`, or the documented formula spelled out here with ``hashlib`` and
``json.dumps(..., sort_keys=True, separators=(",", ":"), ensure_ascii=False)``. Sealing and
verification share the hash functions, so a change that drops or alters a field would still
verify its own log; only a fixed answer shows that logs written before the change still verify.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
import json
import os
import time
import uuid
from collections.abc import Iterator
from typing import Any

import pytest

from app.audit import chain
from tests.audit import vectors as v

UTC = dt.UTC


def _sha256(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


def _canonical(value: Any) -> str:
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


TEXT = {
    "occurred_at": "2026-11-30T10:02:03.045678+00:00",
    "actor_id": "6f1c2a4e-8d3b-4c5a-9e7f-0a1b2c3d4e5f",
    "actor_label": "agent@desk.example",
    "actor_role": "agent",
    "action": "registrant.update",
    "entity_type": "registrant",
    "entity_id": "a3e1b2c4-5d6f-4a7b-8c9d-0e1f2a3b4c5d",
    "desk_id": "5b0e8a2e-1c1f-4d55-9a43-2f1c0e6b7a10",
    "request_id": "req-7f3a",
    "ip": "203.0.113.7",
    "user_agent": "DiasporaDesk-Web/2.1 (Dakar; fr-SN) é",
    "details": v.DETAILS,
}
"""The vector event's fields as text (times in UTC, UUIDs lower-case with hyphens), written by hand."""


def _formula_v2(prev_hash: str, seq: int, text: dict[str, Any]) -> str:
    """The documented version 2 hash of an event given as :data:`TEXT`."""
    digest = _sha256(_canonical({k: value for k, value in text.items() if k != "desk_id"}))
    return _sha256(f"{prev_hash}:{seq}:{text['desk_id'] or ''}:{digest}")


def _row_hash(version: int, prev_hash: str, seq: int, content: chain.Content) -> str:
    return chain.row_hash(version, prev_hash, seq, *(getattr(content, name) for name in chain.CONTENT_FIELDS))


def test_the_vector_literals_follow_the_documented_formula() -> None:
    """The literals themselves, from hashlib alone: the rest of this file trusts them."""
    assert json.loads(v.CANONICAL) == {k: value for k, value in TEXT.items() if k != "desk_id"}
    assert _canonical(json.loads(v.CANONICAL)) == v.CANONICAL
    assert _sha256(v.CANONICAL) == v.DIGEST
    assert _sha256(f"{v.PREV_HASH}:42:5b0e8a2e-1c1f-4d55-9a43-2f1c0e6b7a10:{v.DIGEST}") == v.HASH_V2
    assert _sha256(f"{'0' * 64}:1:5b0e8a2e-1c1f-4d55-9a43-2f1c0e6b7a10:{v.DIGEST}") == v.HASH_V2_FIRST
    assert _formula_v2(v.PREV_HASH, v.SEQ, TEXT) == v.HASH_V2


def test_an_event_hashes_to_its_published_vector_by_every_hash_function() -> None:
    assert chain.content_digest(v.CONTENT) == v.DIGEST
    assert chain.link(v.PREV_HASH, v.SEQ, v.DESK_ID, v.DIGEST) == v.HASH_V2
    assert _row_hash(2, v.PREV_HASH, v.SEQ, v.CONTENT) == v.HASH_V2
    assert chain.chain_hash(2, v.PREV_HASH, v.SEQ, v.CONTENT) == v.HASH_V2
    texts = [TEXT[name] for name in chain.CONTENT_FIELDS]
    assert chain.text_row_hash(2, v.PREV_HASH, v.SEQ, *texts) == v.HASH_V2
    texts[-1] = '{"changes": {"city": {"before": "Rabat", "after": "F\\u00e8s"}}}'  # as the database gives it
    assert chain.text_row_hash(2, v.PREV_HASH, v.SEQ, *texts) == v.HASH_V2


def test_an_event_chained_by_link_version_1_keeps_its_published_hash() -> None:
    assert _row_hash(1, v.PREV_HASH, v.SEQ, v.CONTENT) == v.HASH_V1
    assert chain.chain_hash(1, v.PREV_HASH, v.SEQ, v.CONTENT) == v.HASH_V1
    texts = [TEXT[name] for name in chain.CONTENT_FIELDS]
    assert chain.text_row_hash(1, v.PREV_HASH, v.SEQ, *texts) == v.HASH_V1
    legacy = {**{k: value for k, value in TEXT.items()}, "prev_hash": v.PREV_HASH, "seq": v.SEQ}
    assert _sha256(_canonical(legacy)) == v.HASH_V1


OTHER_ID = uuid.UUID("00000000-0000-4000-8000-0000000000aa")

CHANGES: list[tuple[str, Any, Any]] = [
    ("occurred_at", v.OCCURRED_AT + dt.timedelta(microseconds=1), "2026-11-30T10:02:03.045679+00:00"),
    ("actor_id", OTHER_ID, "00000000-0000-4000-8000-0000000000aa"),
    ("actor_id", None, None),
    ("actor_label", "agent2@desk.example", "agent2@desk.example"),
    ("actor_role", "supervisor", "supervisor"),
    ("action", "registrant.read", "registrant.read"),
    ("entity_type", "case", "case"),
    ("entity_id", "43", "43"),
    ("entity_id", None, None),
    ("desk_id", OTHER_ID, "00000000-0000-4000-8000-0000000000aa"),
    ("desk_id", None, None),
    ("request_id", "req-7f3b", "req-7f3b"),
    ("request_id", None, None),
    ("ip", "203.0.113.8", "203.0.113.8"),
    ("ip", None, None),
    ("user_agent", "curl/8.5.0", "curl/8.5.0"),
    ("user_agent", None, None),
    ("details", {}, {}),
    ("details", {"changes": {"city": {"before": "Rabat", "after": "Fez"}}}, None),
]


@pytest.mark.parametrize(("field", "value", "text"), CHANGES, ids=[f"{c[0]}={c[1]!r}" for c in CHANGES])
def test_every_field_of_an_event_goes_into_its_hash(field: str, value: Any, text: Any) -> None:
    changed = dataclasses.replace(v.CONTENT, **{field: value})
    expected_text = {**TEXT, field: value if field == "details" else text}
    expected = _formula_v2(v.PREV_HASH, v.SEQ, expected_text)
    assert expected != v.HASH_V2
    assert _row_hash(2, v.PREV_HASH, v.SEQ, changed) == expected
    assert chain.chain_hash(2, v.PREV_HASH, v.SEQ, changed) == expected
    texts = [expected_text[name] for name in chain.CONTENT_FIELDS]
    assert chain.text_row_hash(2, v.PREV_HASH, v.SEQ, *texts) == expected
    digest = _sha256(_canonical({k: x for k, x in expected_text.items() if k != "desk_id"}))
    assert (digest == v.DIGEST) is (field == "desk_id")  # the desk is in the link, not in the content
    assert chain.content_digest(changed) == digest
    assert chain.link(v.PREV_HASH, v.SEQ, changed.desk_id, digest) == expected


@pytest.mark.parametrize(("prev_hash", "seq"), [("9d" * 32, 42), ("9c" * 32, 43), ("0" * 64, 1)])
def test_the_place_in_the_chain_goes_into_the_hash(prev_hash: str, seq: int) -> None:
    expected = _formula_v2(prev_hash, seq, TEXT)
    assert expected != v.HASH_V2
    assert _row_hash(2, prev_hash, seq, v.CONTENT) == expected
    assert chain.link(prev_hash, seq, v.DESK_ID, v.DIGEST) == expected
    assert chain.text_row_hash(2, prev_hash, seq, *(TEXT[name] for name in chain.CONTENT_FIELDS)) == expected


@pytest.fixture
def host_zone_utc_plus_3() -> Iterator[None]:
    """The process's local time zone set to UTC+3 (POSIX ``TZ``), put back afterwards."""
    before = os.environ.get("TZ")
    os.environ["TZ"] = "XYZ-3"
    time.tzset()
    try:
        yield
    finally:
        if before is None:
            del os.environ["TZ"]
        else:
            os.environ["TZ"] = before
        time.tzset()


def test_the_hash_does_not_depend_on_the_zone_the_time_is_given_in_nor_on_the_hosts(host_zone_utc_plus_3) -> None:
    """An auditor verifies on their own machine, in their own zone: the hash must be the same."""
    assert dt.datetime(2026, 1, 1, tzinfo=UTC).astimezone().utcoffset() == dt.timedelta(hours=3)
    instants = [
        v.OCCURRED_AT,
        v.OCCURRED_AT.astimezone(UTC),
        v.OCCURRED_AT.astimezone(dt.timezone(-dt.timedelta(hours=5))),
    ]
    for instant in instants:
        content = dataclasses.replace(v.CONTENT, occurred_at=instant)
        assert chain.content_digest(content) == v.DIGEST
        assert _row_hash(2, v.PREV_HASH, v.SEQ, content) == v.HASH_V2
        assert _row_hash(1, v.PREV_HASH, v.SEQ, content) == v.HASH_V1


@pytest.mark.parametrize("version", [0, 3])
def test_an_unknown_link_version_is_refused_by_name(version: int) -> None:
    with pytest.raises(ValueError, match=f"^unknown audit link version {version}$"):
        _row_hash(version, v.PREV_HASH, v.SEQ, v.CONTENT)
    with pytest.raises(ValueError, match=f"^unknown audit link version {version}$"):
        chain.text_row_hash(version, v.PREV_HASH, v.SEQ, *(TEXT[name] for name in chain.CONTENT_FIELDS))


def test_the_fast_content_assembly_gives_the_vectors_canonical_bytes() -> None:
    """:func:`chain.v2_content` (the templates verification on PostgreSQL fills) from raw or JSON-encoded fields."""
    details = '{"changes":{"city":{"after":"Fès","before":"Rabat"}}}'.encode()
    raw = [TEXT[name].encode() for name in chain.V2_KEYS]
    assert chain.v2_content(raw, details, quoted=True) == v.CANONICAL.encode()
    encoded = [json.dumps(TEXT[name], ensure_ascii=False).encode() for name in chain.V2_KEYS]
    assert chain.v2_content(encoded, details, quoted=False) == v.CANONICAL.encode()
    text = {**TEXT, "ip": None, "user_agent": 'quote " and \\'}
    encoded = [json.dumps(text[name], ensure_ascii=False).encode() for name in chain.V2_KEYS]
    payload = {k: value for k, value in text.items() if k != "desk_id"}
    assert chain.v2_content(encoded, details, quoted=False) == _canonical(payload).encode()


@pytest.mark.parametrize(
    ("stored", "canonical"),
    [
        ("{}", "{}"),
        (
            '{"b": 1, "a": {"d": [1, 2.5, null, true], "c": "F\\u00e8s"}}',
            '{"a":{"c":"Fès","d":[1,2.5,null,true]},"b":1}',
        ),
        ('{"note":"q\\"\\n"}', '{"note":"q\\"\\n"}'),
        (' \n{"a": "x"}\t', '{"a":"x"}'),
        ('{"a": "x"}  ', '{"a":"x"}'),
        ("  {}", "{}"),
    ],
)
def test_stored_details_are_put_in_canonical_form(stored: str, canonical: str) -> None:
    """The details' JSON text as a database gives it (any spacing and escaping) → the canonical JSON."""
    assert _canonical(json.loads(stored)) == canonical
    assert chain.canonical_details(stored) == canonical.encode()


@pytest.mark.parametrize("stored", ["", " ", "x", 'x{"a":1}', '{"a":1} x', '{"a":1}{', "{'a': 1}"])
def test_stored_details_that_are_not_json_are_refused(stored: str) -> None:
    with pytest.raises(json.JSONDecodeError):
        chain.canonical_details(stored)
