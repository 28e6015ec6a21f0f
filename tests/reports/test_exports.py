"""``/api/v1/exports/...``: pseudonymised and named exports, CSV and XLSX, audit, injection."""

from __future__ import annotations

import csv
import datetime as dt
import io
import uuid
from typing import Any

import httpx
import openpyxl
import pytest
from pydantic import SecretStr
from sqlalchemy import select

from app.audit.models import AuditEvent
from tests.reports.conftest import World, utc

FEB = {"start": "2026-02-01", "end": "2026-02-28"}
HYPERLINK = '=HYPERLINK("http://example.org","x")'


async def _people(world: World) -> dict[str, Any]:
    a = await world.registrant(
        family="Ndiaye",
        given="Aïssatou",
        dob="1990-05-17",
        phones=["+221771234567", "+212612345678"],
        documents=[("passport", "A01234567"), ("cni", "0012345678901")],
        at=utc(2026, 2, 10, 9),
        languages=["wo", "fr"],
    )
    b = await world.registrant(family=HYPERLINK, given="@SUM(A1)", sex="male", dob="2008", at=utc(2026, 2, 11, 9))
    await world.registrant(family="Diop", at=utc(2026, 3, 2))  # outside February
    await world.registrant(desk="DKR-MOB", family="Faye", at=utc(2026, 2, 12))
    return {"a": a, "b": b}


@pytest.fixture
async def people(build) -> dict[str, Any]:  # type: ignore[no-untyped-def]
    return await build(_people)


def _csv_rows(response: httpx.Response, delimiter: str = ",") -> list[list[str]]:
    assert response.content.startswith(b"\xef\xbb\xbf")
    return list(csv.reader(io.StringIO(response.content.decode("utf-8-sig")), delimiter=delimiter))


async def test_pseudonymised_csv_holds_no_personal_data(client, make_staff, people) -> None:  # type: ignore[no-untyped-def]
    supervisor = await make_staff("supervisor", ["CASA-BASE"])
    response = await client.get("/api/v1/exports/registrants", params=FEB, headers=supervisor.headers)
    assert response.status_code == 200
    assert response.headers["content-type"] == "text/csv; charset=utf-8"
    assert response.headers["content-disposition"] == (
        'attachment; filename="diaspora-desk_registrants_pseudonymised_2026-02-01_2026-02-28.csv"'
    )
    assert response.headers["cache-control"] == "no-store"
    rows = _csv_rows(response)
    assert rows[0][:5] == ["person_id", "desk", "registered_on", "sex", "age_band_at_registration"]
    assert len(rows) == 3
    first = dict(zip(rows[0], rows[1], strict=True))
    assert first["person_id"].startswith("P-") and len(first["person_id"]) == 22
    assert (first["desk"], first["registered_on"], first["sex"]) == ("CASA-BASE", "2026-02-10", "female")
    assert first["age_band_at_registration"] == "35-49"
    assert first["origin_region"] == "SN-DK" and first["host_city"] == "Casablanca"
    assert first["languages"] == "wo,fr"
    assert rows[2][4] == "unknown"  # born "2008": 17 or 18 on 2026-02-11
    text = response.content.decode("utf-8-sig")
    for secret in ("Ndiaye", "Aïssatou", "+221771234567", "A01234567", "1990-05-17", "HYPERLINK", "séjour"):
        assert secret not in text


async def test_pseudonyms_are_stable_across_exports_and_change_with_the_key(  # type: ignore[no-untyped-def]
    client, make_staff, people, settings
) -> None:
    admin = await make_staff("admin", [])
    first = _csv_rows(await client.get("/api/v1/exports/registrants", params=FEB, headers=admin.headers))
    second = _csv_rows(await client.get("/api/v1/exports/registrants", params=FEB, headers=admin.headers))
    assert [r[0] for r in first[1:]] == [r[0] for r in second[1:]]
    person_ids = {r[0] for r in first[1:]}
    settings.pseudonym_key = SecretStr("another-dedicated-pseudonym-key")
    third = _csv_rows(await client.get("/api/v1/exports/registrants", params=FEB, headers=admin.headers))
    assert {r[0] for r in third[1:]}.isdisjoint(person_ids)
    assert len({r[0] for r in third[1:]}) == 3


