"""``DESK_ADMIN_PASSWORD``, the seeded administrator's password, is judged as every staff password
is (:mod:`app.users.passwords`): one easy to guess, or too short, is a refused setting — one line
naming it and why, exit 2 — and ``seed`` writes nothing. ``DESK_ADMIN_PASSWORD=password123``
seeded an administrator anyone could sign in as."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest
from typer.testing import CliRunner

from app.audit.signing import load_signer
from app.cli import cli


@pytest.fixture
def migrated(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A migrated, empty SQLite database under ``DATA_DIR``; its file."""
    monkeypatch.setenv("DATA_DIR", str(tmp_path / "var"))
    monkeypatch.setenv("ENVIRONMENT", "test")
    monkeypatch.setenv("DATABASE_URL", "")
    monkeypatch.delenv("DATABASE_OWNER_URL", raising=False)
    monkeypatch.delenv("DESK_ADMIN_EMAIL", raising=False)
    monkeypatch.delenv("DESK_ADMIN_PASSWORD", raising=False)
    monkeypatch.setenv("AUDIT_SIGNING_KEY_FILE", str(tmp_path / "key.pem"))
    load_signer(tmp_path / "key.pem", create=True)
    result = CliRunner().invoke(cli, ["migrate"])
    assert result.exit_code == 0, result.output
    return tmp_path / "var" / "diaspora_desk.sqlite3"


def _seeded(database: Path) -> tuple[int, int]:
    """(desks, staff accounts) in the database."""
    with sqlite3.connect(database) as db:
        desks = db.execute("SELECT count(*) FROM desks").fetchone()[0]
        staff = db.execute("SELECT count(*) FROM staff_users").fetchone()[0]
    return desks, staff


@pytest.mark.parametrize(
    ("password", "why"),
    [
        ("password123", "easy to guess (a common password, a run or a repetition of characters, or the account's"),
        ("diaspora-desk-2024", "easy to guess"),
        ("admin@casa.example", "easy to guess"),  # the account's own e-mail
        ("short", "give at least 10 characters (5 given)"),
    ],
)
def test_a_seeded_administrator_password_easy_to_guess_is_a_refused_setting(
    migrated: Path, monkeypatch: pytest.MonkeyPatch, password: str, why: str
) -> None:
    monkeypatch.setenv("DESK_ADMIN_EMAIL", "admin@casa.example")
    monkeypatch.setenv("DESK_ADMIN_PASSWORD", password)
    result = CliRunner().invoke(cli, ["seed"])
    lines = result.output.splitlines()
    assert (result.exit_code, len(lines)) == (2, 1), result.output
    assert lines[0].startswith(f"setting refused: DESK_ADMIN_PASSWORD: {why}")
    assert password not in lines[0]  # never the value (it is a secret)
    assert _seeded(migrated) == (0, 0)


def test_a_seeded_administrator_password_hard_to_guess_is_taken(
    migrated: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("DESK_ADMIN_PASSWORD", "thiof braisé sous le baobab de Ziguinchor")
    result = CliRunner().invoke(cli, ["seed"])
    assert result.exit_code == 0, result.output
    assert "administrator: admin@diaspora-desk.example" in result.output
    assert _seeded(migrated) == (2, 1)
