"""The objects made while starting are left out of the garbage collector's full collections by the
serving process (``app.asgi``, what uvicorn imports), not by :func:`app.main.create_app` nor its
start-up: a process that builds and starts many apps one after another (the browser tests' live
servers) paid a full collection of its whole heap at each start (1.8–4.4 s each in the test suite,
its heap 2.3 million objects), and froze every earlier test's leftovers for good."""

from __future__ import annotations

import gc
import os
import subprocess
import sys
import threading
from pathlib import Path

import httpx
import pytest

from app.core.config import Settings
from tests.web.conftest import LiveServer

ROOT = Path(__file__).resolve().parents[2]


def test_the_serving_process_freezes_what_starting_made(database_url: str, tmp_path: Path) -> None:
    env = {**os.environ, "DATABASE_URL": database_url, "DATA_DIR": str(tmp_path / "data"), "ENVIRONMENT": "test"}
    code = "import gc; import app.asgi; print(gc.get_freeze_count())"
    done = subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert int(done.stdout) > 100_000  # the modules, routes and models of the app


def test_building_and_starting_an_app_leaves_the_collector_alone(
    settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    # gc.freeze observed, not the freeze count: the test process frees frozen objects and freezes
    # its own heap between tests (tests/conftest.py), so the count moves by itself
    freezes: list[str] = []
    monkeypatch.setattr(gc, "freeze", lambda: freezes.append(threading.current_thread().name))
    server = LiveServer(settings)  # built by create_app, started and stopped by uvicorn
    server.start()
    try:
        assert httpx.get(f"{server.url}/healthz", timeout=30).status_code == 200
    finally:
        server.stop()
    assert freezes == []
