"""The register's three date columns: dates written out with a month name, two-digit years (the
century said in the report), and the bounds of each column (a reason naming the column and what
was typed)."""

from __future__ import annotations

import datetime as dt
from typing import Any
from zoneinfo import ZoneInfo

import httpx
from sqlalchemy import select, update

from app.desks.models import Desk
from app.imports.reading import read_register
from app.imports.rows import PreparedRow, prepare_row
from app.registrants.models import Registrant
from tests.conftest import Staff
from tests.imports.conftest import csv_file, xlsx_file

TODAY = dt.date(2026, 11, 29)
ROW = "{n};{registered};{given};Ka;M;{birth};;;;;;;;;;{arrival};;"


def line(
    n: int = 4, *, registered: str = "02/06/2019", birth: str = "", arrival: str = "", given: str = "Saliou"
) -> str:
    return ROW.format(n=n, registered=registered, given=given, birth=birth, arrival=arrival)


def row(text: str, today: dt.date = TODAY) -> PreparedRow:
    source = read_register(csv_file(text)).rows[0]
    return prepare_row(source, desk_country="MA", filename="r.csv", today=today)


def dates(prepared: PreparedRow) -> tuple[str | None, str | None, str | None]:
    assert prepared.data is not None, prepared.rejection
    return prepared.registered_on, prepared.data["date_of_birth"], prepared.data.get("arrival_date")


# Dates written out


def test_every_date_column_reads_a_date_written_out_in_french() -> None:
    prepared = row(line(registered="14 juin 2019", birth="1er janvier 1985", arrival="5 août 2010"))
    assert dates(prepared) == ("2019-06-14", "1985-01-01", "2010-08-05")
    assert prepared.warnings == []


def test_written_out_birth_dates_keep_what_was_written_a_month_and_year_stays_partial() -> None:
    assert [
        row(line(birth=typed)).data["date_of_birth"]  # type: ignore[index]
        for typed in ("14 mai 1990", "mai 1990", "FEVRIER 1990", "14 aout 1990", "3 Décembre 1970", "janv. 1985")
    ] == ["1990-05-14", "1990-05", "1990-02", "1990-08-14", "1970-12-03", "1985-01"]


def test_a_partial_written_out_registration_date_is_refused_as_incomplete() -> None:
    prepared = row(line(registered="juin 2019"))
    assert (prepared.rejection, prepared.rejection_fr) == (
        "registration date: incomplete date 'juin 2019'",
        "date d'enregistrement : date incomplète « juin 2019 »",
    )


def test_a_day_and_month_without_a_year_rejects_the_row_naming_column_and_value() -> None:
    prepared = row(line(birth="12/05"))
    assert (prepared.rejection, prepared.rejection_fr) == (
        "date of birth: '12/05' may be a day and a month without a year: write the year with four digits",
        "date de naissance : « 12/05 » peut être un jour et un mois sans année : écrivez l'année sur quatre chiffres",
    )


# Two-digit years


def test_a_month_and_two_digit_birth_year_is_kept_partial_and_its_century_said() -> None:
    prepared = row(line(birth="05/90"))
    assert dates(prepared) == ("2019-06-02", "1990-05", None)
    assert prepared.warnings == [
        {
            "field": "date_of_birth",
            "message": "date of birth '05/90': two-digit year, century assumed: read as 1990, not 2090",
            "message_fr": "date de naissance « 05/90 » : année à deux chiffres, siècle supposé : lue 1990, et non 2090",
        }
    ]


def test_a_two_digit_arrival_year_says_its_century_when_the_other_one_is_possible_too() -> None:
    """The birth unknown, 1905 would be a possible arrival as well as 2005."""
    prepared = row(line(arrival="05/05/05"))
    assert dates(prepared) == ("2019-06-02", None, "2005-05-05")
    assert prepared.warnings == [
        {
            "field": "arrival_date",
            "message": "arrival date '05/05/05': two-digit year, century assumed: read as 2005, not 1905",
            "message_fr": "date d'arrivée « 05/05/05 » : année à deux chiffres, siècle supposé : lue 2005, et non 1905",
        }
    ]


def test_a_two_digit_arrival_year_with_one_possible_century_needs_no_warning() -> None:
    """Born in 1980, the person cannot have arrived in 1905."""
    prepared = row(line(birth="1980", arrival="05/05/05"))
    assert dates(prepared) == ("2019-06-02", "1980", "2005-05-05")
    assert prepared.warnings == []


