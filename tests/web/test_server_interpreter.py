"""The server process runs with the short switch interval (its lifespan sets it)."""

from __future__ import annotations

import sys

from app.core.interpreter import SWITCH_INTERVAL_SECONDS
from tests.web.conftest import LiveServer


def test_the_server_runs_with_the_short_switch_interval(server: LiveServer) -> None:
    assert sys.getswitchinterval() == SWITCH_INTERVAL_SECONDS
