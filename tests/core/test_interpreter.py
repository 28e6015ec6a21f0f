"""The switch interval of the processes that overlap worker threads with their event loop."""

from __future__ import annotations

import sys

from app.core.interpreter import SWITCH_INTERVAL_SECONDS, short_switch_interval


def test_the_short_switch_interval_holds_in_its_block_and_the_previous_one_after() -> None:
    before = sys.getswitchinterval()
    assert before != SWITCH_INTERVAL_SECONDS
    with short_switch_interval():
        assert sys.getswitchinterval() == SWITCH_INTERVAL_SECONDS
    assert sys.getswitchinterval() == before
