"""Keeping Python's cyclic garbage collector off the working set of a long in-memory job.

A register import holds every row of the file in several forms for its whole run (read, prepared,
matched, reported: over a million tracked objects at 20,000 rows), and that set only grows. The
collector rescans every tracked object at each full collection, and runs one each time the objects
surviving grow by a quarter: at 20,000 rows, 15 full collections scanning up to 1.4 million objects
each, about a fifth of the import's CPU, each one stopping every thread of the process (the event
loop too) while it runs. Refcounting frees all of it without the collector.

:func:`frozen_working_set` moves what is alive when asked (``settle()``) out of the collector's
generations (:func:`gc.freeze`, Python documentation, "gc"); young objects are still collected as
usual. When the last such block of the process ends everything is handed back (:func:`gc.unfreeze`):
a cycle that became garbage meanwhile is collected then, not lost.
"""

from __future__ import annotations

import gc
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager

_lock = threading.Lock()
_active = 0


@contextmanager
def frozen_working_set() -> Iterator[Callable[[], None]]:
    """A block whose ``settle()`` (the value yielded) takes every object alive now out of the
    collector's scans until the last such block of the process ends (see the module docstring).
    Call it between steps of the job, when what is alive is mostly the job's working set."""
    global _active
    with _lock:
        _active += 1
    try:
        yield gc.freeze
    finally:
        with _lock:
            _active -= 1
            if _active == 0:
                gc.unfreeze()
