"""A refused value leaves no reference cycle behind: what its callers hold is freed at once.

An exception kept in a local of a frame its own traceback holds makes a cycle through every
caller's frame (``frame.f_back``): a register import's whole working set (20,000 rows in all
their forms) then waits for a full collection of the garbage collector, which stopped the server
for seconds at the end of an import. Each case runs with the collector off, so only reference
counting can free the caller's object.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import gc
import weakref
from collections.abc import Callable, Iterator

import pytest

from app.core.errors import Problem
from app.imports.reading import read_register
from app.imports.rows import prepare_row
from app.registrants.normalize import parse_number, parse_phone, read_phone
from tests.imports.conftest import HEADER, csv_file

ROW = "1;01-06-2019;Lamine;Dieng;M;03/10/1980;Dakar;Ziguinchor;;;76-301-38-80;;Tétouan;;;;;"


class _Held:
    """What a caller holds while it calls the code under test (a stand-in for an import's rows)."""


@pytest.fixture
def collector_off() -> Iterator[None]:
    # No collection first: garbage left by earlier tests cannot hold the case's object, and a full
    # collection of the test process's heap took 3 s.
    gc.disable()
    try:
        yield
    finally:
        gc.enable()


def _held_after(work: Callable[[], object]) -> _Held | None:
    """Call ``work`` from a frame holding an object; that object if something still holds it once
    the frame has returned."""

    def caller() -> weakref.ref[_Held]:
        held = _Held()
        kept = weakref.ref(held)
        with contextlib.suppress(ValueError, Problem):
            work()
        return kept

    return caller()()


@pytest.mark.usefixtures("collector_off")
@pytest.mark.parametrize(
    "work",
    [
        lambda: parse_number("+999 123 456", None),  # no such country code
        lambda: parse_phone("+999 123 456", default_region="SN"),
        lambda: read_phone("+999 123 456 789", default_region="SN"),  # kept unverified
    ],
    ids=["parse_number", "parse_phone", "read_phone"],
)
def test_a_refused_phone_leaves_nothing_of_its_caller_alive(work: Callable[[], object]) -> None:
    assert _held_after(work) is None


@pytest.mark.usefixtures("collector_off")
def test_an_unverified_phone_in_a_register_row_leaves_nothing_alive() -> None:
    table = read_register(csv_file(ROW.replace("76-301-38-80", "+999 123 456 789")))
    assert _held_after(lambda: prepare_row(table.rows[0], desk_country="MA", filename="r.csv")) is None


@pytest.mark.usefixtures("collector_off")
@pytest.mark.parametrize(
    "lines",
    [
        [HEADER, ROW],  # ";": the other delimiters are tried and refused while sniffing
        ["Registre du bureau d'accueil 2019", HEADER, ROW],  # a title line above the header
        ["Colonne A;Colonne B", "1;2"],  # refused: no line names the register's columns
        ["Colonne A,Colonne B;x|y", "1;2"],  # refused, several delimiters present
    ],
    ids=["semicolon", "title_line", "no_header", "ambiguous"],
)
def test_reading_a_register_leaves_nothing_of_its_caller_alive(lines: list[str]) -> None:
    content = "\r\n".join([*lines, ""]).encode("cp1252")
    assert _held_after(lambda: read_register(content)) is None


def test_rows_are_settled_every_settle_rows_while_prepared_and_read(monkeypatch: pytest.MonkeyPatch) -> None:
    """The import takes what is alive out of the collector's scans every SETTLE_ROWS rows of each
    long step, not only between steps (each full collection would rescan every row so far)."""
    from app.imports import service

    monkeypatch.setattr(service, "SETTLE_ROWS", 2)
    table = read_register(csv_file(*[ROW.replace("1;", f"{n};", 1) for n in range(1, 6)]))
    settled: list[str] = []
    prepared = service._prepare_rows(
        table.rows,
        desk_country="MA",
        filename="r.csv",
        patterns=None,
        settle=lambda: settled.append("prepared"),
        today=dt.date(2026, 11, 29),
    )
    read = service._read_rows(prepared, {}, settle=lambda: settled.append("read"))
    assert len(prepared) == 5 and len(read) == 5
    assert settled == ["prepared", "prepared", "read", "read"]