async def test_named_export_by_admin_with_purpose_is_audited(client, make_staff, people, sessionmaker) -> None:  # type: ignore[no-untyped-def]
    admin = await make_staff("admin", [])
    purpose = "Transmission au consulat pour renouvellement de passeports"
    response = await client.get(
        "/api/v1/exports/registrants",
        params={**FEB, "desk": "CASA-BASE", "named": "true", "purpose": purpose, "delimiter": "semicolon"},
        headers=admin.headers,
    )
    assert response.status_code == 200
    rows = _csv_rows(response, ";")
    header = rows[0]
    record = dict(zip(header, rows[1], strict=True))
    assert record["family_name"] == "Ndiaye" and record["given_names"] == "Aïssatou"
    assert record["date_of_birth"] == "1990-05-17"
    assert (record["phone_1"], record["phone_2"], record["phone_3"]) == ("'+221771234567", "'+212612345678", "")
    assert (record["document_1_type"], record["document_1_number"]) == ("passport", "A01234567")
    assert record["document_2_number"] == "0012345678901"
    assert "residence_status" not in header and "notes" not in header
    export_id = response.headers["x-export-id"]
    async with sessionmaker() as session:
        events = (
            (await session.execute(select(AuditEvent).where(AuditEvent.entity_id == export_id).order_by(AuditEvent.id)))
            .scalars()
            .all()
        )
    assert [e.action for e in events] == ["export.start", "export.finish"]
    start, finish = events
    assert start.actor_id == admin.id
    assert start.details == {
        "kind": "registrants",
        "format": "csv",
        "named": True,
        "purpose": purpose,
        "consent_purpose": "named_export",
        "filters": {
            "start": "2026-02-01",
            "end": "2026-02-28",
            "desks": ["CASA-BASE"],
            "desk_filter": True,
            "delimiter": ";",
        },
        "row_count": 2,
        "unnamed_row_count": 0,
    }
    assert finish.details == {
        "kind": "registrants",
        "named": True,
        "rows_written": 2,
        "completed": True,
        "named_rows_withheld": 0,
    }


async def test_a_named_export_lists_the_phones_and_documents_past_their_own_columns(  # type: ignore[no-untyped-def]
    client, make_staff, build
) -> None:
    """Three phones and two documents have columns of their own; a person's others were left out
    without a sign. They are listed in ``other_phones`` and ``other_documents``, CSV and XLSX."""
    phones = ["+221771234567", "+212612345678", "+33612345678", "+221781112233", "+212600112233"]
    documents = [("passport", "A01234567"), ("cni", "0012345678901"), ("residence_permit", "R0099"), ("other", "X1")]

    async def world(world: World) -> None:
        await world.registrant(family="Sarr", phones=phones, documents=documents, at=utc(2026, 2, 10, 9))
        await world.registrant(family="Fall", phones=phones[:1], at=utc(2026, 2, 11, 9))

    await build(world)
    admin = await make_staff("admin", [])
    params = {**FEB, "named": "true", "purpose": "Liste pour le consulat, renouvellements"}
    response = await client.get("/api/v1/exports/registrants", params=params, headers=admin.headers)
    assert response.status_code == 200, response.text
    rows = _csv_rows(response)
    sarr, fall = (dict(zip(rows[0], row, strict=True)) for row in rows[1:])
    assert [sarr[f"phone_{i}"] for i in (1, 2, 3)] == ["'" + phone for phone in phones[:3]]
    assert sarr["other_phones"] == "'+221781112233; +212600112233"
    assert sarr["other_documents"] == "residence_permit R0099 (expires 2031-01-31); other X1 (expires 2031-01-31)"
    assert (fall["other_phones"], fall["other_documents"]) == ("", "")
    book = await client.get("/api/v1/exports/registrants", params={**params, "format": "xlsx"}, headers=admin.headers)
    sheet = openpyxl.load_workbook(io.BytesIO(book.content)).active
    header = [c.value for c in sheet[1]]
    first = dict(zip(header, sheet[2], strict=True))
    assert first["other_phones"].value == "+221781112233; +212600112233" and first["other_phones"].data_type == "s"
    assert (
        first["other_documents"].value == "residence_permit R0099 (expires 2031-01-31); other X1 (expires 2031-01-31)"
    )


