"""The date columns of a register row: each read by :func:`app.imports.cells.read_legacy_date`,
then held to its bounds, what is out of them said naming the column and the value as typed.

| column | from | to | outside |
|---|---|---|---|
| Date d'enregistrement | :data:`EARLIEST_REGISTRATION` (1960-01-01) | today | row rejected |
| Date de naissance | :data:`MAX_AGE` (120) years before the registration | the registration | row rejected |
| Date d'arrivée au Maroc | the birth (unknown: 120 years before the registration) | the registration | dropped |

Where the registration date is blank, today stands in for it (and the reason says "in the
future", "years ago", never blaming a registration date that is not there). A date judged against
another column names both, each as typed: ``date of birth '03/07/2019' is after the registration
date '02/06/2019'`` (either may be the wrong one).

Why these bounds
    1960 is the year Senegal became independent: no desk or consulate of Senegal registered anyone
    before it (the desks themselves are far younger), so an earlier registration date is a
    placeholder (``01/01/1900``) or a typo, never a date to store. 120 years is past any verified
    human life (the record is 122; nobody alive is older than about 117): a date of birth more than
    120 years before the registration, or an arrival that early for a person of unknown birth, is
    not the person's.

Two-digit years (the century stated)
    A two-digit year is read by the pivot (:mod:`app.imports.cells`), and the import report states
    the century whenever it was an assumption, in a warning naming the column, the cell, the year
    read and the one not taken (``date of birth '12/05/90': two-digit year, century assumed: read
    as 1990, not 2090``):

    - a date of birth: always. Age decides legal status (a minor, a pension), and an agent must be
      able to see every birth year the import did not read as typed;
    - a registration or arrival date: when the other century's reading is inside the column's
      bounds as well. For a registration date it never is while 1960 is the earliest (``19yy``
      before 1960 or ``20yy`` in the future, until 2060), so two-digit registration years are read
      without a warning.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

from app.core.explained import Explained, in_french
from app.imports.cells import LegacyDate, partial_date_span, read_legacy_date
from app.imports.wording import field_fr

EARLIEST_REGISTRATION = dt.date(1960, 1, 1)
"""No register's registration date is earlier (see the module doc)."""
MAX_AGE = 120
"""Years: nobody is older than this at registration (see the module doc)."""

Warn = Callable[[str, str, str], None]
"""``warn(field, message, message_fr)``: :meth:`app.imports.rows.PreparedRow.warn`."""

_FIELDS_EN = {"registered_on": "registration date", "date_of_birth": "date of birth", "arrival_date": "arrival date"}


def registration(cell: str, *, today: dt.date, warn: Warn) -> LegacyDate | None:
    """The row's registration date (None: blank); a full date, from 1960 to ``today``.

    Raises ``ValueError`` (:class:`~app.core.explained.Explained`) with the row's rejection.
    """
    return _full_date(
        cell,
        "registered_on",
        ("registration date:", "date d'enregistrement :"),
        today.year,
        lambda reading: _check_registration(reading, today),
        warn,
    )


def _full_date(
    cell: str,
    field: str,
    unread: tuple[str, str],
    reference_year: int,
    check: Callable[[LegacyDate], None],
    warn: Warn,
) -> LegacyDate | None:
    """Column ``field``'s full date in ``cell`` (None: blank), held by ``check`` (raising
    :class:`~app.core.explained.Explained`), and the century warned when the other one would pass
    ``check`` too; a cell that is no date raises its reason after ``unread`` (English, French)."""
    try:
        reading = read_legacy_date(cell, reference_year=reference_year, allow_partial=False)
    except ValueError as exc:
        raise Explained(f"{unread[0]} {exc}", f"{unread[1]} {in_french(exc)}") from exc
    if reading is None:
        return None
    check(reading)
    if _other_century_fits(reading, check):
        warn(*_century_assumed(field, reading))
    return reading


def _check_registration(reading: LegacyDate, today: dt.date) -> None:
    day = dt.date.fromisoformat(reading.value)
    en, fr = _shown(reading)
    if day > today:
        raise Explained(
            f"registration date {en} is in the future", f"date d'enregistrement {fr} postérieure à aujourd'hui"
        )
    if day < EARLIEST_REGISTRATION:
        year = EARLIEST_REGISTRATION.year
        raise Explained(
            f"registration date {en} is before {year}: no desk or consulate of Senegal registered anyone then",
            f"date d'enregistrement {fr} antérieure à {year} : aucun bureau ni consulat du Sénégal "
            "n'enregistrait personne alors",
        )


