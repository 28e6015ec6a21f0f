"""French problem details speak to people: dates in words (« 8 décembre 2026 »), no ISO dates, no
parameter names (``q``, ``start=``), no desk codes where the desk has a name."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

import httpx

from app.core.i18n import date_fr
from tests.cases.conftest import open_case
from tests.conftest import Staff

FR = {"Accept-Language": "fr"}
ISO = re.compile(r"\d{4}-\d{2}-\d{2}")


def test_a_date_in_french_words() -> None:
    days = (date_fr(dt.date(2026, 12, 8)), date_fr(dt.date(2026, 12, 1)))
    assert days == ("8\u00a0décembre 2026", "1er\u00a0décembre 2026")


async def test_a_search_with_nothing_to_search_by_says_so_in_words(client: httpx.AsyncClient, agent: Staff) -> None:
    response = await client.get("/api/v1/registrants", params={"q": "%"}, headers={**agent.headers, **FR})
    assert response.status_code == 422
    assert response.json()["detail"] == (
        "La recherche ne contient ni lettre ni chiffre : tapez un nom, un numéro ou un téléphone."
    )


async def test_a_reversed_period_is_said_with_dates_in_words(client: httpx.AsyncClient, admin: Staff) -> None:
    response = await client.get(
        "/api/v1/exports/registrants",
        params={"start": "2026-12-31", "end": "2026-12-01"},
        headers={**admin.headers, **FR},
    )
    assert response.status_code == 422
    assert response.json()["detail"] == (
        "La période se termine (1er\u00a0décembre 2026) avant de commencer (31\u00a0décembre 2026)."
    )


async def test_a_due_date_before_opening_is_said_with_dates_in_words(
    client: httpx.AsyncClient, agent: Staff, supervisor: Staff, make_registrant
) -> None:
    case = await open_case(client, agent, await make_registrant())
    opened = dt.date.fromisoformat(case["opened_on"])
    response = await client.patch(
        f"/api/v1/cases/{case['id']}",
        headers={**supervisor.headers, **FR, "If-Match": '"v1"'},
        json={"due_date": (opened - dt.timedelta(days=1)).isoformat(), "due_date_reason": "typo"},
    )
    assert response.status_code == 422
    detail = response.json()["detail"]
    assert detail == (
        f"L'échéance ({date_fr(opened - dt.timedelta(days=1))}) précède l'ouverture du dossier ({date_fr(opened)})."
    )


async def test_a_holiday_recorded_twice_is_said_with_the_date_in_words_and_the_desk_by_name(
    client: httpx.AsyncClient, admin: Staff, desk_ids
) -> None:
    url = f"/api/v1/desks/{desk_ids['CASA-BASE']}/holidays"
    await client.post(url, json={"day": "2026-12-08", "name": "Fête"}, headers=admin.headers)
    response = await client.post(url, json={"day": "2026-12-08", "name": "Autre"}, headers={**admin.headers, **FR})
    assert response.status_code == 409
    detail = response.json()["detail"]
    assert detail == "Le 8\u00a0décembre 2026 est déjà un jour férié de ce guichet (Fête)."


def test_no_french_detail_writes_a_date_as_iso() -> None:
    """A guard: a French message built from ``.isoformat()`` would show « 2026-12-08 »."""
    offenders = []
    for path in Path("app").rglob("*.py"):
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            if ("detail_fr" in line or re.search(r"\bfr = f", line)) and "isoformat()" in line:
                offenders.append(f"{path}:{number}")
    assert offenders == []


NNBSP = "\u202f"  # French groups digits with a narrow no-break space (CLDR)


async def test_a_field_too_long_says_its_limit_in_words(
    client: httpx.AsyncClient, agent: Staff, make_registrant
) -> None:
    case = await open_case(client, agent, await make_registrant())
    url = f"/api/v1/cases/{case['id']}/notes"
    said = {}
    for lang in ("fr", "en"):
        response = await client.post(
            url, json={"text": "x" * 10_001}, headers={**agent.headers, "Accept-Language": lang}
        )
        assert response.status_code == 422
        [error] = response.json()["errors"]
        # the machine-readable members as before; the limit in ctx, said in the reason
        assert (error["loc"], error["type"], error["ctx"]) == (
            ["body", "text"],
            "string_too_long",
            {"max_length": 10_000},
        )
        said[lang] = error["reason"]
    assert said == {
        "fr": f"trop long (10{NNBSP}000\u00a0caractères au plus)",
        "en": "too long (at most 10,000\u00a0characters)",
    }


async def test_a_change_without_the_version_read_says_so_without_header_names(
    client: httpx.AsyncClient, agent: Staff, supervisor: Staff, make_registrant
) -> None:
    case = await open_case(client, agent, await make_registrant())
    response = await client.patch(
        f"/api/v1/cases/{case['id']}",
        headers={**supervisor.headers, **FR},
        json={"due_date": "2099-01-01", "due_date_reason": "typo"},
    )
    assert response.status_code == 428
    body = response.json()
    assert (body["type"], body["title"]) == (
        "/problems/precondition-required",
        "Version ouverte à indiquer pour modifier",
    )
    assert body["detail"] == (
        "La modification ne dit pas quelle version de la fiche vous avez ouverte : rouvrez-la, puis refaites "
        "votre modification."
    )