async def test_named_export_refused_without_purpose_or_for_non_admins(client, make_staff, people, sessionmaker) -> None:  # type: ignore[no-untyped-def]
    admin = await make_staff("admin", [])
    supervisor = await make_staff("supervisor", ["CASA-BASE"])
    missing = await client.get("/api/v1/exports/registrants", params={**FEB, "named": "true"}, headers=admin.headers)
    assert missing.status_code == 422
    assert missing.json()["type"] == "/problems/export-purpose-required"
    vague = await client.get(
        "/api/v1/exports/registrants", params={**FEB, "named": "true", "purpose": "  because "}, headers=admin.headers
    )
    assert vague.status_code == 422
    # the field at fault named as a validation error names it (a form marks it, says it in words)
    assert [(e["loc"], e["type"]) for e in missing.json()["errors"]] == [(["query", "purpose"], "missing")]
    assert [(e["loc"], e["type"], e["ctx"]) for e in vague.json()["errors"]] == [
        (["query", "purpose"], "string_too_short", {"min_length": 10})
    ]
    # the minimum said as what counts: the visible characters (« (au moins 10 caractères) » alone
    # would seem met by "  because " padded with spaces)
    assert vague.json()["errors"][0]["reason"] == "trop court (au moins 10\u00a0caractères visibles)"
    vague_en = await client.get(
        "/api/v1/exports/registrants",
        params={**FEB, "named": "true", "purpose": "  because "},
        headers={**admin.headers, "Accept-Language": "en"},
    )
    assert vague_en.json()["errors"][0]["reason"] == "too short (at least 10 visible characters)"
    refused = await client.get(
        "/api/v1/exports/registrants",
        params={**FEB, "named": "true", "purpose": "Suivi des dossiers du trimestre"},
        headers=supervisor.headers,
    )
    assert refused.status_code == 403
    assert refused.json()["type"] == "/problems/named-export-forbidden"
    async with sessionmaker() as session:
        starts = (await session.execute(select(AuditEvent).where(AuditEvent.action == "export.start"))).all()
    assert starts == []


async def test_csv_export_makes_formulas_and_phones_inert(client, make_staff, people) -> None:  # type: ignore[no-untyped-def]
    admin = await make_staff("admin", [])
    response = await client.get(
        "/api/v1/exports/registrants",
        params={**FEB, "desk": "CASA-BASE", "named": "true", "purpose": "Contrôle qualité des données"},
        headers=admin.headers,
    )
    rows = _csv_rows(response)
    record = dict(zip(rows[0], rows[2], strict=True))
    assert record["family_name"] == "'" + HYPERLINK
    assert record["given_names"] == "'@SUM(A1)"
    first = dict(zip(rows[0], rows[1], strict=True))
    # the README's rule for every value: a spreadsheet would read "+221771234567" as 2.21771E+11
    assert first["phone_1"] == "'+221771234567"


async def test_xlsx_export_is_typed_and_inert(client, make_staff, people, tmp_path) -> None:  # type: ignore[no-untyped-def]
    admin = await make_staff("admin", [])
    response = await client.get(
        "/api/v1/exports/registrants",
        params={
            **FEB,
            "desk": "CASA-BASE",
            "named": "true",
            "purpose": "Contrôle qualité des données",
            "format": "xlsx",
        },
        headers=admin.headers,
    )
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    assert response.headers["content-disposition"].endswith('_CASA-BASE_2026-02-01_2026-02-28.xlsx"')
    path = tmp_path / "export.xlsx"
    path.write_bytes(response.content)
    sheet = openpyxl.load_workbook(path)["registrants"]
    header = [c.value for c in sheet[1]]
    first = {h: c for h, c in zip(header, sheet[2], strict=True)}
    second = {h: c for h, c in zip(header, sheet[3], strict=True)}
    assert first["registered_on"].value == dt.datetime(2026, 2, 10) and first["registered_on"].is_date
    assert first["phone_1"].value == "+221771234567" and first["phone_1"].data_type == "s"
    assert first["document_2_number"].value == "0012345678901" and first["document_2_number"].data_type == "s"
    assert first["family_name"].value == "Ndiaye"
    assert second["family_name"].value == HYPERLINK and second["family_name"].data_type == "s"
    assert second["family_name"].number_format == "@"  # a text cell: re-editing it keeps it text
    column = second["family_name"].column  # the column too (its <col> may span neighbours alike)
    assert [d.number_format for d in sheet.column_dimensions.values() if d.min <= column <= d.max] == ["@"]
    assert second["given_names"].value == "@SUM(A1)" and second["given_names"].data_type == "s"
    assert sheet.max_row == 3


