"""What start-up checks of the process's surroundings (files, directories, time-zone data) before
the app or a command uses them: each problem is one line naming the setting, its value, what is
wrong and what to do, for :class:`app.startup.CannotStart` (exit 1), never a traceback.

A setting may be valid on its own (a path is a path) and still unusable here: ``DATA_DIR`` a file,
or in a directory this user cannot write; ``NOTIFY_TEMPLATES_DIR`` a directory that does not exist
(its translations were silently left out) or cannot be read; the time-zone data missing or older
than the pinned release. They used to end in a Python traceback, at start-up or at the first
request that needed them.
"""

from __future__ import annotations

import os
import zoneinfo
from pathlib import Path

from sqlalchemy.engine import make_url

from app.core import timezones
from app.core.config import Settings

_WRITE_HERE = "point it at a directory this user can create and write in"


def time_zone_problems() -> list[str]:
    """The time-zone data cannot be trusted: the ``tzdata`` package missing, older than the pinned
    release, or shadowed by the host's files; or a desk's zone of the reference data missing."""
    from app.reference.data import DEFAULT_DESKS

    try:
        version = timezones.check_database()
    except timezones.TimeZoneDataError as exc:
        return [f"time-zone data: {exc}; install the pinned tzdata (pip install -c constraints.txt tzdata)"]
    for zone in sorted({str(desk["time_zone"]) for desk in DEFAULT_DESKS}):
        try:
            zoneinfo.ZoneInfo(zone)
        except (zoneinfo.ZoneInfoNotFoundError, ValueError, OSError):
            return [
                f"time-zone data: the desks' zone {zone} is missing from tzdata {version}; install the pinned "
                "tzdata again (pip install --force-reinstall -c constraints.txt tzdata)"
            ]
    return []


def _directory_problem(setting: str, path: Path, *, create: bool = True) -> str | None:
    """Why ``path`` (the value of ``setting``) cannot be the writable directory it must be; made
    (with its parents) when missing and ``create``."""
    if path.exists() and not path.is_dir():
        return f"{setting} {path} is not a directory: {_WRITE_HERE}"
    if not path.exists():
        if not create:
            return f"{setting} {path} does not exist: create it, or {_WRITE_HERE}"
        try:
            path.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            return f"{setting} {path} cannot be created ({exc.strerror or exc}): {_WRITE_HERE}"
    if not os.access(path, os.W_OK | os.X_OK):
        return f"{setting} {path} is not writable by this user: give it write access, or {_WRITE_HERE}"
    return None


def sqlite_file(settings: Settings) -> Path | None:
    """The SQLite database file the settings name (``DATA_DIR``'s by default); None for another
    database or an in-memory one."""
    url = make_url(settings.effective_database_url)
    if url.get_backend_name() != "sqlite" or not url.database or url.database == ":memory:":
        return None
    return Path(url.database)


def database_problems(settings: Settings) -> list[str]:
    """The SQLite database file cannot be opened for writing: ``DATA_DIR`` (its default home) or the
    directory ``DATABASE_URL`` names unusable, or the file itself a directory."""
    path = sqlite_file(settings)
    if path is None:
        return []
    setting = "DATABASE_URL" if settings.database_url else "DATA_DIR"
    where = _directory_problem("the directory of DATABASE_URL" if settings.database_url else "DATA_DIR", path.parent)
    if where is not None:
        return [where]
    if path.exists() and not path.is_file():
        return [f"{setting}: the SQLite database {path} is not a file: move what is there, or name another file"]
    if path.exists() and not os.access(path, os.R_OK | os.W_OK):
        return [f"{setting}: the SQLite database {path} is not readable and writable by this user: give it access"]
    return []


def _secret_key_problem(settings: Settings) -> str | None:
    """Without ``SECRET_KEY`` the key is kept in ``DATA_DIR/secret_key``: it must be a readable,
    non-empty file when it is there (an empty one would sign tokens with an empty key)."""
    if settings.secret_key is not None:
        return None
    path = settings.data_dir / "secret_key"
    if not path.exists():
        return None
    try:
        text = path.read_text().strip()
    except (OSError, UnicodeDecodeError) as exc:
        reason = exc.strerror if isinstance(exc, OSError) else "it is not text"
        return f"DATA_DIR: the signing key {path} cannot be read ({reason}): set SECRET_KEY, or remove the file"
    if len(text) < 32:
        return (
            f"DATA_DIR: the signing key {path} is empty or too short: set SECRET_KEY, or remove the file "
            "(a new key is made; signed-in users sign in again)"
        )
    return None


def _templates_problem(settings: Settings) -> str | None:
    directory = settings.notify_templates_dir
    if directory is None:
        return None
    if not directory.exists():
        return f"NOTIFY_TEMPLATES_DIR {directory} does not exist: create it, or leave NOTIFY_TEMPLATES_DIR unset"
    if not directory.is_dir():
        return f"NOTIFY_TEMPLATES_DIR {directory} is not a directory: name the directory of the translations"
    if not os.access(directory, os.R_OK | os.X_OK):
        return f"NOTIFY_TEMPLATES_DIR {directory} cannot be read by this user: give it read access"
    return None


def _documents_problem(settings: Settings) -> str | None:
    if settings.documents_storage == "s3":
        if not settings.s3_bucket:
            return "DOCUMENTS_STORAGE s3: S3_BUCKET is not set: name the bucket, or set DOCUMENTS_STORAGE=local"
        return None
    setting = "DOCUMENTS_LOCAL_DIR" if settings.documents_local_dir is not None else "DATA_DIR"
    return _directory_problem(setting, settings.effective_documents_dir)


def service_problems(settings: Settings) -> list[str]:
    """Everything the running service (``serve``, ``worker``, ``uvicorn app.asgi:app``) needs
    beyond its settings' values, one line per problem (empty: it may start). Makes ``DATA_DIR``
    and the documents directory when they are missing, as the service would."""
    problems = time_zone_problems()
    data_dir = _directory_problem("DATA_DIR", settings.data_dir)
    if data_dir is not None:
        return [*problems, data_dir]  # what lives under it would only repeat this
    problems += database_problems(settings)
    for problem in (_secret_key_problem(settings), _templates_problem(settings), _documents_problem(settings)):
        if problem is not None:
            problems.append(problem)
    return problems


def command_problems(settings: Settings) -> list[str]:
    """What ``migrate`` and ``seed`` need: the time-zone data and the database's file."""
    return time_zone_problems() + database_problems(settings)
