"""Every time-zone lookup reads the pinned IANA data (the ``tzdata`` package), never the host's.

Expected offsets come from the IANA tz database NEWS: release 2026c (2026-07-08), "Morocco moves to
permanent +00 on 2026-09-20" at 02:00 local (https://lists.iana.org/hyperkitty/list/tz-announce@iana.org/
thread/NVHSX2PAQIT44U5FCCEVNJJYXQMMTJSA/); Senegal (Africa/Dakar) is UTC+00 with no transitions. A
host database older than 2026c (such as 2025b, common on servers today) still predicts +01 with
Ramadan switches after that date, so these tests fail if the host's files are read. No test reads
the host's files: a decoy zone directory under ``tmp_path`` stands for them.
"""

from __future__ import annotations

import datetime as dt
import importlib.metadata
import logging
import os
import subprocess
import sys
import zoneinfo
from pathlib import Path

import pytest
import tzdata

from app.core import timezones
from app.desks.schemas import DeskCreate

ROOT = Path(__file__).resolve().parents[2]
UTC = dt.UTC


def _offset(key: str, moment: dt.datetime) -> dt.timedelta | None:
    return moment.astimezone(zoneinfo.ZoneInfo(key)).utcoffset()


def test_the_process_has_no_host_search_path() -> None:
    assert zoneinfo.TZPATH == ()
    assert timezones.check_database() == tzdata.IANA_VERSION


def test_casablanca_ten_o_clock_on_1_december_2026_is_ten_utc() -> None:
    local = dt.datetime(2026, 12, 1, 10, tzinfo=zoneinfo.ZoneInfo("Africa/Casablanca"))
    assert local.utcoffset() == dt.timedelta(0)
    assert local.astimezone(UTC) == dt.datetime(2026, 12, 1, 10, tzinfo=UTC)


def test_casablanca_moves_to_permanent_utc_on_20_september_2026_at_two() -> None:
    # 02:00 local at +01 is 01:00 UTC.
    assert _offset("Africa/Casablanca", dt.datetime(2026, 9, 20, 0, 59, 59, tzinfo=UTC)) == dt.timedelta(hours=1)
    assert _offset("Africa/Casablanca", dt.datetime(2026, 9, 20, 1, tzinfo=UTC)) == dt.timedelta(0)


@pytest.mark.parametrize("year", [2027, 2028, 2030, 2037, 2050])
def test_casablanca_has_no_ramadan_switch_after_2026(year: int) -> None:
    """2025b predicted +00 during Ramadan and +01 otherwise; 2026c ends both (no transitions)."""
    for month in range(1, 13):
        for day in (1, 10, 20):
            assert _offset("Africa/Casablanca", dt.datetime(year, month, day, 12, tzinfo=UTC)) == dt.timedelta(0)


def test_dakar_is_utc_all_year() -> None:
    for month in range(1, 13):
        assert _offset("Africa/Dakar", dt.datetime(2026, month, 15, 12, tzinfo=UTC)) == dt.timedelta(0)


def test_zoneinfo_agrees_with_the_package_file_itself() -> None:
    from importlib import resources

    with resources.files("tzdata.zoneinfo").joinpath("Africa", "Casablanca").open("rb") as fh:
        packaged = zoneinfo.ZoneInfo.from_file(fh)
    zone = zoneinfo.ZoneInfo("Africa/Casablanca")
    for days in range(0, 2 * 366, 7):
        moment = dt.datetime(2026, 1, 1, 12, tzinfo=UTC) + dt.timedelta(days=days)
        assert moment.astimezone(zone).utcoffset() == moment.astimezone(packaged).utcoffset()


def test_desk_zone_names_come_from_the_package() -> None:
    body = {"code": "T-ONE", "name": "T", "country": "MA", "city": "T", "time_zone": "Africa/Casablanca"}
    assert DeskCreate.model_validate(body).time_zone == "Africa/Casablanca"
    assert "Africa/Casablanca" in zoneinfo.available_timezones()


def _decoy_zone_dir(tmp_path: Path) -> Path:
    """A zoneinfo directory whose ``Africa/Casablanca`` is really Asia/Tokyo (UTC+09): a process
    that reads it shows 10:00+09:00; one that reads the pinned package shows 10:00+00:00."""
    from importlib import resources

    target = tmp_path / "zoneinfo" / "Africa" / "Casablanca"
    target.parent.mkdir(parents=True)
    target.write_bytes(resources.files("tzdata.zoneinfo").joinpath("Asia", "Tokyo").read_bytes())
    return tmp_path / "zoneinfo"