@pytest.mark.parametrize(
    ("path", "params", "status", "problem"),
    [
        ("/api/v1/exports/registrants", {"format": "pdf"}, 422, "unsupported-format"),
        ("/api/v1/exports/registrants", {"delimiter": "tab"}, 422, "unsupported-format"),
        ("/api/v1/exports/registrants", {"start": "2026-03-01", "end": "2026-02-01"}, 422, "invalid-period"),
        ("/api/v1/exports/registrants", {"desk": "DKR-MOB"}, 404, "not-found"),
        ("/api/v1/exports/registrants", {"desk": "XX"}, 422, "unknown-desk"),
        ("/api/v1/exports/people", {}, 404, "not-found"),
        ("/api/v1/exports/audit", {}, 403, "forbidden"),
    ],
)
async def test_bad_export_requests(client, make_staff, path, params, status, problem) -> None:  # type: ignore[no-untyped-def]
    supervisor = await make_staff("supervisor", ["CASA-BASE"])
    response = await client.get(path, params=params, headers=supervisor.headers)
    assert response.status_code == status
    assert response.json()["type"] == f"/problems/{problem}"


async def test_an_xlsx_of_more_rows_than_a_sheet_holds_is_refused_before_it_starts(  # type: ignore[no-untyped-def]
    client, make_staff, people, sessionmaker, monkeypatch
) -> None:
    """Excel's sheet holds 1,048,575 rows under its header (lowered to 1 here, as two people are
    cheaper than a million). Refused with a problem before any byte or audit event; it was a 200
    cut short (or, with the writer before, rows silently left out). CSV has no such limit."""
    from app.reports import service

    monkeypatch.setattr(service, "XLSX_MAX_ROWS", 1)
    supervisor = await make_staff("supervisor", ["CASA-BASE"])
    refused = await client.get(
        "/api/v1/exports/registrants", params={**FEB, "format": "xlsx"}, headers=supervisor.headers
    )
    assert refused.status_code == 422
    assert refused.headers["content-type"] == "application/problem+json"
    problem = refused.json()
    assert problem["type"] == "/problems/too-many-rows-for-xlsx"
    assert problem["detail"].startswith("2 lignes ne tiennent pas") and "exportez en CSV" in problem["detail"]
    async with sessionmaker() as session:
        started = (await session.execute(select(AuditEvent).where(AuditEvent.action == "export.start"))).scalars()
        assert list(started) == []
    monkeypatch.setattr(service, "XLSX_MAX_ROWS", 2)
    fits = await client.get("/api/v1/exports/registrants", params={**FEB, "format": "xlsx"}, headers=supervisor.headers)
    assert fits.status_code == 200
    assert openpyxl.load_workbook(io.BytesIO(fits.content)).active.max_row == 3
    csv_export = await client.get("/api/v1/exports/registrants", params=FEB, headers=supervisor.headers)
    assert csv_export.status_code == 200 and len(_csv_rows(csv_export)) == 3


async def test_audit_log_export_shows_who_exported_what_and_why(client, make_staff, people) -> None:  # type: ignore[no-untyped-def]
    admin = await make_staff("admin", [])
    auditor = await make_staff("auditor", [])
    await client.get(
        "/api/v1/exports/registrants",
        params={**FEB, "named": "true", "purpose": "Rapport annuel au ministère"},
        headers=admin.headers,
    )
    pseudonymised = _csv_rows(await client.get("/api/v1/exports/audit", headers=auditor.headers))
    assert "details" not in pseudonymised[0]
    actions = [(r[2], r[4]) for r in pseudonymised[1:]]
    assert actions[:2] == [(admin.email, "export.start"), (admin.email, "export.finish")]
    named = _csv_rows(
        await client.get(
            "/api/v1/exports/audit",
            params={"named": "true", "purpose": "Contrôle CDP des exports"},
            headers=admin.headers,
        )
    )
    details = [r[-1] for r in named[1:] if r[4] == "export.start"]
    assert '"purpose": "Rapport annuel au ministère"' in details[0]
    assert '"row_count": 3' in details[0]


