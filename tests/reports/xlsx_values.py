"""Helpers of the XLSX writer's tests: values the writer process receives pickled (so defined in a
module it can import), and the writer processes this test process has left running."""

from __future__ import annotations

import os
import signal
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from app.reports.xlsx import WRITER_MODULE


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
    """While the block runs, send ``signum`` to every XLSX writer process of this process as soon
    as it runs; yields the ids signalled so far. ``kill_after``: seconds after which a writer still
    running is killed (``SIGKILL``), so that code waiting on a stopped writer for good ends anyway
    and its test fails on the time it took instead of hanging."""
    signalled: list[int] = []
    stop = threading.Event()
    began = time.monotonic()

    def watch() -> None:
        while not stop.is_set():
            for pid in writer_processes():
                if pid not in signalled:
                    os.kill(pid, signum)
                    signalled.append(pid)
                elif kill_after is not None and time.monotonic() - began > kill_after:
                    os.kill(pid, signal.SIGKILL)
            time.sleep(0.001)

    watcher = threading.Thread(target=watch, daemon=True)
    watcher.start()
    try:
        yield signalled
    finally:
        stop.set()
        watcher.join()


@contextmanager
def writers_killed() -> Iterator[list[int]]:
    """While the block runs, ``kill -9`` every XLSX writer process of this process as soon as it
    runs (as the out-of-memory killer would); yields the ids killed so far."""
    with writers_signalled(signal.SIGKILL) as killed:
        yield killed


@contextmanager
def writers_stopped(*, kill_after: float | None = None) -> Iterator[list[int]]:
    """While the block runs, stop (``SIGSTOP``) every XLSX writer process of this process as soon
    as it runs, as a hung disk would hold it; see :func:`writers_signalled`."""
    with writers_signalled(signal.SIGSTOP, kill_after=kill_after) as stopped:
        yield stopped
