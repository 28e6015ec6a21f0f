"""Resolving flagged import rows: link, create, discard; one at a time and in bulk; the CLI."""

from __future__ import annotations

import uuid
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from typer.testing import CliRunner

from app.audit import payloads
from app.audit.models import AuditEvent
from app.cli import cli
from app.registrants.models import Registrant
from tests.conftest import Staff
from tests.imports.conftest import csv_file

ROW = "{n};02/06/2019;{given};{family};{sex};{birth};Dakar;Thiès;;;{phone};;Casablanca;;{job};;;"
REGISTER = csv_file(
    ROW.format(n=1, given="Awa", family="Diop", sex="F", birth="01/01/1990", phone="0612345678", job="couturière"),
    ROW.format(n=2, given="Moussa", family="Faye", sex="M", birth="05/05/1985", phone="0611111111", job=""),
    ROW.format(n=3, given="Awa", family="Diop", sex="F", birth="01/01/1990", phone="0612345678", job="commerçante"),
    ROW.format(n=4, given="Moussa", family="Faye", sex="M", birth="05/05/1985", phone="0611111111", job=""),
    ROW.format(n=5, given="Moussa", family="Faye", sex="M", birth="05/05/1985", phone="0622222222", job="maçon"),
)


def _url(batch: str, line: int | None = None) -> str:
    return f"/api/v1/imports/{batch}/rows/{line}/resolution" if line else f"/api/v1/imports/{batch}/resolutions"


@pytest.fixture
async def agent(make_staff: Any) -> Staff:
    return await make_staff("agent", ["CASA-BASE"])


@pytest.fixture
async def batch(upload: Any) -> dict[str, Any]:
    """The stored report of an import with two imported rows and three flagged ones."""
    response = await upload(REGISTER)
    assert response.status_code == 201, response.text
    report: dict[str, Any] = response.json()
    assert [(r["line"], r["outcome"], r["resolution"]) for r in report["rows"]] == [
        (2, "imported", None),
        (3, "imported", None),
        (4, "flagged", "pending"),
        (5, "flagged", "pending"),
        (6, "flagged", "pending"),
    ]
    assert (report["counts"]["flagged"], report["counts"]["pending"]) == (3, 3)
    return report


def _ids(report: dict[str, Any]) -> tuple[str, str, str]:
    return report["batch_id"], report["rows"][0]["registrant_id"], report["rows"][1]["registrant_id"]


async def _registrants(sessionmaker: async_sessionmaker[AsyncSession]) -> int:
    async with sessionmaker() as session:
        return int((await session.execute(select(func.count()).select_from(Registrant))).scalar_one())


def _problem(response: httpx.Response, status: int, slug: str) -> dict[str, Any]:
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == "application/problem+json"
    body: dict[str, Any] = response.json()
    assert body["type"] == f"/problems/{slug}"
    return body


