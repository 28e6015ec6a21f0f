"""``labels=fr|en`` on report files: the header, row and column labels and dimension names in the
words the charts draw, for the ministry's and funders' readers; counts stay numbers, ``x`` stays."""

from __future__ import annotations

import csv
import datetime as dt
import io
from typing import Any

import httpx
import openpyxl
import pytest

from tests.reports.conftest import World, utc

FEB = {"start": "2026-02-01", "end": "2026-02-28"}
LEGAL_FR = "Aide juridique (litiges du travail, logement, détention, victimes)"
LEGAL_EN = "Legal aid (labour disputes, housing, detention, victims)"


async def _world(world: World) -> None:
    for _ in range(6):
        amy = await world.registrant(sex="female", dob="1990", at=utc(2026, 2, 10))
        await world.case(amy, service="LEGAL_AID", opened=dt.date(2026, 2, 3), status="in_follow_up")
    for _ in range(5):
        await world.registrant(sex="male", dob="1990", at=utc(2026, 2, 12))
    bob = await world.registrant(sex="male", dob="1990", region="SN-MT", at=utc(2026, 2, 11))
    case = await world.case(bob, service="LEGAL_AID", opened=dt.date(2026, 2, 4), status="received", channel="phone")
    await world.referral(case, referred=dt.date(2026, 2, 5), answered=dt.date(2026, 2, 9), status="answered")


@pytest.fixture
async def world(build) -> None:  # type: ignore[no-untyped-def]
    await build(_world)


def _csv(response: httpx.Response) -> list[list[str]]:
    assert response.status_code == 200, response.text
    return list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))


async def test_registrations_by_sex_in_french_words(client, make_staff, world) -> None:  # type: ignore[no-untyped-def]
    supervisor = await make_staff("supervisor", ["CASA-BASE"])
    response = await client.get(
        "/api/v1/reports/registrations",
        params={**FEB, "by": "sex", "format": "csv", "labels": "fr"},
        headers=supervisor.headers,
    )
    assert _csv(response) == [
        ["Inscriptions 2026-02-01..2026-02-28 CASA-BASE"],
        ["Tableau", "sexe", "nombre", "Total"],
        ["Inscriptions", "Femme", "6", "6"],
        ["Inscriptions", "Homme", "6", "6"],
        ["Inscriptions", "Non précisé", "0", "0"],
        ["Inscriptions", "Total", "12", "12"],
    ]


async def test_cases_by_service_and_status_in_english_words_as_on_the_chart(client, make_staff, world) -> None:  # type: ignore[no-untyped-def]
    supervisor = await make_staff("supervisor", ["CASA-BASE"])
    params = {**FEB, "measure": "opened", "by": ["service_type", "status"]}
    response = await client.get(
        "/api/v1/reports/cases", params={**params, "format": "csv", "labels": "en"}, headers=supervisor.headers
    )
    rows = _csv(response)
    assert rows[0] == ["Opened cases 2026-02-01..2026-02-28 CASA-BASE"]
    header = rows[1]
    assert header[:2] == ["Table", "service type"]
    assert "In follow-up" in header and "Received" in header and header[-1] == "Total"
    assert "in_follow_up" not in header
    legal = rows[2]
    assert legal[:2] == ["Opened cases", LEGAL_EN]
    assert legal[header.index("In follow-up")] == "x"  # 6, hidden with the 1 received
    assert legal[header.index("Received")] == "x"
    assert rows[-1][1] == "Total"
    chart = await client.get(
        "/api/v1/reports/cases",
        params={**params, "format": "svg"},
        headers={**supervisor.headers, "Accept-Language": "en"},
    )
    for words in ("In follow-up", "Received", "service type"):
        assert words in chart.text  # the same words on the chart as in the file


async def test_regions_are_written_by_their_names_without_a_name_column(client, make_staff, world) -> None:  # type: ignore[no-untyped-def]
    supervisor = await make_staff("supervisor", ["CASA-BASE"])
    response = await client.get(
        "/api/v1/reports/registrations",
        params={**FEB, "by": "origin_region", "format": "csv", "labels": "en"},
        headers=supervisor.headers,
    )
    rows = _csv(response)
    assert rows[1] == ["Table", "region of origin", "count", "Total"]
    assert rows[2:] == [
        ["Registrations", "Dakar", "x", "x"],
        ["Registrations", "Matam", "x", "x"],
        ["Registrations", "Total", "12", "12"],
    ]


