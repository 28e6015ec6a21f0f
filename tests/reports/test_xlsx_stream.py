"""An XLSX export stream that fails or is cancelled midway stops its writer process and deletes its
temporary file before it ends; one that completes reads back typed, through the same path the
endpoints take (:func:`~app.reports.streaming.xlsx_stream`)."""

from __future__ import annotations

import datetime as dt
import io
from collections.abc import AsyncIterator
from pathlib import Path

import anyio
import openpyxl
import pytest
from fastapi import FastAPI
from sqlalchemy.ext.asyncio import AsyncConnection

from app.reports.errors import ExportFailed
from app.reports.streaming import Batch, csv_stream, xlsx_stream
from app.reports.writers import Column
from tests.reports.xlsx_values import writer_processes

COLUMNS = [
    Column("name"),
    Column("phone", "phone"),
    Column("born", "date"),
    Column("at", "datetime"),
    Column("n", "int"),
]
ROW = ["=1+1", "+221771234567", dt.date(1990, 5, 17), dt.datetime(2026, 3, 1, 9, 30, tzinfo=dt.UTC), 3]


def _left_behind(folder: Path) -> tuple[int, int]:
    """How many writer processes still run, and how many files are in ``folder``."""
    return len(writer_processes()), len(list(folder.iterdir()))


class _Finish:
    def __init__(self) -> None:
        self.calls: list[tuple[int, bool]] = []

    async def __call__(self, written: int, completed: bool) -> None:
        self.calls.append((written, completed))


async def test_a_complete_stream_reads_back_typed_and_leaves_nothing(app: FastAPI, export_tmpdir: Path) -> None:
    async def source(conn: AsyncConnection) -> AsyncIterator[Batch]:
        for _ in range(3):
            yield [ROW] * 500

    finish = _Finish()
    body = b"".join([chunk async for chunk in xlsx_stream(app.state.engine, source, COLUMNS, on_finish=finish)])
    sheet = openpyxl.load_workbook(io.BytesIO(body))["export"]
    assert [c.value for c in sheet[1]] == ["name", "phone", "born", "at", "n"]
    assert [c.value for c in sheet[1501]] == [
        "=1+1",
        "+221771234567",
        dt.datetime(1990, 5, 17),
        dt.datetime(2026, 3, 1, 9, 30),
        3,
    ]
    assert [c.data_type for c in sheet[2]] == ["s", "s", "d", "d", "n"]
    assert sheet.max_row == 1501
    assert finish.calls == [(1500, True)]
    assert _left_behind(export_tmpdir) == (0, 0)


async def test_a_stream_failing_midway_leaves_no_process_and_no_file(app: FastAPI, export_tmpdir: Path) -> None:
    async def source(conn: AsyncConnection) -> AsyncIterator[Batch]:
        yield [ROW] * 500
        yield [ROW] * 500
        raise OSError("the database went away")

    finish = _Finish()
    with pytest.raises(OSError, match="went away"):
        async for _ in xlsx_stream(app.state.engine, source, COLUMNS, on_finish=finish):
            pass
    assert finish.calls == [(0, False)]  # no byte of the file left, so none of its rows did
    assert _left_behind(export_tmpdir) == (0, 0)


async def test_a_stream_whose_rows_the_writer_refuses_fails_and_leaves_no_process_and_no_file(
    app: FastAPI, export_tmpdir: Path
) -> None:
    async def source(conn: AsyncConnection) -> AsyncIterator[Batch]:
        yield [ROW] * 500
        yield [["Nd\ud800iaye", *ROW[1:]]]  # not Unicode text: the library cannot encode it
        yield [ROW] * 500

    with pytest.raises(ExportFailed) as failed:  # a problem (500) for the client, the cause for the log
        async for _ in xlsx_stream(app.state.engine, source, COLUMNS):
            pass
    assert isinstance(failed.value.__cause__, UnicodeEncodeError)
    assert _left_behind(export_tmpdir) == (0, 0)


async def test_a_stream_cancelled_midway_leaves_no_process_and_no_file(app: FastAPI, export_tmpdir: Path) -> None:
    """The client went away while rows were still being written (the response's task is cancelled)."""
    handed = anyio.Event()

    async def source(conn: AsyncConnection) -> AsyncIterator[Batch]:
        for _ in range(3):
            yield [ROW] * 500
        handed.set()
        await anyio.sleep_forever()  # the next batch never comes

    finish = _Finish()
    stream = xlsx_stream(app.state.engine, source, COLUMNS, on_finish=finish)

    async def download() -> None:
        async for _ in stream:
            pass

    async with anyio.create_task_group() as tasks:
        tasks.start_soon(download)
        await handed.wait()
        midway = _left_behind(export_tmpdir)
        tasks.cancel_scope.cancel()
    assert midway == (1, 0)  # the workbook was being written, in a file without a name
    assert finish.calls == [(0, False)]
    assert _left_behind(export_tmpdir) == (0, 0)


async def test_the_workbook_streams_from_a_file_without_a_name(app: FastAPI, export_tmpdir: Path) -> None:
    """While it is written and while it streams, the workbook lives only through its open file: a
    server killed meanwhile leaves no personal data in the temporary folder."""

    async def source(conn: AsyncConnection) -> AsyncIterator[Batch]:
        yield [ROW] * 500

    stream = xlsx_stream(app.state.engine, source, COLUMNS)
    first = await stream.__anext__()
    assert first.startswith(b"PK")  # a zip: the workbook
    assert _left_behind(export_tmpdir) == (0, 0)
    rest = b"".join([chunk async for chunk in stream])
    assert openpyxl.load_workbook(io.BytesIO(first + rest))["export"].max_row == 501


async def test_a_stream_ended_early_closes_its_source_before_giving_back_the_connection(
    app: FastAPI, export_tmpdir: Path
) -> None:
    """The client went away after the first chunk: the row source's own clean-up (a cursor's close)
    runs before the stream's connection goes back to the pool, not whenever the loop's finaliser
    gets to an abandoned generator (on SQLite the read would stay open on a pooled connection)."""
    held_when_closed: list[int] = []

    async def source(conn: AsyncConnection) -> AsyncIterator[Batch]:
        try:
            for _ in range(100):
                yield [ROW[:1] + ROW[1:]] * 500
        finally:
            held_when_closed.append(app.state.engine.pool.checkedout())

    stream = csv_stream(app.state.engine, source, COLUMNS)
    assert (await stream.__anext__()).startswith(b"\xef\xbb\xbf")  # the header
    await stream.__anext__()  # rows
    await stream.aclose()
    assert held_when_closed == [1]
    assert app.state.engine.pool.checkedout() == 0


async def test_a_file_cut_while_it_streams_counts_every_row_it_holds(app: FastAPI) -> None:
    """Part of a zip can be recovered: the audit log counts the rows of a file of which any byte left."""

    async def source(conn: AsyncConnection) -> AsyncIterator[Batch]:
        yield [ROW] * 500

    finish = _Finish()
    stream = xlsx_stream(app.state.engine, source, COLUMNS, on_finish=finish)
    assert (await stream.__anext__()).startswith(b"PK")
    await stream.aclose()  # type: ignore[attr-defined]
    assert finish.calls == [(500, False)]
