"""The ``COPY`` reader's lines (app/audit/copy_reader.py ``CopyLines``) give the reference formula's
answer (:func:`app.audit.chain.text_row_hash`) on every line: its cheap form may only accept a
line the reference formula accepts.

Lines are written here as PostgreSQL's ``COPY … TO STDOUT`` text format writes them (fields
separated by tabs, ``\\N`` for NULL, backslash escapes). A forger who knows the cheap form would
store the hash of a line's bytes as they arrive; such a line must be refused unless the reference
formula gives that very hash.
"""

from __future__ import annotations

import hashlib
import json

from app.audit import chain, copy_reader
from app.audit.copy_reader import CopyLines, _controls, _spaced
from tests.audit.tampering import raw_copy_hash

PREV = "ab" * 32
DESK = "5b0e8a2e-1c1f-4d55-9a43-2f1c0e6b7a10"


def _copy_field(value: str | None) -> bytes:
    """``value`` as PostgreSQL's COPY text format writes it."""
    if value is None:
        return b"\\N"
    escapes = {"\\": "\\\\", "\b": "\\b", "\f": "\\f", "\n": "\\n", "\r": "\\r", "\t": "\\t", "\v": "\\v"}
    return "".join(escapes.get(ch, ch) for ch in value).encode()


def _content(**values: str | None) -> dict[str, str | None]:
    content: dict[str, str | None] = {
        "occurred_at": "2026-11-30T04:00:00.000001+00:00",
        "actor_id": "0f6c7e1a-8d2b-4c3e-9f4a-5b6c7d8e9f01",
        "actor_label": "system",
        "actor_role": "system",
        "action": "test.event",
        "entity_type": "test",
        "entity_id": "1",
        "desk_id": DESK,
        "request_id": "req-1",
        "ip": "203.0.113.7",
        "user_agent": "agent",
    }
    return content | values


def _line(content: dict[str, str | None], details_text: str, stored: str, *, seq: int = 1, version: int = 2) -> bytes:
    fields = [str(seq), PREV, stored, str(version), "77", "1234", content["desk_id"]]
    fields += [content[name] for name in chain.V2_KEYS] + [details_text]
    return b"\t".join(_copy_field(f) for f in fields)


def _reference(content: dict[str, str | None], details: dict, *, seq: int = 1, version: int = 2) -> str:
    args = [content[name] for name in chain.CONTENT_FIELDS[:-1]]
    return chain.text_row_hash(version, PREV, seq, *args, details)


def _as_it_arrived(content: dict[str, str | None], details_text: str, *, seq: int = 1) -> str:
    """The link hash over the line's bytes as COPY wrote them, each between quotes."""
    fields = [_copy_field(content[name]) for name in chain.V2_KEYS]
    digest = hashlib.sha256(chain.v2_content(fields, details_text.encode(), quoted=True)).hexdigest()
    desk = _copy_field(content["desk_id"]).decode()
    return hashlib.sha256(f"{PREV}:{seq}:{desk}:{digest}".encode()).hexdigest()


def _accepted(line: bytes) -> bool:
    (link,) = CopyLines().links([line])
    return link[-1] is True


def test_a_null_is_null_not_the_text_copy_writes_for_it() -> None:
    content = _content(request_id=None)
    assert _accepted(_line(content, "{}", _reference(content, {})))
    assert not _accepted(_line(content, "{}", _as_it_arrived(content, "{}")))


def test_a_null_desk_is_no_desk_not_the_text_copy_writes_for_it() -> None:
    """Hashed as stored (where a checkpoint signs) or read, a NULL desk is empty in the link."""
    content = _content(desk_id=None)
    for signed_through in (0, 1):
        assert CopyLines(signed_through).links([_line(content, "{}", _reference(content, {}))])[0][-1] is True
        forged = _line(content, "{}", _as_it_arrived(content, "{}"))
        assert CopyLines(signed_through).links([forged])[0][-1] is False


def test_a_quote_ending_the_last_text_field_is_escaped() -> None:
    """The user agent is the field just before ``details``: its last byte is checked too."""
    content = _content(user_agent='agent 2"')
    assert _accepted(_line(content, "{}", _reference(content, {})))
    assert not _accepted(_line(content, "{}", _as_it_arrived(content, "{}")))


def test_a_link_labelled_version_1_is_hashed_by_the_version_1_formula_only() -> None:
    content = _content()
    assert not _accepted(_line(content, "{}", _reference(content, {}, version=2), version=1))
    assert _accepted(_line(content, "{}", _reference(content, {}, version=1), version=1))


