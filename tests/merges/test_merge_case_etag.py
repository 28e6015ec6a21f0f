"""A merge gives the merged file's case to the survivor, and the unmerge gives it back: each time
the case's read shows another ``registrant_id``, so its ETag moves and a write sent with an ETag
read before is refused (412)."""

from __future__ import annotations

import httpx

from tests.conftest import Staff
from tests.merges.conftest import URL, Pair, merge


async def _case(client: httpx.AsyncClient, agent: Staff, case_id: str) -> httpx.Response:
    response = await client.get(f"/api/v1/cases/{case_id}", headers=agent.headers)
    assert response.status_code == 200, response.text
    return response


async def _patch(client: httpx.AsyncClient, agent: Staff, case_id: str, tag: str) -> httpx.Response:
    return await client.patch(
        f"/api/v1/cases/{case_id}", headers={**agent.headers, "If-Match": tag}, json={"priority": "high"}
    )


async def test_a_case_etag_read_before_a_merge_or_its_unmerge_is_stale_after(
    client: httpx.AsyncClient, agent: Staff, pair: Pair
) -> None:
    before_merge = (await _case(client, agent, pair.case_id)).headers["etag"]
    merged = await merge(client, agent, pair)
    assert merged.status_code == 201, merged.text
    refused = await _patch(client, agent, pair.case_id, before_merge)
    assert refused.status_code == 412, refused.text
    assert refused.json()["current"]["registrant_id"] == pair.survivor

    before_unmerge = (await _case(client, agent, pair.case_id)).headers["etag"]
    undone = await client.post(f"{URL}/{merged.json()['id']}/unmerge", headers=agent.headers)
    assert undone.status_code == 200, undone.text
    refused = await _patch(client, agent, pair.case_id, before_unmerge)
    assert refused.status_code == 412, refused.text
    assert refused.json()["current"]["registrant_id"] == pair.merged
