"""A person's own free-slot search stops at the booking horizon, as the desk's does."""

from __future__ import annotations

import httpx

from tests.selfservice.conftest import SELF, World


async def test_slots_years_ahead_are_refused(client: httpx.AsyncClient, world: World) -> None:
    response = await client.get(f"{SELF}/slots", params={"from": "2031-06-02", "days": 1}, headers=world.a.headers)
    assert (response.status_code, response.json()["type"]) == (422, "/problems/beyond-booking-horizon")
    assert [e["loc"] for e in response.json()["errors"]] == [["query", "from"]]