async def test_each_flagged_row_is_linked_created_or_discarded_once(
    client: httpx.AsyncClient, agent: Staff, admin: Staff, batch: dict[str, Any], sessionmaker: Any
) -> None:
    batch_id, awa, moussa = _ids(batch)
    held = await client.get(
        f"/api/v1/imports/{batch_id}/flagged", params={"resolution": "pending"}, headers=agent.headers
    )
    assert held.status_code == 200, held.text
    assert [(r["line"], r["name"], [c["registrant_id"] for c in r["candidates"]]) for r in held.json()["items"]] == [
        (4, "Awa Diop", [awa]),
        (5, "Moussa Faye", [moussa]),
        (6, "Moussa Faye", [moussa]),
    ]
    linked = await client.post(
        _url(batch_id, 4),
        json={"decision": "link", "registrant_id": awa, "update_fields": ["occupation"], "note": "même personne"},
        headers=agent.headers,
    )
    assert linked.status_code == 200, linked.text
    body = linked.json()
    assert (body["resolution"], body["registrant_id"], body["resolved_by"]) == ("linked", awa, str(agent.id))
    assert (body["counts"]["pending"], body["counts"]["linked"]) == (2, 1)
    person = await client.get(f"/api/v1/registrants/{awa}", headers=agent.headers)
    assert (person.json()["occupation"], person.json()["version"]) == ("commerçante", 2)

    again = await client.post(_url(batch_id, 4), json={"decision": "discard"}, headers=agent.headers)
    assert _problem(again, 409, "import-row-resolved")["resolution"] == "linked"

    created = await client.post(_url(batch_id, 5), json={"decision": "create"}, headers=agent.headers)
    assert created.status_code == 200, created.text
    new_id = created.json()["registrant_id"]
    assert new_id not in (awa, moussa)
    assert created.json()["registration_number"].startswith("CASA-")
    new = (await client.get(f"/api/v1/registrants/{new_id}", headers=agent.headers)).json()
    assert (new["given_names"], new["family_name"], new["registered_on"], new["source"]) == (
        "Moussa",
        "Faye",
        "2019-06-02",
        "import",
    )

    discarded = await client.post(_url(batch_id, 6), json={"decision": "discard"}, headers=agent.headers)
    assert (discarded.status_code, discarded.json()["registrant_id"]) == (200, None)
    counts = discarded.json()["counts"]
    assert [counts[k] for k in ("flagged", "pending", "linked", "created", "discarded")] == [3, 0, 1, 1, 1]
    not_flagged = _problem(
        await client.post(_url(batch_id, 2), json={"decision": "discard"}, headers=agent.headers),
        409,
        "import-row-not-flagged",
    )
    assert not_flagged["detail"] == "La ligne 2 a été importée, pas signalée : rien à traiter."
    in_english = await client.post(
        _url(batch_id, 2), json={"decision": "discard"}, headers={**agent.headers, "Accept-Language": "en"}
    )
    assert in_english.json()["detail"] == "Line 2 was imported, not flagged: there is nothing to resolve."

    report = (await client.get(f"/api/v1/imports/{batch_id}", headers=admin.headers)).json()
    assert [(r["line"], r["resolution"], r["registrant_id"]) for r in report["rows"][2:]] == [
        (4, "linked", awa),
        (5, "created", new_id),
        (6, "discarded", None),
    ]
    assert (report["counts"]["pending"], report["counts"]["created"]) == (0, 1)
    pending = await client.get(
        f"/api/v1/imports/{batch_id}/flagged", params={"resolution": "pending"}, headers=agent.headers
    )
    assert pending.json() == {"items": [], "next_cursor": None}
    async with sessionmaker() as session:
        events = (
            await session.execute(
                select(AuditEvent.details).where(AuditEvent.action == "import.row_resolve").order_by(AuditEvent.id)
            )
        ).scalars()
        events = list(events)
        assert [(e["line"], e["resolution"]) for e in events] == [(4, "linked"), (5, "created"), (6, "discarded")]
        # The link's note may speak of the person: in the erasable payload of their file, not the chain.
        kept = await payloads.resolve(session, [events[0]["personal"]])
    assert ("note" in events[0], events[0]["note_given"], events[0]["personal"]["registrant"]) == (False, True, awa)
    assert kept[events[0]["personal"]["payload"]] == {"note": "même personne"}


