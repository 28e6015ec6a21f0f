"""Report files in words (``labels=fr|en``): the words a report's CSV or XLSX file is written in.

A report file in codes (``female``, ``LEGAL_AID``, ``in_follow_up``, ``people_received``) is for
software; the ministry's and funders' readers get, with ``labels``, the words the charts draw
(:mod:`app.reports.chart_words`: dimensions, sexes, a case's status, channel, priority and
outcome, situations; service types by their catalogue label, regions by their reference area's
name), and for what the charts never draw the exports' words (:mod:`app.reports.export_words`:
referral and appointment statuses) or this module's: the reports', tables' and columns' names.
A label with no words (an age band ``18-24``, a month ``2026-03``, a desk code, a partner's name)
is written as it is, as on the chart.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Final

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from app.cases.models import ServiceType
from app.privacy import summary_words
from app.reports import chart_words
from app.reports.export_words import ENGLISH as EXPORT_EN
from app.reports.export_words import LabelLanguage
from app.reports.schemas import ReportOut, TableOut

_RESOLVED = ("Dossiers résolus : {}", "Cases resolved: {}")

REPORTS: Final[dict[str, tuple[str, str]]] = {
    "registrations": ("Inscriptions", "Registrations"),
    "cases_opened": ("Dossiers ouverts", "Opened cases"),
    "cases_open": ("Dossiers en cours", "Open cases"),
    "cases_closed": ("Dossiers clos", "Closed cases"),
    "sla": ("Respect des délais", "SLA compliance"),
    "referrals": ("Orientations", "Referrals"),
    "referrals_by_status": ("Orientations par statut", "Referrals by status"),
    "referral_answers": ("Réponses des partenaires", "Partners' answers"),
    "appointments": ("Rendez-vous", "Appointments"),
    "funder_indicators": ("Indicateurs des bailleurs", "Funder indicators"),
    "people_received": ("Personnes reçues", "People received"),
    "people_trained": ("Personnes formées", "People trained"),
    "people_financed": ("Personnes financées", "People financed"),
    "referrals_made": ("Orientations faites", "Referrals made"),
}
"""Each report's and table's name in French and English (the file's title line, sheet and
``table`` column); ``cases_resolved_<outcome>`` are :func:`table_name`'s."""

LABELS: Final[dict[str, tuple[str, str]]] = {
    "table": ("Tableau", "Table"),
    "count": ("nombre", "count"),  # as the chart's count axis
    "total": ("Total", "Total"),
    # SLA compliance (app.reports.deadlines.SLA_COLUMNS)
    "closed_on_time": ("Clos dans le délai", "Closed on time"),
    "closed_late": ("Clos en retard", "Closed late"),
    "open_overdue": ("En cours, en retard", "Open, overdue"),
    "open_within_sla": ("En cours, dans le délai", "Open, within the SLA"),
    # partners' answers (app.reports.deadlines.ANSWER_COLUMNS)
    "answered_on_time": ("Réponse dans le délai", "Answered on time"),
    "answered_late": ("Réponse en retard", "Answered late"),
    "awaiting": ("Réponse attendue", "Awaiting an answer"),
    "awaiting_overdue": ("Réponse attendue, en retard", "Awaiting an answer, overdue"),
}
"""Header words and the column codes no chart draws."""

DIMENSIONS: Final[dict[str, tuple[str, str]]] = {"partner": ("partenaire", "partner")}
"""The row dimensions of the reports without a chart, as :data:`chart_words.DIMENSIONS`."""


def _pick(pair: tuple[str, str], lang: str) -> str:
    return pair[0] if lang == "fr" else pair[1]


@dataclass(frozen=True)
class ReportWords:
    """The words of one language and the service types' catalogue labels in it (by code)."""

    lang: LabelLanguage
    service_types: dict[str, str] = field(default_factory=dict)

    def word(self, key: str) -> str:
        """One of :data:`LABELS` (``table``, ``count``, ``total``) in the language."""
        return _pick(LABELS[key], self.lang)

    def report(self, name: str) -> str:
        """A report's or table's name (``people_received`` → ``Personnes reçues``); unknown: as is."""
        if name.startswith("cases_resolved_"):
            outcome = name.removeprefix("cases_resolved_")
            return _pick(_RESOLVED, self.lang).format(chart_words.code(outcome, self.lang).lower())
        return _pick(REPORTS[name], self.lang) if name in REPORTS else name

    def dimension(self, name: str) -> str:
        """A dimension's name as the chart writes it (``origin_region`` → ``région d'origine``)."""
        if name in DIMENSIONS:
            return _pick(DIMENSIONS[name], self.lang)
        return chart_words.dimension(name, self.lang)

    def label(self, table: TableOut, value: str) -> str:
        """A row or column label of ``table`` as the chart draws it: a region's or service type's
        name, a code's words (``in_follow_up`` → ``En suivi``), a referral's or appointment's
        status in words; anything else as it is."""
        by_service = "service_type" in (table.rows_dimension, table.columns_dimension)
        names = {**(table.names or {}), **(self.service_types if by_service else {})}
        if value in names or value in chart_words.CODES:
            return chart_words.code(value, self.lang, names)
        if value in LABELS:
            return _pick(LABELS[value], self.lang)
        statuses = (
            {**summary_words.REFERRAL_STATUSES, **summary_words.APPOINTMENT_STATUSES}
            if self.lang == "fr"
            else EXPORT_EN
        )
        return statuses.get(value, value)


async def report_words(session: AsyncSession, report: ReportOut, lang: LabelLanguage) -> ReportWords:
    """The words of ``lang`` for ``report``, with the service types' labels when one of its tables
    counts by service type (as its chart names them)."""
    dims = {d for t in report.tables for d in (t.rows_dimension, t.columns_dimension)}
    if "service_type" not in dims:
        return ReportWords(lang=lang)
    label = ServiceType.label_fr if lang == "fr" else ServiceType.label_en
    rows = await session.execute(select(ServiceType.code, label))
    return ReportWords(lang=lang, service_types={code: name for code, name in rows.all()})
