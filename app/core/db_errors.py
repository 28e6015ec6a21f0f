"""Telling "the database is unreachable or restarting" apart from other database errors.

While PostgreSQL is down, restarting or refusing connections, requests answer 503
``service-unavailable`` with ``Retry-After`` (``app.core.problems``) instead of 500, and the pool
recovers by itself (pre-ping on checkout, connections invalidated on a disconnect:
https://docs.sqlalchemy.org/en/20/core/pooling.html#dealing-with-disconnects).

PostgreSQL reached through PgBouncer in transaction pooling mode the app was not told of
(:func:`pgbouncer_not_configured`): 503 too, and a line naming ``DATABASE_PGBOUNCER=true``, once a
minute at most however many requests meet it (:mod:`app.core.repeated_lines`).
"""

from __future__ import annotations

import re
import sqlite3

import asyncpg  # type: ignore[import-untyped]
from sqlalchemy.exc import DBAPIError

RETRY_AFTER_SECONDS = 5
"""What ``Retry-After`` tells a client while the database is unreachable."""

_SERVER_GOING_AWAY = (
    asyncpg.exceptions.PostgresConnectionError,  # SQLSTATE class 08
    asyncpg.exceptions.CannotConnectNowError,  # 57P03: starting up, shutting down, recovering
    asyncpg.exceptions.AdminShutdownError,  # 57P01: terminated by a fast shutdown / restart
    asyncpg.exceptions.CrashShutdownError,  # 57P02
    asyncpg.exceptions.TooManyConnectionsError,  # 53300
    ConnectionError,  # refused, reset, aborted, broken pipe
    # The driver's protocol left mid-statement ("cannot switch to state …; another operation is in
    # progress"): seen when the server drops the connection between a statement's round trips
    # (type introspection of a new statement). The connection is discarded; the client retries.
    asyncpg.exceptions.InternalClientError,
)


def database_unavailable(exc: BaseException) -> bool:
    """True when ``exc`` (or what it wraps) says the database cannot be reached or is restarting.

    Looks through SQLAlchemy's wrappers (``DBAPIError.orig``, a disconnect it already detected:
    ``connection_invalidated``) and the exception chain, a few levels deep.
    """
    seen: BaseException | None = exc
    for _ in range(8):
        if seen is None:
            return False
        if isinstance(seen, DBAPIError) and seen.connection_invalidated:
            return True
        if isinstance(seen, _SERVER_GOING_AWAY):
            return True
        if isinstance(seen, asyncpg.exceptions.InterfaceError) and "connection is closed" in str(seen):
            return True  # a pooled connection the server dropped, used before the pool noticed
        if isinstance(seen, OSError) and seen.errno is None and "connect" in str(seen).lower():
            return True  # asyncpg's "Multiple exceptions: [Errno 111] Connect call failed …"
        wrapped = seen.orig if isinstance(seen, DBAPIError) else None
        seen = wrapped or seen.__cause__ or seen.__context__
    return False


_SQLITE_BUSY_MESSAGES = ("database is locked", "database is busy")


def database_busy(exc: BaseException) -> bool:
    """True when ``exc`` (or what it wraps) is SQLite's "database is locked" (``SQLITE_BUSY``).

    Raised once a write waited the whole busy timeout for another transaction's write lock (a
    long import, a bulk job): the request did nothing and can be sent again.
    https://www.sqlite.org/rescode.html#busy
    """
    seen: BaseException | None = exc
    for _ in range(8):
        if seen is None:
            return False
        if isinstance(seen, sqlite3.OperationalError) and str(seen).startswith(_SQLITE_BUSY_MESSAGES):
            return True
        wrapped = seen.orig if isinstance(seen, DBAPIError) else None
        seen = wrapped or seen.__cause__ or seen.__context__
    return False


_TRANSIENT = (
    asyncpg.exceptions.TransactionRollbackError,  # class 40: serialization failure, deadlock detected
    asyncpg.exceptions.LockNotAvailableError,  # 55P03: lock_timeout
    asyncpg.exceptions.QueryCanceledError,  # 57014: statement_timeout, or cancelled by an administrator
)