async def test_bad_resolutions_are_refused_and_change_nothing(
    client: httpx.AsyncClient, agent: Staff, make_staff: Any, batch: dict[str, Any], sessionmaker: Any
) -> None:
    batch_id, awa, moussa = _ids(batch)
    before = await _registrants(sessionmaker)
    not_candidate = await client.post(
        _url(batch_id, 4), json={"decision": "link", "registrant_id": moussa}, headers=agent.headers
    )
    body = _problem(not_candidate, 422, "import-not-a-candidate")
    assert [c["registrant_id"] for c in body["candidates"]] == [awa]
    for bad in (
        {"decision": "link"},
        {"decision": "create", "registrant_id": awa},
        {"decision": "discard", "update_fields": ["occupation"]},
        {"decision": "merge"},
        {"decision": "link", "registrant_id": awa, "update_fields": ["desk_id"]},
    ):
        _problem(await client.post(_url(batch_id, 4), json=bad, headers=agent.headers), 422, "validation-failed")
    missing = await client.post(
        _url(batch_id, 4),
        json={"decision": "link", "registrant_id": awa, "update_fields": ["email"]},
        headers=agent.headers,
    )
    assert _problem(missing, 422, "validation-failed")["errors"][0]["type"] == "row_value_missing"
    _problem(
        await client.post(_url(batch_id, 99), json={"decision": "discard"}, headers=agent.headers),
        404,
        "import-row-not-found",
    )
    _problem(
        await client.post(_url(str(uuid.uuid4()), 4), json={"decision": "discard"}, headers=agent.headers),
        404,
        "import-batch-not-found",
    )
    dakar = await make_staff("agent", ["DKR-MOB"])
    _problem(
        await client.get(f"/api/v1/imports/{batch_id}/flagged", headers=dakar.headers), 404, "import-batch-not-found"
    )
    _problem(
        await client.post(_url(batch_id, 4), json={"decision": "discard"}, headers=dakar.headers),
        404,
        "import-batch-not-found",
    )
    stale = await client.post(
        _url(batch_id, 4),
        json={"decision": "link", "registrant_id": awa, "update_fields": ["occupation"], "registrant_etag": '"v9"'},
        headers=agent.headers,
    )
    _problem(stale, 412, "precondition-failed")
    report = (await client.post(_url(batch_id, 6), json={"decision": "discard"}, headers=agent.headers)).json()
    assert report["counts"]["pending"] == 2  # line 4 is still pending after every refusal
    assert await _registrants(sessionmaker) == before


async def test_a_line_past_what_a_register_can_hold_is_refused_naming_it(
    client: httpx.AsyncClient, agent: Staff, batch: dict[str, Any]
) -> None:
    """A line the database's INTEGER cannot hold is a 422 naming ``line`` on both databases, never
    a "date out of range" (PostgreSQL's overflow) nor a 404 (SQLite's 64-bit integers)."""
    batch_id = batch["batch_id"]
    for line in (2**31, 2**63):
        one = _problem(
            await client.post(_url(batch_id, line), json={"decision": "discard"}, headers=agent.headers),
            422,
            "validation-failed",
        )
        assert one["errors"][0]["loc"] == ["path", "line"]
        bulk = _problem(
            await client.post(
                _url(batch_id), json={"items": [{"line": line, "decision": "discard"}]}, headers=agent.headers
            ),
            422,
            "validation-failed",
        )
        assert bulk["errors"][0]["loc"] == ["body", "items", "0", "line"]
    last = 2**31 - 1  # the largest line there can be: looked up, not found
    _problem(
        await client.post(_url(batch_id, last), json={"decision": "discard"}, headers=agent.headers),
        404,
        "import-row-not-found",
    )


async def test_linking_a_row_adds_only_the_phones_the_person_does_not_have(
    client: httpx.AsyncClient, agent: Staff, batch: dict[str, Any]
) -> None:
    """Line 4's phone is already Awa's: with nine others she holds ten, and linking the row with
    its phones leaves her the same ten, not a 422 for eleven."""
    batch_id, awa, _ = _ids(batch)
    ten = ["+212612345678", *(f"+2126000000{i:02d}" for i in range(9))]
    patched = await client.patch(
        f"/api/v1/registrants/{awa}",
        json={"phones": [{"number": n} for n in ten]},
        headers={**agent.headers, "If-Match": '"v1"'},
    )
    assert patched.status_code == 200, patched.text
    linked = await client.post(
        _url(batch_id, 4),
        json={"decision": "link", "registrant_id": awa, "update_fields": ["phones"]},
        headers=agent.headers,
    )
    assert linked.status_code == 200, linked.text
    person = (await client.get(f"/api/v1/registrants/{awa}", headers=agent.headers)).json()
    assert [p["e164"] for p in person["phones"]] == ten


