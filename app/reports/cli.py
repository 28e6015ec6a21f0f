"""``diaspora-desk export``: the exports of ``/api/v1/exports`` written to a file, with a progress bar.

The export runs on behalf of a staff account (``--user``) whose role and desks apply exactly as
over HTTP, and is audited the same way (``export.start`` / ``export.finish``, user agent
``diaspora-desk-cli``). The file is written next to its target and renamed when complete, so an
interrupted run never leaves a truncated file under the requested name; ``export.finish`` says
``"completed": true`` only once the file is in place under that name (a write or the rename that
failed, an interrupted run: ``false``, with the rows read until then). ``--output`` is checked
before anything is read or recorded: a directory, a folder missing or not writable, a file that
cannot be written is refused (exit 2); an existing file is replaced.
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import os
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Literal

import anyio
import typer

from app.core.config import Settings

if TYPE_CHECKING:
    from app.reports.export_words import LabelLanguage


class OutputNotWritten(Exception):
    """The export's file could not be written (``reason``: the system's words, e.g. "Is a directory")."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class NoSuchUser(Exception):
    """``--user`` names no active staff account."""


@contextlib.contextmanager
def _writing() -> Iterator[None]:
    """The file's own ``OSError`` (not the database's, also ``OSError``s) as :class:`OutputNotWritten`."""
    try:
        yield
    except OSError as exc:
        raise OutputNotWritten(exc.strerror or str(exc)) from exc


def export(
    kind: Annotated[str, typer.Argument(help="registrants, cases, referrals, appointments or audit")],
    output: Annotated[Path, typer.Option("--output", "-o", help="File to write (.csv or .xlsx).")],
    user: Annotated[str, typer.Option(help="E-mail of the staff account the export is made for (audited).")],
    format: Annotated[str | None, typer.Option(help="csv or xlsx (default: from the file's extension).")] = None,
    start: Annotated[str | None, typer.Option(help="First local date included, YYYY-MM-DD.")] = None,
    end: Annotated[str | None, typer.Option(help="Last local date included, YYYY-MM-DD.")] = None,
    desk: Annotated[list[str] | None, typer.Option(help="Desk code; repeat for several.")] = None,
    named: Annotated[bool, typer.Option(help="Include names, contacts, documents (administrators).")] = False,
    purpose: Annotated[str | None, typer.Option(help="Why: mandatory for a named export.")] = None,
    delimiter: Annotated[
        str | None, typer.Option(help="CSV separator: comma (the default) or semicolon; CSV only.")
    ] = None,
    labels: Annotated[
        Literal["fr", "en"] | None,
        typer.Option(help="Header row and coded values in words: fr or en (default: codes)."),
    ] = None,
) -> None:
    """Export KIND to a CSV or XLSX file, pseudonymised unless --named (see the API's exports)."""
    from app.cli import in_option_words, refuse_unstorable, refused
    from app.core.errors import Problem

    refuse_unstorable(output=str(output), user=user, desk=desk, purpose=purpose)
    if (cannot := _unwritable(output)) is not None:  # checked before anything is read or recorded
        raise refused(f"--output {output}: {cannot}; nothing was exported")
    from app.reports.exports import BUILDERS

    if kind not in BUILDERS:
        raise refused(f"KIND: no export named {kind!r}; give one of {', '.join(BUILDERS)}")
    fmt = format or output.suffix.lstrip(".").lower() or "csv"
    _check_delimiter(delimiter, fmt)
    first, last = _day("--start", start), _day("--end", end)
    try:
        rows = asyncio.run(
            _run(
                Settings(),
                kind=kind,
                output=output,
                user=user,
                fmt=fmt,
                start=first,
                end=last,
                desks=desk or [],
                named=named,
                purpose=purpose,
                delimiter=delimiter,
                labels=labels,
            )
        )
    except Problem as exc:
        detail = in_option_words(exc.detail_en or "", _OPTIONS)
        # what an option gave, refused (a 422: a format, a period, a desk, a purpose): as a bad command line
        raise refused(f"{exc.title_en}: {detail}", 2 if exc.status == 422 else 1) from exc
    except NoSuchUser as exc:
        raise refused(f"--user: no active staff account {user}; give the e-mail of an active staff account") from exc
    except OutputNotWritten as exc:  # recorded as an export cut short
        raise refused(f"cannot write {output}: {exc.reason}", 1) from exc
    typer.echo(f"wrote {rows} rows to {output}")


_OPTIONS = {
    "format": "--format",
    "start": "--start",
    "end": "--end",
    "desk": "--desk",
    "named": "--named",
    "purpose": "--purpose",
    "delimiter": "--delimiter",
    "labels": "--labels",
}
"""export's options by the names of ``GET /api/v1/exports/{kind}``'s query parameters."""


def _unwritable(output: Path) -> str | None:
    """Why the export could not be written to ``output`` (None: it can): a directory, a folder that
    does not exist or cannot be written (the file is written there first, then renamed), a file
    that is not a regular one (a device, a pipe) or that cannot be written. An existing regular
    file is replaced."""
    folder = output.parent
    if output.is_dir():
        return "is a directory; give the path of a file"
    if not folder.is_dir():
        return f"its folder {str(folder)!r} does not exist"
    if output.exists() and not output.is_file():
        return "is not a regular file; give the path of a file"
    if output.exists() and not os.access(output, os.W_OK):
        return "the file cannot be written (permission denied)"
    if not os.access(folder, os.W_OK | os.X_OK):
        return f"its folder {str(folder)!r} cannot be written (permission denied)"
    return None


