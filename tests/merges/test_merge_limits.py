"""A merge never leaves the survivor with more phones or identity documents than a file accepts
(10 each, as ``PATCH /registrants/{id}``): refused, shown in the preview, nothing lost."""

from __future__ import annotations

from typing import Any

import httpx

from tests.conftest import Staff
from tests.merges.conftest import REGISTRANTS, URL, Pair, awa, merge, read, register


def _phones(first: int, count: int) -> list[dict[str, Any]]:
    return [{"number": f"+2126123456{n:02d}"} for n in range(first, first + count)]


def _documents(first: int, count: int) -> list[dict[str, Any]]:
    return [{"doc_type": "passport", "number": f"A{n:08d}"} for n in range(first, first + count)]


async def test_a_merge_past_a_files_lists_limit_is_refused_and_shown_in_the_preview(
    client: httpx.AsyncClient, agent: Staff
) -> None:
    first = await register(client, agent, awa(phones=_phones(0, 8), documents=_documents(0, 8)))
    # one phone and one passport in common: they stay on the merged file, the others would move
    second = await register(client, agent, awa(phones=_phones(7, 9), documents=_documents(7, 4)))
    files = Pair(first["id"], second["id"], "", first["registration_number"], second["registration_number"])
    exceeded = [{"field": "phones", "count": 16, "limit": 10}, {"field": "documents", "count": 11, "limit": 10}]

    preview = await client.get(
        f"{URL}/preview", params={"survivor_id": first["id"], "merged_id": second["id"]}, headers=agent.headers
    )
    assert preview.status_code == 200, preview.text
    assert preview.json()["over_limit"] == exceeded
    refused = await merge(client, agent, files, choices={})
    assert refused.status_code == 409, refused.text
    assert (refused.json()["type"], refused.json()["exceeded"]) == ("/problems/merge-too-many-values", exceeded)
    assert (await read(client, agent, second["id"])).status_code == 200  # not merged
    assert (await client.get(URL, headers=agent.headers)).json() == {"items": [], "next_cursor": None}

    # the agent removes the obsolete values from the merged file: exactly 10 of each, then it merges
    trimmed = await client.patch(
        f"{REGISTRANTS}/{second['id']}",
        json={"phones": _phones(7, 3), "documents": _documents(7, 3)},
        headers={**agent.headers, "If-Match": (await read(client, agent, second["id"])).headers["etag"]},
    )
    assert trimmed.status_code == 200, trimmed.text
    assert (await merge(client, agent, files, choices={})).status_code == 201
    survivor = await read(client, agent, first["id"])
    assert (len(survivor.json()["phones"]), len(survivor.json()["documents"])) == (10, 10)
    sent_back = await client.patch(
        f"{REGISTRANTS}/{first['id']}",
        json={
            "phones": [{"number": p["e164"]} for p in survivor.json()["phones"]],
            "documents": [{"doc_type": d["doc_type"], "number": d["number"]} for d in survivor.json()["documents"]],
        },
        headers={**agent.headers, "If-Match": survivor.headers["etag"]},
    )
    assert sent_back.status_code == 200, sent_back.text