def test_a_link_of_an_unknown_version_matches_nothing() -> None:
    content = _content()
    for stored in (_reference(content, {}, version=2), _reference(content, {}, version=1)):
        (link,) = CopyLines().links([_line(content, "{}", stored, version=3)])
        assert link == (1, PREV.encode(), stored.encode(), 3, 77, 1234, False)


def test_details_added_to_an_event_without_details_do_not_match() -> None:
    content = _content()
    assert not _accepted(_line(content, '{"amount": 1000}', _reference(content, {})))
    assert not _accepted(_line(content, "{}", _reference(content, {"amount": 1000})))
    assert _accepted(_line(content, '{"amount": 1000}', _reference(content, {"amount": 1000})))


def test_an_event_moved_to_a_desk_does_not_match() -> None:
    """With a NULL among its fields (so the line holds a backslash) and without one."""
    for request_id in (None, "req-1"):
        before, after = _content(desk_id=None, request_id=request_id), _content(request_id=request_id)
        assert _accepted(_line(before, "{}", _reference(before, {})))
        assert not _accepted(_line(after, "{}", _reference(before, {})))
        assert not _accepted(_line(before, "{}", _reference(after, {})))


def test_more_distinct_details_than_the_cache_holds_all_match() -> None:
    """4,096 details texts are cached; the 4,097th and a text seen before the cache was emptied
    are hashed as well as the first."""
    content = _content()
    numbers = [*range(4_100), 0, 4_099]
    lines = [_line(content, json.dumps({"n": n}), _reference(content, {"n": n}), seq=1) for n in numbers]
    assert [link[-1] for link in CopyLines().links(lines)] == [True] * len(numbers)


def test_details_holding_a_key_twice_are_named_whichever_value_the_hash_covers() -> None:
    """A reader keeping the first value reads 5, one keeping the last reads 1000 (as the chain did):
    the line is refused naming the key, at any depth, even with the hash of either value."""
    content = _content()
    for text, key in (
        ('{"amount": 5, "amount": 1000}', "amount"),
        ('{"changes": {"host_city": {"before": "Rabat", "before": "Fès"}}}', "before"),
        ('[{"n": 1}, {"n": 2, "m": 3, "n": 4}]', "n"),
        # as many colons as the canonical text, one member fewer: a colon escaped makes up for it
        ('{"k": 1, "k": 2, "s": "\\u003a"}', "k"),
        ('{"k": 1, "k": 2, "s": "\\u003A"}', "k"),
    ):
        for value in (json.loads(text), json.loads(text.replace(f'"{key}": ', f'"{key}_first": ', 1))):
            (link,) = CopyLines().links([_line(content, text, _reference(content, value))])
            assert link[-1] == f'details hold the key "{key}" twice'


def test_the_same_key_in_two_objects_is_no_duplicate_nor_are_colons_in_strings() -> None:
    content = _content()
    for text in (
        '{"after": {"n": 1}, "before": {"n": 2}, "n": 3}',
        '{"at": "04:00:00", "url": "https://desk.example/a:b"}',
        '{"at": "04\\u003a00", "k": ":"}',
    ):
        assert _accepted(_line(content, text, _reference(content, json.loads(text))))


def _canonical(value: dict) -> str:
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def test_canonical_details_are_hashed_as_stored_where_a_checkpoint_signs_and_read_past_it(monkeypatch) -> None:  # type: ignore[no-untyped-def]
    """Details stored as their canonical JSON match as they are, signed or not (where a checkpoint
    signs, without being read at all); a forger's hash of other details text as it arrived (keys
    unsorted, a key twice: refused by the reference formula) is refused past the last signed link,
    where the forger could have written it."""
    content = _content()
    value = {"changes": {"host_city": {"before": "Rabat", "after": "Fès"}}, "n": 1}
    canonical = _canonical(value)
    line = _line(content, canonical, _reference(content, value))
    assert CopyLines(0).links([line])[0][-1] is True
    with monkeypatch.context() as patched:

        def unread(self: CopyLines, text: bytes) -> bytes:
            raise AssertionError("details read where a checkpoint signs their hash")

        patched.setattr(CopyLines, "canonical_details", unread)
        assert CopyLines(1).links([line])[0][-1] is True
    for forged in ('{"n":1,"changes":{"host_city":{"before":"Rabat","after":"Fès"}}}', '{"n":2,"n":1}'):
        assert _accepted(_line(content, forged, _as_it_arrived(content, forged))) is False
    (named,) = CopyLines(0).links([_line(content, '{"n":2,"n":1}', _as_it_arrived(content, '{"n":2,"n":1}'))])
    assert named[-1] == 'details hold the key "n" twice'


