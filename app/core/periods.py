"""Periods a request filters on: two bounds, each optional, in order.

Every list or export filtered on a period (the reports and exports' ``start``/``end``, the register
of disclosures, the audit log's ``since``/``until``, cases' ``created_since``/``created_until``,
registrants' ``created_from``/``created_to``) refuses bounds in the wrong order with the same
problem, 422 ``invalid-period`` naming the two parameters, rather than answering an empty list
that reads as "nothing happened then".
"""

from __future__ import annotations

import datetime as dt

from app.core.errors import ValidationFailed
from app.core.i18n import date_fr, moment_fr


class InvalidPeriod(ValidationFailed):
    slug = "invalid-period"
    title_fr, title_en = "Période invalide", "Invalid period"


def check_order(
    start: dt.date | dt.datetime | None, end: dt.date | dt.datetime | None, *, names: tuple[str, str] = ("start", "end")
) -> None:
    """Raise ``InvalidPeriod`` (422, ``errors`` naming both query parameters ``names``) when both
    bounds are given and ``end`` comes before ``start`` (equal bounds are a period of one day or
    one instant). Datetimes are compared as instants (any offsets)."""
    if start is None or end is None or not end < start:
        return
    first, last = names
    en = f"The period ends ({last}={end.isoformat()}) before it starts ({first}={start.isoformat()})."
    fr = f"La période se termine ({_in_words(end)}) avant de commencer ({_in_words(start)})."
    errors = [{"loc": ["query", name], "msg": en, "type": "period_reversed"} for name in names]
    raise InvalidPeriod(en, detail_fr=fr, errors=errors)


def _in_words(bound: dt.date | dt.datetime) -> str:
    """A bound as French prose writes it: ``1er décembre 2026``, with ``à 10:00 UTC`` for an instant."""
    return moment_fr(bound) if isinstance(bound, dt.datetime) else date_fr(bound)


def day_after(day: dt.date) -> dt.date | None:
    """The date after ``day``; None after 9999-12-31 (an end bound there leaves the period open)."""
    return None if day == dt.date.max else day + dt.timedelta(days=1)
