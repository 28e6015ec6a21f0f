"""How a run overlaps a chunk's numbering and store with the next chunks' matching, when it fails
or is cancelled (``ImportRun.process_all`` driven by stand-in steps: their timing is what is under
test)."""

from __future__ import annotations

import asyncio
import time
from types import SimpleNamespace
from typing import Any

import pytest

from app.imports import run as run_module
from app.imports.run import ImportRun


def _run(
    events: list[str],
    *,
    failing_store: int | None = None,
    at_once: int = 2,
    apart: bool = True,
    drawing: float = 0.01,
    storing: dict[int, float] | None = None,
    built: dict[int, asyncio.Event] | None = None,
) -> Any:
    """A stand-in run of one-row chunks whose steps say what they do in ``events``: ``at_once``
    stores at a time, numbers drawn apart (``apart``: PostgreSQL) or in the chunk's transaction,
    in ``drawing`` seconds (a chunk is matched in 0.05 s, stored in 0.2 s or ``storing[chunk]``);
    ``built``: events set once their chunk is built."""
    storing = storing or {}

    def process_rows(rows: Any) -> None:
        time.sleep(0.05)  # the matching, in the worker thread
        events.append(f"matched {rows[0]}")

    taken = 0

    def detach() -> Any:
        nonlocal taken
        taken += 1
        return SimpleNamespace(chunk=taken, numbers=None)

    async def numbers(chunk: int) -> list[str]:
        await asyncio.sleep(drawing)
        events.append(f"numbered {chunk}")
        return []

    def draw(matched: Any) -> asyncio.Task[list[str]]:
        return asyncio.ensure_future(numbers(matched.chunk))

    async def take_chunk(matched: Any) -> tuple[list[Any], int]:
        await (matched.numbers if matched.numbers is not None else numbers(matched.chunk))
        events.append(f"built {matched.chunk}")
        if built and matched.chunk in built:
            built[matched.chunk].set()
        return [], matched.chunk

    async def write(chunk: tuple[list[Any], int], after: Any = None) -> None:
        events.append(f"storing {chunk[1]}")
        if chunk[1] == failing_store:
            raise ConnectionResetError("the database went away")
        await asyncio.sleep(storing.get(chunk[1], 0.2))
        if after is not None:  # committed after the store before, as ImportRun.write
            await asyncio.wait({after})
            if after.exception() is not None:
                raise RuntimeError("the chunk before was not committed")
        events.append(f"stored {chunk[1]}")

    return SimpleNamespace(
        process_rows=process_rows, detach=detach, draw=draw, take_chunk=take_chunk, write=write,
        numbers_apart=apart, stores_at_once=at_once,
    )  # fmt: skip


@pytest.fixture(autouse=True)
def _one_row_chunks(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(run_module, "CHUNK_ROWS", 1)


def _ended_whole(events: list[str]) -> None:
    """Every store begun ended."""
    begun = {e.split()[1] for e in events if e.startswith("storing")}
    assert begun and begun == {e.split()[1] for e in events if e.startswith("stored")}


async def _cancelled_once(events: list[str], rows: list[int], chunk: int, times: int = 1, **run: Any) -> None:
    """Run ``rows``, cancelled ``times`` once ``chunk`` is built."""
    built = {chunk: asyncio.Event()}
    running = asyncio.ensure_future(ImportRun.process_all(_run(events, built=built, **run), rows, lambda: None))
    await built[chunk].wait()
    for _ in range(times):
        running.cancel()
        await asyncio.sleep(0.02)  # a store under way: cancelled again meanwhile
    with pytest.raises(asyncio.CancelledError):
        await running


@pytest.mark.parametrize(("at_once", "apart"), [(1, False), (2, True)])  # SQLite, PostgreSQL
async def test_a_cancelled_run_lets_the_stores_in_flight_end(at_once: int, apart: bool) -> None:
    events: list[str] = []
    await _cancelled_once(events, [1, 2, 3, 4], 2, at_once=at_once, apart=apart)
    _ended_whole(events)


async def test_a_run_cancelled_again_while_it_waits_still_lets_the_stores_end() -> None:
    events: list[str] = []
    await _cancelled_once(events, [1, 2, 3], 1, times=3)
    _ended_whole(events)
    assert events[-1].startswith("stored")


async def test_a_chunk_is_numbered_while_the_next_is_matched_and_two_are_stored_at_once() -> None:
    events: list[str] = []
    # the first store the slowest: each later one ends after the one before only if it is given it
    await ImportRun.process_all(_run(events, storing={1: 0.4, 2: 0.1, 3: 0.1}), [1, 2, 3], lambda: None)
    assert events.index("numbered 1") < events.index("matched 2") < events.index("built 1")
    assert events.index("storing 2") < events.index("stored 1")  # two stores in flight
    assert [e for e in events if e.startswith("stored")] == ["stored 1", "stored 2", "stored 3"]


async def test_on_sqlite_a_chunk_is_matched_while_the_one_before_is_stored_and_numbered_after() -> None:
    events: list[str] = []
    await ImportRun.process_all(_run(events, at_once=1, apart=False), [1, 2], lambda: None)
    assert events == ["matched 1", "numbered 1", "built 1", "storing 1", "matched 2", "stored 1",
                      "numbered 2", "built 2", "storing 2", "stored 2"]  # fmt: skip


async def test_a_store_that_failed_meanwhile_stops_the_run_before_the_next_chunk_is_stored() -> None:
    events: list[str] = []
    with pytest.raises(ConnectionResetError):
        await ImportRun.process_all(_run(events, failing_store=1, drawing=0.2), [1, 2, 3, 4], lambda: None)
    assert "storing 1" in events and not any(e.startswith(("storing 2", "built 2")) for e in events)
    # the next chunk's numbers, still being drawn when the failure was seen, were let end (a gap)
    assert events[-1] == "numbered 2"


async def test_a_store_that_failed_behind_one_under_way_stops_the_run_too() -> None:
    events: list[str] = []
    steps = _run(events, failing_store=2, storing={1: 0.5})
    with pytest.raises(ConnectionResetError):
        await ImportRun.process_all(steps, [1, 2, 3, 4, 5], lambda: None)
    # the first store, under way when the second failed, was let end; no chunk stored after
    assert "stored 1" in events and not any(e.startswith(("storing 3", "storing 4", "built 4")) for e in events)