def test_a_process_told_to_read_other_files_still_reads_the_package(tmp_path: Path) -> None:
    """``PYTHONTZPATH`` naming another zone directory is overridden when ``app`` is imported (CLI)."""
    code = (
        "import datetime as dt, zoneinfo, app.cli; "
        "z = zoneinfo.ZoneInfo('Africa/Casablanca'); "
        "print(zoneinfo.TZPATH, dt.datetime(2026, 12, 1, 10, tzinfo=z).isoformat())"
    )
    env = {**os.environ, "PYTHONTZPATH": str(_decoy_zone_dir(tmp_path))}
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "() 2026-12-01T10:00:00+00:00"


def test_start_up_check_refuses_a_search_path(tmp_path: Path) -> None:
    decoy = _decoy_zone_dir(tmp_path)
    try:
        zoneinfo.reset_tzpath(to=[str(decoy)])
        zoneinfo.ZoneInfo.clear_cache()
        assert dt.datetime(2026, 12, 1, 10, tzinfo=zoneinfo.ZoneInfo("Africa/Casablanca")).utcoffset() == dt.timedelta(
            hours=9
        )  # what the decoy says: the check below is what stands between it and the desks
        with pytest.raises(timezones.TimeZoneDataError, match="host"):
            timezones.check_database()
    finally:
        timezones.use_pinned_database()
    assert zoneinfo.TZPATH == ()
    assert dt.datetime(2026, 12, 1, 10, tzinfo=zoneinfo.ZoneInfo("Africa/Casablanca")).utcoffset() == dt.timedelta(0)


@pytest.mark.parametrize("posix_tz", ["XXX-14", "XXX+12"])
def test_today_is_never_the_server_s_local_date(posix_tz: str) -> None:
    """With the server's clock set to UTC+14 or UTC-12 (POSIX ``TZ``), "today" for a date checked
    without its desk is still the latest date on Earth (UTC+14, computed from UTC), never the
    server's local date: that day is accepted, the day after refused. At any instant one of the two
    settings is on another date than UTC+14."""
    code = (
        "import datetime as dt, app\n"
        "from app.registrants.normalize import check_arrival_date\n"
        "latest = (dt.datetime.now(dt.UTC) + dt.timedelta(hours=14)).date()\n"
        "check_arrival_date(latest)\n"
        "try:\n"
        "    check_arrival_date(latest + dt.timedelta(days=1))\n"
        "except ValueError:\n"
        "    print('refused')\n"
    )
    env = {**os.environ, "TZ": posix_tz}
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "refused"


def test_start_up_check_refuses_data_older_than_the_pin() -> None:
    with pytest.raises(timezones.TimeZoneDataError, match="older than the pinned release 2099a"):
        timezones.check_database(minimum="2099a")


@pytest.mark.parametrize(
    ("older", "newer"), [("2025b", "2026f"), ("2026c", "2026f"), ("2026f", "2027a"), ("2026z", "2026za")]
)
def test_iana_release_names_order_by_year_then_letter(older: str, newer: str) -> None:
    assert timezones.iana_version_key(older) < timezones.iana_version_key(newer)


def test_release_name_that_is_not_one_is_refused() -> None:
    with pytest.raises(ValueError, match="not an IANA tz release name"):
        timezones.iana_version_key("2026.6")


def test_minimum_release_is_the_one_in_the_pinned_package() -> None:
    """constraints.txt pins tzdata; the code's minimum is that package's IANA release."""
    pins = dict(line.split("==", 1) for line in (ROOT / "constraints.txt").read_text().splitlines() if "==" in line)
    assert importlib.metadata.version("tzdata") == pins["tzdata"]
    assert tzdata.IANA_VERSION == timezones.MINIMUM_IANA_VERSION


async def test_the_api_logs_the_release_in_force_at_start(settings, caplog: pytest.LogCaptureFixture) -> None:  # type: ignore[no-untyped-def]
    from app.main import create_app

    with caplog.at_level(logging.INFO, logger="app.core.timezones"):
        app = create_app(settings)
    await app.state.engine.dispose()
    assert "time zones: IANA tz database 2026f (tzdata 2026.6)" in caplog.messages
