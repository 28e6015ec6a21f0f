"""How a run overlaps a chunk's store with the next chunk's matching, when it fails or is cancelled
(``ImportRun.process_all`` driven by stand-in steps: the stores' timing is what is under test)."""

from __future__ import annotations

import asyncio
import time
from types import SimpleNamespace
from typing import Any

import pytest

from app.imports import run as run_module
from app.imports.run import ImportRun


def _run(
    events: list[str], *, failing_store: int | None = None, second: asyncio.Event | None = None, at_once: int = 1
) -> Any:
    """A stand-in run of one-row chunks whose steps say what they do in ``events``; ``second`` is
    set when the second chunk is taken (the first one's store then in flight); ``at_once``: how
    many chunks are stored at once."""
    taken = 0

    def process_rows(rows: Any) -> None:
        time.sleep(0.05)  # the matching, in the worker thread
        events.append(f"matched {rows[0]}")

    async def take_chunk() -> tuple[list[Any], int]:
        nonlocal taken
        taken += 1
        events.append(f"numbered {taken}")
        if taken == 2 and second is not None:
            second.set()
        return [], taken

    async def write(chunk: tuple[list[Any], int], after: Any = None) -> None:
        if chunk[1] == failing_store:
            raise ConnectionResetError("the database went away")
        await asyncio.sleep(0.2)
        events.append(f"stored {chunk[1]}")

    return SimpleNamespace(
        process_rows=process_rows, take_chunk=take_chunk, write=write, numbers_apart=True, stores_at_once=at_once
    )


@pytest.fixture(autouse=True)
def _one_row_chunks(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(run_module, "CHUNK_ROWS", 1)


async def test_a_cancelled_run_lets_the_store_in_flight_end() -> None:
    events: list[str] = []
    second = asyncio.Event()
    steps = _run(events, second=second)
    run = asyncio.ensure_future(ImportRun.process_all(steps, [1, 2, 3], lambda: None))
    await second.wait()  # the second chunk is taken while the first one is stored
    run.cancel()
    with pytest.raises(asyncio.CancelledError):
        await run
    assert events == ["matched 1", "numbered 1", "matched 2", "numbered 2", "stored 1"]  # waited for, not cut


async def test_a_run_cancelled_again_while_it_waits_still_lets_the_store_end() -> None:
    events: list[str] = []
    second = asyncio.Event()
    steps = _run(events, second=second)
    run = asyncio.ensure_future(ImportRun.process_all(steps, [1, 2], lambda: None))
    await second.wait()
    for _ in range(3):
        run.cancel()
        await asyncio.sleep(0.02)  # the store is under way: cancelled again meanwhile
    with pytest.raises(asyncio.CancelledError):
        await run
    assert events[-1] == "stored 1"


async def test_a_store_that_failed_meanwhile_stops_the_run_before_the_next_chunk_is_numbered() -> None:
    events: list[str] = []
    steps = _run(events, failing_store=1)
    with pytest.raises(ConnectionResetError):
        await ImportRun.process_all(steps, [1, 2, 3], lambda: None)
    assert events == ["matched 1", "numbered 1", "matched 2"]  # no numbers drawn for chunk 2


async def test_stores_in_flight_together_all_end_when_the_run_is_cancelled() -> None:
    events: list[str] = []
    third = asyncio.Event()
    steps = _run(events, at_once=2)
    taken = steps.take_chunk

    async def take_chunk() -> tuple[list[Any], int]:
        chunk = await taken()
        if chunk[1] == 3:
            third.set()
        return chunk

    steps.take_chunk = take_chunk
    run = asyncio.ensure_future(ImportRun.process_all(steps, [1, 2, 3, 4], lambda: None))
    await third.wait()  # the third chunk is taken while the first two are stored
    run.cancel()
    with pytest.raises(asyncio.CancelledError):
        await run
    # the first two stores overlapped and both were let end; the third chunk waited for the first
    # store to send its own, and was cancelled there
    assert events == ["matched 1", "numbered 1", "matched 2", "numbered 2", "matched 3", "numbered 3",
                      "stored 1", "stored 2"]  # fmt: skip