async def test_funder_indicators_xlsx_in_french_words_keeps_numbers(client, make_staff, world) -> None:  # type: ignore[no-untyped-def]
    supervisor = await make_staff("supervisor", ["CASA-BASE"])
    response = await client.get(
        "/api/v1/reports/funder-indicators",
        params={**FEB, "format": "xlsx", "labels": "fr"},
        headers=supervisor.headers,
    )
    assert response.status_code == 200, response.text
    book = openpyxl.load_workbook(io.BytesIO(response.content))
    sheet = book.active
    assert sheet.title == "Indicateurs des bailleurs"
    cells = [[c.value for c in row] for row in sheet.iter_rows()]
    assert cells[0][0] == "Indicateurs des bailleurs 2026-02-01..2026-02-28 CASA-BASE"
    assert cells[1][:2] == ["Tableau", "sexe"]
    assert cells[1][-1] == "Total"
    received = [row for row in cells if row and row[0] == "Personnes reçues"]
    assert [row[1] for row in received] == ["Femme", "Homme", "Non précisé", "Total"]
    women = received[0]
    men = received[1]
    assert women[cells[1].index("35-49")] == 6 and women[-1] == 6  # numbers stay numbers
    assert men[cells[1].index("35-49")] == 6 and received[-1][-1] == 12
    names = {row[0] for row in cells[2:] if row and row[0]}
    assert "Dossiers résolus : social" in names and "Orientations faites" in names
    assert not any(isinstance(v, str) and v in ("female", "people_received", "total") for row in cells for v in row)


async def test_without_labels_the_file_is_unchanged(client, make_staff, world) -> None:  # type: ignore[no-untyped-def]
    supervisor = await make_staff("supervisor", ["CASA-BASE"])
    response = await client.get(
        "/api/v1/reports/registrations", params={**FEB, "by": "sex", "format": "csv"}, headers=supervisor.headers
    )
    assert response.content == (  # as before labels existed, byte for byte
        b'\xef\xbb\xbf"registrations 2026-02-01..2026-02-28 CASA-BASE"\r\n"table","sex","count","total"\r\n'
        b'"registrations","female",6,6\r\n"registrations","male",6,6\r\n"registrations","unknown",0,0\r\n'
        b'"registrations","total",12,12\r\n'
    )


@pytest.mark.parametrize("method", ["GET", "HEAD"])
async def test_unknown_language_is_a_problem_naming_labels(client, make_staff, world, method) -> None:  # type: ignore[no-untyped-def]
    supervisor = await make_staff("supervisor", ["CASA-BASE"])
    response = await client.request(
        method,
        "/api/v1/reports/funder-indicators",
        params={**FEB, "format": "csv", "labels": "wo"},
        headers=supervisor.headers,
    )
    assert response.status_code == 422
    assert response.headers["content-type"] == "application/problem+json"
    if method == "GET":
        assert [e["loc"] for e in response.json()["errors"]] == [["query", "labels"]]


async def test_head_answers_as_get_in_words(client, make_staff, world) -> None:  # type: ignore[no-untyped-def]
    supervisor = await make_staff("supervisor", ["CASA-BASE"])
    params: dict[str, Any] = {**FEB, "format": "csv", "labels": "en"}
    got = await client.get("/api/v1/reports/sla", params=params, headers=supervisor.headers)
    head = await client.head("/api/v1/reports/sla", params=params, headers=supervisor.headers)
    assert (head.status_code, head.headers["content-type"]) == (200, got.headers["content-type"])
    assert head.headers["content-disposition"] == got.headers["content-disposition"]


@pytest.mark.parametrize("fmt", ["json", "png"])
async def test_labels_apply_to_files_only(client, make_staff, world, fmt) -> None:  # type: ignore[no-untyped-def]
    supervisor = await make_staff("supervisor", ["CASA-BASE"])
    response = await client.get(
        "/api/v1/reports/registrations", params={**FEB, "format": fmt, "labels": "fr"}, headers=supervisor.headers
    )
    assert response.status_code == 422
    assert response.json()["type"].endswith("field-not-applicable")
    assert [e["loc"] for e in response.json()["errors"]] == [["query", "labels"]]


async def test_referrals_and_sla_columns_in_french_words(client, make_staff, world) -> None:  # type: ignore[no-untyped-def]
    supervisor = await make_staff("supervisor", ["CASA-BASE"])
    referrals = _csv(
        await client.get(
            "/api/v1/reports/referrals", params={**FEB, "format": "csv", "labels": "fr"}, headers=supervisor.headers
        )
    )
    assert referrals[1] == [
        "Tableau",
        "partenaire",
        "Envoyée",
        "Reçue par le partenaire",
        "Réponse reçue",
        "Refusée",
        "Sans réponse",
        "Close avec le dossier",
        "Total",
    ]
    assert referrals[2] == ["Orientations par statut", "OIM Maroc", "0", "0", "x", "0", "0", "0", "x"]
    answers = referrals.index([])
    assert referrals[answers + 1][:3] == ["Tableau", "partenaire", "Réponse dans le délai"]
    sla = _csv(
        await client.get(
            "/api/v1/reports/sla", params={**FEB, "format": "csv", "labels": "fr"}, headers=supervisor.headers
        )
    )
    assert sla[1] == [
        "Tableau",
        "service",
        "Clos dans le délai",
        "Clos en retard",
        "En cours, en retard",
        "En cours, dans le délai",
        "Total",
    ]
    assert sla[2][:2] == ["Respect des délais", LEGAL_FR]
