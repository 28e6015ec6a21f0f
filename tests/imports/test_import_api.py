"""``POST /api/v1/imports/registers`` and ``GET /api/v1/imports/{id}`` against the real database."""

from __future__ import annotations

import csv
import io
import uuid
from typing import Any

import httpx
from sqlalchemy import func, select

from app.audit.models import AuditEvent
from app.core.config import Settings
from app.core.spreadsheet import neutralise
from app.imports.models import ImportRow
from app.registrants.models import Registrant
from tests.imports.conftest import csv_file, register_bytes, register_head, truth_duplicates, xlsx_file

HEAD_200 = 201  # the header and the first 200 rows of the shared register


def outcomes(report: dict[str, Any], outcome: str) -> list[tuple[int, str | None]]:
    return [(r["line"], r["number"]) for r in report["rows"] if r["outcome"] == outcome]


async def test_shared_register_imports_with_exact_counts(upload, count_rows, sessionmaker) -> None:  # type: ignore[no-untyped-def]
    response = await upload(register_bytes(), filename="registre_casablanca_2019_2021.csv")
    assert response.status_code == 201, response.text
    report = response.json()
    assert report["counts"] == {
        "total": 2000,
        "imported": 1842,
        "flagged": 158,
        "rejected": 0,
        "already_imported": 0,
        "already_flagged": 0,
        "with_warnings": 844,  # 153 of them only for a two-digit birth year, its century said
        "pending": 158,
        "linked": 0,
        "created": 0,
        "discarded": 0,
    }
    assert (report["file_format"], report["encoding"], report["delimiter"]) == ("csv", "cp1252", ";")
    assert response.headers["location"] == f"/api/v1/imports/{report['batch_id']}"
    counts = await count_rows()
    assert (counts["registrants"], counts["batches"], counts["batch_rows"]) == (1842, 1, 2000)
    # checked against who is who (tests/fixtures/…truth.csv): every flagged row is a person seen on
    # an earlier row and every such row is flagged (158 true duplicates, no false alarm)
    assert {int(n) for _, n in outcomes(report, "flagged")} == truth_duplicates()
    async with sessionmaker() as session:
        actions = dict(
            (await session.execute(select(AuditEvent.action, func.count()).group_by(AuditEvent.action))).all()
        )
        run = (await session.execute(select(AuditEvent).where(AuditEvent.action == "import.run"))).scalar_one()
    assert (actions["import.run"], actions["registrant.create"]) == (1, 1842)
    assert run.details["counts"]["imported"] == 1842


async def test_a_flagged_row_names_the_earlier_row_and_its_score(upload) -> None:  # type: ignore[no-untyped-def]
    report = (await upload(register_head(HEAD_200))).json()
    saliou = next(r for r in report["rows"] if r["line"] == 7)
    assert (saliou["number"], saliou["name"], saliou["outcome"], saliou["registrant_id"]) == (
        "6",
        "Saliou Ka",
        "flagged",
        None,
    )
    first = next(r for r in report["rows"] if r["line"] == 5)
    (candidate,) = saliou["candidates"]
    assert (candidate["registrant_id"], candidate["line"]) == (first["registrant_id"], 5)
    assert candidate["registration_number"].startswith("CASA-")
    assert candidate["score"] >= 0.5  # the match probability from which a row is flagged
    assert {"same_given_names", "same_family_name", "same_birth_date"} <= set(candidate["reasons"])


async def test_flagged_rows_are_held_with_their_values_not_created(upload, sessionmaker) -> None:  # type: ignore[no-untyped-def]
    report = (await upload(register_head(HEAD_200))).json()
    assert (report["counts"]["imported"], report["counts"]["flagged"]) == (185, 15)
    async with sessionmaker() as session:
        held = (
            (await session.execute(select(ImportRow).where(ImportRow.outcome == "flagged").order_by(ImportRow.line)))
            .scalars()
            .all()
        )
        registrants = (await session.execute(select(func.count()).select_from(Registrant))).scalar_one()
    assert registrants == 185
    # the truth file's 15 duplicates of the first 200 rows, N° + 1 (line 157, N° 156: Astou Samb "vers 1985")
    assert [r.line for r in held] == [7, 17, 19, 21, 40, 46, 92, 103, 106, 119, 126, 137, 157, 165, 167]
    assert {r.resolution for r in held} == {"pending"}
    assert held[0].data is not None
    assert (held[0].data["given_names"], held[0].data["family_name"]) == ("Saliou", "Ka")


