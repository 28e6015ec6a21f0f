"""``/api/v1/exports/{kind}``: registrants, cases, referrals and the audit log as CSV or XLSX, in
codes for machines or (``labels=fr|en``) in words for people.

Streamed: rows flow from a read-only database snapshot to the client batch by batch; an
interrupted download releases its connection at once. Pseudonymised by default; ``named=true``
(administrators, with ``purpose``) adds names, contacts and document numbers.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import Query, Request, Response
from sqlalchemy.ext.asyncio import AsyncSession

from app.auth.deps import CurrentActor
from app.core.conformance import is_head
from app.core.context import Actor
from app.core.dates import DateText
from app.core.deps import SessionDep, SettingsDep
from app.core.errors import not_applicable
from app.core.routing import api_router
from app.reports import service
from app.reports.errors import UnsupportedFormat
from app.reports.export_base import counted_first
from app.reports.export_words import LabelLanguage
from app.reports.slots import Slot
from app.reports.streaming import ExportResponse, csv_stream, xlsx_stream
from app.reports.writers import content_disposition

router = api_router(prefix="/api/v1/exports", tags=["exports"])

UNNAMED_HEADER = "X-Export-Unnamed-Rows"
"""A named export's rows whose named columns are empty for want of the person's consent."""
DELIMITERS = {",": ",", ";": ";", "comma": ",", "semicolon": ";"}


def delimiter_of(value: str | None, fmt: str = "csv") -> str:
    """``,``/``comma`` or ``;``/``semicolon`` (``None``: a comma); ``UnsupportedFormat`` otherwise,
    ``FieldNotApplicable`` (422, ``loc`` ``["query", "delimiter"]``) for a delimiter given with a
    format other than CSV."""
    if value is None:
        return ","
    if fmt.strip().lower() != "csv":
        raise not_applicable(
            ["delimiter"],
            why_en="only a CSV file has a delimiter (format=csv).",
            why_fr="seul un fichier CSV a un séparateur.",
            where="query",
        )
    try:
        return DELIMITERS[value.strip().lower()]
    except KeyError:
        raise UnsupportedFormat(
            "delimiter is `comma` (,) or `semicolon` (;).",
            detail_fr="Le séparateur d'un fichier CSV est la virgule (,) ou le point-virgule (;).",
        ) from None


@router.get(
    "/{kind}",
    response_class=ExportResponse,
    responses={200: {"content": {"text/csv": {}, service.MEDIA_TYPES["xlsx"]: {}}}},
)
async def export(
    kind: str,
    request: Request,
    session: SessionDep,
    settings: SettingsDep,
    actor: CurrentActor,
    format: Annotated[str, Query(max_length=16, description="csv or xlsx")] = "csv",
    start: Annotated[DateText | None, Query(description="First local date included (YYYY-MM-DD).")] = None,
    end: Annotated[DateText | None, Query(description="Last local date included (YYYY-MM-DD).")] = None,
    desk: Annotated[list[str], Query(max_length=20, description="Desk code; repeat for several.")] = [],  # noqa: B006
    named: Annotated[bool, Query(description="Include names, contacts and document numbers (admins).")] = False,
    purpose: Annotated[str | None, Query(max_length=500, description="Why (mandatory for named exports).")] = None,
    delimiter: Annotated[
        str | None, Query(max_length=10, description="CSV separator: comma (default) or semicolon; CSV only.")
    ] = None,
    labels: Annotated[
        LabelLanguage | None,
        Query(description="Write the header row and coded values in words: fr or en (default: codes)."),
    ] = None,
) -> Response:
    """Download ``kind`` (``registrants``, ``cases``, ``referrals``, ``audit``) as CSV or XLSX.

    Supervisors export their desks, administrators any desk, auditors and administrators the audit
    log. CSV: UTF-8 with BOM, ISO 8601 dates (timestamps in UTC), formula-like cells neutralised.
    XLSX: typed columns (dates, text phone/document numbers). The filename is in
    ``Content-Disposition`` (RFC 6266); ``X-Export-Id`` names the audit events of the export;
    ``X-Export-Rows`` is the number of rows in the file, counted in the snapshot they are read
    from (the audit log's export leaves out its own ``export.start``; a ``HEAD`` counts as the
    request runs, and ``export.start``'s ``row_count`` is that count, which registrations committed
    in between can leave short). A named export about people (not the audit log) gives in
    ``X-Export-Unnamed-Rows`` how many of its rows have their named columns empty for want of the
    person's ``named_export`` consent (counted in the same snapshot; their ``not_named_because``
    column says so in the file). A bound at the calendar's edge (``end=9999-12-31``) is open-ended.
    Without ``end`` the period ends today (the desks' latest local date) but for ``appointments``,
    which can lie ahead and stay open; a ``start`` after today is then ``invalid-period``.

    ``labels=fr`` or ``labels=en`` writes the file for people rather than machines: the header row
    in that language's words (``registered_on`` → ``Inscrit(e) le``/``Registered on``) and every
    coded value too: sex, a person's situation, registration source, languages and countries (CLDR
    names), regions (reference areas' names), desks (their names), service types (their
    ``label_fr``/``label_en``), a case's channel, priority, status and outcome, referral and
    appointment statuses, document types, roles, ``answered_on_time`` as ``Oui``/``Non``
    (``Yes``/``No``) and ``not_named_because`` in words; the XLSX sheet is named in words too
    (``Dossiers``/``Cases``). A code no table knows is written as it is. Ids, numbers, free text,
    the audit log's ``action`` and ``entity_type`` stay as they are, and so do dates: ISO 8601
    in CSV (read as dates by a spreadsheet in any locale), date cells in XLSX. The rows, their
    count, the headers below and the audit events are those of the same export in codes
    (``export.start`` records ``labels``). Without ``labels`` the file is in codes, as before.
    Errors: 403 ``forbidden``/``named-export-forbidden``, 404 (unknown kind, desk not yours),
    422 ``unsupported-format``, ``export-purpose-required``, ``invalid-period``, ``unknown-desk``,
    ``field-not-applicable`` (``purpose`` without ``named=true``, ``delimiter`` with XLSX),
    ``validation-failed`` (a ``start``/``end`` that is not a date ``YYYY-MM-DD``: type ``date_only``;
    ``labels`` other than ``fr`` or ``en``: ``loc`` ``["query", "labels"]``, type ``literal_error``),
    ``too-many-rows-for-xlsx`` (more rows than an XLSX sheet holds: 1,048,575); 429
    ``too-many-exports`` (this staff member's ``EXPORT_MAX_CONCURRENT_PER_USER`` in progress), 503
    ``exports-busy`` (``EXPORT_MAX_CONCURRENT`` in progress), both with ``Retry-After``; 503
    ``service-unavailable`` with ``Retry-After`` (the database out of reach before the first rows
    are read); 500 ``export-failed`` (an XLSX file not written). Nothing is sent before the first
    rows (CSV) or the whole file (XLSX): a failure after that can only cut the body short. ``HEAD`` makes
    the same checks and gives the same headers but ``X-Export-Id``: no row is read, nothing is
    recorded.
    """
    sep = delimiter_of(delimiter, format)
    # a place among the exports in progress first, before any check (a HEAD streams nothing: it
    # takes none, but answers as its GET would)
    slots = request.app.state.export_slots
    head = is_head(request)
    if head:
        slots.check(actor.user_id)
    slot = None if head else slots.take(actor.user_id)
    try:
        prepared = await service.prepare_export(
            session,
            actor=actor,
            settings=settings,
            kind=kind,
            fmt=format,
            named=named,
            purpose=purpose,
            start=start,
            end=end,
            desk_codes=desk,
            delimiter=sep,
            labels=labels,
            record=slot is not None,
        )
        headers = {
            "Content-Disposition": content_disposition(prepared.filename),
            "Cache-Control": "no-store",
            "Pragma": "no-cache",
            "X-Export-Rows": str(prepared.expected_rows),
        }
        if prepared.unnamed_rows is not None:
            headers[UNNAMED_HEADER] = str(prepared.unnamed_rows)
        if slot is None:  # checked and counted; no row read, nothing recorded (no X-Export-Id: no export made)
            answer = Response(media_type=prepared.media_type, headers=headers)
            del answer.headers["content-length"]  # the file's length is not known before it is written
            return answer
        return await _streamed(request, session, actor, prepared, sep, headers, slot)
    except BaseException:
        if slot is not None:
            slot.release()
        raise


_HEAD_STATUSES = {
    401: "Not signed in (no token, or one expired or revoked).",
    403: "``forbidden`` (the role may not export this kind, or an app client's token), ``named-export-forbidden``.",
    404: "Unknown kind, or a desk not yours.",
    422: "``unsupported-format``, ``export-purpose-required``, ``invalid-period``, ``unknown-desk``,"
    " ``field-not-applicable``, ``validation-failed``, ``too-many-rows-for-xlsx``.",
    429: "``too-many-exports`` (this staff member's exports in progress), or the app client's rate limit;"
    " ``Retry-After``.",
    503: "``exports-busy`` or ``service-unavailable``; ``Retry-After``.",
}
router.add_api_route(
    "/{kind}",
    export,
    methods=["HEAD"],
    name="export_head",
    summary="Check and count an export without making it",
    description="The checks of ``GET`` (the same parameters, roles and refusals) and its headers but"
    " ``X-Export-Id``, with no body: no row is read, nothing is recorded, no place among the exports in"
    " progress is taken (RFC 9110 §9.3.2). ``X-Export-Rows`` is the count as the request runs. A"
    " refusal has its status and headers; its problem, being a body, is not sent.",
    response_class=Response,
    responses={
        200: {
            "description": "The export would be made.",
            "content": None,
            "headers": {
                "Content-Disposition": {
                    "description": "The file's name (RFC 6266).",
                    "schema": {"type": "string"},
                },
                "X-Export-Rows": {
                    "description": "Rows the file would hold, counted now.",
                    "schema": {"type": "integer"},
                },
                UNNAMED_HEADER: {
                    "description": "A named export's rows whose named columns would be empty for want of consent.",
                    "schema": {"type": "integer"},
                },
            },
        },
        **{status: {"description": said} for status, said in _HEAD_STATUSES.items()},
    },
)
"""``HEAD`` is served by the ``GET`` route (:class:`app.core.conformance.HeadAsGet`, which tells
the endpoint by :func:`app.core.conformance.is_head`); this route describes it as an operation of
its own in the OpenAPI document."""


async def _streamed(
    request: Request,
    session: AsyncSession,
    actor: Actor,
    prepared: service.PreparedExport,
    sep: str,
    headers: dict[str, str],
    slot: Slot,
) -> ExportResponse:
    """The export's response, streaming; ``slot`` is released once it is sent or has failed."""
    # The audit event must be durable before any data leaves, and the request's transaction must
    # not hold the audit chain's lock (or SQLite's write lock) while the file streams.
    await session.commit()
    sessionmaker = request.app.state.sessionmaker

    async def on_finish(rows_written: int, completed: bool) -> None:
        async with sessionmaker() as fresh:
            await service.record_finish(
                fresh, actor=actor, prepared=prepared, rows_written=rows_written, completed=completed
            )
            await fresh.commit()

    def counted(rows: int) -> None:
        # Counted again in the snapshot the rows are read from, before the headers go out: the
        # file holds what was committed by then, not only what the request counted.
        service.check_row_count(prepared.fmt, rows)
        response.headers["X-Export-Rows"] = str(rows)

    def unnamed(rows: int) -> None:
        response.headers[UNNAMED_HEADER] = str(rows)

    engine = request.app.state.engine
    spec = prepared.spec
    count = (spec.count, counted)
    source = spec.source if spec.unnamed is None else counted_first(spec.source, spec.unnamed, unnamed)
    if prepared.fmt == "csv":
        body = csv_stream(engine, source, spec.columns, delimiter=sep, on_finish=on_finish, count=count)
    else:
        body = xlsx_stream(
            engine,
            source,
            spec.columns,
            sheet_name=spec.sheet_name or spec.kind,
            on_finish=on_finish,
            stall_seconds=request.app.state.settings.export_writer_stall_seconds,
            count=count,
        )
    response = ExportResponse(
        body,
        media_type=prepared.media_type,
        headers={**headers, "X-Export-Id": str(prepared.export_id)},
        # A failure before the first bytes (the database out of reach, the workbook not written)
        # answers a problem, not a 200 cut short.
        hold_headers=True,
    )
    response.on_close = slot.release
    return response
