"""Allocation of human numbers, function by function (``app/core/numbering.py``), on both databases.

Expected values are written by hand from the documented format ``{prefix}-{year}[-{kind}]-{value:06d}``
and the documented rules: the counter is keyed by what is printed, a value already present in the
column is skipped, a thousand taken values in a row answer 409 ``number-unavailable``. The column
used here is ``number_counters.scope`` (a unique text column any test may fill), so the numbers
"already taken" are rows written by the test, not registrants.
"""

from __future__ import annotations

import hashlib

import pytest
from sqlalchemy import insert
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from app.core import numbering
from app.core.numbering import NumberCounter, NumberUnavailable

COLUMN = NumberCounter.scope


@pytest.mark.parametrize(
    ("prefix", "kind", "year", "value", "printed"),
    [
        ("CASA", "", 2026, 123, "CASA-2026-000123"),
        ("CASA", "C", 2026, 42, "CASA-2026-C-000042"),
        ("DKR", "T", 2027, 7, "DKR-2027-T-000007"),
        ("CASA", "", 2026, 1_234_567, "CASA-2026-1234567"),
    ],
)
def test_a_number_prints_prefix_year_kind_and_six_digits(
    prefix: str, kind: str, year: int, value: int, printed: str
) -> None:
    assert numbering.format_number(prefix, kind, year, value) == printed


def test_a_series_is_keyed_by_prefix_and_kind() -> None:
    assert [numbering.series_scope("CASA", kind) for kind in ("", "C", "T")] == ["CASA", "CASA-C", "CASA-T"]
    with pytest.raises(ValueError, match="unknown kind of human number: 'X'"):
        numbering.series_scope("CASA", "X")


def test_a_series_sequence_is_named_after_its_prefix_kind_and_year() -> None:
    assert numbering.sequence_name("CASA", "C", 2026) == "number_series.human_number_casa_c_2026"
    assert numbering.sequence_name("CASA", "", 2026) == "number_series.human_number_casa_r_2026"
    assert numbering.sequence_name("Dkr2", "T", 2027) == "number_series.human_number_dkr2_t_2027"
    assert numbering.sequence_name("A" * 24, "", 2026) == f"number_series.human_number_{'a' * 24}_r_2026"


def test_a_prefix_that_is_not_plain_letters_and_digits_is_named_by_its_digest() -> None:
    # The first 20 hex digits of SHA-256 of the series' scope ("CA-SA-C", "A…A" 25 times).
    dashed = hashlib.sha256(b"CA-SA-C").hexdigest()[:20]
    long = hashlib.sha256(b"A" * 25).hexdigest()[:20]
    assert numbering.sequence_name("CA-SA", "C", 2026) == f"number_series.human_number_{dashed}_2026"
    assert numbering.sequence_name("A" * 25, "", 2026) == f"number_series.human_number_{long}_2026"
    assert (
        numbering.sequence_name("", "", 2026)
        == f"number_series.human_number_{hashlib.sha256(b'').hexdigest()[:20]}_2026"
    )


async def _take(session: AsyncSession, numbers: list[str]) -> None:
    await session.execute(insert(NumberCounter), [{"scope": n, "year": 0, "last_value": 0} for n in numbers])


async def test_numbers_of_one_series_follow_each_other_from_one(
    sessionmaker: async_sessionmaker[AsyncSession],
) -> None:
    async with sessionmaker() as session:
        first = [await numbering.allocate(session, prefix="ZZ", kind="C", year=2026, column=COLUMN) for _ in range(3)]
        other_kind = await numbering.allocate(session, prefix="ZZ", kind="", year=2026, column=COLUMN)
        other_year = await numbering.allocate(session, prefix="ZZ", kind="C", year=2027, column=COLUMN)
    assert first == ["ZZ-2026-C-000001", "ZZ-2026-C-000002", "ZZ-2026-C-000003"]
    assert (other_kind, other_year) == ("ZZ-2026-000001", "ZZ-2027-C-000001")


async def test_999_numbers_taken_in_a_row_are_skipped(sessionmaker: async_sessionmaker[AsyncSession]) -> None:
    async with sessionmaker() as session:
        await _take(session, [f"ZZ-2026-{v:06d}" for v in range(1, 1000)])
        number = await numbering.allocate(session, prefix="ZZ", kind="", year=2026, column=COLUMN)
    assert number == "ZZ-2026-001000"


