"""``--browser-tests K/N`` (tests/conftest.py): CI runs each file of tests/web once, shares 0-2
of 6 in its SQLite run and shares 3-5 with ``--database-tests-only`` in its PostgreSQL run; together they
must collect every test of tests/web exactly once, and a bad share is refused."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.conftest import _browser_share

pytest_plugins = ["pytester"]
ROOT = Path(__file__).resolve().parents[2]


def _collected(pytester: pytest.Pytester, *options: str) -> set[str]:
    """The test ids ``pytest --collect-only`` finds in tests/web with ``options``, collected in this
    process (its modules already imported: a second interpreter took 20 s of CI's time for the three
    collections), with none of the options this run was given through ``PYTEST_ADDOPTS``, as CI
    gives its shares."""
    config = ("-p", "no:cacheprovider", f"--rootdir={ROOT}", "-c", str(ROOT / "pyproject.toml"))
    run = pytester.inline_run("--collect-only", *config, *options, str(ROOT / "tests" / "web"))
    assert run.ret == pytest.ExitCode.OK
    (finished,) = run.getcalls("pytest_collection_finish")
    return {item.nodeid for item in finished.session.items}


def test_ci_s_two_runs_collect_every_test_of_the_web_folder_once(
    pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("PYTEST_ADDOPTS", raising=False)
    everything = _collected(pytester)
    sqlite = _collected(pytester, "--browser-tests", "0,1,2,4,6,7,8/12")
    postgresql = _collected(pytester, "--browser-tests", "3,5,9,10,11/12", "--database-tests-only")
    assert sqlite and postgresql
    assert sqlite.isdisjoint(postgresql)
    assert sqlite | postgresql == everything
    files = [{test.split("::")[0] for test in run} for run in (sqlite, postgresql)]
    assert files[0].isdisjoint(files[1])
    # a file of tests/web that reaches no database keeps to its share under --database-tests-only
    assert "tests/web/test_static_fields.py" in files[0] | files[1]


@pytest.mark.parametrize("option", ["2/2", "1/0", "-1/2", "half", "1/2/3", "", "²/3", " 1/2", "0,2/2", "0,/2", ",1/2"])
def test_a_share_that_is_not_one_is_refused(option: str) -> None:
    with pytest.raises(pytest.UsageError, match="--browser-tests"):
        _browser_share(option)


def test_all_and_a_share_are_read() -> None:
    assert _browser_share("all") is None
    assert _browser_share("0/2") == ({0}, 2)
    assert _browser_share("2/3") == ({2}, 3)
    assert _browser_share("0,2/3") == ({0, 2}, 3)
