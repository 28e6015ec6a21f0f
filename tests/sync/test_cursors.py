"""A sync or list cursor the API did not issue answers 400.

Before: a real sync cursor decoded, its ``s`` set past the log (2**31, 100000, 2**40) and encoded
again answered 200 with no items and echoed it as ``next_cursor``: a device holding it would
have received nothing until the log reached that number. List cursors could be edited the same
way. Cursors are now sealed (an HMAC under a key derived from the app's secret), and a sync
position past the sequenced log is refused even in a cursor of the first, unsealed version.
"""

from __future__ import annotations

import base64
import json
from typing import Any

import httpx
import pytest

from tests.conftest import Staff
from tests.merges.conftest import awa, register
from tests.sync.test_sync import URL, sync_all


def _fields(token: str) -> dict[str, Any]:
    return json.loads(base64.urlsafe_b64decode(token + "=" * (-len(token) % 4)))  # type: ignore[no-any-return]


def _token(fields: dict[str, Any]) -> str:
    return base64.urlsafe_b64encode(json.dumps(fields, separators=(",", ":")).encode()).decode().rstrip("=")


async def _drained(client: httpx.AsyncClient, staff: Staff, make_registrant: Any, audit_log: Any) -> str:
    await register(client, staff, awa())
    await audit_log.seal()
    _, cursor = await sync_all(client, staff)
    return cursor


@pytest.mark.parametrize("seq", [2**31, 100_000, 2**40])
async def test_a_cursor_moved_past_the_log_is_refused(
    client: httpx.AsyncClient, make_staff: Any, make_registrant: Any, audit_log: Any, seq: int
) -> None:
    agent = await make_staff("agent", ["CASA-BASE"])
    cursor = await _drained(client, agent, make_registrant, audit_log)
    forged = _token({**_fields(cursor), "s": seq})
    response = await client.get(URL, params={"cursor": forged}, headers={**agent.headers, "Accept-Language": "en"})
    assert (response.status_code, response.json()["type"], response.json()["detail"]) == (
        400,
        "/problems/bad-request",
        "The sync cursor is not valid.",
    )


async def test_a_cursor_moved_back_inside_the_log_is_refused_too(
    client: httpx.AsyncClient, make_staff: Any, make_registrant: Any, audit_log: Any
) -> None:
    agent = await make_staff("agent", ["CASA-BASE"])
    cursor = await _drained(client, agent, make_registrant, audit_log)
    fields = _fields(cursor)
    forged = _token({**fields, "s": fields["s"] - 1})
    assert (await client.get(URL, params={"cursor": forged}, headers=agent.headers)).status_code == 400
    assert (await client.get(URL, params={"cursor": cursor}, headers=agent.headers)).status_code == 200


async def test_a_first_version_cursor_inside_the_log_still_resumes(
    client: httpx.AsyncClient, make_staff: Any, make_registrant: Any, audit_log: Any
) -> None:
    """Devices hold cursors issued before they were sealed: those that point inside the log are
    read (and answered with a sealed one), those past it are refused."""
    agent = await make_staff("agent", ["CASA-BASE"])
    cursor = await _drained(client, agent, make_registrant, audit_log)
    fields = _fields(cursor)
    legacy = {"v": 1, "p": "changes", "s": fields["s"], "f": fields["f"], "k": 0, "a": None}
    resumed = await client.get(URL, params={"cursor": _token(legacy)}, headers=agent.headers)
    assert (resumed.status_code, resumed.json()["items"], resumed.json()["reset"]) == (200, [], False)
    assert resumed.json()["next_cursor"] == cursor
    past = await client.get(URL, params={"cursor": _token({**legacy, "s": fields["s"] + 1})}, headers=agent.headers)
    assert past.status_code == 400


async def test_an_edited_list_cursor_is_refused(
    client: httpx.AsyncClient, make_staff: Any, make_registrant: Any
) -> None:
    agent = await make_staff("agent", ["CASA-BASE"])
    for given in ("Awa", "Khady", "Coumba"):
        await make_registrant("CASA-BASE", given, "Diop")
    first = await client.get("/api/v1/registrants", params={"limit": 1}, headers=agent.headers)
    cursor = first.json()["next_cursor"]
    fields = _fields(cursor)
    shifted = {**fields, "k": [{"t": "2999-01-01T00:00:00+00:00"}, fields["k"][1]]}
    for forged in (_token(shifted), _token(fields["k"]), _token({"k": fields["k"]})):
        response = await client.get("/api/v1/registrants", params={"cursor": forged}, headers=agent.headers)
        assert (response.status_code, response.json()["type"]) == (400, "/problems/bad-request")
    rest = await client.get("/api/v1/registrants", params={"cursor": cursor, "limit": 10}, headers=agent.headers)
    assert (rest.status_code, len(rest.json()["items"])) == (200, 2)


async def test_another_lists_cursor_is_refused(
    client: httpx.AsyncClient, make_staff: Any, make_registrant: Any
) -> None:
    """The registrants' and the cases' lists are both ordered by (created_at, id)."""
    agent = await make_staff("agent", ["CASA-BASE"])
    for given in ("Awa", "Khady"):
        await make_registrant("CASA-BASE", given, "Diop")
    registrants = await client.get("/api/v1/registrants", params={"limit": 1}, headers=agent.headers)
    cursor = registrants.json()["next_cursor"]
    assert cursor is not None
    response = await client.get("/api/v1/cases", params={"cursor": cursor}, headers=agent.headers)
    assert (response.status_code, response.json()["type"]) == (400, "/problems/bad-request")
