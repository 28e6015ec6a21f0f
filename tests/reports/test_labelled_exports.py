"""``labels=fr|en``: exports whose header row and coded values are words for people, not codes."""

from __future__ import annotations

import csv
import datetime as dt
import io
from typing import Any

import httpx
import openpyxl
import pytest
from sqlalchemy import select

from app.audit.models import AuditEvent
from app.registrants.models import RegistrantPhone
from app.reports.export_base import NOT_NAMED_BECAUSE
from app.reports.export_words import HEADERS
from app.reports.exports import REGISTRANTS_NAMED, REGISTRANTS_PSEUDONYMISED
from app.reports.exports_audit import AUDIT_COLUMNS, AUDIT_NAMED
from app.reports.exports_followup import (
    APPOINTMENTS_NAMED,
    APPOINTMENTS_PSEUDONYMISED,
    CASES_NAMED,
    CASES_PSEUDONYMISED,
    REFERRALS_NAMED,
    REFERRALS_PSEUDONYMISED,
)
from tests.reports.conftest import World, utc

FEB = {"start": "2026-02-01", "end": "2026-02-28"}
D = dt.date
CASA = "Bureau d'accueil des Sénégalais de l'extérieur — Casablanca"
PURPOSE = {"named": "true", "purpose": "Rapport annuel au ministère"}


async def _world(world: World) -> dict[str, Any]:
    amy = await world.registrant(
        at=utc(2026, 2, 10, 9),
        nationality="SN",
        host_country="MA",
        languages=["wo", "fr"],
        source="counter",
        documents=[("passport", "A01234567")],
    )
    bob = await world.registrant(sex="male", dob="2008", at=utc(2026, 2, 11, 9), status="job_seeker", consents=())
    case = await world.case(bob, service="LEGAL_AID", opened=D(2026, 2, 3), status="in_follow_up", channel="walk_in")
    await world.referral(
        case, referred=D(2026, 2, 4), expected=D(2026, 2, 18), answered=D(2026, 2, 20), status="answered"
    )
    await world.appointment(amy, starts_at=utc(2026, 2, 10, 8, 30), status="missed")
    return {"amy": amy, "bob": bob}


@pytest.fixture
async def world(build) -> dict[str, Any]:  # type: ignore[no-untyped-def]
    return await build(_world)


def _dicts(response: httpx.Response) -> list[dict[str, str]]:
    assert response.status_code == 200, response.text
    return list(csv.DictReader(io.StringIO(response.content.decode("utf-8-sig"))))


async def test_registrants_in_french_words(client, make_staff, world) -> None:  # type: ignore[no-untyped-def]
    supervisor = await make_staff("supervisor", ["CASA-BASE"])
    response = await client.get(
        "/api/v1/exports/registrants", params={**FEB, "labels": "fr"}, headers=supervisor.headers
    )
    rows = _dicts(response)
    assert list(rows[0])[:5] == [
        "Identifiant de la personne",
        "Guichet",
        "Inscrit(e) le",
        "Sexe",
        "Tranche d'âge à l'inscription",
    ]
    amy, bob = rows
    assert amy["Guichet"] == CASA
    assert (amy["Sexe"], bob["Sexe"]) == ("Femme", "Homme")
    assert amy["Inscrit(e) le"] == "2026-02-10"  # a date a spreadsheet reads in every locale
    assert (amy["Nationalité"], amy["Pays de résidence"]) == ("Sénégal", "Maroc")
    assert amy["Région d'origine"] == "Dakar"
    assert (amy["Situation"], bob["Situation"]) == ("Étudiant(e)", "En recherche d'emploi")
    assert amy["Langues"] == "wolof, français"
    assert amy["Origine de l'inscription"] == "Au guichet"
    assert bob["Tranche d'âge à l'inscription"] == "Non précisé"
    assert amy["Identifiant de la personne"].startswith("P-")
    assert response.headers["X-Export-Rows"] == "2"


async def test_cases_in_english_words(client, make_staff, world) -> None:  # type: ignore[no-untyped-def]
    supervisor = await make_staff("supervisor", ["CASA-BASE"])
    rows = _dicts(await client.get("/api/v1/exports/cases", params={**FEB, "labels": "en"}, headers=supervisor.headers))
    (case,) = rows
    assert case["Service type"] == "Legal aid (labour disputes, housing, detention, victims)"
    assert (case["Channel"], case["Priority"], case["Status"]) == ("Walk-in", "Normal", "In follow-up")
    assert (case["Sex"], case["Opened on"], case["Desk"]) == ("Male", "2026-02-03", CASA)