async def test_head_on_an_export_checks_and_counts_but_exports_and_records_nothing(  # type: ignore[no-untyped-def]
    client, make_staff, people, sessionmaker
) -> None:
    admin = await make_staff("admin", [])
    supervisor = await make_staff("supervisor", ["CASA-BASE"])
    purpose = {"named": "true", "purpose": "Transmission au consulat"}
    head = await client.head("/api/v1/exports/registrants", params={**FEB, **purpose}, headers=admin.headers)
    got = await client.get("/api/v1/exports/registrants", params={**FEB, **purpose}, headers=admin.headers)
    assert head.status_code == got.status_code == 200
    assert head.content == b"" and "content-length" not in head.headers  # not "0": the file is not empty
    for name in ("content-type", "content-disposition", "cache-control", "pragma", "x-export-rows"):
        assert head.headers[name] == got.headers[name], name
    assert (got.headers["x-export-rows"], got.headers["pragma"]) == ("3", "no-cache")
    assert "x-export-id" not in head.headers
    # the same refusals as a GET
    refused = await client.head("/api/v1/exports/registrants", params={**FEB, **purpose}, headers=supervisor.headers)
    assert refused.status_code == 403
    unknown = await client.head("/api/v1/exports/registrants", params={**FEB, "format": "pdf"}, headers=admin.headers)
    assert unknown.status_code == 422
    async with sessionmaker() as session:
        actions = (await session.execute(select(AuditEvent.action).where(AuditEvent.entity_type == "export"))).scalars()
        assert sorted(actions) == ["export.finish", "export.start"]  # the GET's only


async def test_an_export_to_the_calendars_edge_is_open_ended_whatever_its_start(client, make_staff, people) -> None:  # type: ignore[no-untyped-def]
    admin = await make_staff("admin", [])
    period = {"start": "2000-01-01", "end": "9999-12-31"}  # more than ten years: open on that side
    response = await client.get("/api/v1/exports/registrants", params=period, headers=admin.headers)
    assert response.status_code == 200, response.text
    assert response.headers["x-export-rows"] == "4"
    capped = await client.get(
        "/api/v1/exports/registrants", params={"start": "2000-01-01", "end": "2026-12-31"}, headers=admin.headers
    )
    assert capped.status_code == 422 and capped.json()["type"].endswith("/invalid-period")


async def test_an_export_refused_for_the_role_says_who_may_in_words(client, make_staff) -> None:  # type: ignore[no-untyped-def]
    supervisor, agent = await make_staff("supervisor"), await make_staff("agent")
    audit = await client.get("/api/v1/exports/audit", params={"format": "csv"}, headers=supervisor.headers)
    assert audit.json()["detail"] == "L'export « journal d'audit » est réservé aux administrateurs et aux auditeurs."
    cases = await client.get("/api/v1/exports/cases", headers=agent.headers)
    assert cases.json()["detail"] == ("L'export « dossiers » est réservé aux superviseurs et aux administrateurs.")
    imports = await client.get(f"/api/v1/imports/{uuid.uuid4()}", headers=supervisor.headers)
    assert imports.status_code == 403
    assert imports.json()["detail"] == "Cette action est réservée aux administrateurs."


async def test_a_named_export_s_ids_link_to_no_pseudonymised_export(client, make_staff, people) -> None:  # type: ignore[no-untyped-def]
    admin = await make_staff("admin", [])
    params = {**FEB, "desk": "CASA-BASE"}
    named = {**params, "named": "true", "purpose": "Liste pour le programme de réinsertion"}

    async def person_ids(query: dict[str, str]) -> list[str]:
        response = await client.get("/api/v1/exports/registrants", params=query, headers=admin.headers)
        assert response.status_code == 200, response.text
        rows = _csv_rows(response, ",")
        return [dict(zip(rows[0], row, strict=True))["person_id"] for row in rows[1:]]

    pseudonymised, again = await person_ids(params), await person_ids(params)
    first_named, second_named = await person_ids(named), await person_ids(named)
    assert pseudonymised == again and len(set(pseudonymised)) == 2  # stable across pseudonymised exports
    assert len(set(first_named)) == 2 and all(p.startswith("P-") for p in first_named)
    assert set(first_named).isdisjoint(pseudonymised) and set(first_named).isdisjoint(second_named)


