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
a cycle that became garbage meanwhile is collected then, not lost. In a serving process, whose
start-up objects were frozen (:func:`freeze_startup_objects`), that hand-back takes them too
(:func:`gc.unfreeze` knows no subsets): the block's end then collects and freezes again what is
still alive, so the job should have released its working set before the block ends.

When such a job ends, its working set is freed by reference counting, in one go where the last
reference to it drops: over a million objects, half a second on a small server, during which
no other thread runs (deallocation holds the interpreter lock). :func:`release` empties the job's
containers a slice at a time instead, in a worker thread, so that the event loop gets the lock
between slices.
"""

from __future__ import annotations

import gc
import threading
from collections.abc import Callable, Iterator, MutableMapping, MutableSequence, MutableSet
from contextlib import contextmanager
from typing import Any

_lock = threading.Lock()
_active = 0
_startup_frozen = False
_handbacks = 0


@contextmanager
def frozen_working_set() -> Iterator[Callable[[], None]]:
    """A block whose ``settle()`` (the value yielded) takes every object alive now out of the
    collector's scans until the last such block of the process ends (see the module docstring).
    Call it between steps of the job, when what is alive is mostly the job's working set; release
    that set (:func:`release`) before the block ends. In a serving process the end of the last
    block, unless it ends by an exception, collects once and freezes again what is alive (the
    start-up objects, :func:`freeze_startup_objects`)."""
    global _active, _handbacks
    with _lock:
        _active += 1
    failed = True
    try:
        yield gc.freeze
        failed = False
    finally:
        with _lock:
            _active -= 1
            if _active == 0:
                gc.unfreeze()
                _handbacks += 1
                # After a failure the job's rows are still alive (the traceback holds them): frozen
                # again, their cycles would never be collected. The next block's end freezes instead.
                if _startup_frozen and not failed:
                    gc.collect()
                    gc.freeze()


def handbacks() -> int:
    """How many times the end of a last block handed the frozen objects back to the collector: a
    test process that freezes its heap between tests sees from it, without walking the frozen
    objects (:func:`gc.get_freeze_count` counts them one by one), that it must settle it again."""
    return _handbacks


def freeze_startup_objects() -> None:
    """Leave the objects made while starting the server (modules, routes, models, the app: about
    250,000, kept until the process exits) out of the garbage collector's full collections.

    A full collection walks every tracked object; the ones a request leaves behind (cached name
    keys, prepared statements, pooled connections) trigger one every few hundred requests, and
    walking the startup objects made it cost about 0.3 ms of CPU per request on average
    (``POST /api/v1/registrants``). Garbage left from starting is collected first
    (https://docs.python.org/3/library/gc.html#gc.freeze). The end of the last
    :func:`frozen_working_set` block hands these back too (:func:`gc.unfreeze` knows no subsets) and
    freezes again what is then alive.
    """
    global _startup_frozen
    gc.collect()
    gc.freeze()
    _startup_frozen = True


RELEASE_STEP = 500
"""Items dropped from a container at a time by :func:`release` (a few milliseconds of freeing)."""


def release(*containers: MutableSequence[Any] | MutableMapping[Any, Any] | MutableSet[Any]) -> None:
    """Empty each of ``containers``, :data:`RELEASE_STEP` items at a time (CPU only: a worker thread
    runs it, and the interpreter lock can pass to the event loop between steps). What only these
    containers held is freed as they empty; what something else still holds stays alive."""
    for container in containers:
        while container:
            if isinstance(container, MutableSequence):
                del container[-RELEASE_STEP:]
            elif isinstance(container, MutableMapping):
                for _ in range(min(RELEASE_STEP, len(container))):
                    container.popitem()
            else:
                for _ in range(min(RELEASE_STEP, len(container))):
                    container.pop()