async def test_referrals_say_yes_or_no_and_the_status_in_words(client, make_staff, world) -> None:  # type: ignore[no-untyped-def]
    supervisor = await make_staff("supervisor", ["CASA-BASE"])
    fr = _dicts(
        await client.get("/api/v1/exports/referrals", params={**FEB, "labels": "fr"}, headers=supervisor.headers)
    )
    en = _dicts(
        await client.get("/api/v1/exports/referrals", params={**FEB, "labels": "en"}, headers=supervisor.headers)
    )
    assert (fr[0]["Statut"], fr[0]["Réponse dans le délai"]) == ("Réponse reçue", "Non")
    assert (en[0]["Status"], en[0]["Answered on time"]) == ("Answered", "No")
    assert fr[0]["Service"] == "Aide juridique (litiges du travail, logement, détention, victimes)"


async def test_appointments_status_in_words(client, make_staff, world) -> None:  # type: ignore[no-untyped-def]
    supervisor = await make_staff("supervisor", ["CASA-BASE"])
    rows = _dicts(
        await client.get("/api/v1/exports/appointments", params={**FEB, "labels": "fr"}, headers=supervisor.headers)
    )
    assert rows[0]["Statut"] == "Manqué"


async def test_default_export_keeps_its_codes_byte_for_byte(client, make_staff, world) -> None:  # type: ignore[no-untyped-def]
    supervisor = await make_staff("supervisor", ["CASA-BASE"])
    plain = await client.get("/api/v1/exports/registrants", params=FEB, headers=supervisor.headers)
    rows = _dicts(plain)
    assert list(rows[0])[:4] == ["person_id", "desk", "registered_on", "sex"]
    assert (rows[0]["desk"], rows[0]["sex"], rows[0]["languages"]) == ("CASA-BASE", "female", "wo,fr")
    again = await client.get("/api/v1/exports/registrants", params=FEB, headers=supervisor.headers)
    assert plain.content == again.content


async def test_named_export_in_words_keeps_the_unnamed_rows_said(client, make_staff, world, sessionmaker) -> None:  # type: ignore[no-untyped-def]
    admin = await make_staff("admin", [])
    response = await client.get(
        "/api/v1/exports/registrants",
        params={**FEB, **PURPOSE, "labels": "fr", "desk": "CASA-BASE"},
        headers=admin.headers,
    )
    amy, bob = _dicts(response)
    assert response.headers["X-Export-Unnamed-Rows"] == "1"
    assert amy["Nom de famille"] == "Ndiaye" and amy["Type de la pièce 1"] == "Passeport"
    assert amy["Non nommé(e) parce que"] == ""
    assert bob["Nom de famille"] == "" and bob["Non nommé(e) parce que"] == "pas de consentement à l'export nominatif"
    async with sessionmaker() as session:
        start = (await session.execute(select(AuditEvent).where(AuditEvent.action == "export.start"))).scalar_one()
    assert start.details["labels"] == "fr" and start.details["row_count"] == 2


async def test_csv_words_stay_inert(client, make_staff, build) -> None:  # type: ignore[no-untyped-def]
    async def hostile(world: World) -> None:
        await world.registrant(city="=1+1", status="=cmd|' /C calc'!A0", at=utc(2026, 2, 10))

    await build(hostile)
    supervisor = await make_staff("supervisor", ["CASA-BASE"])
    (row,) = _dicts(
        await client.get("/api/v1/exports/registrants", params={**FEB, "labels": "en"}, headers=supervisor.headers)
    )
    assert row["City of residence"] == "'=1+1"
    assert row["Situation"] == "'=cmd|' /C calc'!A0"  # an unknown code comes as it is, still inert


async def test_xlsx_in_words_keeps_real_dates(client, make_staff, world) -> None:  # type: ignore[no-untyped-def]
    supervisor = await make_staff("supervisor", ["CASA-BASE"])
    response = await client.get(
        "/api/v1/exports/referrals", params={**FEB, "labels": "en", "format": "xlsx"}, headers=supervisor.headers
    )
    assert response.status_code == 200
    sheet = openpyxl.load_workbook(io.BytesIO(response.content))["Referrals"]
    header = [c.value for c in sheet[1]]
    row = dict(zip(header, sheet[2], strict=True))
    assert header[:4] == ["Referral id", "Case id", "Person id", "Desk"]
    assert row["Referred on"].value == dt.datetime(2026, 2, 4) and row["Referred on"].is_date
    assert row["Status"].value == "Answered" and row["Answered on time"].value == "No"
    assert row["Desk"].value == CASA


@pytest.mark.parametrize("value", ["xx", "FR", ""])
async def test_unknown_language_is_refused_naming_the_parameter(client, make_staff, world, value) -> None:  # type: ignore[no-untyped-def]
    supervisor = await make_staff("supervisor", ["CASA-BASE"])
    response = await client.get("/api/v1/exports/cases", params={**FEB, "labels": value}, headers=supervisor.headers)
    assert response.status_code == 422
    assert response.headers["content-type"].startswith("application/problem+json")
    problem = response.json()
    assert problem["type"] == "/problems/validation-failed"
    assert [(e["loc"], e["type"]) for e in problem["errors"]] == [(["query", "labels"], "literal_error")]
    assert "fr" in problem["detail"] or "fr" in problem["errors"][0]["msg"]


