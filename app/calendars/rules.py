"""Calendar rules that vary by country: kept as data here, not scattered in code.

``SUNDAY_HOLIDAY_MOVES_TO_MONDAY``: in these countries a public holiday that falls on a Sunday is
observed on the following Monday (Senegal, DOMAIN.md "Time"). A desk follows the rule of its
``country``; an administrator adding a holiday may override it for that holiday
(``sunday_rule="keep"`` or ``"move_to_monday"``), e.g. when a decree says otherwise.

``FIRST_DAY`` .. ``LAST_DAY``: the local dates of a desk an appointment, a free slot or a holiday
may fall on (2000-01-01 to 2100-12-31; far dates overflowed the zone arithmetic). One range for
booking and for the free slots offered, so that every slot offered can be booked.
"""

from __future__ import annotations

import datetime as dt
from typing import Literal

from app.core.dates import FIRST_YEAR, LAST_YEAR

SUNDAY_HOLIDAY_MOVES_TO_MONDAY: frozenset[str] = frozenset({"SN"})

FIRST_DAY, LAST_DAY = dt.date(FIRST_YEAR, 1, 1), dt.date(LAST_YEAR, 12, 31)

SundayRule = Literal["country", "move_to_monday", "keep"]


def observed_day(day: dt.date, *, country: str, rule: SundayRule = "country") -> dt.date:
    """The day a desk in ``country`` is closed for a holiday whose legal date is ``day``.

    ``rule="country"`` applies :data:`SUNDAY_HOLIDAY_MOVES_TO_MONDAY`; ``"move_to_monday"`` and
    ``"keep"`` force the choice. Only Sundays move (to the Monday after).
    """
    moves = country.upper() in SUNDAY_HOLIDAY_MOVES_TO_MONDAY if rule == "country" else rule == "move_to_monday"
    if moves and day.isoweekday() == 7:
        return day + dt.timedelta(days=1)
    return day