async def test_a_thousand_numbers_taken_in_a_row_answer_number_unavailable(
    sessionmaker: async_sessionmaker[AsyncSession],
) -> None:
    async with sessionmaker() as session:
        await _take(session, [f"ZZ-2026-{v:06d}" for v in range(1, 1001)])
        with pytest.raises(NumberUnavailable) as refused:
            await numbering.allocate(session, prefix="ZZ", kind="", year=2026, column=COLUMN)
    assert (refused.value.status, refused.value.slug) == (409, "number-unavailable")
    # The problem names the series and year to set forward, in both languages.
    assert refused.value.detail_en is not None and "series ZZ 2026" in refused.value.detail_en
    assert refused.value.detail_fr is not None and "série ZZ 2026" in refused.value.detail_fr


async def test_many_numbers_at_once_are_the_next_ones_of_the_series(
    sessionmaker: async_sessionmaker[AsyncSession],
) -> None:
    async with sessionmaker() as session:
        assert await numbering.allocate_many(session, prefix="ZZ", kind="", year=2026, column=COLUMN, count=0) == []
        assert await numbering.allocate_many(session, prefix="ZZ", kind="", year=2026, column=COLUMN, count=-1) == []
        one = await numbering.allocate_many(session, prefix="ZZ", kind="", year=2026, column=COLUMN, count=1)
        three = await numbering.allocate_many(session, prefix="ZZ", kind="", year=2026, column=COLUMN, count=3)
        after = await numbering.allocate(session, prefix="ZZ", kind="", year=2026, column=COLUMN)
    assert one == ["ZZ-2026-000001"]
    assert three == ["ZZ-2026-000002", "ZZ-2026-000003", "ZZ-2026-000004"]
    assert after == "ZZ-2026-000005"


async def test_a_taken_number_among_many_is_replaced_by_the_next_free_one(
    sessionmaker: async_sessionmaker[AsyncSession],
) -> None:
    async with sessionmaker() as session:
        await _take(session, ["ZZ-2026-T-000002"])
        numbers = await numbering.allocate_many(session, prefix="ZZ", kind="T", year=2026, column=COLUMN, count=3)
    # 1 and 3 as drawn; 2 is taken, so the next value of the series (4) takes its place.
    assert sorted(numbers) == ["ZZ-2026-T-000001", "ZZ-2026-T-000003", "ZZ-2026-T-000004"]


async def test_one_by_one_and_many_at_once_draw_from_the_same_series(
    sessionmaker: async_sessionmaker[AsyncSession],
) -> None:
    # A registration, then an import, then a registration: one series, no number twice.
    async with sessionmaker() as session:
        first = await numbering.allocate(session, prefix="ZZ", kind="", year=2026, column=COLUMN)
        many = await numbering.allocate_many(session, prefix="ZZ", kind="", year=2026, column=COLUMN, count=2)
        last = await numbering.allocate(session, prefix="ZZ", kind="", year=2026, column=COLUMN)
    assert [first, *many, last] == ["ZZ-2026-000001", "ZZ-2026-000002", "ZZ-2026-000003", "ZZ-2026-000004"]


async def test_the_number_replacing_a_taken_one_is_itself_free(sessionmaker: async_sessionmaker[AsyncSession]) -> None:
    async with sessionmaker() as session:
        await _take(session, ["ZZ-2026-T-000002", "ZZ-2026-T-000004"])
        numbers = await numbering.allocate_many(session, prefix="ZZ", kind="T", year=2026, column=COLUMN, count=3)
    # 2 is taken; its replacement would be 4, taken too, so 5.
    assert sorted(numbers) == ["ZZ-2026-T-000001", "ZZ-2026-T-000003", "ZZ-2026-T-000005"]


async def test_a_series_counted_before_continues_after_its_own_counter(
    sessionmaker: async_sessionmaker[AsyncSession],
) -> None:
    """Counters written before a series had a sequence (an upgraded database): the series goes on
    after its own counter row, not another kind's or another year's."""
    async with sessionmaker() as session:
        await session.execute(
            insert(NumberCounter),
            [
                {"scope": "YY-C", "year": 2026, "last_value": 5},
                {"scope": "YY", "year": 2026, "last_value": 40},
                {"scope": "YY-C", "year": 2025, "last_value": 70},
            ],
        )
        await session.commit()
        number = await numbering.allocate(session, prefix="YY", kind="C", year=2026, column=COLUMN)
    assert number == "YY-2026-C-000006"


async def test_a_taken_number_past_six_digits_is_skipped(sessionmaker: async_sessionmaker[AsyncSession]) -> None:
    """On PostgreSQL the number is printed in the statement that draws it, to look it up: past
    999999 it is printed on all its digits, as format_number does."""
    async with sessionmaker() as session:
        await session.execute(insert(NumberCounter), [{"scope": "ZZ-C", "year": 2026, "last_value": 999_999}])
        await _take(session, ["ZZ-2026-C-1000000"])
        number = await numbering.allocate(session, prefix="ZZ", kind="C", year=2026, column=COLUMN)
    assert number == "ZZ-2026-C-1000001"
