"""``--browser-tests K/N`` (tests/conftest.py): CI runs each browser test once, half in each of its
two runs; the shares must cover every browser test exactly once, and a bad share is refused."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import _browser_share

ROOT = Path(__file__).resolve().parents[2]


def _collected(*options: str) -> set[str]:
    """The test ids ``pytest --collect-only`` finds in tests/web with ``options``."""
    done = subprocess.run(
        [sys.executable, "-m", "pytest", "--collect-only", "-p", "no:cacheprovider", *options, "tests/web"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    return {line for line in done.stdout.splitlines() if line.startswith("tests/web/")}


def test_the_two_shares_run_every_browser_test_once() -> None:
    everything = _collected()
    first, second = _collected("--browser-tests", "0/2"), _collected("--browser-tests", "1/2")
    assert everything and first and second
    assert first.isdisjoint(second)
    assert first | second == everything
    files = {test.split("::")[0] for test in everything}
    assert {test.split("::")[0] for test in first}.isdisjoint({test.split("::")[0] for test in second})
    assert len(files) > 2


@pytest.mark.parametrize("option", ["2/2", "1/0", "-1/2", "half", "1/2/3", ""])
def test_a_share_that_is_not_one_is_refused(option: str) -> None:
    with pytest.raises(pytest.UsageError, match="--browser-tests"):
        _browser_share(option)


def test_all_and_a_share_are_read() -> None:
    assert _browser_share("all") is None
    assert _browser_share("0/2") == (0, 2)
    assert _browser_share("2/3") == (2, 3)
