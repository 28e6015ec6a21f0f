"""``diaspora-desk import-register``: runs as a named administrator; bad files exit 2, nothing written."""

from __future__ import annotations

import asyncio
import json
import os
import sys
import threading
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from app.cli import cli
from app.core.interpreter import SWITCH_INTERVAL_SECONDS
from app.imports.run import ImportRun
from tests.imports.conftest import csv_file, register_head

ADMIN = "imports-admin@desk.example"


@pytest.fixture
def cli_env(database_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> CliRunner:
    """The CLI pointed at this test's database, with an administrator account."""
    monkeypatch.setenv("DATABASE_URL", database_url)
    monkeypatch.setenv("DATA_DIR", str(tmp_path / "var"))
    monkeypatch.setenv("ENVIRONMENT", "test")
    runner = CliRunner()
    created = runner.invoke(
        cli, ["create-user", ADMIN, "--role", "admin", "--full-name", "Admin", "--password", "correct horse battery"]
    )
    assert created.exit_code == 0, created.output
    return runner


def _count(database_url: str, table: str) -> int:
    from sqlalchemy import text

    from app.core.db import create_engine

    async def count() -> int:
        engine = create_engine(database_url)
        try:
            async with engine.connect() as conn:
                return int((await conn.execute(text(f"SELECT count(*) FROM {table}"))).scalar_one())
        finally:
            await engine.dispose()

    return asyncio.run(count())


def test_cli_imports_and_prints_the_counts(cli_env: CliRunner, tmp_path: Path, database_url: str) -> None:
    register = tmp_path / "registre.csv"
    register.write_bytes(register_head(201))
    report = tmp_path / "report.json"
    result = cli_env.invoke(
        cli, ["import-register", str(register), "--desk", "CASA-BASE", "--as", ADMIN, "--report", str(report)]
    )
    assert result.exit_code == 0, result.output
    assert "200 rows: 185 imported, 15 flagged, 0 rejected, 0 already imported, 0 already flagged" in result.output
    assert "flagged  line 7 (N° 6) Saliou Ka ~ CASA-" in result.output
    assert json.loads(report.read_text())["counts"]["imported"] == 185
    assert _count(database_url, "registrants") == 185


def test_cli_dry_run_writes_nothing(cli_env: CliRunner, tmp_path: Path, database_url: str) -> None:
    register = tmp_path / "registre.csv"
    register.write_bytes(register_head(51))
    events = _count(database_url, "audit_events")
    result = cli_env.invoke(cli, ["import-register", str(register), "--desk", "CASA-BASE", "--as", ADMIN, "--dry-run"])
    assert result.exit_code == 0, result.output
    assert result.output.startswith("DRY RUN (nothing written)")
    assert (_count(database_url, "registrants"), _count(database_url, "import_batches")) == (0, 0)
    assert _count(database_url, "audit_events") == events


def test_cli_refuses_a_bad_file_with_exit_2(cli_env: CliRunner, tmp_path: Path, database_url: str) -> None:
    register = tmp_path / "registre.csv"
    register.write_bytes(csv_file())
    result = cli_env.invoke(cli, ["import-register", str(register), "--desk", "CASA-BASE", "--as", ADMIN])
    assert result.exit_code == 2
    assert "Empty register: The file holds a header line (line 1) and no data row." in result.output
    assert _count(database_url, "import_batches") == 0


def test_cli_refuses_a_missing_file(cli_env: CliRunner, tmp_path: Path) -> None:
    result = cli_env.invoke(cli, ["import-register", str(tmp_path / "nope.csv"), "--desk", "CASA-BASE", "--as", ADMIN])
    assert result.exit_code == 2
    assert "No such file or directory" in result.output


def test_cli_refuses_someone_who_is_not_an_administrator(cli_env: CliRunner, tmp_path: Path) -> None:
    register = tmp_path / "registre.csv"
    register.write_bytes(register_head(3))
    result = cli_env.invoke(
        cli, ["import-register", str(register), "--desk", "CASA-BASE", "--as", "nobody@desk.example"]
    )
    assert result.exit_code == 2
    assert "nobody@desk.example is not an active administrator" in result.output


def test_cli_refuses_a_file_over_the_limit(cli_env: CliRunner, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("IMPORT_MAX_BYTES", "2048")
    register = tmp_path / "registre.csv"
    register.write_bytes(register_head(51))
    result = cli_env.invoke(cli, ["import-register", str(register), "--desk", "CASA-BASE", "--as", ADMIN])
    assert result.exit_code == 2
    assert "over the import limit of 2048 bytes" in result.output


def test_cli_reads_no_more_than_the_limit_from_a_pipe(
    cli_env: CliRunner, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A path that is no regular file (a pipe, a device such as /dev/zero, /dev/stdin) has no size
    to judge beforehand: it is read up to the limit, and refused then, however much more it holds."""
    monkeypatch.setenv("IMPORT_MAX_BYTES", "2048")
    fifo = tmp_path / "register.pipe"
    os.mkfifo(fifo)
    written = [0]

    def feed() -> None:  # an endless source, bounded here at 50 MB so that a faulty read ends too
        with open(fifo, "wb") as sink:
            try:
                while written[0] < 50_000_000:
                    written[0] += sink.write(b"x" * 65536)
                    sink.flush()
            except BrokenPipeError:
                pass

    feeder = threading.Thread(target=feed, daemon=True)
    feeder.start()
    result = cli_env.invoke(cli, ["import-register", str(fifo), "--desk", "CASA-BASE", "--as", ADMIN, "--dry-run"])
    feeder.join(30)
    assert result.exit_code == 2, result.output
    assert "more than 2048 bytes, over the import limit of 2048 bytes (IMPORT_MAX_BYTES)" in result.output
    assert written[0] < 1_000_000


@pytest.mark.parametrize(
    "arguments",
    [["--desk", "CASA\x00BASE"], ["--desk", "CASA-BASE\udcff"], ["--desk", "CASA-BASE", "--delimiter", "\x1b"]],
    ids=["nul-desk", "undecodable-argv-byte", "esc-delimiter"],
)
def test_cli_refuses_arguments_the_text_rule_refuses(
    cli_env: CliRunner, tmp_path: Path, database_url: str, arguments: list[str]
) -> None:
    register = tmp_path / "registre.csv"
    register.write_bytes(csv_file("1;01/06/2019;Awa;Diop;F;;;;;;;;;;;;;"))
    result = cli_env.invoke(cli, ["import-register", str(register), "--as", ADMIN, *arguments])
    assert result.exit_code == 2, result.output
    assert "is not accepted" in result.output
    assert _count(database_url, "import_batches") == 0


def test_cli_delimiter_option_reads_a_pipe_register(cli_env: CliRunner, tmp_path: Path) -> None:
    register = tmp_path / "registre.csv"
    register.write_bytes("Prénom(s)|Nom|Observations\r\nAwa|Diop|a;b,c\r\n".encode())
    result = cli_env.invoke(
        cli, ["import-register", str(register), "--desk", "CASA-BASE", "--as", ADMIN, "--dry-run", "--delimiter", "|"]
    )
    assert result.exit_code == 0, result.output
    assert "delimiter '|'" in result.output
    assert "1 imported" in result.output


def test_cli_prints_the_merged_file_a_flagged_rows_candidate_was_found_through(
    capsys: pytest.CaptureFixture[str],
) -> None:
    from app.cli import _print_import_report
    from app.imports.schemas import ImportCounts, ImportReport, RowCandidate, RowReport

    candidate = RowCandidate(
        registration_number="CASA-2026-000001", score=0.97, reasons=["same_birth_date", "merged_file"],
        through="CASA-2026-000002",
    )  # fmt: skip
    row = RowReport(line=2, number="1", outcome="flagged", name="Awa Diop", candidates=[candidate])
    report = ImportReport(
        batch_id=None, dry_run=True, desk_code="CASA-BASE", filename="r.csv", file_sha256="0" * 64, file_size=1,
        file_format="csv", encoding="utf-8", delimiter=";", columns={}, ignored_columns=[],
        counts=ImportCounts(total=1, flagged=1, pending=1), duration_ms=1, rows=[row],
    )  # fmt: skip
    _print_import_report(report)
    out = capsys.readouterr().out
    assert (
        "flagged  line 2 (N° 1) Awa Diop ~ CASA-2026-000001 score 0.97 [same_birth_date, merged_file CASA-2026-000002]"
        in out
    )


def test_cli_import_runs_with_the_short_switch_interval(
    cli_env: CliRunner, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    seen: list[float] = []
    process_all = ImportRun.process_all

    async def recording(self: Any, rows: Any, settle: Any) -> None:
        seen.append(sys.getswitchinterval())
        await process_all(self, rows, settle)

    monkeypatch.setattr(ImportRun, "process_all", recording)
    register = tmp_path / "registre.csv"
    register.write_bytes(register_head(11))
    result = cli_env.invoke(cli, ["import-register", str(register), "--desk", "CASA-BASE", "--as", ADMIN])
    assert result.exit_code == 0, result.output
    assert seen == [SWITCH_INTERVAL_SECONDS]  # the store overlaps the matching as in the server
    assert sys.getswitchinterval() != SWITCH_INTERVAL_SECONDS  # and the previous one is back


@pytest.mark.parametrize("where", ["missing folder", "a folder"])
def test_cli_refuses_a_report_path_it_cannot_write_before_importing(
    cli_env: CliRunner, tmp_path: Path, database_url: str, where: str
) -> None:
    """``--report /nonexistent/r.json`` or ``--report /tmp``: one clear line, exit 2, no row stored
    (never a traceback after the rows were committed)."""
    register = tmp_path / "registre.csv"
    register.write_bytes(register_head(3))
    target = tmp_path / "nonexistent" / "r.json" if where == "missing folder" else tmp_path
    result = cli_env.invoke(
        cli, ["import-register", str(register), "--desk", "CASA-BASE", "--as", ADMIN, "--report", str(target)]
    )
    assert result.exit_code == 2, result.output
    assert result.exception is None or isinstance(result.exception, SystemExit)
    assert "Traceback" not in result.output
    lines = result.output.strip().splitlines()
    assert len(lines) == 1
    assert lines[0].startswith(f"--report {target}: ")
    assert lines[0].endswith("; nothing was imported")
    assert (_count(database_url, "registrants"), _count(database_url, "import_batches")) == (0, 0)


def test_cli_says_the_columns_it_does_not_read_at_the_top(cli_env: CliRunner, tmp_path: Path) -> None:
    register = tmp_path / "registre.csv"
    register.write_text(
        "N°;Prénom(s);Nom;Date d'inscription;Quartier\n1;Awa;Faye;15/03/2019;Maârif\n", encoding="utf-8"
    )
    result = cli_env.invoke(cli, ["import-register", str(register), "--desk", "CASA-BASE", "--as", ADMIN, "--dry-run"])
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert lines[1] == "columns not read (their cells are not imported): 'Quartier'"


def test_cli_an_xlsx_summary_names_no_encoding_nor_delimiter(cli_env: CliRunner, tmp_path: Path) -> None:
    from tests.imports.conftest import HEADER, xlsx_file

    register = tmp_path / "registre.xlsx"
    register.write_bytes(xlsx_file([HEADER.split(";"), ["1", "02/06/2019", "Awa", "Ndiaye", "F", "1985"]]))
    result = cli_env.invoke(cli, ["import-register", str(register), "--desk", "CASA-BASE", "--as", ADMIN, "--dry-run"])
    assert result.exit_code == 0, result.output
    assert "DRY RUN (nothing written): registre.xlsx (xlsx) → desk CASA-BASE" in result.output


@pytest.mark.parametrize(
    ("arguments", "said"),
    [
        (["--desk", "NOPE", "--as", ADMIN], "Unknown desk: --desk: no desk has the code NOPE."),
        (["--desk", "CASA-BASE", "--as", "nobody@desk.example"], "--as: nobody@desk.example is not an active"),
        (["--desk", "CASA-BASE", "--as", ADMIN, "--delimiter", "x"], ": --delimiter 'x' is not one of"),
    ],
    ids=["unknown-desk", "unknown-administrator", "delimiter"],
)
def test_cli_import_refusals_name_the_option(
    cli_env: CliRunner, tmp_path: Path, arguments: list[str], said: str
) -> None:
    register = tmp_path / "registre.csv"
    register.write_bytes(register_head(3))
    result = cli_env.invoke(cli, ["import-register", str(register), *arguments, "--dry-run"])
    assert (result.exit_code, type(result.exception)) == (2, SystemExit), result.output
    assert said in result.output
    assert "Body field" not in result.output


BATCH = "3f2a0000-0000-4000-8000-000000000000"


@pytest.mark.parametrize(
    ("arguments", "said"),
    [
        (
            ["not-a-uuid", "2", "--discard"],
            "BATCH: 'not-a-uuid' is not an import batch id; give the id import-register",
        ),
        ([BATCH, "2", "--link", "nope"], "--link: 'nope' is not a registrant id; give the id of one of the row's"),
        (
            [BATCH, "2", "--link", BATCH, "--update", "nonsense"],
            "--update: 'nonsense' is not accepted; give one of given_names, family_name,",
        ),
        ([BATCH, "2", "--create", "--update", "phones"], "--update: does not apply to decision create"),
        ([BATCH, "2", "--discard", "--as", "nobody@desk.example"], "--as: nobody@desk.example is not an active"),
    ],
    ids=["batch-id", "link-id", "update-field", "update-with-create", "unknown-staff"],
)
def test_cli_resolution_refusals_name_the_option_in_plain_words(
    cli_env: CliRunner, arguments: list[str], said: str
) -> None:
    as_admin = [] if "--as" in arguments else ["--as", ADMIN]
    result = cli_env.invoke(cli, ["resolve-import-row", *arguments, *as_admin])
    assert (result.exit_code, type(result.exception)) == (2, SystemExit), result.output
    assert said in result.output
    for jargon in ("validation error", "pydantic", "hexadecimal", "literal_error", "update_fields"):
        assert jargon not in result.output


@pytest.mark.parametrize(
    ("arguments", "said"),
    [
        (["--role", "nope"], "--role: 'nope' is not accepted; give one of agent, supervisor, admin or auditor"),
        (["--role", "auditor", "--desk", "CASA-BASE"], "--desk does not apply: an auditor reads every desk"),
        (["--desk", "NOPE"], "Unknown desk: --desk: no desk has the code NOPE."),
    ],
    ids=["role", "auditor-desk", "unknown-desk"],
)
def test_cli_create_user_refusals_name_the_option(cli_env: CliRunner, arguments: list[str], said: str) -> None:
    result = cli_env.invoke(
        cli, ["create-user", "someone@desk.example", *arguments, "--password", "correct horse battery"]
    )
    assert (result.exit_code, type(result.exception)) == (2, SystemExit), result.output
    assert said in result.output
    assert "validation error" not in result.output


@pytest.mark.parametrize(
    ("arguments", "code", "said"),
    [
        (["--role", "wizard"], 2, "--role: 'wizard' is not accepted; give one of agent, supervisor, admin or auditor"),
        (["--desk", "NOPE"], 2, "Unknown desk: --desk: no desk has the code NOPE."),
        (["--role", "agent"], 2, "A desk is required for this role: --desk: an agent or a supervisor works at a desk"),
        ([ADMIN.upper(), "--role", "admin"], 1, f"{ADMIN} already has an account."),  # the product's refusal
    ],
    ids=["role", "unknown-desk", "no-desk", "email-taken"],
)
def test_cli_create_user_refuses_before_asking_for_the_password(
    cli_env: CliRunner, arguments: list[str], code: int, said: str
) -> None:
    """It asked for the password twice, then refused what the options said."""
    email = [] if arguments[0] == ADMIN.upper() else ["someone@desk.example"]
    result = cli_env.invoke(cli, ["create-user", *email, *arguments], input="correct horse battery\n")
    assert (result.exit_code, type(result.exception)) == (code, SystemExit), result.output
    assert said in result.output
    assert "Password" not in result.output  # never asked


@pytest.mark.parametrize(
    ("password", "said"),
    [
        ("short", "password: give at least 10 characters (5 given)"),
        ("x" * 129, "password: give at most 128 characters (129 given)"),
        (" " * 12, "password: must not be blank (white space or invisible characters only)"),
        ("azertyuiop12", "password: easy to guess (a common password, a run or a repetition of characters"),
        (None, "password: standard input ended before a line; give the password as one line on standard input"),
    ],
    ids=["short", "long", "blank", "easy", "none"],
)
def test_cli_create_user_says_a_password_refused_in_the_prompts_words(
    cli_env: CliRunner, password: str | None, said: str
) -> None:
    """Standard input not a terminal: one line is the password (no prompt, no GetPassWarning);
    refused, it is said as the password, not as a --password option not given, nor pydantic's words."""
    given = "" if password is None else f"{password}\n"
    result = cli_env.invoke(cli, ["create-user", "someone@desk.example", "--role", "admin"], input=given)
    assert (result.exit_code, len(result.output.splitlines())) == (2, 1), result.output
    assert result.output.startswith(said)
    for jargon in ("--password", "String should", "Warning"):
        assert jargon not in result.output


def test_cli_create_user_reads_the_password_from_standard_input(cli_env: CliRunner) -> None:
    result = cli_env.invoke(
        cli, ["create-user", "someone@desk.example", "--role", "admin"], input="another long passphrase here\n"
    )
    assert (result.exit_code, result.output.startswith("created admin someone@desk.example")) == (0, True), (
        result.output
    )
    signed_in = cli_env.invoke(cli, ["create-user", "someone@desk.example", "--role", "admin"], input="x\n")
    assert "someone@desk.example already has an account." in signed_in.output


def test_cli_create_user_says_a_given_password_refused_as_the_option(cli_env: CliRunner) -> None:
    result = cli_env.invoke(cli, ["create-user", "someone@desk.example", "--role", "admin", "--password", "short"])
    assert (result.exit_code, result.output.strip()) == (2, "--password: give at least 10 characters (5 given)")


def test_cli_create_user_asks_for_the_password_twice_on_a_terminal(cli_env: CliRunner, tmp_path: Path) -> None:
    """On a terminal (a pseudo-terminal here) the password is asked for, hidden, and confirmed."""
    import pty
    import select
    import subprocess

    master, terminal = pty.openpty()
    command = [sys.executable, "-m", "app.cli", "create-user", "tty@desk.example", "--role", "admin"]
    child = subprocess.Popen(command, stdin=terminal, stdout=terminal, stderr=terminal, start_new_session=True)
    os.close(terminal)
    seen = b""

    def until(text: bytes) -> None:
        nonlocal seen
        while text not in seen:
            ready, _, _ = select.select([master], [], [], 60)
            assert ready, seen
            try:
                chunk = os.read(master, 1024)
            except OSError:  # the terminal closed: the command ended
                chunk = b""
            assert chunk, seen
            seen += chunk

    try:
        until(b"Password: ")
        os.write(master, b"another long passphrase here\n")
        until(b"Repeat for confirmation: ")
        os.write(master, b"another long passphrase here\n")
        until(b"created admin tty@desk.example")
    finally:
        assert child.wait(timeout=60) == 0, seen
        os.close(master)
    assert b"passphrase" not in seen and b"Warning" not in seen  # hidden, no getpass warning
