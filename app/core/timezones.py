"""Time zones from the IANA database the project pins (the ``tzdata`` package), never the host's.

The standard library's :mod:`zoneinfo` searches the host's ``TZPATH`` (``/usr/share/zoneinfo``…)
before the ``tzdata`` package, and hosts often carry an older IANA release: Africa/Casablanca moved
to permanent UTC+00 on 2026-09-20 at 02:00 (IANA tz release 2026c, NEWS "Morocco moves to
permanent +00 on 2026-09-20"), which a host on 2025b does not know, so 10:00 at the Casablanca desk
would become 11:00+01:00. :func:`use_pinned_database` empties the search path so that every
``ZoneInfo(key)`` and ``zoneinfo.available_timezones()`` in the process reads the ``tzdata``
package (Python docs, "zoneinfo — Data sources": with an empty ``TZPATH`` the ``tzdata`` package is
the fallback). It runs once, when the ``app`` package is imported (``app/__init__.py``), before any
API, CLI, report, calendar, migration or test code looks a zone up.

:func:`check_database` verifies at start-up that the data loaded is at least
:data:`MINIMUM_IANA_VERSION`, the release inside the pinned ``tzdata`` (``constraints.txt``); the
API logs it at start and reports it on ``/readyz``. To take a newer IANA release: bump ``tzdata`` in
``constraints.txt`` and ``pyproject.toml`` and set :data:`MINIMUM_IANA_VERSION` to its
``tzdata.IANA_VERSION``.
"""

from __future__ import annotations

import functools
import logging
import re
import zoneinfo
from importlib import resources

try:
    import tzdata  # type: ignore[import-untyped]  # no stubs; IANA_VERSION and __version__ are str
except ModuleNotFoundError:  # refused by check_database at start-up, in one line
    tzdata = None

# ``tzdata.IANA_VERSION`` of the pinned ``tzdata==2026.6``.
MINIMUM_IANA_VERSION = "2026f"

_VERSION = re.compile(r"^(\d{4})([a-z]+)$")
log = logging.getLogger(__name__)


class TimeZoneDataError(RuntimeError):
    """The loaded time-zone data is not the pinned package's, or is older than the pinned release."""


def use_pinned_database() -> None:
    """Make every ``zoneinfo`` lookup in the process read the ``tzdata`` package (idempotent).

    Empties ``zoneinfo.TZPATH`` (overriding ``PYTHONTZPATH`` and the host's directories) and drops
    any zone already cached from the host.
    """
    if zoneinfo.TZPATH:
        zoneinfo.reset_tzpath(to=[])
        zoneinfo.ZoneInfo.clear_cache()


def iana_version_key(version: str) -> tuple[int, int, str]:
    """A sort key of an IANA release name (``"2026f"`` → ``(2026, 1, "f")``; ``"2026za"`` after ``"2026z"``).

    Raises ``ValueError`` for a name that is not ``YYYY`` followed by letters.
    """
    m = _VERSION.match(version)
    if m is None:
        raise ValueError(f"{version!r} is not an IANA tz release name (like 2026f)")
    return int(m.group(1)), len(m.group(2)), m.group(2)


def loaded_version() -> str:
    """The IANA release of the ``tzdata`` package in use (``tzdata.IANA_VERSION``, e.g. ``"2026f"``)."""
    return str(tzdata.IANA_VERSION)


def check_database(minimum: str = MINIMUM_IANA_VERSION) -> str:
    """Check that zones come from the ``tzdata`` package, at least release ``minimum``; its version.

    Raises :class:`TimeZoneDataError` when ``zoneinfo.TZPATH`` names a host directory (so the host's
    files would win), when the package is not installed, or when its release is older than ``minimum``.
    """
    if zoneinfo.TZPATH:
        raise TimeZoneDataError(f"zoneinfo reads the host's time-zone files first ({':'.join(zoneinfo.TZPATH)})")
    if tzdata is None:
        raise TimeZoneDataError("the tzdata package is not installed")
    version = loaded_version()
    if iana_version_key(version) < iana_version_key(minimum):
        raise TimeZoneDataError(f"IANA tz data {version} is older than the pinned release {minimum}")
    return version


def log_database() -> str:
    """:func:`check_database`, then log the release in force (one INFO line); its version."""
    version = check_database()
    log.info("time zones: IANA tz database %s (tzdata %s)", version, tzdata.__version__)
    return version


def _table_rows(name: str) -> list[list[str]]:
    """The rows of one of the pinned ``tzdata`` package's tables (``zone.tab``, ``zone1970.tab``):
    tab-separated fields, comments and blank lines left out."""
    text = resources.files(tzdata).joinpath("zoneinfo", name).read_text(encoding="utf-8")
    return [line.split("\t") for line in text.splitlines() if line and not line.startswith("#")]


@functools.cache
def zones_by_country() -> dict[str, tuple[str, ...]]:
    """``{ISO 3166-1 alpha-2: (IANA location zone, …)}`` from the pinned ``tzdata`` package.

    A country's zones are those ``zone.tab`` lists for it (``SN`` → ``Africa/Dakar``, ``ML`` →
    ``Africa/Bamako``), then those of ``zone1970.tab`` whose country list names it (``SN`` → also
    ``Africa/Abidjan``, the zone that has kept Senegal's clocks since 1970), without repeats. These
    are the canonical names of places: no fixed offset (``UTC``, ``EST``, ``Etc/GMT+5``) and no
    alias kept for backward compatibility (``Africa/Timbuktu``) is among them.
    """
    found: dict[str, list[str]] = {}
    for countries, _coordinates, zone, *_ in _table_rows("zone.tab"):
        found.setdefault(countries, []).append(zone)
    for countries, _coordinates, zone, *_ in _table_rows("zone1970.tab"):
        for country in countries.split(","):
            if zone not in found.setdefault(country, []):
                found[country].append(zone)
    return {country: tuple(zones) for country, zones in found.items()}


@functools.cache
def location_zones() -> frozenset[str]:
    """Every canonical IANA location zone of :func:`zones_by_country`, whatever its country."""
    return frozenset(zone for zones in zones_by_country().values() for zone in zones)


def zone_name_problem(name: str) -> str | None:
    """An English reason when ``name`` is not a canonical IANA location zone, else None.

    ``"UTC"``, ``"EST"``, ``"Etc/GMT+5"`` → a fixed offset, not a place's zone; ``"Africa/Timbuktu"``
    → an alias kept for backward compatibility; ``"Mars/Olympus"`` → not an IANA zone name.
    """
    if name in location_zones():
        return None
    if name in zoneinfo.available_timezones():
        if "/" not in name or name.startswith("Etc/"):
            return (
                f"{name!r} is a fixed offset or an abbreviation, not a place's zone: a desk keeps the IANA "
                "zone of its place (Africa/Dakar), which follows the place's clock changes"
            )
        return f"{name!r} is an alias IANA keeps for backward compatibility: give the canonical zone of the place"
    return f"{name!r} is not an IANA time zone name"
