"""``diaspora-desk export``: the same export written to a file, audited, with clear failures."""

from __future__ import annotations

import csv
import io
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from sqlalchemy import select
from typer.testing import CliRunner

from app.audit.models import AuditEvent
from app.cli import cli
from tests.conftest import TEST_SECRET
from tests.reports.conftest import World, utc


async def _people(world: World) -> None:
    await world.registrant(family="Ndiaye", phones=["+221771234567"], at=utc(2026, 2, 10))
    await world.registrant(family='=HYPERLINK("http://example.org","x")', at=utc(2026, 2, 11))


@pytest.fixture
async def prepared(build, make_staff, settings, monkeypatch) -> dict[str, Any]:  # type: ignore[no-untyped-def]
    await build(_people)
    admin = await make_staff("admin", [])
    supervisor = await make_staff("supervisor", ["CASA-BASE"])
    monkeypatch.setenv("DATABASE_URL", settings.database_url)
    monkeypatch.setenv("SECRET_KEY", TEST_SECRET)
    monkeypatch.setenv("DATA_DIR", str(settings.data_dir))
    return {"admin": admin, "supervisor": supervisor}


def test_cli_writes_a_named_csv(prepared, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    target = tmp_path / "registrants.csv"
    result = CliRunner().invoke(
        cli,
        [
            "export",
            "registrants",
            "--output",
            str(target),
            "--user",
            prepared["admin"].email,
            "--start",
            "2026-02-01",
            "--end",
            "2026-02-28",
            "--named",
            "--purpose",
            "Campagne de renouvellement des passeports",
            "--delimiter",
            "semicolon",
        ],
    )
    assert result.exit_code == 0, result.output
    assert "wrote 2 rows" in result.output
    rows = list(csv.DictReader(io.StringIO(target.read_text("utf-8-sig")), delimiter=";"))
    assert [r["family_name"] for r in rows] == ["Ndiaye", '\'=HYPERLINK("http://example.org","x")']
    assert rows[0]["phone_1"] == "'+221771234567"  # inert like every value
    assert not list(tmp_path.glob(".*.part"))


def test_cli_xlsx_from_the_extension(prepared, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    target = tmp_path / "cases.xlsx"
    result = CliRunner().invoke(
        cli, ["export", "registrants", "-o", str(target), "--user", prepared["supervisor"].email]
    )
    assert result.exit_code == 0, result.output
    sheet = openpyxl.load_workbook(target)["registrants"]
    assert sheet.max_row == 3
    assert sheet["A1"].value == "person_id"


def test_cli_writes_an_xlsx_in_words(prepared, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    target = tmp_path / "registrants.xlsx"
    args = ["export", "registrants", "-o", str(target), "--user", prepared["supervisor"].email, "--labels", "en"]
    result = CliRunner().invoke(cli, args)
    assert result.exit_code == 0, result.output
    sheet = openpyxl.load_workbook(target)["Registrants"]
    assert [sheet["A1"].value, sheet["D1"].value, sheet["D2"].value] == ["Person id", "Sex", "Female"]


def test_cli_refuses_a_language_it_has_no_words_for(prepared, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    target = tmp_path / "out.csv"
    args = ["export", "registrants", "-o", str(target), "--user", prepared["supervisor"].email, "--labels", "wo"]
    result = CliRunner().invoke(cli, args)
    assert result.exit_code == 2 and "--labels" in result.output
    assert not target.exists()


@pytest.mark.parametrize("given", ["CSV", "Xlsx"])
def test_cli_a_format_in_capitals_is_that_format(prepared, tmp_path: Path, given: str) -> None:  # type: ignore[no-untyped-def]
    """``--format CSV`` wrote an XLSX file once (the format was compared before it was normalised)."""
    target = tmp_path / "registrants.out"
    args = ["export", "registrants", "-o", str(target), "--format", given, "--user", prepared["supervisor"].email]
    result = CliRunner().invoke(cli, args)
    assert result.exit_code == 0, result.output
    if given == "CSV":
        assert next(csv.reader(io.StringIO(target.read_text("utf-8-sig"))))[0] == "person_id"
    else:
        assert openpyxl.load_workbook(io.BytesIO(target.read_bytes()))["registrants"].max_row == 3


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        (["--named"], "Only administrators may export named data"),
        (["--format", "pdf"], "Unsupported format"),
        (["--start", "2026-03-01", "--end", "2026-02-01"], "Invalid period"),
        (["--desk", "DKR-MOB"], "Resource not found"),
        (["--purpose", "Suivi trimestriel des dossiers"], "--purpose does not apply"),
    ],
)
def test_cli_refusals_are_clear(prepared, tmp_path: Path, extra: list[str], message: str) -> None:  # type: ignore[no-untyped-def]
    target = tmp_path / "out.csv"
    result = CliRunner().invoke(
        cli, ["export", "registrants", "-o", str(target), "--user", prepared["supervisor"].email, *extra]
    )
    # what an option gave, refused, is a bad command line (2); a desk or a right not the user's, a refusal (1)
    assert result.exit_code == (
        1 if message in ("Resource not found", "Only administrators may export named data") else 2
    )
    assert message in result.output
    assert not target.exists()


@pytest.mark.parametrize(
    ("extra", "said"),
    [
        (["--desk", "NOPE"], "Unknown desk: --desk: no desk has the code NOPE."),
        (["--named"], "State the purpose of this named export in --purpose, in words (at least 10"),
        (["--start", "2023-02-29"], "--start: invalid date '2023-02-29' (day is out of range for month); give a day"),
        (["--end", "2026-13-01"], "--end: invalid date '2026-13-01'"),
        (["--format", "pdf"], "--format 'pdf' is not available here; use one of: csv, xlsx."),
        (["--start", "2026-03-01", "--end", "2026-02-01"], "ends (--end 2026-02-01) before it starts (--start 2026"),
    ],
    ids=["unknown-desk", "no-purpose", "no-such-day", "no-such-month", "format", "period"],
)
def test_cli_refusals_name_the_option_and_exit_2(prepared, tmp_path: Path, extra: list[str], said: str) -> None:  # type: ignore[no-untyped-def]
    target = tmp_path / "out.csv"
    result = CliRunner().invoke(
        cli, ["export", "registrants", "-o", str(target), "--user", prepared["admin"].email, *extra]
    )
    assert (result.exit_code, type(result.exception)) == (2, SystemExit), result.output
    assert said in result.output
    for jargon in ("Query parameter", "`", "=true"):
        assert jargon not in result.output
    assert not target.exists()


def test_cli_an_unknown_user_names_the_option(prepared, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    result = CliRunner().invoke(cli, ["export", "registrants", "-o", str(tmp_path / "o.csv"), "--user", "no@x.example"])
    assert (result.exit_code, result.output.strip()) == (
        2,
        "--user: no active staff account no@x.example; give the e-mail of an active staff account",
    )


@pytest.mark.parametrize("day", ["2026-02-01T00:00:00Z", "20260201", "2026-W05-7"])
def test_cli_a_date_is_a_date_only(prepared, tmp_path: Path, day: str) -> None:  # type: ignore[no-untyped-def]
    target = tmp_path / "out.csv"
    args = ["export", "registrants", "-o", str(target), "--user", prepared["supervisor"].email, "--start", day]
    result = CliRunner().invoke(cli, args)
    assert (result.exit_code, "--start: invalid date" in result.output) == (2, True)
    assert not target.exists()


@pytest.mark.parametrize(
    ("given", "said"),
    [
        ("{tmp}", "is a directory; give the path of a file"),
        ("{tmp}/taken.csv", "is a directory; give the path of a file"),
        ("{tmp}/nowhere/x.xlsx", "its folder '{tmp}/nowhere' does not exist"),
        ("{tmp}/pipe", "is not a regular file; give the path of a file"),  # as /dev/null: never replaced
    ],
    ids=["the-folder", "a-folder-named-as-the-file", "no-such-folder", "a-pipe"],
)
async def test_cli_output_that_cannot_be_written_is_refused_before_anything_is_read(  # type: ignore[no-untyped-def]
    prepared, tmp_path: Path, sessionmaker, given: str, said: str
) -> None:
    """A directory given as ``-o`` was found out after every row was read (exit 1), and the
    export audited as completed."""
    import asyncio
    import os

    (tmp_path / "taken.csv").mkdir()
    os.mkfifo(tmp_path / "pipe")
    output = given.format(tmp=tmp_path)
    args = ["export", "registrants", "-o", output, "--user", prepared["admin"].email]
    result = await asyncio.to_thread(CliRunner().invoke, cli, args)
    assert (result.exit_code, result.output.strip()) == (
        2,
        f"--output {output}: {said.format(tmp=tmp_path)}; nothing was exported",
    )
    async with sessionmaker() as session:
        assert not (await session.execute(select(AuditEvent).where(AuditEvent.entity_type == "export"))).all()
    assert not list(tmp_path.glob(".*.part"))  # noqa: ASYNC240


async def test_cli_a_file_not_written_is_not_audited_as_completed(prepared, tmp_path: Path, sessionmaker) -> None:  # type: ignore[no-untyped-def]
    """The file that cannot be put in place once every row is read (made a directory after the
    check, the disk full…): ``export.finish`` says ``completed: false``, and no part is left."""
    from app.core.config import Settings
    from app.reports.cli import OutputNotWritten, _run

    taken = tmp_path / "taken.csv"
    taken.mkdir()
    options: dict[str, Any] = {"start": None, "end": None, "desks": [], "named": False, "purpose": None}
    with pytest.raises(OutputNotWritten, match="Is a directory"):
        await _run(
            Settings(),
            kind="registrants",
            output=taken,
            user=prepared["admin"].email,
            fmt="csv",
            delimiter=None,
            **options,
        )
    async with sessionmaker() as session:
        events = (await session.execute(select(AuditEvent).where(AuditEvent.entity_type == "export"))).scalars().all()
    assert [e.action for e in events] == ["export.start", "export.finish"]
    assert (events[1].details["completed"], events[1].details["rows_written"]) == (False, 2)
    assert not list(tmp_path.glob(".*.part"))  # noqa: ASYNC240


def test_cli_an_existing_file_is_replaced(prepared, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    target = tmp_path / "out.csv"
    target.write_text("before\n")
    result = CliRunner().invoke(cli, ["export", "registrants", "-o", str(target), "--user", prepared["admin"].email])
    assert (result.exit_code, result.output.splitlines()[-1]) == (0, f"wrote 2 rows to {target}")
    assert "before" not in target.read_text("utf-8-sig")


def test_cli_a_database_out_of_reach_is_not_said_to_be_the_file(prepared, tmp_path: Path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    """A refused connection is an ``OSError`` too: it must not read as "cannot write <file>", but
    as every command says it (exit 3, one line)."""
    monkeypatch.setenv("DATABASE_URL", "postgresql+asyncpg://postgres@127.0.0.1:1/nothing")
    result = CliRunner().invoke(
        cli, ["export", "registrants", "-o", str(tmp_path / "x.csv"), "--user", prepared["admin"].email]
    )
    assert (result.exit_code, len(result.output.splitlines())) == (3, 1), result.output
    assert "cannot write" not in result.output
    assert result.output.startswith("the database cannot be reached")


async def test_cli_exports_are_audited(prepared, tmp_path: Path, sessionmaker) -> None:  # type: ignore[no-untyped-def]
    import asyncio

    target = tmp_path / "out.csv"
    args = ["export", "cases", "-o", str(target), "--user", prepared["supervisor"].email]
    result = await asyncio.to_thread(CliRunner().invoke, cli, args)
    assert result.exit_code == 0, result.output
    async with sessionmaker() as session:
        events = (await session.execute(select(AuditEvent).where(AuditEvent.entity_type == "export"))).scalars().all()
    assert [(e.action, e.actor_label, e.user_agent) for e in events] == [
        ("export.start", prepared["supervisor"].email, "diaspora-desk-cli"),
        ("export.finish", prepared["supervisor"].email, "diaspora-desk-cli"),
    ]
    assert events[1].details["completed"] is True


@pytest.mark.parametrize(
    ("output", "extra", "said"),
    [
        ("h.xlsx", [], "--delimiter: only a CSV file has a delimiter, and this export is XLSX; leave --delimiter out"),
        ("h.csv", ["--format", "xlsx"], "--delimiter: only a CSV file has a delimiter"),
        ("h.csv", [], "--delimiter: 'tab' is not a CSV separator this export writes; give comma or semicolon"),
    ],
    ids=["xlsx-extension", "xlsx-format", "unknown-separator"],
)
def test_cli_refuses_a_delimiter_the_file_does_not_take(prepared, tmp_path: Path, output, extra, said) -> None:  # type: ignore[no-untyped-def]
    """As the API's 422 field-not-applicable: a delimiter is never dropped without a word."""
    delimiter = "tab" if output == "h.csv" and not extra else "semicolon"
    args = ["export", "registrants", "-o", str(tmp_path / output), "--user", prepared["supervisor"].email]
    result = CliRunner().invoke(cli, [*args, *extra, "--delimiter", delimiter])
    assert (result.exit_code, type(result.exception)) == (2, SystemExit), result.output
    assert said in result.output
    assert not (tmp_path / output).exists()


def test_cli_an_unknown_kind_names_the_argument(prepared, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    args = ["export", "nokind", "-o", str(tmp_path / "o.csv"), "--user", prepared["admin"].email]
    result = CliRunner().invoke(cli, args)
    assert (result.exit_code, result.output.strip()) == (
        2,
        "KIND: no export named 'nokind'; give one of registrants, cases, referrals, appointments, audit",
    )