def test_a_two_digit_registration_year_has_one_possible_century() -> None:
    """1919 is before 1960, 2075 in the future: nothing is assumed, nothing to say."""
    recent, early = row(line(registered="07/06/19")), row(line(registered="07/06/75"))
    assert (recent.registered_on, early.registered_on) == ("2019-06-07", "1975-06-07")
    assert (recent.warnings, early.warnings) == ([], [])


def test_a_two_digit_registration_year_says_its_century_once_both_are_possible() -> None:
    """In 2070, ``65`` may be 2065 or 1965: the report says which was taken."""
    prepared = row(line(registered="07/06/65"), today=dt.date(2070, 1, 1))
    assert prepared.registered_on == "2065-06-07"
    assert prepared.warnings == [
        {
            "field": "registered_on",
            "message": "registration date '07/06/65': two-digit year, century assumed: read as 2065, not 1965",
            "message_fr": "date d'enregistrement « 07/06/65 » : année à deux chiffres, siècle supposé : lue 2065, "
            "et non 1965",
        }
    ]


def test_a_two_digit_birth_year_after_the_registration_shows_how_it_was_read() -> None:
    prepared = row(line(birth="15/12/19"))
    assert (prepared.rejection, prepared.rejection_fr) == (
        "date of birth '15/12/19' (read as 2019-12-15) is after the registration date '02/06/2019'",
        "date de naissance « 15/12/19 » (lue 2019-12-15) postérieure à la date d'enregistrement « 02/06/2019 »",
    )


# Bounds


def test_a_registration_date_before_1960_rejects_the_row_naming_the_registration_date() -> None:
    prepared = row(line(registered="01/01/1900", birth="14/05/1985"))
    assert (prepared.rejection, prepared.rejection_fr) == (
        "registration date '01/01/1900' is before 1960: no desk or consulate of Senegal registered anyone then",
        "date d'enregistrement « 01/01/1900 » antérieure à 1960 : aucun bureau ni consulat du Sénégal "
        "n'enregistrait personne alors",
    )


def test_a_two_digit_registration_year_that_can_only_be_before_1960_is_rejected() -> None:
    """``31`` in 2026: 2031 is in the future, 1931 before any desk."""
    prepared = row(line(registered="02/06/31"))
    assert prepared.rejection == (
        "registration date '02/06/31' (read as 1931-06-02) is before 1960: no desk or consulate of Senegal "
        "registered anyone then"
    )


def test_a_birth_after_an_early_registration_names_both_dates() -> None:
    prepared = row(line(registered="03/06/1975", birth="14/05/1985"))
    assert (prepared.rejection, prepared.rejection_fr) == (
        "date of birth '14/05/1985' is after the registration date '03/06/1975'",
        "date de naissance « 14/05/1985 » postérieure à la date d'enregistrement « 03/06/1975 »",
    )


def test_without_a_registration_date_a_birth_in_the_future_blames_no_registration_date() -> None:
    prepared = row(line(registered="", birth="03/07/2030"))
    assert (prepared.rejection, prepared.rejection_fr) == (
        "date of birth '03/07/2030' is in the future",
        "date de naissance « 03/07/2030 » postérieure à aujourd'hui",
    )


def test_a_birth_more_than_120_years_before_the_registration_rejects_the_row() -> None:
    prepared = row(line(registered="02/06/2026", birth="1900"))
    assert (prepared.rejection, prepared.rejection_fr) == (
        "date of birth '1900' is more than 120 years before the registration date '02/06/2026'",
        "date de naissance « 1900 » antérieure de plus de 120 ans à la date d'enregistrement « 02/06/2026 »",
    )
    undated = row(line(registered="", birth="1900"))
    assert (undated.rejection, undated.rejection_fr) == (
        "date of birth '1900' is more than 120 years ago",
        "date de naissance « 1900 » : il y a plus de 120 ans",
    )


def test_a_birth_exactly_120_years_before_the_registration_is_kept() -> None:
    assert row(line(registered="02/06/2026", birth="02/06/1906")).data["date_of_birth"] == "1906-06-02"  # type: ignore[index]


def test_an_arrival_120_years_before_the_registration_is_dropped_and_kept_in_the_notes() -> None:
    prepared = row(line(registered="02/06/2026", arrival="01/01/1905"))
    assert "arrival_date" not in prepared.data  # type: ignore[operator]
    assert prepared.warnings == [
        {
            "field": "arrival_date",
            "message": "arrival date '01/01/1905' dropped: more than 120 years before the registration date "
            "'02/06/2026'",
            "message_fr": "date d'arrivée « 01/01/1905 » non reprise : plus de 120 ans avant la date "
            "d'enregistrement « 02/06/2026 »",
        }
    ]
    assert "Date d'arrivée au Maroc (non reprise) : 01/01/1905" in prepared.data["notes"]  # type: ignore[index]


