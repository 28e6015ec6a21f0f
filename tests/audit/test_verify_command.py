"""``diaspora-desk verify-audit`` as an operator runs it: its exit codes and its messages.

0: the log verifies; 1: the log is broken (or not what the migrations made); 2: the key or the
kept checkpoint file cannot be used; 3: the database cannot be read (unreachable, no such database
or role, a role without the grants). Every message is one line, with no traceback.
"""

from __future__ import annotations

import asyncio
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy.engine import make_url

from tests.audit.conftest import write_events
from tests.audit.test_audit_chain import ROOT, _cli


async def _kept_checkpoint(client, make_staff, sessionmaker, audit_log) -> dict[str, object]:
    auditor = await make_staff("auditor", [])
    await write_events(sessionmaker, 3)
    await audit_log.seal()
    answer = await client.get("/api/v1/audit/checkpoint", headers=auditor.headers)
    assert answer.status_code == 200
    kept: dict[str, object] = answer.json()
    return kept


async def test_a_kept_checkpoint_saved_with_a_byte_order_mark_is_read(
    client, make_staff, sessionmaker, audit_log, database_url, settings, tmp_path: Path
) -> None:
    """Windows editors (Notepad, PowerShell's Out-File) save UTF-8 with a BOM: it is no part of the JSON."""
    kept = tmp_path / "kept.json"
    kept.write_bytes(
        b"\xef\xbb\xbf" + json.dumps(await _kept_checkpoint(client, make_staff, sessionmaker, audit_log)).encode()
    )
    done = await asyncio.to_thread(_cli, database_url, settings.data_dir, "verify-audit", "--against", str(kept))
    assert done.returncode == 0, done.stderr
    assert "audit chain valid: 3 events, 1 signed checkpoint" in done.stdout


async def test_every_refusal_of_the_kept_file_names_it_in_a_sentence(
    sessionmaker, audit_log, database_url, settings, tmp_path: Path
) -> None:
    await write_events(sessionmaker, 1)
    await audit_log.seal()
    missing = tmp_path / "missing.json"
    fields = tmp_path / "fields.json"
    fields.write_text(json.dumps({"seq": 1}))
    latin = tmp_path / "latin.json"
    latin.write_bytes(b'{"seq": 1, "hash": "\xe9"}')
    directory = tmp_path / "folder.json"
    directory.mkdir()
    expected = {
        missing: f"{missing} does not exist",
        fields: f"{fields} is not a checkpoint: hash, signed_at, key_id, signature missing",
        latin: f"{latin} is not UTF-8 text",
        directory: f"{directory} cannot be read: Is a directory",
    }
    for path, message in expected.items():
        done = await asyncio.to_thread(_cli, database_url, settings.data_dir, "verify-audit", "--against", str(path))
        assert (done.returncode, done.stderr.strip()) == (2, message)


async def test_a_kept_file_its_key_did_not_sign_is_refused_as_the_file(
    client, make_staff, sessionmaker, audit_log, settings, tmp_path: Path
) -> None:
    """Its hash or its time edited (or another log's checkpoint under the same key): exit 2, the
    file named as not signed, not the log as broken."""
    kept = await _kept_checkpoint(client, make_staff, sessionmaker, audit_log)
    for field, value in (("hash", "0" * 64), ("signed_at", "2020-01-01T00:00:00.000000+00:00")):
        edited = tmp_path / f"{field}.json"
        edited.write_text(json.dumps({**kept, field: value}))
        done = await asyncio.to_thread(
            _cli, settings.database_url, settings.data_dir, "verify-audit", "--against", str(edited)
        )
        assert (done.returncode, done.stderr.strip()) == (
            2,  # the file's fault, as a file signed by a key not trusted
            f"--against {edited} is not a checkpoint key {kept['key_id']} signed: its signature does not verify "
            "(the file was edited, or comes from another log); the log was not checked against it",
        )


def _unreachable(database_url: str, tmp_path: Path) -> list[str]:
    """URLs of a database that cannot be read: on SQLite a file that does not exist (in a folder
    that does not either: connecting made an empty database, or failed); on PostgreSQL no such
    database, no such role, nothing listening."""
    if not database_url.startswith("postgresql"):
        return [f"sqlite+aiosqlite:///{tmp_path / name}" for name in ("no-such-folder/desk.sqlite3", "absent.sqlite3")]
    url = make_url(database_url)
    return [
        url.set(database="dd_no_such_database").render_as_string(hide_password=False),
        url.set(username="dd_no_such_role").render_as_string(hide_password=False),
        url.set(host="127.0.0.1", port=1).render_as_string(hide_password=False),
    ]