async def test_bulk_resolution_is_all_or_nothing(
    client: httpx.AsyncClient, agent: Staff, batch: dict[str, Any], sessionmaker: Any
) -> None:
    batch_id, awa, moussa = _ids(batch)
    before = await _registrants(sessionmaker)
    items = [
        {"line": 4, "decision": "link", "registrant_id": awa},
        {"line": 5, "decision": "create"},
        {"line": 6, "decision": "link", "registrant_id": awa},  # not one of line 6's candidates
    ]
    refused = await client.post(_url(batch_id), json={"items": items}, headers=agent.headers)
    body = _problem(refused, 422, "import-resolutions-refused")
    assert [(e["line"], e["status"], e["type"]) for e in body["errors"]] == [
        (6, 422, "/problems/import-not-a-candidate")
    ]
    assert await _registrants(sessionmaker) == before  # line 5's person was not created
    duplicate_line = await client.post(
        _url(batch_id), json={"items": [items[0], {**items[0], "decision": "discard", "registrant_id": None}]},
        headers=agent.headers,
    )  # fmt: skip
    _problem(duplicate_line, 422, "validation-failed")

    items[2] = {"line": 6, "decision": "link", "registrant_id": moussa}
    done = await client.post(_url(batch_id), json={"items": items}, headers=agent.headers)
    assert done.status_code == 200, done.text
    assert [(r["line"], r["resolution"]) for r in done.json()["rows"]] == [(4, "linked"), (5, "created"), (6, "linked")]
    assert {k: done.json()["counts"][k] for k in ("pending", "linked", "created", "discarded")} == {
        "pending": 0,
        "linked": 2,
        "created": 1,
        "discarded": 0,
    }
    assert await _registrants(sessionmaker) == before + 1
    retried = await client.post(_url(batch_id), json={"items": items}, headers=agent.headers)
    body = _problem(retried, 409, "import-resolutions-conflict")
    assert [e["line"] for e in body["errors"]] == [4, 5, 6]
    assert await _registrants(sessionmaker) == before + 1


def test_cli_resolves_a_row(
    batch: dict[str, Any], database_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, admin: Staff
) -> None:
    monkeypatch.setenv("DATABASE_URL", database_url)
    monkeypatch.setenv("DATA_DIR", str(tmp_path / "var"))
    monkeypatch.setenv("ENVIRONMENT", "test")
    batch_id, awa, _ = _ids(batch)
    runner = CliRunner()
    args = ["resolve-import-row", batch_id, "4", "--as", admin.email]
    both = runner.invoke(cli, [*args, "--create", "--discard"])
    assert both.exit_code == 2
    result = runner.invoke(cli, [*args, "--link", awa, "--update", "occupation"])
    assert result.exit_code == 0, result.output
    assert "line 4: linked → CASA-" in result.output
    assert "batch: 2 pending, 1 linked, 0 created, 0 discarded" in result.output
    again = runner.invoke(cli, [*args, "--discard"])
    assert again.exit_code == 1
    assert "already resolved" in again.output
    for line in (str(2**31), str(2**64)):  # bad arguments (exit 2), not a driver's traceback
        beyond = runner.invoke(cli, ["resolve-import-row", batch_id, line, "--as", admin.email, "--discard"])
        assert beyond.exit_code == 2, beyond.output


async def test_a_resolution_retried_with_its_idempotency_key_answers_the_first_one(
    client: httpx.AsyncClient, agent: Staff, batch: dict[str, Any], sessionmaker: Any
) -> None:
    batch_id, awa, _ = _ids(batch)
    registrants = await _registrants(sessionmaker)
    for url, body in (
        (_url(batch_id, 4), {"decision": "link", "registrant_id": awa}),
        (_url(batch_id), {"items": [{"line": 5, "decision": "create"}, {"line": 6, "decision": "discard"}]}),
    ):
        headers = {**agent.headers, "Idempotency-Key": f"resolve-{url}"}
        first = await client.post(url, json=body, headers=headers)
        again = await client.post(url, json=body, headers=headers)  # not 409 import-row-resolved
        assert (first.status_code, again.status_code, again.headers.get("idempotent-replayed")) == (200, 200, "true")
        assert again.json() == first.json()
    assert await _registrants(sessionmaker) == registrants + 1  # line 5 created once


async def test_flagged_rows_come_in_pages_in_file_order(
    client: httpx.AsyncClient, agent: Staff, batch: dict[str, Any]
) -> None:
    """Before, every flagged row came in one unpaginated list, however many thousands."""
    url = f"/api/v1/imports/{batch['batch_id']}/flagged"
    first = await client.get(url, params={"limit": 2}, headers=agent.headers)
    assert [r["line"] for r in first.json()["items"]] == [4, 5]
    rest = await client.get(url, params={"limit": 2, "cursor": first.json()["next_cursor"]}, headers=agent.headers)
    assert ([r["line"] for r in rest.json()["items"]], rest.json()["next_cursor"]) == ([6], None)


