"""An anonymised (erased) file is merged in neither direction: as survivor it would take a person's
names, e-mail and phones again; as the merged file it would give its cases to a named person."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from tests.conftest import Staff
from tests.merges.conftest import REGISTRANTS, URL, Pair, merge, read, require_approval


async def erase(client: httpx.AsyncClient, supervisor: Staff, registrant_id: str) -> None:
    """Anonymise a file the way a desk does: an erasure request, then its erasure."""
    request = await client.post(
        "/api/v1/privacy/subject-requests",
        headers=supervisor.headers,
        json={"registrant_id": registrant_id, "kind": "erasure", "channel": "in_person"},
    )
    assert request.status_code == 201, request.text
    erased = await client.post(
        f"/api/v1/privacy/subject-requests/{request.json()['id']}/erase", headers=supervisor.headers
    )
    assert erased.status_code == 200, erased.text


def _erased(response: httpx.Response, side: str, registrant_id: str) -> None:
    assert response.status_code == 409, response.text
    body: dict[str, Any] = response.json()
    assert (body["type"], body["file"], body["registrant_id"]) == ("/problems/registrant-erased", side, registrant_id)


@pytest.mark.parametrize("erased_side", ["survivor", "merged"])
async def test_an_erased_file_is_neither_previewed_nor_merged(
    client: httpx.AsyncClient, agent: Staff, supervisor: Staff, pair: Pair, erased_side: str
) -> None:
    # the erased file is the one with the case: as survivor it would get Awa's names back, as the
    # merged file its case would move to Awa
    await erase(client, supervisor, pair.merged)
    files = pair if erased_side == "merged" else Pair(pair.merged, pair.survivor, "", "", "")
    before = {rid: (await read(client, agent, rid)).json() for rid in (pair.survivor, pair.merged)}

    preview = await client.get(
        f"{URL}/preview", params={"survivor_id": files.survivor, "merged_id": files.merged}, headers=agent.headers
    )
    _erased(preview, erased_side, pair.merged)
    _erased(await merge(client, supervisor, files, choices={}), erased_side, pair.merged)

    assert {rid: (await read(client, agent, rid)).json() for rid in (pair.survivor, pair.merged)} == before
    cases = await client.get(f"{REGISTRANTS}/{pair.merged}/cases", headers=supervisor.headers)
    assert [c["id"] for c in cases.json()["items"]] == [pair.case_id]
    assert (await client.get(URL, headers=supervisor.headers)).json() == {"items": [], "next_cursor": None}


async def test_a_proposal_whose_file_was_erased_since_is_not_approved_and_can_be_rejected(
    client: httpx.AsyncClient, agent: Staff, supervisor: Staff, make_staff: Any, pair: Pair
) -> None:
    await require_approval(client, await make_staff("admin", []))
    proposed = await merge(client, agent, pair)
    assert proposed.status_code == 202, proposed.text
    await erase(client, supervisor, pair.merged)

    approval = await client.post(f"{URL}/{proposed.json()['id']}/approve", headers=supervisor.headers)
    _erased(approval, "merged", pair.merged)
    assert (await read(client, agent, pair.merged)).status_code == 200  # not merged
    rejected = await client.post(f"{URL}/{proposed.json()['id']}/reject", headers=supervisor.headers)
    assert (rejected.status_code, rejected.json()["status"]) == (200, "rejected")