def test_an_arrival_before_the_birth_names_the_birth_date() -> None:
    prepared = row(line(birth="14 mai 1990", arrival="mars 1985"))
    assert prepared.warnings == [
        {
            "field": "arrival_date",
            "message": "arrival date dropped: incomplete date 'mars 1985'",
            "message_fr": "date d'arrivée non reprise : date incomplète « mars 1985 »",
        }
    ]
    before = row(line(birth="14 mai 1990", arrival="1er mars 1985"))
    assert before.warnings == [
        {
            "field": "arrival_date",
            "message": "arrival date '1er mars 1985' dropped: before the date of birth '14 mai 1990'",
            "message_fr": "date d'arrivée « 1er mars 1985 » non reprise : antérieure à la date de naissance "
            "« 14 mai 1990 »",
        }
    ]


# Through the HTTP import


async def _stored(sessionmaker: Any) -> dict[str, tuple[str, str | None, dt.date | None]]:
    async with sessionmaker() as session:
        rows = (
            await session.execute(
                select(
                    Registrant.given_names, Registrant.registered_on, Registrant.date_of_birth, Registrant.arrival_date
                )
            )
        ).all()
    return {given: (registered.isoformat(), birth, arrival) for given, registered, birth, arrival in rows}


async def test_written_out_dates_are_imported_as_the_register_wrote_them(upload, sessionmaker) -> None:  # type: ignore[no-untyped-def]
    content = csv_file(
        line(1, given="Awa", registered="14 juin 2019", birth="14 mai 1990", arrival="5 août 2010"),
        line(2, given="Moussa", registered="1er juillet 2019", birth="1er janvier 1985"),
        line(3, given="Khady", birth="mai 1990", arrival="3 Décembre 2015"),
        line(4, given="Fatou", birth="Fevrier 1988", arrival="12 janv. 2012"),
    )
    report = (await upload(content)).json()
    assert [(r["outcome"], r["warnings"]) for r in report["rows"]] == [("imported", [])] * 4
    assert await _stored(sessionmaker) == {
        "Awa": ("2019-06-14", "1990-05-14", dt.date(2010, 8, 5)),
        "Moussa": ("2019-07-01", "1985-01-01", None),
        "Khady": ("2019-06-02", "1990-05", dt.date(2015, 12, 3)),
        "Fatou": ("2019-06-02", "1988-02", dt.date(2012, 1, 12)),
    }


async def test_the_report_says_the_century_of_each_two_digit_birth_year(upload, sessionmaker) -> None:  # type: ignore[no-untyped-def]
    report = (
        await upload(csv_file(line(1, given="Awa", birth="12/05/90"), line(2, given="Modou", birth="3 oct. 03")))
    ).json()
    assert report["counts"]["with_warnings"] == 2
    assert [(r["outcome"], r["warnings"]) for r in report["rows"]] == [
        (
            "imported",
            [
                {
                    "field": "date_of_birth",
                    "message": "date of birth '12/05/90': two-digit year, century assumed: read as 1990, not 2090",
                    "message_fr": "date de naissance « 12/05/90 » : année à deux chiffres, siècle supposé : lue 1990, "
                    "et non 2090",
                }
            ],
        ),
        (
            "imported",
            [
                {
                    "field": "date_of_birth",
                    "message": "date of birth '3 oct. 03': two-digit year, century assumed: read as 2003, not 1903",
                    "message_fr": "date de naissance « 3 oct. 03 » : année à deux chiffres, siècle supposé : lue 2003, "
                    "et non 1903",
                }
            ],
        ),
    ]
    stored = await _stored(sessionmaker)
    assert (stored["Awa"][1], stored["Modou"][1]) == ("1990-05-12", "2003-10-03")


