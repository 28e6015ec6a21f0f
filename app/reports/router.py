"""``/api/v1/reports/...``: statistics for a period and desks, as JSON (plot-ready), CSV, XLSX,
or a PNG/SVG chart for registrations and cases.

Supervisors get their desks, administrators every desk. ``start``/``end`` are local dates of each
desk, both included, written ``YYYY-MM-DD`` (a date and time is 422 ``date_only``); ``delimiter``
goes with ``format=csv`` only (422 ``field-not-applicable`` otherwise). Every count goes through
small-cell suppression (``null`` in JSON, ``x`` in files, no bar but a mark on charts). Errors:
403 for other roles, 404 for a desk the user does not belong to, 422
``invalid-period``, ``unknown-desk``, ``unknown-service-type``, ``unknown-dimension``,
``unsupported-format``.

``labels=fr|en`` (files only: 422 ``field-not-applicable`` with JSON or a chart) writes a CSV or
XLSX file in words for people (:mod:`app.reports.report_words`), the chart's words; without it
the file is in codes, as before. Another value: 422 ``validation-failed``, ``loc``
``["query", "labels"]``.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Annotated, Any

import anyio
from fastapi import Depends, Query, Request, Response
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from app.auth.deps import SupervisorActor
from app.cases.models import ServiceType
from app.core.dates import DateText
from app.core.deps import SessionDep, SettingsDep
from app.core.errors import not_applicable
from app.core.i18n import negotiate
from app.core.routing import api_router
from app.reports import activity, chart_words, deadlines, funders, service, statistics
from app.reports.export_words import LabelLanguage
from app.reports.exports_router import delimiter_of
from app.reports.files import report_csv, report_xlsx
from app.reports.report_words import report_words
from app.reports.schemas import DurationReportOut, ReportOut
from app.reports.scope import Scope, resolve
from app.reports.writers import content_disposition

router = api_router(
    prefix="/api/v1/reports",
    tags=["reports"],
    responses={404: {"description": "A desk named in `desk` that you do not work at."}},
)

FILE_FORMATS = ("json", "csv", "xlsx")
CHART_FORMATS = ("json", "csv", "xlsx", "png", "svg")
_FILES: dict[str, Any] = {"text/csv": {}, service.MEDIA_TYPES["xlsx"]: {}}
AS_FILES: dict[int | str, dict[str, Any]] = {200: {"content": _FILES}}
"""The OpenAPI 200 of a report that ``format`` may also ask as CSV or XLSX (JSON: its model)."""
AS_FILES_OR_CHARTS: dict[int | str, dict[str, Any]] = {
    200: {"content": {**_FILES, "image/png": {}, "image/svg+xml": {}}}  # app.reports.charts.MEDIA_TYPES
}
"""The same for a report that may also be drawn as a PNG or SVG chart."""


@dataclass(frozen=True)
class ReportParams:
    start: dt.date
    end: dt.date
    desk: list[str]
    format: str
    delimiter: str
    labels: LabelLanguage | None = None


def report_params(
    start: Annotated[DateText, Query(description="First local date included (YYYY-MM-DD).")],
    end: Annotated[DateText, Query(description="Last local date included (YYYY-MM-DD).")],
    desk: Annotated[list[str], Query(max_length=20, description="Desk code; repeat for several.")] = [],  # noqa: B006
    format: Annotated[str, Query(max_length=16, description="json, csv, xlsx (png, svg for charts)")] = "json",
    delimiter: Annotated[
        str | None, Query(max_length=10, description="CSV separator: comma (default) or semicolon; CSV only.")
    ] = None,
    labels: Annotated[
        LabelLanguage | None,
        Query(description="A CSV or XLSX file in words: fr or en (default: codes); files only."),
    ] = None,
) -> ReportParams:
    """The parameters every report takes; ``FieldNotApplicable`` (422) for a ``delimiter`` with a
    format other than CSV or ``labels`` with one other than CSV or XLSX, ``UnsupportedFormat`` for
    an unknown one."""
    sep = delimiter_of(delimiter, format)
    if labels is not None and format.strip().lower() not in ("csv", "xlsx"):
        raise not_applicable(
            ["labels"],
            why_en="only a CSV or XLSX file is written in words (a chart's follow Accept-Language).",
            why_fr="seul un fichier CSV ou XLSX s'écrit en mots (un graphique suit Accept-Language).",
            where="query",
        )
    return ReportParams(start=start, end=end, desk=desk, format=format, delimiter=sep, labels=labels)


Params = Annotated[ReportParams, Depends(report_params)]


async def _scope(session: SessionDep, actor: SupervisorActor, params: ReportParams) -> Scope:
    return await resolve(session, actor=actor, start=params.start, end=params.end, desk_codes=params.desk)


def _language(request: Request) -> str:
    """``fr`` or ``en`` from ``Accept-Language`` (the chart's words; JSON and files carry codes)."""
    default = getattr(getattr(request.app.state, "settings", None), "default_language", "fr")
    return negotiate(request.headers.get("accept-language"), default)


Language = Annotated[str, Depends(_language)]


async def _service_names(session: AsyncSession, report: ReportOut, lang: str) -> dict[str, str]:
    """Service type codes of the report's first table → their catalogue label in ``lang``."""
    table = report.tables[0] if report.tables else None
    if table is None or "service_type" not in (table.rows_dimension, table.columns_dimension):
        return {}
    rows = await session.execute(select(ServiceType.code, ServiceType.label_fr, ServiceType.label_en))
    return {code: (fr if lang == "fr" else en) for code, fr, en in rows.all()}


async def _respond(
    report: ReportOut,
    params: ReportParams,
    fmt: str,
    *,
    chart_title: str = "",
    lang: str = "en",
    session: AsyncSession | None = None,
) -> ReportOut | Response:
    name = f"{report.report}_{report.start}_{report.end}"
    if fmt == "json":
        return report
    words = await report_words(session, report, params.labels) if params.labels and session is not None else None
    if fmt == "csv":
        body = report_csv(report, delimiter=params.delimiter, words=words)
        return Response(
            body,
            media_type="text/csv; charset=utf-8",
            headers={"Content-Disposition": content_disposition(f"{name}.csv")},
        )
    if fmt == "xlsx":
        body = await anyio.to_thread.run_sync(report_xlsx, report, words)
        return Response(
            body,
            media_type=service.MEDIA_TYPES["xlsx"],
            headers={"Content-Disposition": content_disposition(f"{name}.xlsx")},
        )
    from app.reports.charts import MEDIA_TYPES, render

    table = report.tables[0]
    names = await _service_names(session, report, lang) if session is not None else {}
    image = await anyio.to_thread.run_sync(
        lambda: render(
            table,
            title=chart_title or report.report,
            fmt=fmt,
            threshold=report.suppression_threshold,
            lang=lang,
            names=names,
        )
    )
    return Response(image, media_type=MEDIA_TYPES[fmt])


@router.get("/registrations", response_model=ReportOut, responses=AS_FILES_OR_CHARTS)
async def registrations(
    session: SessionDep,
    actor: SupervisorActor,
    settings: SettingsDep,
    params: Params,
    lang: Language,
    by: Annotated[list[str] | None, Query(description="One or two of the registration dimensions.")] = None,
) -> ReportOut | Response:
    """Registrations in the period by one or two dimensions (sex, age band at registration, region
    of origin, host city, status category, desk, month). ``format=png|svg``: a bar chart, e.g.
    ``by=origin_region`` for registrations by region of origin."""
    fmt = service.check_format(params.format, CHART_FORMATS)
    scope = await _scope(session, actor, params)
    by = by or ["sex"]
    report = await statistics.registrations(
        session, scope=scope, by=by, threshold=settings.report_small_cell_threshold, bands=service.age_bands(settings)
    )
    title = chart_words.title("registrations", by, lang)
    return await _respond(report, params, fmt, chart_title=title, lang=lang, session=session)


@router.get("/cases", response_model=ReportOut, responses=AS_FILES_OR_CHARTS)
async def cases(
    session: SessionDep,
    actor: SupervisorActor,
    settings: SettingsDep,
    params: Params,
    lang: Language,
    measure: Annotated[str, Query(description="opened, open (at the period's end) or closed")] = "opened",
    by: Annotated[list[str] | None, Query(description="One or two of the case dimensions.")] = None,
    service_type: Annotated[list[str], Query(max_length=40, description="Service type code filter.")] = [],  # noqa: B006
) -> ReportOut | Response:
    """Cases opened, open or closed in the period by one or two dimensions (service type, channel,
    status, outcome category, priority, sex, age band at the event, desk, month)."""
    fmt = service.check_format(params.format, CHART_FORMATS)
    scope = await _scope(session, actor, params)
    types = await statistics.service_type_ids(session, service_type) if service_type else None
    by = by or ["service_type"]
    report = await statistics.cases(
        session,
        scope=scope,
        measure=measure,
        by=by,
        threshold=settings.report_small_cell_threshold,
        bands=service.age_bands(settings),
        service_types=types,
    )
    title = chart_words.title("cases", by, lang, measure)
    return await _respond(report, params, fmt, chart_title=title, lang=lang, session=session)


@router.get("/cases/monthly", response_model=ReportOut, responses=AS_FILES_OR_CHARTS)
async def cases_monthly(
    session: SessionDep,
    actor: SupervisorActor,
    settings: SettingsDep,
    params: Params,
    lang: Language,
    service_type: Annotated[list[str], Query(max_length=40, description="Service type code filter.")] = [],  # noqa: B006
) -> ReportOut | Response:
    """Cases opened per month (desk-local) by service type; ``format=png|svg`` draws stacked bars."""
    fmt = service.check_format(params.format, CHART_FORMATS)
    scope = await _scope(session, actor, params)
    types = await statistics.service_type_ids(session, service_type) if service_type else None
    report = await statistics.cases(
        session,
        scope=scope,
        measure="opened",
        by=["month", "service_type"],
        threshold=settings.report_small_cell_threshold,
        bands=service.age_bands(settings),
        service_types=types,
    )
    title = chart_words.title("cases", ["month", "service_type"], lang, None)
    return await _respond(report, params, fmt, chart_title=title, lang=lang, session=session)


@router.get("/resolution-time", response_model=DurationReportOut)
async def resolution_time(
    session: SessionDep,
    actor: SupervisorActor,
    settings: SettingsDep,
    params: Params,
    group_by: Annotated[str, Query(description="service_type, channel, desk or none")] = "service_type",
    service_type: Annotated[list[str], Query(max_length=40)] = [],  # noqa: B006
) -> DurationReportOut:
    """Median and 90th percentile (nearest rank) of calendar days from opening to resolution of the
    cases resolved in the period; groups smaller than the threshold are withheld (``null``)."""
    service.check_format(params.format, ("json",))
    scope = await _scope(session, actor, params)
    types = await statistics.service_type_ids(session, service_type) if service_type else None
    return await statistics.resolution_time(
        session, scope=scope, group_by=group_by, threshold=settings.report_small_cell_threshold, service_types=types
    )


@router.get("/sla", response_model=ReportOut, responses=AS_FILES)
async def sla(
    session: SessionDep,
    actor: SupervisorActor,
    settings: SettingsDep,
    params: Params,
    service_type: Annotated[list[str], Query(max_length=40)] = [],  # noqa: B006
) -> ReportOut | Response:
    """SLA compliance by service type: closed on time / late in the period, open overdue / within
    SLA at its end (due dates are the desks' business-day SLAs)."""
    fmt = service.check_format(params.format, FILE_FORMATS)
    scope = await _scope(session, actor, params)
    types = await statistics.service_type_ids(session, service_type) if service_type else None
    report = await deadlines.sla(
        session, scope=scope, threshold=settings.report_small_cell_threshold, service_types=types
    )
    return await _respond(report, params, fmt, session=session)


@router.get("/referrals", response_model=ReportOut, responses=AS_FILES)
async def referrals(
    session: SessionDep, actor: SupervisorActor, settings: SettingsDep, params: Params
) -> ReportOut | Response:
    """Referrals made in the period by partner × status, and by partner × timeliness of answers."""
    fmt = service.check_format(params.format, FILE_FORMATS)
    scope = await _scope(session, actor, params)
    report = await deadlines.referrals(session, scope=scope, threshold=settings.report_small_cell_threshold)
    return await _respond(report, params, fmt, session=session)


@router.get("/appointments", response_model=ReportOut, responses=AS_FILES)
async def appointments(
    session: SessionDep,
    actor: SupervisorActor,
    settings: SettingsDep,
    params: Params,
    by: Annotated[str, Query(description="month, desk, sex or age_band")] = "month",
) -> ReportOut | Response:
    """Appointments starting in the period by ``by`` × status (booked, kept, missed, cancelled);
    ``notes`` give the attendance rate (kept ÷ (kept + missed)) where it is not suppressed."""
    fmt = service.check_format(params.format, FILE_FORMATS)
    scope = await _scope(session, actor, params)
    report = await activity.appointments(
        session, scope=scope, by=by, threshold=settings.report_small_cell_threshold, bands=service.age_bands(settings)
    )
    return await _respond(report, params, fmt, session=session)


@router.get("/funder-indicators", response_model=ReportOut, responses=AS_FILES)
async def funder_indicators(
    session: SessionDep, actor: SupervisorActor, settings: SettingsDep, params: Params
) -> ReportOut | Response:
    """The funder indicators (people received, cases resolved by outcome category — social,
    psychosocial, health, economic —, people trained, people financed, referrals made), each by
    sex × age band with totals. ``format=xlsx`` or ``csv`` for the file funders receive."""
    fmt = service.check_format(params.format, FILE_FORMATS)
    scope = await _scope(session, actor, params)
    report = await funders.funder_indicators(
        session, scope=scope, threshold=settings.report_small_cell_threshold, bands=service.age_bands(settings)
    )
    return await _respond(report, params, fmt, session=session)
