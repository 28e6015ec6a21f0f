"""``diaspora-desk serve`` without ``PUBLIC_BASE_URL`` names, as the OAuth 2.0 issuer (RFC 8414),
the address it serves on — not ``make run``'s default port whatever ``--port`` says; a
``PUBLIC_BASE_URL`` given is kept as given. A real ``serve`` process on SQLite, read over HTTP."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

from app.cli import _served_at
from tests.core.servers import free_port

ROOT = Path(__file__).resolve().parents[2]
METADATA = "/.well-known/oauth-authorization-server"


def _issuer_of_serve(tmp: Path, env: dict[str, str]) -> str:
    """``serve --port <free>`` started with ``env`` over the default SQLite database under
    ``tmp``; the issuer its metadata names."""
    port = free_port()
    full = {**os.environ, "DATABASE_URL": "", "DATA_DIR": str(tmp / "data"), "ENVIRONMENT": "test", **env}
    if "PUBLIC_BASE_URL" not in env:
        full.pop("PUBLIC_BASE_URL", None)
    subprocess.run([sys.executable, "-m", "app.cli", "migrate"], cwd=ROOT, env=full, check=True, capture_output=True)
    log = tmp / "serve.log"
    with log.open("wb") as out:
        server = subprocess.Popen(
            [sys.executable, "-m", "app.cli", "serve", "--port", str(port)], cwd=ROOT, env=full, stdout=out, stderr=out
        )
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                answer = httpx.get(f"http://127.0.0.1:{port}{METADATA}", timeout=2)
                break
            except httpx.TransportError:
                if server.poll() is not None or time.monotonic() > deadline:
                    raise AssertionError(log.read_text()) from None
                time.sleep(0.2)
        assert answer.status_code == 200, answer.text
        issuer: str = answer.json()["issuer"]
        assert answer.json()["token_endpoint"].startswith(issuer)
        return issuer
    finally:
        server.terminate()
        server.wait(30)


def test_serve_names_the_address_it_serves_on_when_public_base_url_is_unset(tmp_path: Path) -> None:
    issuer = _issuer_of_serve(tmp_path, {})
    assert issuer.startswith("http://127.0.0.1:") and issuer != "http://127.0.0.1:8000"


def test_serve_keeps_the_public_base_url_given(tmp_path: Path) -> None:
    assert _issuer_of_serve(tmp_path, {"PUBLIC_BASE_URL": "https://desk.example.org/diaspora"}) == (
        "https://desk.example.org/diaspora"
    )


@pytest.mark.parametrize(
    ("host", "port", "address"),
    [
        ("127.0.0.1", 8765, "http://127.0.0.1:8765"),
        ("0.0.0.0", 8000, "http://127.0.0.1:8000"),
        ("::", 8001, "http://[::1]:8001"),
        ("::1", 8002, "http://[::1]:8002"),
        ("desk.local", 80, "http://desk.local:80"),
    ],
)
def test_the_address_of_a_bind(host: str, port: int, address: str) -> None:
    assert _served_at(host, port) == address