def database_transient(exc: BaseException) -> bool:
    """True when ``exc`` (or what it wraps) is PostgreSQL giving up on a statement that may well
    succeed if sent again: a serialization failure or deadlock (SQLSTATE class 40), a lock or
    statement timeout, a query cancelled by an administrator. The request's transaction is rolled
    back. https://www.postgresql.org/docs/current/errcodes-appendix.html
    """
    seen: BaseException | None = exc
    for _ in range(8):
        if seen is None:
            return False
        if isinstance(seen, _TRANSIENT):
            return True
        wrapped = seen.orig if isinstance(seen, DBAPIError) else None
        seen = wrapped or seen.__cause__ or seen.__context__
    return False


_REFUSED_ACCESS = (
    asyncpg.exceptions.InvalidCatalogNameError,  # 3D000: no such database
    asyncpg.exceptions.InvalidAuthorizationSpecificationError,  # class 28: no such role, password, pg_hba.conf
    asyncpg.exceptions.InsufficientPrivilegeError,  # 42501: a role without the grants
)


def database_unreadable(exc: BaseException) -> bool:
    """True when ``exc`` (or what it wraps) says the database could not be read at all, for a
    reason that is no fault of what it holds: unreachable or restarting (:func:`database_unavailable`),
    any network error (an unknown host, a connection timed out), no such database, a role it does
    not know or authenticate, a role without the grants; on SQLite a file that cannot be opened.
    The command-line checks (``verify-audit``) exit with a code of their own then, not the one
    saying the data is wrong."""
    if database_unavailable(exc):
        return True
    seen: BaseException | None = exc
    for _ in range(8):
        if seen is None:
            return False
        if isinstance(seen, (*_REFUSED_ACCESS, OSError)):
            return True
        if isinstance(seen, sqlite3.OperationalError) and str(seen) == "unable to open database file":
            return True
        wrapped = seen.orig if isinstance(seen, DBAPIError) else None
        seen = wrapped or seen.__cause__ or seen.__context__
    return False


PGBOUNCER_SETTING = "DATABASE_PGBOUNCER=true"
"""What an operator sets when PostgreSQL is reached through PgBouncer in transaction pooling mode."""

_UNSUPPORTED_STARTUP_PARAMETER = "unsupported startup parameter"
"""PgBouncer's refusal of a run-time parameter sent as the connection starts (SQLSTATE 08P01)."""


_PREPARED_STATEMENT = re.compile(r'prepared statement "[^"]*" (already exists|does not exist)')
"""PostgreSQL's message for the errors of :data:`_PGBOUNCER_SYMPTOMS`, as SQLAlchemy may wrap it
without the driver's class name."""

_PGBOUNCER_SYMPTOMS = (
    asyncpg.exceptions.DuplicatePreparedStatementError,  # 42P05: prepared on another client's turn
    asyncpg.exceptions.InvalidSQLStatementNameError,  # 26000: "… does not exist": prepared on another server connection
)


def _is_pgbouncer_symptom(error: BaseException) -> bool:
    if isinstance(error, _PGBOUNCER_SYMPTOMS):
        return True
    return isinstance(error, asyncpg.PostgresError) and str(error).startswith(_UNSUPPORTED_STARTUP_PARAMETER)


def _pgbouncer_symptom(exc: BaseException) -> BaseException | None:
    """The error in ``exc`` (or what it wraps) that PgBouncer in transaction pooling mode causes
    when the app is not configured for it, or None."""
    seen: BaseException | None = exc
    for _ in range(8):
        if seen is None:
            return None
        if _is_pgbouncer_symptom(seen):
            return seen
        wrapped = seen.orig if isinstance(seen, DBAPIError) else None
        seen = wrapped or seen.__cause__ or seen.__context__
    return None


