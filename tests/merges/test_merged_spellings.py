"""A merged file's spellings find its survivor (search and the duplicate check at registration),
until the merge is undone; the merged file itself is never listed."""

from __future__ import annotations

from typing import Any

import httpx

from tests.conftest import Staff
from tests.merges.conftest import REGISTRANTS, URL, Pair, merge, register


async def _pair(client: httpx.AsyncClient, agent: Staff, survivor: dict[str, str], merged: dict[str, str]) -> Pair:
    """Two files of one person written two ways (same birth date, same phone)."""
    common: dict[str, Any] = {"sex": "male", "date_of_birth": "1988-07-14"}
    first = await register(client, agent, {**common, **survivor, "phones": [{"number": "+221770000001"}]})
    second = await register(client, agent, {**common, **merged, "phones": [{"number": "+221770000001"}]})
    return Pair(first["id"], second["id"], "", first["registration_number"], second["registration_number"])


async def _ousmane_sagna_and_mamadou_diop(client: httpx.AsyncClient, agent: Staff) -> Pair:
    """Mamadou Diop (the survivor) and Ousmane Sagna (to be merged): one person, two names."""
    return await _pair(
        client,
        agent,
        {"given_names": "Mamadou", "family_name": "Diop"},
        {"given_names": "Ousmane", "family_name": "Sagna"},
    )


async def _merge_keeping_the_survivors_names(client: httpx.AsyncClient, agent: Staff, pair: Pair) -> httpx.Response:
    """Merge ``pair``, the survivor's names kept; the merge's response (201)."""
    record = await merge(client, agent, pair, choices={"given_names": "survivor", "family_name": "survivor"})
    assert record.status_code == 201, record.text
    return record


async def _found(client: httpx.AsyncClient, agent: Staff, q: str) -> list[str]:
    response = await client.get(REGISTRANTS, params={"q": q}, headers=agent.headers)
    assert response.status_code == 200, response.text
    return [r["id"] for r in response.json()["items"]]


async def test_a_merged_files_name_finds_the_survivor_until_the_unmerge(
    client: httpx.AsyncClient, agent: Staff
) -> None:
    pair = await _ousmane_sagna_and_mamadou_diop(client, agent)
    assert await _found(client, agent, "Ousmane Sagna") == [pair.merged]
    record = await _merge_keeping_the_survivors_names(client, agent, pair)

    for q in ("Ousmane Sagna", "Sagna", "ousm sagn", "Mamadou Diop"):
        assert await _found(client, agent, q) == [pair.survivor], q
    assert await _found(client, agent, pair.merged_number) == [pair.survivor]

    assert (await client.post(f"{URL}/{record.json()['id']}/unmerge", headers=agent.headers)).status_code == 200
    assert await _found(client, agent, "Ousmane Sagna") == [pair.merged]
    assert await _found(client, agent, "Mamadou Diop") == [pair.survivor]


async def test_the_briefs_spellings_mouhamed_merged_into_mamadou(client: httpx.AsyncClient, agent: Staff) -> None:
    pair = await _pair(
        client,
        agent,
        {"given_names": "Mamadou", "family_name": "Diop"},
        {"given_names": "Mouhamed", "family_name": "Diop"},
    )
    record = await merge(client, agent, pair, choices={"given_names": "survivor"})
    assert record.status_code == 201, record.text
    for q in ("Mouhamed Diop", "Mouhamed", "+221770000001"):
        assert await _found(client, agent, q) == [pair.survivor], q


async def test_a_new_registration_like_the_merged_file_is_checked_against_the_survivor(
    client: httpx.AsyncClient, agent: Staff
) -> None:
    pair = await _ousmane_sagna_and_mamadou_diop(client, agent)
    await _merge_keeping_the_survivors_names(client, agent, pair)

    again = {"given_names": "Ousmane", "family_name": "Sagna", "sex": "male", "date_of_birth": "1988-07-14"}
    response = await client.post(REGISTRANTS, json=again, headers=agent.headers)
    assert response.status_code == 409, response.text
    (candidate,) = response.json()["candidates"]
    assert candidate["id"] == pair.survivor
    # shown as the survivor (Mamadou Diop), matched on the merged file's names: it says through which
    assert (candidate["given_names"], candidate["family_name"]) == ("Mamadou", "Diop")
    assert candidate["through"] == pair.merged_number
    assert candidate["reasons"][-1] == "merged_file"
    assert {"same_family_name", "same_birth_date"} <= set(candidate["reasons"])
    # a registration like the survivor's own file is matched on its own keys
    own = {**again, "given_names": "Mamadou", "family_name": "Diop"}
    response = await client.post(REGISTRANTS, json=own, headers=agent.headers)
    (candidate,) = response.json()["candidates"]
    assert (candidate["id"], candidate["through"]) == (pair.survivor, None)
    assert "merged_file" not in candidate["reasons"]