async def test_a_flagged_rows_cursor_not_issued_here_is_refused(
    client: httpx.AsyncClient, agent: Staff, batch: dict[str, Any]
) -> None:
    url = f"/api/v1/imports/{batch['batch_id']}/flagged"
    response = await client.get(url, params={"cursor": "not-a-cursor"}, headers=agent.headers)
    assert (response.status_code, response.json()["type"]) == (400, "/problems/bad-request")


@pytest.mark.parametrize(
    ("language", "title", "detail"),
    [
        ("fr", "Ligne d'import déjà traitée", "La ligne 4 a déjà été traitée : écartée."),
        ("en", "Import row already resolved", "Line 4 was already resolved: discarded."),
    ],
)
async def test_each_refused_row_of_a_bulk_resolution_speaks_the_response_language(
    client: httpx.AsyncClient, agent: Staff, batch: dict[str, Any], language: str, title: str, detail: str
) -> None:
    batch_id = batch["batch_id"]
    headers = {**agent.headers, "Accept-Language": language}
    first = await client.post(_url(batch_id, 4), json={"decision": "discard"}, headers=headers)
    assert first.status_code == 200, first.text
    again = await client.post(_url(batch_id), json={"items": [{"line": 4, "decision": "discard"}]}, headers=headers)
    body = _problem(again, 409, "import-resolutions-conflict")
    assert again.headers["content-language"] == language
    (row,) = body["errors"]
    assert (row["line"], row["status"], row["type"]) == (4, 409, "/problems/import-row-resolved")
    assert (row["title"], row["detail"], row["resolution"]) == (title, detail, "discarded")


@pytest.mark.parametrize(
    ("body", "fields"),
    [
        ({"decision": "discard", "update_fields": ["occupation"]}, ["update_fields"]),
        (
            {"decision": "create", "registrant_id": str(uuid.uuid4()), "registrant_etag": "*"},
            ["registrant_id", "registrant_etag"],
        ),
        ({"decision": "discard", "registrant_etag": '"v1"'}, ["registrant_etag"]),
    ],
)  # fmt: skip
async def test_what_only_a_link_takes_is_refused_at_its_field(
    body: dict[str, Any], fields: list[str], client: httpx.AsyncClient, agent: Staff, batch: dict[str, Any]
) -> None:
    batch_id = batch["batch_id"]
    single = _problem(await client.post(_url(batch_id, 4), json=body, headers=agent.headers), 422, "validation-failed")
    expected = [
        (["body", f], "not_applicable", f"does not apply to decision {body['decision']}: only link takes it")
        for f in fields
    ]
    assert [(e["loc"], e["type"], e["msg"]) for e in single["errors"]] == expected
    bulk = _problem(
        await client.post(_url(batch_id), json={"items": [{"line": 4, **body}]}, headers=agent.headers),
        422,
        "validation-failed",
    )
    assert [e["loc"] for e in bulk["errors"]] == [["body", "items", "0", f] for f in fields]
    flagged = await client.get(f"/api/v1/imports/{batch_id}/flagged", headers=agent.headers)
    assert 4 in [row["line"] for row in flagged.json()["items"]]


async def test_a_row_linked_to_a_person_is_in_their_file_history(
    client: httpx.AsyncClient, agent: Staff, batch: dict[str, Any]
) -> None:
    """Linking a register's row to a person, with or without taking its values, is said in the
    person's file history (the batch's own event is not a write to the file)."""
    batch_id, awa, moussa = _ids(batch)
    for line, person, taken in ((4, awa, ["occupation"]), (5, moussa, [])):
        linked = await client.post(
            _url(batch_id, line),
            json={"decision": "link", "registrant_id": person, "update_fields": taken},
            headers=agent.headers,
        )
        assert linked.status_code == 200, linked.text
        history = (await client.get(f"/api/v1/registrants/{person}/history", headers=agent.headers)).json()
        assert history[0]["action"] == "registrant.import_link"
        assert [e["action"] for e in history].count("registrant.update") == (1 if taken else 0)
