"""Helpers of the XLSX writer's tests: values the writer process receives pickled (so defined in a
module it can import), and the writer processes this test process has left running."""

from __future__ import annotations

import os
import signal
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from pathlib import Path

from app.reports.xlsx import WRITER_MODULE, observing_writers


class Unprintable:
    """A value with no text: converting it fails in the writer."""

    def __str__(self) -> str:
        raise ValueError("no text for this value")


class Held:
    """A value whose text the writer waits for until the file ``release`` exists (a latch across
    processes)."""

    def __init__(self, release: Path) -> None:
        self.release = str(release)

    def __str__(self) -> str:
        deadline = time.monotonic() + 10
        while not os.path.exists(self.release):
            assert time.monotonic() < deadline, "never released"
            time.sleep(0.01)
        return "held"


def writer_processes() -> list[int]:
    """The ids of this process's children running the XLSX writer (a finished one waited for is
    gone; one not waited for would show here as a zombie)."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
            command = (entry / "cmdline").read_bytes().split(b"\0")
        except OSError:  # gone meanwhile
            continue
        parent = int(stat.rsplit(")", 1)[1].split()[1])
        if parent == os.getpid() and WRITER_MODULE.encode() in command:
            found.append(int(entry.name))
    return found


@contextmanager
def writers_signalled(signum: int, *, kill_after: float | None = None) -> Iterator[list[int]]:
    """While the block runs, send ``signum`` to every XLSX writer process as it starts, before
    anything is handed to it (told by the writer itself: :func:`~app.reports.xlsx.observing_writers`,
    so even the shortest-lived writer is signalled); yields the ids signalled so far. ``kill_after``:
    seconds after which a writer still running is killed (``SIGKILL``), so that code waiting on a
    stopped writer for good ends anyway and its test fails on the time it took instead of hanging."""
    signalled: list[int] = []
    stop = threading.Event()

    def signal_it(pid: int) -> None:
        os.kill(pid, signum)
        signalled.append(pid)

    def watchdog() -> None:
        assert kill_after is not None
        if stop.wait(kill_after):
            return
        while not stop.is_set():
            for pid in set(signalled) & set(writer_processes()):  # not a finished one's reused id
                with suppress(ProcessLookupError):  # ended meanwhile
                    os.kill(pid, signal.SIGKILL)
            stop.wait(0.1)

    watcher = threading.Thread(target=watchdog, daemon=True) if kill_after is not None else None
    if watcher is not None:
        watcher.start()
    try:
        with observing_writers(signal_it):
            yield signalled
    finally:
        stop.set()
        if watcher is not None:
            watcher.join()


@contextmanager
def writers_killed() -> Iterator[list[int]]:
    """While the block runs, ``kill -9`` every XLSX writer process as soon as it runs, before any
    row reaches it (as the out-of-memory killer would); yields the ids killed so far."""
    with writers_signalled(signal.SIGKILL) as killed:
        yield killed


@contextmanager
def writers_stopped(*, kill_after: float | None = None) -> Iterator[list[int]]:
    """While the block runs, stop (``SIGSTOP``) every XLSX writer process as soon as it runs, as a
    hung disk would hold it; see :func:`writers_signalled`."""
    with writers_signalled(signal.SIGSTOP, kill_after=kill_after) as stopped:
        yield stopped