async def test_reimporting_the_same_file_imports_nothing_new(upload, count_rows) -> None:  # type: ignore[no-untyped-def]
    first = (await upload(register_head(HEAD_200))).json()
    after_first = await count_rows()
    second = (await upload(register_head(HEAD_200))).json()
    assert second["counts"] == {
        "total": 200,
        "imported": 0,
        "flagged": 0,
        "rejected": 0,
        "already_imported": 185,
        "already_flagged": 15,
        "with_warnings": 83,  # 16 of them only for a two-digit birth year, its century said
        "pending": 0,
        "linked": 0,
        "created": 0,
        "discarded": 0,
    }
    assert second["previous_batch_ids"] == [first["batch_id"]]
    again = {r["line"]: r["registrant_id"] for r in second["rows"] if r["outcome"] == "already_imported"}
    assert again == {r["line"]: r["registrant_id"] for r in first["rows"] if r["outcome"] == "imported"}
    after_second = await count_rows()
    assert (after_second["registrants"], after_second["phones"]) == (after_first["registrants"], after_first["phones"])


async def test_dry_run_reports_the_same_outcomes_and_writes_nothing(upload, count_rows) -> None:  # type: ignore[no-untyped-def]
    before = await count_rows()
    response = await upload(register_head(HEAD_200), dry_run=True)
    assert response.status_code == 200
    dry = response.json()
    assert (dry["batch_id"], dry["dry_run"]) == (None, True)
    assert await count_rows() == before
    real = (await upload(register_head(HEAD_200))).json()
    assert dry["counts"] == real["counts"]
    assert [(r["line"], r["outcome"]) for r in dry["rows"]] == [(r["line"], r["outcome"]) for r in real["rows"]]
    assert {r["registrant_id"] for r in dry["rows"]} == {None}


def _as_xlsx(content: bytes) -> bytes:
    rows = list(csv.reader(io.StringIO(content.decode("cp1252"), newline=""), delimiter=";"))
    return xlsx_file([[int(r[0]) if r[0].isdigit() else r[0], *r[1:]] for r in rows])


async def test_the_register_saved_as_xlsx_imports_like_the_csv(upload) -> None:  # type: ignore[no-untyped-def]
    report = (await upload(_as_xlsx(register_head(HEAD_200)), filename="registre.xlsx")).json()
    assert (report["file_format"], report["encoding"], report["delimiter"]) == ("xlsx", None, None)
    assert (report["counts"]["imported"], report["counts"]["flagged"], report["counts"]["rejected"]) == (185, 15, 0)
    assert outcomes(report, "flagged")[:3] == [(7, "6"), (17, "16"), (19, "18")]


async def test_xlsx_rows_already_imported_from_the_csv_are_recognised(upload) -> None:  # type: ignore[no-untyped-def]
    await upload(register_head(HEAD_200))
    report = (await upload(_as_xlsx(register_head(HEAD_200)), filename="registre.xlsx")).json()
    assert (report["counts"]["already_imported"], report["counts"]["already_flagged"]) == (185, 15)


ROW = "{n};02/06/2019;{given};{family};M;{birth};Dakar;Thiès;;;0612345678;;Casablanca;{status};{job};;{request};{obs}"


def line(n: int, given: str = "Awa", family: str = "Diop", birth: str = "01/01/1990", **cells: str) -> str:
    values = {"status": "", "job": "", "request": "", "obs": ""} | cells
    return ROW.format(n=n, given=given, family=family, birth=birth, **values)


async def test_rejected_rows_give_their_line_number_and_reason(upload, count_rows) -> None:  # type: ignore[no-untyped-def]
    content = csv_file(
        line(1, given="Awa", family="Diop"),
        line(2, given="", family="Ndiaye"),
        line(3, given="Moussa", family="Faye", birth="31/02/1990"),
        line(4, given="Khady", family="Sarr", birth="1988"),
    )
    report = (await upload(content)).json()
    assert [(r["line"], r["number"], r["reason"]) for r in report["rows"] if r["outcome"] == "rejected"] == [
        (3, "2", "no given names"),
        (4, "3", "date of birth: impossible date '31/02/1990'"),
    ]
    assert outcomes(report, "imported") == [(2, "1"), (5, "4")]
    assert (await count_rows())["registrants"] == 2


