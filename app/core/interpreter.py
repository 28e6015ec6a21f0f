"""The interpreter's switch interval for processes that run Python work in worker threads beside an
event loop (the server; the ``import-register`` command)."""

from __future__ import annotations

import contextlib
import sys
from collections.abc import Iterator

SWITCH_INTERVAL_SECONDS = 0.0005
"""How long a thread waiting for the interpreter lock waits at most before the running thread is
asked to let it go (:func:`sys.setswitchinterval`; Python's default is 5 ms). The register import
matches its next chunk in a worker thread while the event loop stores the one before: each of the
store's dozen database round trips waited up to 5 ms for the lock, which took back what the overlap
saved (20,000-row real run, ``bench/imports.py``). Requests answered while a worker thread runs
Python (an import, an XLSX export) wait less for the same reason."""


@contextlib.contextmanager
def short_switch_interval() -> Iterator[None]:
    """Run the block with :data:`SWITCH_INTERVAL_SECONDS` as the process's switch interval; the
    previous one is set back after it."""
    before = sys.getswitchinterval()
    sys.setswitchinterval(SWITCH_INTERVAL_SECONDS)
    try:
        yield
    finally:
        sys.setswitchinterval(before)