async def test_a_database_that_cannot_be_read_exits_3_not_1_as_a_broken_log(
    app, database_url, settings, tmp_path: Path
) -> None:
    for url in _unreachable(database_url, tmp_path):
        for args in (("verify-audit",), ("verify-audit", "--seal")):
            done = await asyncio.to_thread(_cli, url, settings.data_dir, *args)
            assert done.returncode == 3, (url, args, done.stdout, done.stderr)
            assert done.stderr.startswith(
                (
                    "cannot read the audit log: the database cannot be reached or refused ",
                    f"cannot read the audit log: the database file {tmp_path}/",  # SQLite
                )
            ), done.stderr
            assert not (tmp_path / "absent.sqlite3").exists()  # no empty database made
            assert "Traceback" not in done.stderr
            assert len(done.stderr.strip().splitlines()) == 1


async def test_an_auditors_role_with_the_documented_grants_verifies_the_log(
    app_role, database_url, sessionmaker, audit_log, settings
) -> None:
    """docs/audit.md, "An auditor's own role": SELECT on the audit tables and on registrants (the
    verifier checks that each erasure's file was anonymised). Without registrants it cannot
    read the log: exit 3, naming the table."""
    import asyncpg

    await write_events(sessionmaker, 3)
    await audit_log.seal()
    auditor = f"{app_role}_auditor"
    owner = await asyncpg.connect(make_url(database_url).set(drivername="postgresql").render_as_string(False))
    tables = "audit_events, audit_links, audit_checkpoints, audit_witnessed_checkpoints, audit_payloads"
    try:
        await owner.execute(f'DROP ROLE IF EXISTS "{auditor}"')
        await owner.execute(f'CREATE ROLE "{auditor}" LOGIN')
        await owner.execute(f'GRANT CONNECT ON DATABASE "{make_url(database_url).database}" TO "{auditor}"')
        await owner.execute(f'GRANT USAGE ON SCHEMA public TO "{auditor}"')
        await owner.execute(f'GRANT SELECT ON {tables} TO "{auditor}"')
        as_auditor = make_url(database_url).set(username=auditor).render_as_string(hide_password=False)
        done = await asyncio.to_thread(_cli, as_auditor, settings.data_dir, "verify-audit")
        assert done.returncode == 3, (done.stdout, done.stderr)
        assert "permission denied for table registrants" in done.stderr
        await owner.execute(f'GRANT SELECT ON registrants TO "{auditor}"')
        done = await asyncio.to_thread(_cli, as_auditor, settings.data_dir, "verify-audit")
        assert done.returncode == 0, done.stderr
        assert "audit chain valid: 3 events, 1 signed checkpoint" in done.stdout
    finally:
        await owner.execute(f'REVOKE ALL ON ALL TABLES IN SCHEMA public FROM "{auditor}"')
        await owner.execute(f'REVOKE ALL ON SCHEMA public FROM "{auditor}"')
        await owner.execute(f'REVOKE ALL ON DATABASE "{make_url(database_url).database}" FROM "{auditor}"')
        await owner.execute(f'DROP ROLE IF EXISTS "{auditor}"')
        await owner.close()


@pytest.mark.parametrize(
    ("variable", "value", "message"),
    [
        ("AUDIT_SEAL_INTERVAL_SECONDS", "100", "AUDIT_SEAL_INTERVAL_SECONDS: Input should be less than or equal to 60"),
        ("AUDIT_SEAL_BATCH", "0", "AUDIT_SEAL_BATCH: Input should be greater than or equal to 1"),
    ],
)
async def test_a_setting_out_of_range_is_one_line_and_exit_2(
    database_url, settings, variable: str, value: str, message: str
) -> None:
    for args in (("verify-audit",), ("serve", "--port", "1")):
        done = await asyncio.to_thread(_cli, database_url, settings.data_dir, *args, env={variable: value})
        assert (done.returncode, done.stderr.strip()) == (2, f"setting refused: {message}"), args


@pytest.mark.parametrize("case", ["production", "explicit path"])
async def test_serve_without_its_signing_key_says_so_in_one_line(database_url, settings, tmp_path: Path, case) -> None:
    """Outside production without AUDIT_SIGNING_KEY_FILE the key is made in DATA_DIR; in production,
    or with the setting naming a file, a missing file stops the server before it listens."""
    missing = tmp_path / "secrets" / "audit_signing_key.pem"
    env = {"AUDIT_SIGNING_KEY_FILE": str(missing)}
    data_dir = settings.data_dir
    if case == "production":
        data_dir = tmp_path / "data"
        missing = data_dir / "audit_signing_key.pem"
        env = {"ENVIRONMENT": "production", "SECRET_KEY": "s" * 40, "AUDIT_SIGNING_KEY_FILE": ""}
    done = await asyncio.to_thread(_cli, database_url, data_dir, "serve", "--port", "1", env=env)
    assert (done.returncode, done.stderr.strip()) == (
        1,
        f"cannot start: audit signing key {missing} does not exist (AUDIT_SIGNING_KEY_FILE)",
    )