async def test_an_identical_row_later_in_the_file_is_flagged_against_the_first(upload) -> None:  # type: ignore[no-untyped-def]
    report = (await upload(csv_file(line(1), line(2, given="Moussa", family="Faye"), line(3)))).json()
    third = report["rows"][2]
    assert third["outcome"] == "flagged"
    assert third["candidates"] == [
        {
            "registrant_id": report["rows"][0]["registrant_id"],
            "registration_number": None,
            "line": 2,
            "score": 1.0,
            "reasons": ["identical_row"],
            "through": None,
        }
    ]


async def test_a_rerun_keeps_each_copy_of_a_row_as_it_was_held(upload) -> None:  # type: ignore[no-untyped-def]
    """Copies of one row share its fingerprint (its N° aside): run again, the file's n-th copy is
    the n-th row stored, so the copies held for an agent stay ``already_flagged``."""
    content = csv_file(line(1), line(1), line(2))
    first = (await upload(content)).json()
    assert [r["outcome"] for r in first["rows"]] == ["imported", "flagged", "flagged"]
    again = (await upload(content)).json()
    assert [r["outcome"] for r in again["rows"]] == ["already_imported", "already_flagged", "already_flagged"]
    assert again["rows"][0]["registrant_id"] == first["rows"][0]["registrant_id"]
    # a file holding the row more often than the batches did: the copies past them as the last
    more = (await upload(csv_file(line(1), line(1), line(1), line(1)))).json()
    assert [r["outcome"] for r in more["rows"]] == ["already_imported", *["already_flagged"] * 3]


async def test_formula_looking_cells_are_stored_as_inert_text(upload, sessionmaker) -> None:  # type: ignore[no-untyped-def]
    hyperlink = '=HYPERLINK("http://example.com/x","cliquer ici")'
    content = csv_file(
        line(1, job="=2+3", request='"@SUM(1;2)"', obs='"' + hyperlink.replace('"', '""') + '"'),
    )
    report = (await upload(content)).json()
    row = report["rows"][0]
    assert row["outcome"] == "imported"
    assert {w["field"] for w in row["warnings"]} == {"occupation", "request", "observations"}
    async with sessionmaker() as session:
        registrant = await session.get_one(Registrant, uuid.UUID(row["registrant_id"]))
        stored = (await session.execute(select(ImportRow))).scalar_one()
    assert registrant.occupation == "=2+3"
    assert registrant.notes is not None
    assert registrant.notes.endswith(f"Demande : @SUM(1;2) | Observations : {hyperlink}")
    assert (stored.raw["occupation"], stored.raw["observations"]) == ("=2+3", hyperlink)
    assert neutralise(registrant.occupation) == "'=2+3"


async def test_undocumented_status_is_stored_in_the_restricted_field(upload, sessionmaker) -> None:  # type: ignore[no-untyped-def]
    report = (await upload(csv_file(line(1, status="Sans papiers")))).json()
    async with sessionmaker() as session:
        registrant = await session.get_one(Registrant, uuid.UUID(report["rows"][0]["registrant_id"]))
    assert (registrant.status_category, registrant.residence_status) == (None, "undocumented")
    assert (registrant.family_name, registrant.source) == ("Diop", "import")


async def test_stored_report_is_read_back_and_the_read_audited(client, upload, admin, sessionmaker) -> None:  # type: ignore[no-untyped-def]
    posted = (await upload(csv_file(line(1), line(2, given="", family="Ndiaye")))).json()
    response = await client.get(f"/api/v1/imports/{posted['batch_id']}", headers=admin.headers)
    assert response.status_code == 200
    stored = response.json()
    assert stored["counts"] == posted["counts"]
    assert stored["rows"] == posted["rows"]
    async with sessionmaker() as session:
        reads = (await session.execute(select(func.count()).where(AuditEvent.action == "import.read"))).scalar_one()
    assert reads == 1


async def test_unknown_import_is_404(client: httpx.AsyncClient, admin: Any) -> None:
    response = await client.get("/api/v1/imports/00000000-0000-0000-0000-000000000000", headers=admin.headers)
    assert (response.status_code, response.json()["type"]) == (404, "/problems/import-batch-not-found")


async def test_agents_may_not_import(upload, make_staff, count_rows) -> None:  # type: ignore[no-untyped-def]
    agent = await make_staff("agent", ["CASA-BASE"])
    before = await count_rows()
    response = await upload(csv_file(line(1)), staff=agent)
    assert (response.status_code, response.json()["type"]) == (403, "/problems/forbidden")
    assert await count_rows() == before