def birth(cell: str, *, registered: LegacyDate | None, today: dt.date, warn: Warn) -> LegacyDate | None:
    """The row's date of birth (None: blank), partial or full, within :data:`MAX_AGE` years
    before the registration date (``registered``, else ``today``) and not after it; a two-digit
    year always warned (see the module doc).

    Raises ``ValueError`` (:class:`~app.core.explained.Explained`) with the row's rejection.
    """
    limit = dt.date.fromisoformat(registered.value) if registered else today
    try:
        reading = read_legacy_date(cell, reference_year=limit.year)
    except ValueError as exc:
        raise Explained(f"date of birth: {exc}", f"date de naissance : {in_french(exc)}") from exc
    if reading is None:
        return None
    first, last = partial_date_span(reading.value)
    en, fr = _shown(reading)
    if first > limit:
        if registered is None:
            raise Explained(f"date of birth {en} is in the future", f"date de naissance {fr} postérieure à aujourd'hui")
        raise Explained(
            f"date of birth {en} is after the registration date {registered.typed!r}",
            f"date de naissance {fr} postérieure à la date d'enregistrement « {registered.typed} »",
        )
    if last < _years_before(limit, MAX_AGE):
        if registered is None:
            raise Explained(
                f"date of birth {en} is more than {MAX_AGE} years ago",
                f"date de naissance {fr} : il y a plus de {MAX_AGE} ans",
            )
        raise Explained(
            f"date of birth {en} is more than {MAX_AGE} years before the registration date {registered.typed!r}",
            f"date de naissance {fr} antérieure de plus de {MAX_AGE} ans à la date d'enregistrement "
            f"« {registered.typed} »",
        )
    if reading.other_year is not None:
        warn(*_century_assumed("date_of_birth", reading))
    return reading


def arrival(
    cell: str, *, registered: LegacyDate | None, birth: LegacyDate | None, today: dt.date, warn: Warn
) -> LegacyDate | None:
    """The row's arrival date in the host country (None: blank), a full date from the date of
    birth (else :data:`MAX_AGE` years before the registration date) to the registration date
    (``registered``, else ``today``).

    Raises ``ValueError`` (:class:`~app.core.explained.Explained`) saying why it is dropped.
    """
    limit = dt.date.fromisoformat(registered.value) if registered else today
    return _full_date(
        cell,
        "arrival_date",
        ("arrival date dropped:", "date d'arrivée non reprise :"),
        limit.year,
        lambda reading: _check_arrival(reading, registered, birth, limit),
        warn,
    )


def _check_arrival(
    reading: LegacyDate, registered: LegacyDate | None, birth: LegacyDate | None, limit: dt.date
) -> None:
    day = dt.date.fromisoformat(reading.value)
    en, fr = _shown(reading)
    if day > limit:
        if registered is None:
            raise Explained(
                f"arrival date {en} dropped: in the future",
                f"date d'arrivée {fr} non reprise : postérieure à aujourd'hui",
            )
        raise Explained(
            f"arrival date {en} dropped: after the registration date {registered.typed!r}",
            f"date d'arrivée {fr} non reprise : postérieure à la date d'enregistrement « {registered.typed} »",
        )
    if birth is not None:
        if day < partial_date_span(birth.value)[0]:
            raise Explained(
                f"arrival date {en} dropped: before the date of birth {birth.typed!r}",
                f"date d'arrivée {fr} non reprise : antérieure à la date de naissance « {birth.typed} »",
            )
    elif day < _years_before(limit, MAX_AGE):
        since = f"the registration date {registered.typed!r}" if registered else "today"
        since_fr = f"la date d'enregistrement « {registered.typed} »" if registered else "aujourd'hui"
        raise Explained(
            f"arrival date {en} dropped: more than {MAX_AGE} years before {since}",
            f"date d'arrivée {fr} non reprise : plus de {MAX_AGE} ans avant {since_fr}",
        )


def _other_century_fits(reading: LegacyDate, check: Callable[[LegacyDate], None]) -> bool:
    """Whether a two-digit year read in the other century would pass ``check`` too (then the
    century read was an assumption)."""
    other = reading.in_other_century()
    if other is None:
        return False
    try:
        check(LegacyDate(other, reading.typed))
    except ValueError:
        return False
    return True


def _century_assumed(field: str, reading: LegacyDate) -> tuple[str, str, str]:
    """The warning (field, English, French) that ``reading``'s two-digit year was put in a century."""
    year = reading.value[:4]
    return (
        field,
        f"{_FIELDS_EN[field]} {reading.typed!r}: two-digit year, century assumed: read as {year}, "
        f"not {reading.other_year}",
        f"{field_fr(field)} « {reading.typed} » : année à deux chiffres, siècle supposé : lue {year}, "
        f"et non {reading.other_year}",
    )


def _shown(reading: LegacyDate) -> tuple[str, str]:
    """The cell as typed, in English and in French, with the date read when its year had two digits."""
    if reading.other_year is None:
        return repr(reading.typed), f"« {reading.typed} »"
    return f"{reading.typed!r} (read as {reading.value})", f"« {reading.typed} » (lue {reading.value})"


def _years_before(day: dt.date, years: int) -> dt.date:
    try:
        return day.replace(year=day.year - years)
    except ValueError:  # 29 February, in a year that has none
        return day.replace(year=day.year - years, day=28)