def _uvicorn(database_url: str, data_dir: Path, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    """``uvicorn app.asgi:app`` started directly, as a process manager or a container may, with
    ``env`` over the test's settings; it must exit before it listens (port 1: never reached)."""
    env = {**os.environ, "DATABASE_URL": database_url, "DATA_DIR": str(data_dir), "ENVIRONMENT": "test", **env}
    return subprocess.run(
        [sys.executable, "-m", "uvicorn", "app.asgi:app", "--port", "1"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )


@pytest.mark.parametrize(
    ("env", "exit_code", "line"),
    [
        (
            {"AUDIT_SEAL_BATCH": "0"},
            2,
            "setting refused: AUDIT_SEAL_BATCH: Input should be greater than or equal to 1",
        ),
        (
            {"AUDIT_SEAL_BATCH": "0", "AUDIT_SEAL_INTERVAL_SECONDS": "100"},
            2,
            "setting refused: AUDIT_SEAL_INTERVAL_SECONDS: Input should be less than or equal to 60\n"
            "setting refused: AUDIT_SEAL_BATCH: Input should be greater than or equal to 1",
        ),
        (
            {"AUDIT_SIGNING_KEY_FILE": "{tmp}/secrets/audit_signing_key.pem"},
            1,
            "cannot start: audit signing key {tmp}/secrets/audit_signing_key.pem does not exist "
            "(AUDIT_SIGNING_KEY_FILE)",
        ),
        (
            {"AUDIT_SIGNING_KEY_FILE": "{tmp}"},
            1,
            "cannot start: audit signing key {tmp} (AUDIT_SIGNING_KEY_FILE) cannot be read: Is a directory",
        ),
        (
            {"AUDIT_SIGNING_KEY_FILE": "{tmp}/not-a-key.pem"},
            1,
            "cannot start: audit signing key {tmp}/not-a-key.pem (AUDIT_SIGNING_KEY_FILE) holds no unencrypted PEM "
            "(PKCS#8) private key",
        ),
    ],
    ids=["setting out of range", "two settings refused", "key missing", "key unreadable", "not a key"],
)
async def test_uvicorn_started_directly_says_what_serve_says_in_one_line(
    database_url, settings, tmp_path: Path, env: dict[str, str], exit_code: int, line: str
) -> None:
    """It printed a Python traceback of 40 lines (with a refused setting's value, which may be a secret)."""
    (tmp_path / "not-a-key.pem").write_text("not a key\n")
    env = {name: value.format(tmp=tmp_path) for name, value in env.items()}
    done = await asyncio.to_thread(_uvicorn, database_url, settings.data_dir, env)
    assert (done.returncode, done.stderr.strip()) == (exit_code, line.format(tmp=tmp_path))
    served = await asyncio.to_thread(_cli, database_url, settings.data_dir, "serve", "--port", "1", env=env)
    assert (served.returncode, served.stderr.strip()) == (exit_code, line.format(tmp=tmp_path))


async def test_uvicorn_with_workers_stops_on_a_refused_setting_rather_than_start_its_workers_again(
    database_url, settings
) -> None:
    """Each worker exits with uvicorn's start-up failure code, on which its supervisor stops; on
    another code it started them again, every half second, for ever."""
    done = await asyncio.to_thread(
        subprocess.run,
        [sys.executable, "-m", "uvicorn", "app.asgi:app", "--port", "0", "--workers", "2"],
        cwd=ROOT,
        env={**os.environ, "DATABASE_URL": database_url, "DATA_DIR": str(settings.data_dir), "AUDIT_SEAL_BATCH": "0"},
        capture_output=True,
        text=True,
        timeout=60,
    )
    # once per worker started (a worker slow to import, on a loaded machine, may be replaced first)
    refused = {line for line in done.stderr.splitlines() if line.startswith("setting refused: ")}
    assert refused == {"setting refused: AUDIT_SEAL_BATCH: Input should be greater than or equal to 1"}
    assert "Traceback" not in done.stderr
    assert "failed to start, stopping the parent process" in done.stderr