def _day(option: str, text: str | None) -> dt.date | None:
    """The day ``text`` gives (``YYYY-MM-DD``), or exit 2 naming ``option`` and what to give."""
    from app.cli import refused
    from app.core.dates import parse_date_only

    if text is None:
        return None
    try:
        return parse_date_only(text)
    except ValueError as exc:
        raise refused(f"{option}: invalid date {text!r} ({exc}); give a day that exists, written YYYY-MM-DD") from exc


def _check_delimiter(delimiter: str | None, fmt: str) -> None:
    """Exit 2 naming ``--delimiter`` when it is given for a file that is not CSV (the API's 422
    ``field-not-applicable``) or is neither comma nor semicolon, before anything is recorded."""
    from app.reports.exports_router import DELIMITERS

    if delimiter is None:
        return
    if fmt.strip().lower() != "csv":
        why = f"only a CSV file has a delimiter, and this export is {fmt.upper()}; leave --delimiter out"
    elif delimiter.strip().lower() not in DELIMITERS:
        why = f"{delimiter!r} is not a CSV separator this export writes; give comma or semicolon"
    else:
        return
    from app.cli import refused

    raise refused(f"--delimiter: {why}")


async def _run(
    settings: Settings,
    *,
    kind: str,
    output: Path,
    user: str,
    fmt: str,
    start: dt.date | None,
    end: dt.date | None,
    desks: list[str],
    named: bool,
    purpose: str | None,
    delimiter: str | None,
    labels: LabelLanguage | None = None,
) -> int:
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn
    from sqlalchemy import func, select
    from sqlalchemy.ext.asyncio import AsyncConnection

    from app.auth.models import StaffUser
    from app.auth.service import actor_for
    from app.core.context import RequestContext
    from app.core.db import create_engine, create_sessionmaker
    from app.reports import service
    from app.reports.exports_router import delimiter_of
    from app.reports.streaming import Batch, csv_stream, xlsx_stream

    engine = create_engine(settings.effective_database_url)
    sessionmaker = create_sessionmaker(engine)
    context = RequestContext(request_id=None, ip=None, user_agent="diaspora-desk-cli")
    try:
        async with sessionmaker() as session:
            account = (
                await session.execute(select(StaffUser).where(func.lower(StaffUser.email) == user.strip().casefold()))
            ).scalar_one_or_none()
            if account is None or not account.is_active:
                raise NoSuchUser(user)
            actor = await actor_for(session, account, context)
            sep = delimiter_of(delimiter, fmt)
            prepared = await service.prepare_export(
                session,
                actor=actor,
                settings=settings,
                kind=kind,
                fmt=fmt,
                named=named,
                purpose=purpose,
                start=start,
                end=end,
                desk_codes=desks,
                delimiter=sep,
                labels=labels,
            )
            await session.commit()

        streamed: list[tuple[int, bool]] = []

        async def on_finish(rows_written: int, completed: bool) -> None:  # the stream's end, not the file's
            streamed.append((rows_written, completed))

        async def record_finish(written: bool) -> None:
            """``export.finish``: completed only when the stream ended and the file is in place."""
            rows_written, completed = streamed[0] if streamed else (0, False)
            async with sessionmaker() as fresh:
                await service.record_finish(
                    fresh, actor=actor, prepared=prepared, rows_written=rows_written, completed=completed and written
                )
                await fresh.commit()

        spec = prepared.spec
        with Progress(
            TextColumn(f"{kind} → {output.name}"), BarColumn(), MofNCompleteColumn(), TimeRemainingColumn()
        ) as progress:
            task = progress.add_task(kind, total=prepared.expected_rows)

            async def counted(conn: AsyncConnection) -> AsyncIterator[Batch]:
                async for batch in spec.source(conn):
                    yield batch
                    progress.advance(task, len(batch))

            def total(rows: int) -> None:  # counted again in the snapshot the rows are read from
                service.check_row_count(prepared.fmt, rows)
                progress.update(task, total=rows)

            count = (spec.count, total)
            if prepared.fmt == "csv":
                body = csv_stream(engine, counted, spec.columns, delimiter=sep, on_finish=on_finish, count=count)
            else:
                body = xlsx_stream(
                    engine,
                    counted,
                    spec.columns,
                    sheet_name=spec.sheet_name or kind,
                    on_finish=on_finish,
                    stall_seconds=settings.export_writer_stall_seconds,
                    count=count,
                )
            partial = output.with_name(f".{output.name}.part")
            written = False
            try:
                with _writing():
                    handle = partial.open("wb")
                with handle:
                    async for chunk in body:  # the database's errors pass as they are
                        with _writing():
                            handle.write(chunk)
                with _writing():
                    os.replace(partial, output)
                written = True
            finally:
                await body.aclose()  # type: ignore[attr-defined]
                partial.unlink(missing_ok=True)
                with anyio.CancelScope(shield=True):  # recorded however the run ended (Ctrl-C)
                    try:
                        await record_finish(written)
                    except Exception:
                        if written:  # else what cut the run short is what to say
                            raise
            return int(progress.tasks[0].completed)
    finally:
        await engine.dispose()
