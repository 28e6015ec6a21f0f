"""What a setting names but the host cannot give (a directory, a file, the time-zone data) stops
``serve``, ``worker``, ``uvicorn app.asgi:app``, ``migrate`` and ``seed`` with one line naming the
setting, its value and what to do, and exit 1, never a Python traceback (:mod:`app.environment`).

Each case ran into a traceback (``FileExistsError``, ``NotADirectoryError``, ``ValueError``,
``TimeZoneDataError``, ``ModuleNotFoundError``), at start-up or at the first request, or was not
noticed at all (a templates directory that does not exist: the translations silently left out; a
signing key file left empty).
"""

from __future__ import annotations

import asyncio
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
NO_TZDATA = "import sys; sys.modules['tzdata'] = None; from app.cli import cli; cli()"
"""The command line run as if the ``tzdata`` package were not installed (``import tzdata`` fails)."""

WRITE_HERE = "point it at a directory this user can create and write in"
INSTALL_TZDATA = "install the pinned tzdata (pip install -c constraints.txt tzdata)"


def _run(
    tmp: Path, command: str, env: dict[str, str], *, python_code: str | None = None
) -> subprocess.CompletedProcess[str]:
    """``diaspora-desk <command>`` (``uvicorn``: ``uvicorn app.asgi:app`` started directly) on the
    default SQLite database under ``DATA_DIR`` (``{tmp}/data`` unless ``env`` says otherwise);
    every start is refused before it listens (port 1 would not be reached anyway)."""
    env = {**os.environ, "DATABASE_URL": "", "DATA_DIR": str(tmp / "data"), "ENVIRONMENT": "test", **env}
    env.pop("SECRET_KEY", None)
    if command == "uvicorn":
        args = ["-m", "uvicorn", "app.asgi:app", "--port", "1"]
    else:
        words = [command, "--port", "1"] if command == "serve" else [command]
        args = ["-c", python_code, *words] if python_code else ["-m", "app.cli", *words]
    return subprocess.run([sys.executable, *args], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120)


async def _refused(tmp: Path, command: str, env: dict[str, str], line: str, **options: str) -> None:
    env = {name: value.format(tmp=tmp) for name, value in env.items()}
    done = await asyncio.to_thread(_run, tmp, command, env, **options)
    assert "Traceback" not in done.stderr, done.stderr
    assert (done.returncode, done.stderr.strip()) == (1, line.format(tmp=tmp)), command


def _fake_tzdata(tmp: Path, version: str) -> str:
    """A ``tzdata`` package of release ``version`` holding no zone, first on the path; the path."""
    package = tmp / "fake" / "tzdata"
    package.mkdir(parents=True)
    (package / "__init__.py").write_text(f'IANA_VERSION = "{version}"\n__version__ = "0"\n')
    return str(tmp / "fake")


@pytest.mark.parametrize("command", ["serve", "worker", "uvicorn", "migrate", "seed"])
async def test_a_data_dir_that_is_a_file_is_one_line(tmp_path: Path, command: str) -> None:
    (tmp_path / "data").write_text("")
    await _refused(tmp_path, command, {}, f"cannot start: DATA_DIR {{tmp}}/data is not a directory: {WRITE_HERE}")


@pytest.mark.parametrize("command", ["serve", "migrate"])
async def test_a_data_dir_that_cannot_be_created_is_one_line(tmp_path: Path, command: str) -> None:
    (tmp_path / "file").write_text("")
    await _refused(
        tmp_path,
        command,
        {"DATA_DIR": "{tmp}/file/data"},
        f"cannot start: DATA_DIR {{tmp}}/file/data cannot be created (Not a directory): {WRITE_HERE}",
    )


async def test_a_sqlite_database_that_is_a_directory_is_one_line(tmp_path: Path) -> None:
    (tmp_path / "data" / "diaspora_desk.sqlite3").mkdir(parents=True)
    await _refused(
        tmp_path,
        "migrate",
        {},
        "cannot start: DATA_DIR: the SQLite database {tmp}/data/diaspora_desk.sqlite3 is not a file: "
        "move what is there, or name another file",
    )


async def test_a_database_url_in_a_directory_that_cannot_be_made_is_one_line(tmp_path: Path) -> None:
    (tmp_path / "file").write_text("")
    await _refused(
        tmp_path,
        "seed",
        {"DATABASE_URL": "sqlite+aiosqlite:///{tmp}/file/desk.sqlite3"},
        f"cannot start: the directory of DATABASE_URL {{tmp}}/file is not a directory: {WRITE_HERE}",
    )