def pgbouncer_not_configured(exc: BaseException) -> str | None:
    """One line for an operator (English, no line break) when ``exc`` (or what it wraps) is what
    PgBouncer in transaction pooling mode causes when the app was not told of it; None otherwise.

    The errors: asyncpg's ``DuplicatePreparedStatementError`` (``prepared statement … already
    exists``) and ``InvalidSQLStatementNameError`` (``prepared statement … does not exist``), a
    named statement met on a server connection PgBouncer lent to another client; and a server
    refusing a run-time parameter sent as the connection starts (``unsupported startup parameter:
    statement_timeout``, as ``verify-audit`` sends). The line names the error and the setting,
    ``DATABASE_PGBOUNCER=true`` (README, "Database outages and PgBouncer"). The server answers
    such a request 503 and logs it at ERROR, once a minute at most (``app.core.problems``),
    ``/readyz`` says it; the
    command line may print it and exit as when the database cannot be read.
    """
    symptom = _pgbouncer_symptom(exc)
    if symptom is None:
        return None
    return _told(f"{type(symptom).__name__}: {(str(symptom).splitlines() or [''])[0]}")


def pgbouncer_not_configured_said(failure: str | None) -> str | None:
    """:func:`pgbouncer_not_configured` for an error already reduced to one line of text, as the
    audit sequencer keeps its last failure (``"ProgrammingError: (…) <class
    'asyncpg.exceptions.DuplicatePreparedStatementError'>: prepared statement … already exists"``):
    the line naming the setting, or None."""
    if not failure:
        return None
    names = [cls.__name__ for cls in _PGBOUNCER_SYMPTOMS]
    if (
        any(name in failure for name in names)
        or _PREPARED_STATEMENT.search(failure)
        or _UNSUPPORTED_STARTUP_PARAMETER in failure
    ):
        return _told(failure)
    return None


def _told(error: str) -> str:
    return (
        f"the database refused what this app sent ({error}): PostgreSQL is most likely reached through "
        f"PgBouncer in transaction pooling mode; set {PGBOUNCER_SETTING} (or add ?pgbouncer=true to "
        'DATABASE_URL), see README "Database outages and PgBouncer"'
    )


def database_described(url: str) -> str:
    """Where a database URL leads, for an operator, never its password: ``"PostgreSQL at
    db.internal:5432, database desk, role desk_app"``, ``"SQLite file /var/lib/desk/desk.db"``."""
    from sqlalchemy.engine import make_url
    from sqlalchemy.exc import ArgumentError

    try:
        parsed = make_url(url)
    except ArgumentError:
        return "not a database URL"
    if parsed.get_backend_name() == "sqlite":
        return f"SQLite file {parsed.database or ':memory:'}"
    role = f", role {parsed.username}" if parsed.username else ""
    return f"PostgreSQL at {parsed.host or 'localhost'}:{parsed.port or 5432}, database {parsed.database}{role}"


def database_refusal(exc: BaseException, *, setting: str, url: str) -> str:
    """One line (no line break, never the password) saying why the database of ``setting`` (its
    value ``url``) could not be used: PgBouncer not told (:func:`pgbouncer_not_configured`), the
    server unreachable (refused, timed out, unknown host, restarting), or the role, the password
    or the database refused; with the driver's first line of error."""
    from sqlalchemy.engine import make_url

    where = f"{setting} ({database_described(url)})"
    if (told := pgbouncer_not_configured(exc)) is not None:
        return f"the database of {where} cannot be used: {told}"
    seen: BaseException = exc
    while isinstance(seen, DBAPIError) and seen.orig is not None:
        seen = seen.orig
    if isinstance(seen.__cause__, (asyncpg.PostgresError, OSError)):  # SQLAlchemy's adapter "Error": the driver's
        seen = seen.__cause__
    reason = f"{type(seen).__name__}: {(str(seen).splitlines() or [''])[0]}"
    password = make_url(url).password if "://" in url else None
    if password:
        reason = reason.replace(str(password), "***")
    if database_unavailable(exc) or (isinstance(seen, OSError) and not isinstance(seen, sqlite3.Error)):
        return f"the database of {where} cannot be reached ({reason}); check that the server runs there"
    return f"the database of {where} refused this connection ({reason}); check the role, its password and the database"
