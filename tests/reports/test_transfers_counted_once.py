"""A person transferred to another desk is one person, one registration and one case opened in
every report, and their rows in the exports say so (the tester's +12 for 6 people)."""

from __future__ import annotations

import csv
import datetime as dt
import io
from typing import Any
from zoneinfo import ZoneInfo

import httpx
import pytest

from tests.cases.conftest import move
from tests.reports.conftest import World, utc

PEOPLE = 6


def _period() -> dict[str, str]:
    today = dt.datetime.now(dt.UTC).date()
    return {"start": str(today - dt.timedelta(days=2)), "end": str(today + dt.timedelta(days=2))}


@pytest.fixture
async def transferred(build, client: httpx.AsyncClient, make_staff, settings) -> list[str]:  # type: ignore[no-untyped-def]
    """Six people registered at CASA-BASE today, each with a case opened there and transferred to
    DKR-MOB through the API (the receiving desk gets a copy of the person and a case)."""
    settings.report_small_cell_threshold = 1
    at = dt.datetime.now(dt.UTC) - dt.timedelta(minutes=5)
    opened = at.astimezone(ZoneInfo("Africa/Casablanca")).date()

    async def people(world: World) -> list[str]:
        out = []
        for _ in range(PEOPLE):
            person = await world.registrant(at=at, consents=("desk_transfer",))
            out.append(str((await world.case(person, opened=opened, due=opened + dt.timedelta(days=10))).id))
        return out

    cases = await build(people)
    agent = await make_staff("agent", ["CASA-BASE"])
    for case_id in cases:
        response = await move(client, agent, case_id, "transferred", to_desk="DKR-MOB")
        assert response.status_code == 200, response.text
    return cases  # type: ignore[no-any-return]


async def _report(client: httpx.AsyncClient, staff: Any, path: str, **params: Any) -> Any:
    response = await client.get(f"/api/v1/reports/{path}", params={**_period(), **params}, headers=staff.headers)
    assert response.status_code == 200, response.text
    return response.json()


def _by_row(table: dict[str, Any]) -> dict[str, list[int | None]]:
    return dict(zip(table["rows"], table["values"], strict=True))


async def test_a_transferred_person_is_received_once(client, make_staff, transferred) -> None:  # type: ignore[no-untyped-def]
    admin = await make_staff("admin")
    body = await _report(client, admin, "funder-indicators")
    received = body["tables"][0]
    assert (received["name"], received["total"]) == ("people_received", PEOPLE)
    assert any("transfer" in note for note in body["notes"])
    # the receiving desk alone received nobody new: the person was received where registered
    dakar = await _report(client, admin, "funder-indicators", desk="DKR-MOB")
    assert dakar["tables"][0]["total"] == 0


async def test_a_transfer_copy_is_not_a_registration(client, make_staff, transferred) -> None:  # type: ignore[no-untyped-def]
    admin = await make_staff("admin")
    body = await _report(client, admin, "registrations", by="desk")
    assert _by_row(body["tables"][0]) == {"CASA-BASE": [PEOPLE], "DKR-MOB": [0]}
    assert any("transfer" in note for note in body["notes"])


async def test_a_transferred_case_is_opened_once_and_moves_in_its_own_table(client, make_staff, transferred) -> None:  # type: ignore[no-untyped-def]
    admin = await make_staff("admin")
    body = await _report(client, admin, "cases", by="desk")
    opened, moved = body["tables"]
    assert _by_row(opened) == {"CASA-BASE": [PEOPLE], "DKR-MOB": [0]}
    assert moved["name"] == "cases_transferred"
    assert moved["columns"] == ["transferred_in", "transferred_out"]
    assert _by_row(moved) == {"CASA-BASE": [0, PEOPLE], "DKR-MOB": [PEOPLE, 0]}
    by_service = await _report(client, admin, "cases", by="service_type")
    assert by_service["tables"][0]["total"] == PEOPLE
    # open now: at the receiving desk only (the sending desk keeps a read-only trace)
    still_open = await _report(client, admin, "cases", by="desk", measure="open")
    assert _by_row(still_open["tables"][0]) == {"CASA-BASE": [0], "DKR-MOB": [PEOPLE]}


def _csv(response: httpx.Response) -> list[dict[str, str]]:
    assert response.status_code == 200, response.text
    return list(csv.DictReader(io.StringIO(response.content.decode("utf-8-sig"))))


async def test_exports_link_a_transfer_copy_to_the_person(client, make_staff, transferred) -> None:  # type: ignore[no-untyped-def]
    admin = await make_staff("admin")
    people = _csv(await client.get("/api/v1/exports/registrants", params=_period(), headers=admin.headers))
    by_desk = {desk: [r for r in people if r["desk"] == desk] for desk in ("CASA-BASE", "DKR-MOB")}
    assert [r["source"] for r in by_desk["DKR-MOB"]] == ["transfer"] * PEOPLE
    assert len({r["person_id"] for r in people}) == PEOPLE  # a copy has the person's own person_id
    cases = _csv(await client.get("/api/v1/exports/cases", params=_period(), headers=admin.headers))
    sent = {r["case_id"]: r for r in cases if r["desk"] == "CASA-BASE"}
    received = [r for r in cases if r["desk"] == "DKR-MOB"]
    assert {r["status"] for r in sent.values()} == {"transferred"}
    assert sorted(r["transferred_from"] for r in received) == sorted(sent)
    assert all(r["person_id"] == sent[r["transferred_from"]]["person_id"] for r in received)
    assert {r["transferred_from"] for r in sent.values()} == {""}


async def test_a_person_trained_at_two_desks_is_counted_once(build, client, make_staff, settings) -> None:  # type: ignore[no-untyped-def]
    """A copy of a copy (sent on to a third record) and its own cases still count as the person."""
    settings.report_small_cell_threshold = 1

    async def trained(world: World) -> None:
        person = await world.registrant(at=utc(2026, 1, 10))
        copy = await world.registrant(desk="DKR-MOB", at=utc(2026, 1, 20), source="transfer", source_ref=str(person.id))
        again = await world.registrant(
            desk="CASA-BASE", at=utc(2026, 1, 25), source="transfer", source_ref=str(copy.id)
        )
        for who, day in ((person, 3), (copy, 10), (again, 12)):
            await world.case(
                who,
                service="TRAINING",
                opened=dt.date(2026, 2, day),
                status="resolved",
                outcome="training",
                closed_at=utc(2026, 2, day + 1),
            )
        other = await world.registrant(at=utc(2026, 1, 10), sex="male")
        await world.case(other, service="TRAINING", status="resolved", outcome="training", closed_at=utc(2026, 2, 20))

    await build(trained)
    admin = await make_staff("admin")
    response = await client.get(
        "/api/v1/reports/funder-indicators", params={"start": "2026-02-01", "end": "2026-02-28"}, headers=admin.headers
    )
    tables = {t["name"]: t for t in response.json()["tables"]}
    assert tables["people_trained"]["row_totals"][:2] == [1, 1]  # one woman, one man
    assert tables["people_received"]["total"] == 2  # the cases at three records: two people
