"""The restricted fields of a person's file (``app.registrants.prepare.SENSITIVE``: the residence
status) are named once: every place that keeps them from a role that may not read them — the file
read, its writing, the audited history, the corrections history, a merge's comparison and choices —
takes them from that one list, so a field added to it is kept everywhere at once."""

from __future__ import annotations

from collections.abc import Callable, Coroutine
from typing import Any

import httpx
import pytest

from app.registrants import prepare
from tests.conftest import Staff
from tests.merges.conftest import URL as MERGES
from tests.merges.conftest import awa, register
from tests.registrants.conftest import URL

RESTRICTED = frozenset({"residence_status", "occupation"})  # occupation restricted for the test


async def test_a_field_added_to_the_restricted_list_is_kept_from_other_roles_everywhere(
    client: httpx.AsyncClient,
    casa_agent: Staff,
    casa_supervisor: Staff,
    make_staff: Callable[..., Coroutine[Any, Any, Staff]],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(prepare, "SENSITIVE", RESTRICTED)
    auditor = await make_staff("auditor", [])
    first = await register(client, casa_supervisor, awa(occupation="couturière"))
    second = await register(client, casa_supervisor, awa(occupation="commerçante"))

    written = await client.post(
        URL, json=awa(occupation="vendeuse"), headers=casa_agent.headers, params={"confirm_duplicates": "true"}
    )
    assert (written.status_code, written.json().get("field")) == (403, "occupation")

    by_agent = (await client.get(f"{URL}/{first['id']}", headers=casa_agent.headers)).json()
    by_supervisor = (await client.get(f"{URL}/{first['id']}", headers=casa_supervisor.headers)).json()
    assert (by_agent["occupation"], by_supervisor["occupation"]) == (None, "couturière")

    corrected = await client.patch(
        f"{URL}/{first['id']}",
        json={"occupation": "tailleuse", "host_city": "Rabat", "reason": "déménagement"},
        headers={**casa_supervisor.headers, "If-Match": '"v1"'},
    )
    assert corrected.status_code == 200, corrected.text
    corrections = await client.get(f"{URL}/{first['id']}/corrections", headers=auditor.headers)
    assert [c["field"] for c in corrections.json()] == ["host_city"]
    history = (await client.get(f"{URL}/{first['id']}/history", headers=casa_supervisor.headers)).json()
    [update] = [e for e in history if e["action"] == "registrant.update"]
    shown = {c["field"]: (c["before"], c["after"]) for c in update["changes"]}
    assert shown["occupation"] == ("***", "***")

    files = {"survivor_id": first["id"], "merged_id": second["id"]}
    preview = await client.get(f"{MERGES}/preview", params=files, headers=casa_agent.headers)
    assert {"field": "occupation", "survivor": None, "merged": None} in preview.json()["conflicts"]
    etags = {
        f"{side}_etag": (await client.get(f"{URL}/{files[f'{side}_id']}", headers=casa_agent.headers)).headers["etag"]
        for side in ("survivor", "merged")
    }
    choices = {"occupation": "merged", "host_city": "survivor"}
    taken = await client.post(MERGES, json={**files, **etags, "choices": choices}, headers=casa_agent.headers)
    assert (taken.status_code, taken.json()["type"], taken.json()["field"]) == (
        403,
        "/problems/restricted-field",
        "occupation",
    )
