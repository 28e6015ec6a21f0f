"""Calendar rules that vary by country: kept as data here, not scattered in code.

``SUNDAY_HOLIDAY_MOVES_TO_MONDAY``: in these countries a public holiday that falls on a Sunday is
observed on the following Monday (Senegal, DOMAIN.md "Time"). A desk follows the rule of its
``country``; an administrator adding a holiday may override it for that holiday
(``sunday_rule="keep"`` or ``"move_to_monday"``), e.g. when a decree says otherwise.
"""

from __future__ import annotations

import datetime as dt
from typing import Literal

SUNDAY_HOLIDAY_MOVES_TO_MONDAY: frozenset[str] = frozenset({"SN"})

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
