"""The command line refuses, in one line and with its documented exit code, what it cannot run
on: a ``DATABASE_URL`` of a driver it does not run on (2, as every refused setting), a database it
cannot reach (3, as ``verify-audit``), ``serve`` options it cannot serve with (2) or a port
already taken (1). Each case was a traceback, an exit code the README did not list, or nothing."""

from __future__ import annotations

import socket
from pathlib import Path

import pytest
from typer.testing import CliRunner

from app.audit.signing import load_signer
from app.cli import cli

UNREACHABLE = "postgresql+asyncpg://postgres@127.0.0.1:5999/x"
"""A PostgreSQL server nobody listens for (the connection is refused at once)."""

COMMANDS = {
    "migrate": [],
    "seed": [],
    "create-user": ["someone@desk.example", "--role", "admin", "--password", "correct horse battery"],
    "import-register": ["{tmp}/registre.csv", "--desk", "CASA-BASE", "--as", "admin@desk.example"],
    "resolve-import-row": [
        "00000000-0000-0000-0000-000000000001",
        "2",
        "--as",
        "admin@desk.example",
        "--discard",
    ],
    "export": ["registrants", "-o", "{tmp}/out.csv", "--user", "admin@desk.example"],
    "gc-storage": ["--dry-run"],  # reads the database once there are stored objects
    "purge-documents": [],
    "refresh-frequencies": [],
    "retention": [],
    "verify-audit": [],
    "rotate-audit-key": ["--new-key", "{tmp}/next.pem"],
}
"""Every command that reads the database and ends (not ``serve`` nor ``worker``), with arguments it
would accept."""


@pytest.fixture
def environment(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("DATA_DIR", str(tmp_path / "var"))
    monkeypatch.setenv("ENVIRONMENT", "test")
    monkeypatch.delenv("DATABASE_OWNER_URL", raising=False)
    monkeypatch.setenv("AUDIT_SIGNING_KEY_FILE", str(tmp_path / "key.pem"))
    load_signer(tmp_path / "key.pem", create=True)
    load_signer(tmp_path / "next.pem", create=True)
    (tmp_path / "registre.csv").write_text("N°;Nom\n1;Ndiaye\n", encoding="utf-8")
    return tmp_path


def _invoke(tmp: Path, command: str) -> tuple[int, list[str]]:
    args = [word.format(tmp=tmp) for word in COMMANDS[command]]
    result = CliRunner().invoke(cli, [command, *args], input="")
    assert "Traceback" not in result.output
    assert isinstance(result.exception, SystemExit | None), repr(result.exception)
    return result.exit_code, result.output.splitlines()


@pytest.mark.parametrize(
    ("command", "url"),
    [
        *((command, "postgres://postgres@127.0.0.1/x") for command in sorted(COMMANDS)),
        ("verify-audit", "mysql://root@127.0.0.1/x"),
        ("migrate", "not a url"),
    ],
)
def test_a_database_url_of_another_driver_is_a_refused_setting(
    environment: Path, monkeypatch: pytest.MonkeyPatch, command: str, url: str
) -> None:
    monkeypatch.setenv("DATABASE_URL", url)
    code, lines = _invoke(environment, command)
    assert (code, len(lines)) == (2, 1), lines
    assert lines[0].startswith("setting refused: DATABASE_URL: ")
    assert "sqlite+aiosqlite" in lines[0] and "postgresql+asyncpg" in lines[0]
    assert "127.0.0.1" not in lines[0]  # never the value (it may hold a password)


def test_a_database_owner_url_of_another_driver_is_a_refused_setting(
    environment: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("DATABASE_URL", UNREACHABLE)
    monkeypatch.setenv("DATABASE_OWNER_URL", "postgresql://owner@127.0.0.1/x")
    code, lines = _invoke(environment, "migrate")
    assert (code, len(lines)) == (2, 1), lines
    assert lines[0].startswith("setting refused: DATABASE_OWNER_URL: ")


@pytest.mark.parametrize("command", sorted(set(COMMANDS) - {"gc-storage"}))
def test_a_database_out_of_reach_is_one_line_and_exit_3(
    environment: Path, monkeypatch: pytest.MonkeyPatch, command: str
) -> None:
    monkeypatch.setenv("DATABASE_URL", UNREACHABLE.replace("postgres@", "postgres:s3cret-pw@"))
    code, lines = _invoke(environment, command)
    assert (code, len(lines)) == (3, 1), lines
    assert "the database cannot be reached" in lines[0] and "Connect call failed" in lines[0]
    assert "DATABASE_URL (PostgreSQL at 127.0.0.1:5999, database x, role postgres)" in lines[0], lines[0]
    assert "s3cret-pw" not in lines[0]


def test_serve_refuses_no_worker(environment: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DATABASE_URL", "")
    result = CliRunner().invoke(cli, ["serve", "--workers", "0"])
    assert (result.exit_code, result.output.strip()) == (2, "--workers: give at least 1 worker process (0 given)")


def test_serve_refuses_a_port_in_use_before_it_starts(environment: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DATABASE_URL", "")
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        result = CliRunner().invoke(cli, ["serve", "--port", str(port)])
    assert (result.exit_code, result.output.strip()) == (
        1,
        f"cannot start: port {port} is in use on 127.0.0.1; stop what listens there or give another --port",
    )


def _rsa_pem() -> bytes:
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import rsa

    return rsa.generate_private_key(public_exponent=65537, key_size=1024).private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )


@pytest.mark.parametrize(
    ("content", "said"),
    [
        (_rsa_pem, "does not hold an Ed25519 private key"),
        (b"\x00garbage", "holds no unencrypted PEM (PKCS#8) private key"),
        (b"", "holds no unencrypted PEM (PKCS#8) private key"),
        (None, "does not exist"),
    ],
    ids=["rsa", "garbage", "empty", "missing"],
)
def test_rotate_audit_key_names_the_new_key_it_cannot_use(
    environment: Path, monkeypatch: pytest.MonkeyPatch, content: object, said: str
) -> None:
    """It said "audit signing key … (AUDIT_SIGNING_KEY_FILE) does not hold…" of --new-key's file."""
    monkeypatch.setenv("DATABASE_URL", UNREACHABLE)  # refused before the database is needed
    new_key = environment / "given.pem"
    if content is not None:
        new_key.write_bytes(content() if callable(content) else content)  # type: ignore[arg-type]
    result = CliRunner().invoke(cli, ["rotate-audit-key", "--new-key", str(new_key)])
    assert (result.exit_code, result.output.strip()) == (
        2,
        f"--new-key {new_key}: {said}; give the next signing key, an Ed25519 private key (PEM, PKCS#8)",
    )