async def test_unknown_desk_is_refused(upload, count_rows) -> None:  # type: ignore[no-untyped-def]
    before = await count_rows()
    response = await upload(csv_file(line(1)), desk="NOPE")
    assert (response.status_code, response.json()["type"]) == (422, "/problems/unknown-desk")
    assert await count_rows() == before


async def test_imports_are_attributed_to_the_administrator(upload, admin, sessionmaker) -> None:  # type: ignore[no-untyped-def]
    await upload(csv_file(line(1)))
    async with sessionmaker() as session:
        event = (await session.execute(select(AuditEvent).where(AuditEvent.action == "import.run"))).scalar_one()
    assert (event.actor_id, event.entity_type) == (admin.id, "import_batch")


async def test_settings_limit_applies(upload, settings: Settings, count_rows) -> None:  # type: ignore[no-untyped-def]
    settings.import_max_bytes = 2048
    before = await count_rows()
    response = await upload(register_head(HEAD_200))
    assert (response.status_code, response.json()["type"]) == (413, "/problems/import-file-too-large")
    assert await count_rows() == before


async def test_the_uploaded_file_name_is_kept_without_its_folders(upload) -> None:  # type: ignore[no-untyped-def]
    report = (await upload(csv_file(line(1)), filename="C:\\Users\\desk\\" + "r" * 300 + ".csv")).json()
    assert report["filename"] == "r" * 255


async def test_unknown_origin_region_is_dropped_with_a_warning(upload, sessionmaker) -> None:  # type: ignore[no-untyped-def]
    content = csv_file(line(1).replace(";Dakar;Thiès;", ";Dakar;Atlantide;"))
    row = (await upload(content)).json()["rows"][0]
    assert row["outcome"] == "imported"
    assert row["warnings"] == [
        {
            "field": "origin_region",
            "message": 'column "Région d\'origine": value not imported, not a region of Senegal',
            "message_fr": "colonne « Région d'origine » non reprise — "
            "lieu inconnu des listes de régions et de départements",
        }
    ]
    async with sessionmaker() as session:
        registrant = await session.get_one(Registrant, uuid.UUID(row["registrant_id"]))
    assert (registrant.origin_region_code, registrant.place_of_birth) == (None, "Dakar")


async def test_over_long_occupation_is_dropped_with_a_warning(upload) -> None:  # type: ignore[no-untyped-def]
    row = (await upload(csv_file(line(1, job="x" * 250)))).json()["rows"][0]
    assert row["outcome"] == "imported"
    assert row["warnings"] == [
        {
            "field": "occupation",
            "message": "column 'Profession': value not imported, String should have at most 200 characters",
            "message_fr": "colonne « Profession » non reprise — valeur trop longue (au plus 200 caractères)",
        }
    ]


async def test_over_long_name_rejects_the_row(upload) -> None:  # type: ignore[no-untyped-def]
    row = (await upload(csv_file(line(1, family="N" * 250)))).json()["rows"][0]
    assert (row["outcome"], row["reason"]) == (
        "rejected",
        "column 'Nom': String should have at most 200 characters",
    )
    assert row["reason_fr"] == "colonne « Nom » refusée — valeur trop longue (au plus 200 caractères)"


async def test_a_name_without_a_letter_rejects_the_row_in_both_languages(upload) -> None:  # type: ignore[no-untyped-def]
    row = (await upload(csv_file(line(1, given="123")))).json()["rows"][0]
    assert (row["outcome"], row["reason"]) == (
        "rejected",
        "column 'Prénom(s)': a name must contain at least one letter",
    )
    assert row["reason_fr"] == "colonne « Prénom(s) » refusée — un nom doit contenir au moins une lettre"


async def test_imported_people_keep_the_registers_registration_date(upload, sessionmaker) -> None:  # type: ignore[no-untyped-def]
    report = (await upload(register_head(4))).json()
    assert report["counts"]["imported"] == 3
    async with sessionmaker() as session:
        days = (
            (await session.execute(select(Registrant.registered_on).order_by(Registrant.registration_number)))
            .scalars()
            .all()
        )
    assert [d.isoformat() for d in days] == ["2019-06-01", "2019-06-01", "2019-06-02"]