@pytest.mark.parametrize(
    "columns",
    [
        REGISTRANTS_PSEUDONYMISED + REGISTRANTS_NAMED + [NOT_NAMED_BECAUSE],
        CASES_PSEUDONYMISED + CASES_NAMED + [NOT_NAMED_BECAUSE],
        REFERRALS_PSEUDONYMISED + REFERRALS_NAMED + [NOT_NAMED_BECAUSE],
        APPOINTMENTS_PSEUDONYMISED + APPOINTMENTS_NAMED + [NOT_NAMED_BECAUSE],
        AUDIT_COLUMNS + AUDIT_NAMED,
    ],
)
def test_every_column_has_distinct_words_in_both_languages(columns) -> None:  # type: ignore[no-untyped-def]
    from app.reports.export_words import header

    for lang in ("fr", "en"):
        words = [header(c.name, lang) for c in columns]
        assert len(set(words)) == len(words)
    assert all(c.name in HEADERS or c.name.startswith(("phone_", "document_")) for c in columns)


async def test_audit_log_in_words_keeps_actions_as_searched(client, make_staff, world) -> None:  # type: ignore[no-untyped-def]
    admin = await make_staff("admin", [])
    await client.get("/api/v1/exports/cases", params=FEB, headers=admin.headers)
    rows = _dicts(await client.get("/api/v1/exports/audit", params={"labels": "en"}, headers=admin.headers))
    started = [r for r in rows if r["Action"] == "export.start"]
    assert [(r["Actor's role"], r["Entity type"]) for r in started] == [("administrator", "export")]


async def test_head_in_words_answers_as_its_get(client, make_staff, world) -> None:  # type: ignore[no-untyped-def]
    supervisor = await make_staff("supervisor", ["CASA-BASE"])
    head = await client.head("/api/v1/exports/cases", params={**FEB, "labels": "fr"}, headers=supervisor.headers)
    assert head.status_code == 200 and head.headers["X-Export-Rows"] == "1"
    refused = await client.head("/api/v1/exports/cases", params={**FEB, "labels": "de"}, headers=supervisor.headers)
    assert refused.status_code == 422


async def test_xlsx_in_words_widens_the_columns_of_long_words(client, make_staff, world) -> None:  # type: ignore[no-untyped-def]
    supervisor = await make_staff("supervisor", ["CASA-BASE"])
    response = await client.get(
        "/api/v1/exports/cases", params={**FEB, "labels": "fr", "format": "xlsx"}, headers=supervisor.headers
    )
    sheet = openpyxl.load_workbook(io.BytesIO(response.content))["Dossiers"]
    header = {c.value: c.column_letter for c in sheet[1]}
    assert sheet.column_dimensions[header["Guichet"]].width >= 32
    assert sheet.column_dimensions[header["Service"]].width >= 36


async def test_named_export_in_words_writes_other_documents_and_unverified_phones_in_words(  # type: ignore[no-untyped-def]
    client, make_staff, build
) -> None:
    async def many(world: World) -> None:
        amy = await world.registrant(
            at=utc(2026, 2, 10),
            documents=[("passport", "A01"), ("cni", "C02"), ("residence_card", "R03")],
            phones=["+221771234567", "+212612345678", "+33612345678"],
        )
        world.session.add(RegistrantPhone(registrant_id=amy.id, e164=None, raw="06 12", position=3))

    await build(many)
    admin = await make_staff("admin", [])
    params = {**FEB, **PURPOSE, "desk": "CASA-BASE"}
    (fr,) = _dicts(
        await client.get("/api/v1/exports/registrants", params={**params, "labels": "fr"}, headers=admin.headers)
    )
    (en,) = _dicts(
        await client.get("/api/v1/exports/registrants", params={**params, "labels": "en"}, headers=admin.headers)
    )
    (codes,) = _dicts(await client.get("/api/v1/exports/registrants", params=params, headers=admin.headers))
    assert codes["other_documents"] == "residence_card R03 (expires 2031-01-31)"
    assert codes["other_phones"] == "06 12 (unverified)"
    assert fr["Autres pièces"] == "Titre de séjour R03 (valable jusqu'au 2031-01-31)"
    assert fr["Autres téléphones"] == "06 12 (non vérifié)"
    assert en["Other documents"] == "Residence permit R03 (expires 2031-01-31)"
    assert en["Other phones"] == "06 12 (unverified)"
