"""The import's working set is kept out of the garbage collector's scans only while an import runs:
everything frozen is handed back when the last such block ends, even after a failure; a serving
process then freezes its start-up objects again."""

import gc
import json
import subprocess
import sys
from pathlib import Path

import pytest

from app.core.collector import frozen_working_set, handbacks

ROOT = Path(__file__).resolve().parents[2]


def test_what_is_settled_is_frozen_until_the_last_block_ends() -> None:
    before = handbacks()
    with frozen_working_set() as settle:
        kept = [[] for _ in range(10)]  # tracked containers alive when settled
        settle()
        assert gc.get_freeze_count() >= len(kept)
        with frozen_working_set() as inner:
            inner()
        assert gc.get_freeze_count() >= len(kept)  # another block ending first hands nothing back
        assert handbacks() == before
    assert gc.get_freeze_count() == 0
    assert handbacks() == before + 1  # counted once, by the last block's end


def test_a_failure_inside_the_block_still_hands_everything_back() -> None:
    before = handbacks()
    with pytest.raises(RuntimeError), frozen_working_set() as settle:
        settle()
        raise RuntimeError("import failed")
    assert gc.get_freeze_count() == 0
    assert handbacks() == before + 1


_SERVING_PROCESS = """
import gc, json, weakref
from app.core import collector

class Cycle:
    def __init__(self):
        self.me = self

kept = [[] for _ in range(1000)]  # alive before and after the import, as the start-up objects are
collector.freeze_startup_objects()
startup = gc.get_freeze_count()
with collector.frozen_working_set() as settle:
    cycle = Cycle()
    gone = weakref.ref(cycle)
    settle()
    del cycle  # garbage now, but frozen: only the hand-back lets the collector see it
print(json.dumps({"startup": startup, "after": gc.get_freeze_count(), "cycle_collected": gone() is None}))
"""


def test_in_a_serving_process_the_last_block_freezes_again_after_collecting_the_jobs_cycles() -> None:
    """A server froze its start-up objects; an import's end hands them back with its own, then
    freezes what is still alive again — but not the job's garbage cycles, which are collected.
    In a process of its own: the hand-back and collection of the test process's heap take seconds."""
    done = subprocess.run(
        [sys.executable, "-c", _SERVING_PROCESS], cwd=ROOT, capture_output=True, text=True, timeout=60
    )
    assert done.returncode == 0, done.stderr
    seen = json.loads(done.stdout)
    assert seen["cycle_collected"]
    assert seen["after"] >= seen["startup"] > 1000


def test_after_a_failure_nothing_is_frozen_again(monkeypatch: pytest.MonkeyPatch) -> None:
    """The failed job's rows are still held by the traceback: frozen again, their cycles would leak."""
    from app.core import collector

    monkeypatch.setattr(collector, "_startup_frozen", True)
    with pytest.raises(RuntimeError), frozen_working_set() as settle:
        settle()
        raise RuntimeError("import failed")
    assert gc.get_freeze_count() == 0


class _Item:
    """A value only the container under test holds."""


@pytest.mark.parametrize("kind", [list, dict, set])
def test_release_empties_every_container_and_frees_what_only_it_held(kind: type) -> None:
    import weakref

    from app.core import collector

    items = [_Item() for _ in range(collector.RELEASE_STEP * 2 + 7)]
    freed = [weakref.ref(item) for item in items]
    kept = items[3]  # also held elsewhere: stays alive
    container = {i: item for i, item in enumerate(items)} if kind is dict else kind(items)
    other = [1, 2, 3]
    del items
    collector.release(container, other)
    assert len(container) == 0 and other == []
    assert sum(ref() is not None for ref in freed) == 1 and freed[3]() is kept


def test_release_frees_a_slice_at_a_time(monkeypatch: pytest.MonkeyPatch) -> None:
    """Never more than RELEASE_STEP items freed by one step (the event loop may run in between)."""
    from app.core import collector

    monkeypatch.setattr(collector, "RELEASE_STEP", 4)
    sizes: list[int] = []

    class Watched(list):  # type: ignore[type-arg]
        def __delitem__(self, index: slice) -> None:  # type: ignore[override]
            before = len(self)
            super().__delitem__(index)
            sizes.append(before - len(self))

    collector.release(Watched(range(10)))
    assert sizes == [4, 4, 2]