async def test_implausible_registration_dates_reject_their_rows_naming_the_column(upload, count_rows) -> None:  # type: ignore[no-untyped-def]
    content = csv_file(
        line(1, given="Awa", registered="01/01/1900", birth="14/05/1985"),
        line(2, given="Moussa", registered="03/06/1975", birth="14/05/1985"),
        line(3, given="Khady", birth="14/05/1985"),
    )
    report = (await upload(content)).json()
    assert [(r["line"], r["outcome"], r["reason"], r["reason_fr"]) for r in report["rows"]] == [
        (
            2,
            "rejected",
            "registration date '01/01/1900' is before 1960: no desk or consulate of Senegal registered anyone then",
            "date d'enregistrement « 01/01/1900 » antérieure à 1960 : aucun bureau ni consulat du Sénégal "
            "n'enregistrait personne alors",
        ),
        (
            3,
            "rejected",
            "date of birth '14/05/1985' is after the registration date '03/06/1975'",
            "date de naissance « 14/05/1985 » postérieure à la date d'enregistrement « 03/06/1975 »",
        ),
        (4, "imported", None, None),
    ]
    assert (await count_rows())["registrants"] == 1


async def test_an_xlsx_register_reads_written_out_dates_beside_date_cells(upload, sessionmaker) -> None:  # type: ignore[no-untyped-def]
    header = ["N°", "Date d'enregistrement", "Prénom(s)", "Nom", "Sexe", "Date de naissance", "Date d'arrivée au Maroc"]
    content = xlsx_file([header, [1, dt.datetime(2019, 6, 14), "Awa", "Ka", "F", "1er janvier 1985", "5 août 2010"]])
    report = (await upload(content, filename="registre.xlsx")).json()
    assert [(r["outcome"], r["warnings"]) for r in report["rows"]] == [("imported", [])]
    assert await _stored(sessionmaker) == {"Awa": ("2019-06-14", "1985-01-01", dt.date(2010, 8, 5))}


async def test_a_flagged_row_created_later_keeps_its_written_out_registration_date(  # type: ignore[no-untyped-def]
    upload, client: httpx.AsyncClient, make_staff
) -> None:
    agent: Staff = await make_staff("agent", ["CASA-BASE"])
    same = line(1, given="Awa", registered="14 juin 2019", birth="14 mai 1990")
    report = (await upload(csv_file(same, same))).json()
    assert [r["outcome"] for r in report["rows"]] == ["imported", "flagged"]
    created = await client.post(
        f"/api/v1/imports/{report['batch_id']}/rows/3/resolution", json={"decision": "create"}, headers=agent.headers
    )
    assert created.status_code == 200, created.text
    person = await client.get(f"/api/v1/registrants/{created.json()['registrant_id']}", headers=agent.headers)
    assert (person.json()["registered_on"], person.json()["date_of_birth"]) == ("2019-06-14", "1990-05-14")


async def test_registration_dates_are_judged_against_the_desks_today(upload, sessionmaker) -> None:  # type: ignore[no-untyped-def]
    utc_today = dt.datetime.now(dt.UTC).date()
    # the zone farthest ahead of UTC or the one farthest behind: whichever has another date now
    zone = next(
        z for z in ("Pacific/Kiritimati", "Pacific/Pago_Pago") if dt.datetime.now(ZoneInfo(z)).date() != utc_today
    )
    async with sessionmaker() as session:
        await session.execute(update(Desk).where(Desk.code == "CASA-BASE").values(time_zone=zone))
        await session.commit()
    today = dt.datetime.now(ZoneInfo(zone)).date()
    tomorrow = today + dt.timedelta(days=1)
    content = csv_file(
        line(1, given="Awa", registered=today.strftime("%d/%m/%Y"), birth="14/05/1985"),
        line(2, given="Moussa", registered=tomorrow.strftime("%d/%m/%Y"), birth="02/03/1979"),
    )
    report = (await upload(content)).json()
    assert [(r["outcome"], r.get("reason")) for r in report["rows"]] == [
        ("imported", None),
        ("rejected", f"registration date '{tomorrow.strftime('%d/%m/%Y')}' is in the future"),
    ]


def test_a_rejected_row_says_every_reason_and_what_else_to_correct() -> None:
    """No reason hides another: a row without names and with an impossible birth date says all
    three, and its other cells are still read for the warnings the agent corrects with them."""
    prepared = row(
        ROW.format(n=5, registered="02/06/2019", given="", birth="32/13/1990", arrival="").replace(";Ka;M;", ";;X;")
    )
    assert prepared.data is None
    assert (
        prepared.rejection_fr == "pas de prénom ; pas de nom ; date de naissance : mois impossible dans « 32/13/1990 »"
    )
    assert prepared.rejection == "no given names; no family name; date of birth: impossible month in '32/13/1990'"
    assert [w["field"] for w in prepared.warnings] == ["sex"]
