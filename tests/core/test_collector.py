"""The import's working set is kept out of the garbage collector's scans only while an import runs:
everything frozen is handed back when the last such block ends, even after a failure."""

import gc

import pytest

from app.core.collector import frozen_working_set


def test_what_is_settled_is_frozen_until_the_last_block_ends() -> None:
    with frozen_working_set() as settle:
        kept = [[] for _ in range(10)]  # tracked containers alive when settled
        settle()
        assert gc.get_freeze_count() >= len(kept)
        with frozen_working_set() as inner:
            inner()
        assert gc.get_freeze_count() >= len(kept)  # another block ending first hands nothing back
    assert gc.get_freeze_count() == 0


def test_a_failure_inside_the_block_still_hands_everything_back() -> None:
    with pytest.raises(RuntimeError), frozen_working_set() as settle:
        settle()
        raise RuntimeError("import failed")
    assert gc.get_freeze_count() == 0