async def test_a_refusal_naming_three_roles_lists_them_as_a_sentence(client, make_staff) -> None:  # type: ignore[no-untyped-def]
    auditor = await make_staff("auditor", [])
    french = await client.get("/api/v1/cases", headers=auditor.headers)
    assert french.status_code == 403
    assert french.json()["detail"] == "Cette action est réservée aux agents, aux superviseurs et aux administrateurs."
    english = await client.get("/api/v1/cases", headers={**auditor.headers, "Accept-Language": "en"})
    assert english.json()["detail"] == "This action needs the role agent, supervisor or admin."


@pytest.mark.parametrize("purpose", ["...........", "aaaaaaaaaaaaaaaaa", "A a a a a a a a a a", "1234567890 2026"])
async def test_a_named_export_s_purpose_must_be_written_in_words(client, make_staff, people, purpose) -> None:  # type: ignore[no-untyped-def]
    admin = await make_staff("admin", [])
    params = {**FEB, "named": "true", "purpose": purpose}
    response = await client.get("/api/v1/exports/registrants", params=params, headers=admin.headers)
    assert response.status_code == 422, response.text
    assert response.json()["type"] == "/problems/export-purpose-required"
    [error] = response.json()["errors"]
    assert (error["loc"], error["type"]) == (["query", "purpose"], "value_error")
    assert error["reason"] == "à écrire en mots (des lettres, pas un seul caractère répété)"
    words = await client.get(
        "/api/v1/exports/registrants", params={**params, "purpose": "Contrôle 2026"}, headers=admin.headers
    )
    assert words.status_code == 200, words.text


@pytest.mark.parametrize("kind", ["registrants", "cases", "referrals", "audit"])
async def test_an_export_starting_after_today_without_an_end_is_an_invalid_period(client, make_staff, kind) -> None:  # type: ignore[no-untyped-def]
    """Without ``end`` a period of registrations, cases, referrals or audit events ends today (the
    filename says so): starting later, it is reversed, as with an explicit ``end`` before
    ``start``. Before: 200, no row, ``…_<start>_<today>.csv``. Two days ahead: later than today at
    every desk, whatever its zone."""
    admin = await make_staff("admin", [])
    later = (dt.datetime.now(dt.UTC).date() + dt.timedelta(days=2)).isoformat()
    for method in ("GET", "HEAD"):
        refused = await client.request(
            method, f"/api/v1/exports/{kind}", params={"format": "csv", "start": later}, headers=admin.headers
        )
        assert refused.status_code == 422, (method, refused.headers)
    refused = await client.get(f"/api/v1/exports/{kind}", params={"start": later}, headers=admin.headers)
    body = refused.json()
    assert body["type"] == "/problems/invalid-period"
    assert [e["loc"] for e in body["errors"]] == [["query", "start"], ["query", "end"]]
    assert "avant de commencer" in body["detail"]


async def test_an_export_starting_today_without_an_end_ends_today(client, make_staff) -> None:  # type: ignore[no-untyped-def]
    admin = await make_staff("admin", [])
    today = dt.datetime.now(dt.UTC).date().isoformat()  # no later than any test desk's local date
    response = await client.get("/api/v1/exports/registrants", params={"start": today}, headers=admin.headers)
    assert response.status_code == 200, response.text
    assert f"_{today}_" in response.headers["content-disposition"]


async def test_an_appointments_export_without_an_end_stays_open_and_says_so(client, make_staff) -> None:  # type: ignore[no-untyped-def]
    """Appointments can lie ahead: from a later start without ``end`` they are the ones to come,
    and the filename no longer claims the period ends today."""
    admin = await make_staff("admin", [])
    later = (dt.datetime.now(dt.UTC).date() + dt.timedelta(days=2)).isoformat()
    response = await client.get("/api/v1/exports/appointments", params={"start": later}, headers=admin.headers)
    assert response.status_code == 200, response.text
    assert response.headers["content-disposition"].endswith(f'_{later}_open.csv"')
