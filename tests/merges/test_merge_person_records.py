"""What the person owns besides the file's records follows a merge and comes back at the unmerge:
their self-service accounts, the link codes issued for the file, their notification preference."""

from __future__ import annotations

import httpx
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from tests.conftest import Staff
from tests.merges.conftest import REGISTRANTS, URL, Pair, merge
from tests.selfservice.conftest import SELF, latest_code


async def _signed_in(client: httpx.AsyncClient, sessionmaker: async_sessionmaker[AsyncSession], email: str) -> str:
    """A person's access token, signed in with the one-time code sent to ``email``."""
    assert (await client.post(f"{SELF}/codes", json={"email": email})).status_code == 202
    code = await latest_code(sessionmaker, email)
    signed = await client.post(f"{SELF}/sessions", json={"email": email, "code": code})
    assert signed.status_code == 200, signed.text
    return str(signed.json()["access_token"])


async def _link_code(client: httpx.AsyncClient, agent: Staff, registrant_id: str) -> str:
    issued = await client.post(f"{REGISTRANTS}/{registrant_id}/self-service/link-codes", headers=agent.headers)
    assert issued.status_code == 201, issued.text
    return str(issued.json()["code"])


async def _linked(
    client: httpx.AsyncClient,
    sessionmaker: async_sessionmaker[AsyncSession],
    agent: Staff,
    registrant_id: str,
    email: str,
) -> dict[str, str]:
    """The headers of a person whose account the desk linked to ``registrant_id``."""
    headers = {"Authorization": f"Bearer {await _signed_in(client, sessionmaker, email)}"}
    code = await _link_code(client, agent, registrant_id)
    assert (await client.post(f"{SELF}/link", json={"code": code}, headers=headers)).status_code == 200
    return headers


async def _contact_number(client: httpx.AsyncClient, headers: dict[str, str]) -> str:
    contact = await client.get(f"{SELF}/contact", headers=headers)
    assert contact.status_code == 200, contact.text
    return str(contact.json()["registration_number"])


async def _accounts(client: httpx.AsyncClient, agent: Staff, registrant_id: str) -> int:
    listed = await client.get(f"{REGISTRANTS}/{registrant_id}/self-service/accounts", headers=agent.headers)
    assert listed.status_code == 200, listed.text
    return len(listed.json())


async def test_a_merge_moves_the_persons_account_to_the_survivor_and_the_unmerge_gives_it_back(
    client: httpx.AsyncClient, agent: Staff, pair: Pair, sessionmaker: async_sessionmaker[AsyncSession]
) -> None:
    person = await _linked(client, sessionmaker, agent, pair.merged, "awa.badji@example.org")
    assert await _contact_number(client, person) == pair.merged_number

    record = await merge(client, agent, pair)
    assert record.status_code == 201, record.text
    assert record.json()["moved"]["person_accounts"] == 1
    assert await _contact_number(client, person) == pair.survivor_number
    assert await _accounts(client, agent, pair.survivor) == 1

    undone = await client.post(f"{URL}/{record.json()['id']}/unmerge", headers=agent.headers)
    assert undone.status_code == 200, undone.text
    assert await _contact_number(client, person) == pair.merged_number
    assert (await _accounts(client, agent, pair.survivor), await _accounts(client, agent, pair.merged)) == (0, 1)


async def test_when_both_files_have_an_account_both_are_linked_to_the_survivor_until_the_unmerge(
    client: httpx.AsyncClient, agent: Staff, pair: Pair, sessionmaker: async_sessionmaker[AsyncSession]
) -> None:
    first = await _linked(client, sessionmaker, agent, pair.survivor, "awa@example.org")
    second = await _linked(client, sessionmaker, agent, pair.merged, "awa.badji@example.org")

    record = await merge(client, agent, pair)
    assert record.status_code == 201, record.text
    assert [await _contact_number(client, h) for h in (first, second)] == [pair.survivor_number] * 2
    assert await _accounts(client, agent, pair.survivor) == 2

    assert (await client.post(f"{URL}/{record.json()['id']}/unmerge", headers=agent.headers)).status_code == 200
    assert [await _contact_number(client, h) for h in (first, second)] == [pair.survivor_number, pair.merged_number]


async def test_a_link_code_handed_over_before_the_merge_links_to_the_survivor_and_goes_back_with_its_account(
    client: httpx.AsyncClient, agent: Staff, pair: Pair, sessionmaker: async_sessionmaker[AsyncSession]
) -> None:
    code = await _link_code(client, agent, pair.merged)  # handed over at the counter, typed later
    record = await merge(client, agent, pair)
    assert record.status_code == 201, record.text
    assert record.json()["moved"]["link_codes"] == 1

    person = {"Authorization": f"Bearer {await _signed_in(client, sessionmaker, 'awa.badji@example.org')}"}
    linked = await client.post(f"{SELF}/link", json={"code": code}, headers=person)
    assert linked.status_code == 200, linked.text
    assert await _contact_number(client, person) == pair.survivor_number

    undone = await client.post(f"{URL}/{record.json()['id']}/unmerge", headers=agent.headers)
    assert undone.status_code == 200, undone.text
    assert undone.json()["followed"]["person_accounts"] == 1
    assert await _contact_number(client, person) == pair.merged_number


async def test_the_merged_files_notification_preference_moves_when_the_survivor_has_none(
    client: httpx.AsyncClient, agent: Staff, pair: Pair
) -> None:
    def url(registrant_id: str) -> str:
        return f"{REGISTRANTS}/{registrant_id}/notification-preferences"

    chosen = await client.put(url(pair.merged), json={"channel": "none"}, headers={**agent.headers, "If-Match": '"v0"'})
    assert chosen.status_code == 200, chosen.text

    record = await merge(client, agent, pair)
    assert record.status_code == 201, record.text
    survivor = await client.get(url(pair.survivor), headers=agent.headers)
    assert (survivor.json()["channel"], survivor.json()["version"]) == ("none", 1)

    assert (await client.post(f"{URL}/{record.json()['id']}/unmerge", headers=agent.headers)).status_code == 200
    survivor = await client.get(url(pair.survivor), headers=agent.headers)
    merged = await client.get(url(pair.merged), headers=agent.headers)
    assert (survivor.json()["channel"], survivor.json()["version"]) == (None, 0)
    assert (merged.json()["channel"], merged.json()["version"]) == ("none", 1)


async def test_the_survivors_own_notification_preference_stays_and_the_merged_files_waits_for_the_unmerge(
    client: httpx.AsyncClient, agent: Staff, pair: Pair
) -> None:
    def url(registrant_id: str) -> str:
        return f"{REGISTRANTS}/{registrant_id}/notification-preferences"

    for registrant_id, channel in ((pair.survivor, "sms"), (pair.merged, "none")):
        chosen = await client.put(
            url(registrant_id), json={"channel": channel}, headers={**agent.headers, "If-Match": '"v0"'}
        )
        assert chosen.status_code == 200, chosen.text
    record = await merge(client, agent, pair)
    assert record.status_code == 201, record.text
    assert record.json()["moved"]["notification_preferences"] == 0
    assert (await client.get(url(pair.survivor), headers=agent.headers)).json()["channel"] == "sms"
    assert (await client.post(f"{URL}/{record.json()['id']}/unmerge", headers=agent.headers)).status_code == 200
    assert (await client.get(url(pair.merged), headers=agent.headers)).json()["channel"] == "none"
