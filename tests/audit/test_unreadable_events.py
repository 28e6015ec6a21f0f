"""PostgreSQL: the application's role cannot record an audit event the verifier could not read as
the sequencer sealed it (revision 3401). Such an event, once sealed, failed ``verify-audit`` for
good and hid whatever was done after it (the check stops at the first failure).

Each kind is inserted as the application's role over a real connection; what the application
itself writes (escapes, NUL characters, nesting, colons in strings) still goes in and verifies.
"""

from __future__ import annotations

import asyncpg
import pytest

_INSERT = (
    "INSERT INTO audit_events (occurred_at, actor_label, actor_role, action, entity_type, details) "
    "VALUES ({when}, 'system', 'system', 'test.unreadable', 'test', $1::json)"
)

REFUSED = {
    "a key twice": '{"amount": 5, "amount": 1000}',
    "a key twice, nested": '{"a": {"x": [{"k": 1, "k": 2}]}}',
    "a key twice behind an escaped colon": '{"a\\u003ab": 1, "a:b": 2}',
    "a key twice in a long text": '{"note": "' + "x" * 5000 + '", "note": "y"}',
    "a lone high surrogate": '{"name": "\\ud800"}',
    "a lone low surrogate in a key": '{"\\udc00": 1}',
    "a NUL character": '{"note": "a\\u0000b"}',
    "a NUL character in a key beside a space": '{"\\u0000": 1, "\\u0020": 2}',
    "nested 65 deep": '{"a": ' + "[" * 65 + "]" * 65 + "}",
    "a number of 4,001 digits": '{"n": ' + "9" * 4001 + "}",
}

ACCEPTED = {
    "the usual": '{"changes": {"status": ["open", "closed"]}, "fields": ["a", "b"]}',
    "colons in strings": '{"url": "https://a.example:8443/x", "time": "12:30:00"}',
    "an escaped colon, no key twice": '{"a\\u003ab": 1, "ab": 2}',
    "a surrogate pair": '{"emoji": "\\ud83d\\ude00"}',
    "an escaped backslash before u0000": '{"path": "C:\\\\u0000"}',
    "a key and a value holding ud": '{"\\\\ud": "\\\\uD800 is written so"}',
    "nested 60 deep": '{"a": ' + "[" * 60 + "]" * 60 + "}",
    "a long text": '{"note": "' + "x" * 5000 + '"}',
}


@pytest.mark.parametrize("details", REFUSED.values(), ids=REFUSED.keys())
async def test_details_the_verifier_cannot_read_are_refused(app_role_connection, details: str) -> None:
    with pytest.raises(asyncpg.CheckViolationError, match="audit event refused: details hold"):
        await app_role_connection.execute(_INSERT.format(when="now()"), details)


@pytest.mark.parametrize("details", ['"{\\"a\\":1}"', '"just a string"', "[1, 2]", "null", "5"])
async def test_details_that_are_not_an_object_are_refused(app_role_connection, details: str) -> None:
    """A JSON string was sealed as its decoded value (verify-audit then failed for good), or, when
    that value was no JSON, failed every sealing round; the application writes objects only."""
    refused = r"audit event refused: details are a JSON \w+, not an object"
    with pytest.raises(asyncpg.CheckViolationError, match=refused):
        await app_role_connection.execute(_INSERT.format(when="now()"), details)


async def test_the_check_reads_backslashes_alike_without_standard_conforming_strings(app_role_connection) -> None:
    await app_role_connection.execute("SET standard_conforming_strings = off")
    with pytest.raises(asyncpg.CheckViolationError, match="details hold a key twice in one object"):
        await app_role_connection.execute(_INSERT.format(when="now()"), '{"a": 1, "a": 2}')
    await app_role_connection.execute(_INSERT.format(when="now()"), '{"a": "\\u00e9"}')


@pytest.mark.parametrize("when", ["'-infinity'", "'infinity'", "'10000-01-01 00:00:00+00'", "'0001-01-01 BC'"])
async def test_a_time_the_verifier_cannot_read_is_refused(app_role_connection, when: str) -> None:
    with pytest.raises(asyncpg.CheckViolationError, match="audit event refused: occurred_at"):
        await app_role_connection.execute(_INSERT.format(when=when), "{}")


async def test_details_the_application_writes_go_in_seal_and_verify(app_role_connection, audit_log) -> None:
    for details in ACCEPTED.values():
        await app_role_connection.execute(_INSERT.format(when="now()"), details)
    assert await audit_log.seal() == len(ACCEPTED)
    result = await audit_log.verify()
    assert (result.ok, result.checked) == (True, len(ACCEPTED)), result.reason