def test_details_written_otherwise_are_read_where_a_checkpoint_signs_too() -> None:
    """Unsorted, spaced or escaped texts (as earlier versions stored them) match by their
    canonical JSON, inside the signed part as outside it, also when the caller says no line is
    spaced (``spaced=False`` only spares a hash)."""
    content = _content()
    value = {"b": [1, {"d": "Fès", "c": None}], "a": "x"}
    for text in (
        json.dumps(value),
        json.dumps(value, separators=(",", ":")),
        '{"b":[1,{"d":"F\\u00e8s","c":null}],"a":"x"}',
    ):
        for signed_through in (0, 1):
            for spaced in (True, False):
                lines = CopyLines(signed_through)
                (link,) = lines.links([_line(content, text, _reference(content, value))], spaced=spaced)
                assert link[-1] is True, text


def test_a_block_of_both_forms_verifies_whatever_its_start_says() -> None:
    """``_spaced`` looks at a block's start only (the lines of one version): canonical lines after
    spaced ones, and spaced lines after canonical ones, still match their hashes."""
    content = _content()
    value = {"n": 1, "changes": {"host_city": {"before": "Rabat", "after": "Fès"}}}
    canonical = chain.canonical_details(json.dumps(value)).decode()
    spaced = json.dumps(value)
    for first, then in ((spaced, canonical), (canonical, spaced)):
        lines = [_line(content, text, _reference(content, value)) for text in [first] * 30 + [then] * 300]
        block = b"\n".join(lines)
        assert _spaced(block) is (first == spaced)
        assert [link[-1] for link in CopyLines(1).links(lines, spaced=_spaced(block))] == [True] * 330


def test_a_raw_control_character_is_hashed_as_the_reference_formula_escapes_it() -> None:
    """COPY writes 0x01-0x07 and 0x0e-0x1f raw; the canonical JSON escapes them (``\\u0001``).
    A hash a forger computed over the raw bytes is refused, the sequencer's accepted, with NULLs
    in the line or not, whatever the signed part."""
    for control in ("\x00", "\x01", "\x07", "\x0e", "\x1f"):  # NUL: no text column holds it
        for nulls in ({}, {"request_id": None, "desk_id": None}):
            content = _content(user_agent=f"agent{control}", **nulls)
            forged = _line(content, "{}", raw_copy_hash(_line(content, "{}", "0" * 64)))
            honest = _line(content, "{}", _reference(content, {}))
            assert _controls(forged) and _controls(b"\n".join([_line(_content(), "{}", "0" * 64), honest]))
            for signed_through in (0, 1):
                assert [link[-1] for link in CopyLines(signed_through).links([forged, honest])] == [False, True]
    assert not _controls(b"\n".join([_line(_content(), "{}", "0" * 64)] * 2))


def test_lines_of_several_nulls_are_hashed_the_cheap_way_as_the_sequencer_did(monkeypatch) -> None:
    """The cheap form's bytes for a line holding NULLs (every one written ``null``, the desk left
    out) are the canonical content: honest lines match without the reference formula, inside the
    signed part and past it."""

    def refused(*arguments):
        raise AssertionError(f"sent to the reference formula: {arguments}")

    def unread(*arguments):
        raise AssertionError(f"details read where a checkpoint signs them: {arguments}")

    monkeypatch.setattr(copy_reader, "_reference_link", refused)
    value = {"n": 1, "changes": {"host_city": {"before": "Rabat", "after": "Fès"}}}
    text = chain.canonical_details(json.dumps(value)).decode()
    nulls = ("actor_id", "request_id", "ip", "user_agent", "desk_id")
    for count in range(1, len(nulls) + 1):
        content = _content(**dict.fromkeys(nulls[:count]))
        line = _line(content, text, _reference(content, value))
        (link,) = CopyLines(0).links([line])
        assert link[-1] is True, count
        with monkeypatch.context() as signed:  # the details hashed as stored, never read
            signed.setattr(CopyLines, "canonical_details", unread)
            (link,) = CopyLines(1).links([line])
        assert link[-1] is True, count