@pytest.mark.parametrize("command", ["serve", "worker", "uvicorn"])
async def test_a_templates_directory_that_does_not_exist_is_one_line(tmp_path: Path, command: str) -> None:
    await _refused(
        tmp_path,
        command,
        {"NOTIFY_TEMPLATES_DIR": "{tmp}/templates"},
        "cannot start: NOTIFY_TEMPLATES_DIR {tmp}/templates does not exist: create it, or leave "
        "NOTIFY_TEMPLATES_DIR unset",
    )


async def test_a_templates_directory_that_is_a_file_is_one_line(tmp_path: Path) -> None:
    (tmp_path / "templates").write_text("")
    await _refused(
        tmp_path,
        "serve",
        {"NOTIFY_TEMPLATES_DIR": "{tmp}/templates"},
        "cannot start: NOTIFY_TEMPLATES_DIR {tmp}/templates is not a directory: name the directory of the translations",
    )


@pytest.mark.parametrize("command", ["serve", "uvicorn"])
async def test_a_malformed_template_file_is_one_line(tmp_path: Path, command: str) -> None:
    (tmp_path / "templates").mkdir()
    (tmp_path / "templates" / "wo.json").write_text(json.dumps({"events": {"no_such_event": {"body": "x"}}}))
    await _refused(
        tmp_path,
        command,
        {"NOTIFY_TEMPLATES_DIR": "{tmp}/templates"},
        "cannot start: NOTIFY_TEMPLATES_DIR: notification templates {tmp}/templates/wo.json: unknown event "
        "'no_such_event'",
    )


async def test_a_template_file_that_cannot_be_read_is_one_line(tmp_path: Path) -> None:
    (tmp_path / "templates" / "wo.json").mkdir(parents=True)  # read as a file: "Is a directory"
    await _refused(
        tmp_path,
        "worker",
        {"NOTIFY_TEMPLATES_DIR": "{tmp}/templates"},
        "cannot start: NOTIFY_TEMPLATES_DIR: notification templates {tmp}/templates/wo.json: cannot be read: "
        "Is a directory",
    )


async def test_a_documents_directory_that_is_a_file_is_one_line(tmp_path: Path) -> None:
    (tmp_path / "documents").write_text("")
    await _refused(
        tmp_path,
        "serve",
        {"DOCUMENTS_LOCAL_DIR": "{tmp}/documents"},
        f"cannot start: DOCUMENTS_LOCAL_DIR {{tmp}}/documents is not a directory: {WRITE_HERE}",
    )


async def test_s3_storage_without_its_bucket_is_one_line(tmp_path: Path) -> None:
    await _refused(
        tmp_path,
        "serve",
        {"DOCUMENTS_STORAGE": "s3", "S3_BUCKET": ""},
        "cannot start: DOCUMENTS_STORAGE s3: S3_BUCKET is not set: name the bucket, or set DOCUMENTS_STORAGE=local",
    )


async def test_an_empty_signing_key_file_is_one_line(tmp_path: Path) -> None:
    (tmp_path / "data").mkdir()
    (tmp_path / "data" / "secret_key").write_text("\n")
    await _refused(
        tmp_path,
        "uvicorn",
        {},
        "cannot start: DATA_DIR: the signing key {tmp}/data/secret_key is empty or too short: set SECRET_KEY, or "
        "remove the file (a new key is made; signed-in users sign in again)",
    )


@pytest.mark.parametrize("command", ["serve", "uvicorn", "migrate"])
async def test_time_zone_data_older_than_the_pinned_release_is_one_line(tmp_path: Path, command: str) -> None:
    await _refused(
        tmp_path,
        command,
        {"PYTHONPATH": _fake_tzdata(tmp_path, "2020a")},
        f"cannot start: time-zone data: IANA tz data 2020a is older than the pinned release 2026f; {INSTALL_TZDATA}",
    )


async def test_time_zone_data_without_the_desks_zones_is_one_line(tmp_path: Path) -> None:
    await _refused(
        tmp_path,
        "serve",
        {"PYTHONPATH": _fake_tzdata(tmp_path, "2099a")},
        "cannot start: time-zone data: the desks' zone Africa/Casablanca is missing from tzdata 2099a; install the "
        "pinned tzdata again (pip install --force-reinstall -c constraints.txt tzdata)",
    )


@pytest.mark.parametrize("command", ["serve", "seed"])
async def test_time_zone_data_not_installed_is_one_line(tmp_path: Path, command: str) -> None:
    await _refused(
        tmp_path,
        command,
        {},
        f"cannot start: time-zone data: the tzdata package is not installed; {INSTALL_TZDATA}",
        python_code=NO_TZDATA,
    )
