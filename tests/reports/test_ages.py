"""Age at an event date from partial dates of birth, and age bands at their boundaries."""

import datetime as dt
import random

import pytest

from app.reports.ages import AgeBands, age_range, birth_interval

BANDS = AgeBands.of([0, 18, 25, 35, 50, 65])
ON = dt.date(2026, 6, 15)


def test_labels_follow_the_bounds_with_unknown_last() -> None:
    assert BANDS.labels == ["0-17", "18-24", "25-34", "35-49", "50-64", "65+", "unknown"]


@pytest.mark.parametrize(
    ("dob", "band"),
    [
        ("2008-06-15", "18-24"),  # 18th birthday on the event date
        ("2008-06-16", "0-17"),  # one day short of 18
        ("2001-06-15", "25-34"),
        ("2001-06-16", "18-24"),
        ("1961-06-15", "65+"),
        ("1961-06-16", "50-64"),
        ("2026-06-15", "0-17"),  # born that day: age 0
    ],
)
def test_full_dates_at_band_boundaries(dob: str, band: str) -> None:
    assert BANDS.band(dob, ON) == band


def test_year_only_inside_a_band_gets_the_band() -> None:
    # Born in 1990: 35 or 36 on 2026-06-15, both in 35-49.
    assert age_range("1990", ON) == (35, 36)
    assert BANDS.band("1990", ON) == "35-49"


def test_year_only_straddling_a_boundary_is_unknown() -> None:
    # Born in 2008: 17 (birthday after 15 June) or 18 — the band is not guessed.
    assert age_range("2008", ON) == (17, 18)
    assert BANDS.band("2008", ON) == "unknown"


def test_year_month_resolves_what_year_only_cannot() -> None:
    assert BANDS.band("2008-05", ON) == "18-24"  # 18 whatever the day in May
    assert BANDS.band("2008-07", ON) == "0-17"  # 17 whatever the day in July
    assert BANDS.band("2008-06", ON) == "unknown"  # 17 or 18 depending on the day


def test_year_month_interval_ends_on_the_last_day_of_the_month() -> None:
    assert birth_interval("2024-02") == (dt.date(2024, 2, 1), dt.date(2024, 2, 29))
    assert birth_interval("2023-02") == (dt.date(2023, 2, 1), dt.date(2023, 2, 28))


def test_leap_day_birthday_is_reached_on_first_of_march() -> None:
    assert age_range("2008-02-29", dt.date(2026, 2, 28)) == (17, 17)
    assert age_range("2008-02-29", dt.date(2026, 3, 1)) == (18, 18)


@pytest.mark.parametrize("dob", [None, "", "vers 1985", "1985-13", "1985-02-30", "2027", "2026-07"])
def test_missing_malformed_or_future_births_are_unknown(dob: str | None) -> None:
    assert BANDS.band(dob, ON) == "unknown"


def test_birth_year_of_the_event_whose_interval_passes_the_event_date_is_age_zero() -> None:
    assert age_range("2026", ON) == (0, 0)
    assert BANDS.band("2026", ON) == "0-17"


def test_custom_bands_and_bad_bounds() -> None:
    assert AgeBands.of([15, 60]).labels == ["15-59", "60+", "unknown"]
    assert AgeBands.of([15, 60]).band("2020-01-01", ON) == "unknown"  # below the first bound
    with pytest.raises(ValueError):
        AgeBands.of([18, 18])
    with pytest.raises(ValueError):
        AgeBands.of([])


@pytest.mark.parametrize(
    ("dob", "interval"),
    [
        ("1990-05-17", (dt.date(1990, 5, 17),) * 2),
        (" 1990-05-17 ", (dt.date(1990, 5, 17),) * 2),  # spaces around are ignored
        ("١٩٩٠-٠٥-١٧", (dt.date(1990, 5, 17),) * 2),  # Arabic-Indic digits: any decimal digits count
        ("1990-02-30", None),  # no such day
        ("1990-0--17", None),  # hyphens where digits belong
        ("2020-W01-1", None),  # an ISO week date is not a date of birth
        ("19900517", None),  # ISO 8601 basic format: not how dates of birth are kept
        ("1990-05-17T00", None),
    ],
)
def test_full_dates_are_read_only_in_the_extended_format(dob: str, interval: tuple[dt.date, dt.date] | None) -> None:
    assert birth_interval(dob) == interval


def _births_and_days() -> list[tuple[str, dt.date]]:
    """Dates of birth in every form (and malformed), each against event days that sit on a
    birthday, the day before, New Year's Eve and Day, and 28 February / 1 March."""
    rng = random.Random(7)
    days = [dt.date(2026, 6, 15), dt.date(2025, 12, 31), dt.date(2026, 1, 1), dt.date(2024, 2, 29),
            dt.date(2025, 2, 28), dt.date(2025, 3, 1), dt.date(2008, 6, 15), dt.date(1, 1, 1)]  # fmt: skip
    births = ["2008", "2007", "2025", "2026", "2027", "0000", "0001", "9999", "1990-02", "2000-02-29",
              "2008-06-15", "2008-06-16", "2025-12-31", "2026-01-01", "1990-13-01", "1990-02-30",
              "2020-W01-1", "19900517", "1990-5-17", " 1990", "1990 ", "١٩٩٠", "１９９０-05-17", "", None]  # fmt: skip
    for _ in range(400):
        birth = dt.date(1900, 1, 1) + dt.timedelta(days=rng.randrange(46_000))
        births += [birth.isoformat(), f"{birth.year}", f"{birth.year}-{birth.month:02d}"]
        days.append(birth + dt.timedelta(days=rng.choice([0, -1, 1, 365 * 18, 365 * 18 + 4, 365 * 65 + 16])))
    return [(b, d) for b in births for d in days[:8]] + [(b, d) for b, d in zip(births[25:], days[8:] * 3)]


def test_the_band_of_an_export_row_is_the_band_of_its_interval() -> None:
    """band()'s quick forms (a full date, a year alone) answer exactly as the rule read literally."""
    for bands in (BANDS, AgeBands.of([0, 1]), AgeBands.of([5, 18, 60])):
        for birth, day in _births_and_days():
            assert bands.band(birth, day) == bands.band_of_interval(birth, day), (birth, day)
