"""Database engine, session factory, declarative base and portable column types.

SQLite (embedded default) is opened in WAL mode with foreign keys on and a busy timeout, and every
transaction starts with ``BEGIN IMMEDIATE`` so that concurrent writers queue instead of failing
with ``SQLITE_BUSY_SNAPSHOT`` (https://www.sqlite.org/lang_transaction.html). PostgreSQL is used
through asyncpg.
"""

from __future__ import annotations

import datetime as dt
import logging
import time
import uuid
import weakref
from collections.abc import AsyncIterator, Awaitable, Callable, Mapping
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import Any, cast

from sqlalchemy import JSON, DateTime, MetaData, event, inspect, text
from sqlalchemy.engine import Dialect, Engine, make_url
from sqlalchemy.exc import InvalidatePoolError
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine, AsyncSession, async_sessionmaker, create_async_engine
from sqlalchemy.orm import DeclarativeBase, Mapped, Session, mapped_column
from sqlalchemy.sql import ClauseElement
from sqlalchemy.sql.compiler import SQLCompiler
from sqlalchemy.types import TypeDecorator

from app.core import json_text
from app.core.db_errors import database_unavailable
from app.core.ids import new_id

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class UTCDateTime(TypeDecorator[dt.datetime]):
    """A timezone-aware UTC timestamp on every backend.

    Accepts only aware datetimes (raises ``ValueError`` for naive ones) and always returns aware
    datetimes in UTC. PostgreSQL stores ``timestamptz``; SQLite stores the UTC wall time.
    """

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: dt.datetime | None, dialect: Dialect) -> dt.datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime: times are stored in UTC and must carry an offset")
        value = value.astimezone(dt.UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: dt.datetime | None, dialect: Dialect) -> dt.datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=dt.UTC)
        return value.astimezone(dt.UTC)


_canonical_text = json_text.writer(sort_keys=True, compact=True, ensure_ascii=False)


def _storable_text(value: Any) -> str:
    text = _canonical_text(value)
    if not text.isascii():
        text.encode()  # UnicodeEncodeError for a lone surrogate
    return text


class CanonicalText(str):
    """A value's canonical JSON text, made by :meth:`CanonicalJSON.text`: a :class:`CanonicalJSON`
    column given one stores it as it is instead of encoding the value again."""

    __slots__ = ()


class CanonicalJSON(TypeDecorator[Any]):
    """JSON stored as its canonical text: keys sorted, no white space, UTF-8
    (``json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False)``), the form
    the audit chain hashes (:mod:`app.audit.chain`). PostgreSQL's ``json`` and SQLite keep the
    text as written, so a reader that hashes it can often skip parsing and encoding it again.

    Values are read back as :class:`~sqlalchemy.types.JSON` reads them. A value :mod:`json`
    cannot write raises ``TypeError``, as with ``JSON``; one holding a string with a lone
    surrogate raises ``ValueError`` (``UnicodeEncodeError``): no UTF-8 holds it, and the audit
    chain could not hash it (stored escaped, it would stop the sequencer at that event). Requests
    never carry one (:mod:`app.core.text`, :mod:`app.core.middleware` refuse it)."""

    impl = JSON
    cache_ok = True

    @staticmethod
    def text(value: Any) -> CanonicalText:
        """The text ``value`` is stored as (``None`` is JSON ``null``, as :class:`JSON` writes it),
        with the errors of storing it (``TypeError``, ``ValueError``): for a writer that needs the
        text itself too (to hash it) and then stores it without a second encoding."""
        return CanonicalText(_storable_text(value))

    @staticmethod
    def serialize(value: Any) -> str:
        """The text ``value`` is stored as: :meth:`text`'s, or ``value`` itself when it is one."""
        return value if type(value) is CanonicalText else _storable_text(value)

    def bind_processor(self, dialect: Dialect) -> Callable[[Any], str]:
        # The whole of JSON's bind processing (its serialiser) replaced: the driver gets the text.
        return self.serialize


INTEGER_MAX = 2**31 - 1
"""The largest value of an SQL ``INTEGER`` column on every database (32 bits on PostgreSQL;
SQLite's 64-bit integers hold more). A number typed by a client that is looked up in such a
column is bounded by it as input, so that it is refused naming the field, the same on both."""


def utcnow() -> dt.datetime:
    """The current time, timezone-aware, in UTC."""
    return dt.datetime.now(dt.UTC)


class Base(DeclarativeBase):
    """Declarative base with the constraint naming convention used by the migrations."""

    metadata = MetaData(naming_convention=NAMING_CONVENTION)
    type_annotation_map = {dt.datetime: UTCDateTime}


class UUIDPrimaryKey:
    """Mixin: a random UUID primary key, never guessable from another record's."""

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)


def next_version(model: type[Base]) -> dict[str, Any]:
    """The value that moves a versioned model's ``version`` (its ``version_id_col``) in a bulk
    ``UPDATE``, ``{"version": version + 1}``; ``{}`` for a model without one.

    The ORM moves the version of the rows it flushes itself, never of those a bulk ``update()``
    writes: such a statement changing what a read of the record shows adds these values, so the
    record's ETag moves and a write sent with an ETag read before is refused (412).
    """
    mapper = inspect(model)
    column = mapper.version_id_col
    return {} if column is None else {mapper.get_property_by_column(column).key: column + 1}


class Timestamps:
    """Mixin: ``created_at``/``updated_at`` in UTC."""

    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(default=utcnow, onupdate=utcnow)


APP_SEARCH_PATH = "pg_catalog, public, pg_temp"
"""The ``search_path`` every PostgreSQL connection of the application starts with (not behind
PgBouncer, see :func:`create_engine`), whatever default the role or the database was given
(``ALTER ROLE … SET search_path``, which the application's role may run on itself): pg_catalog's
functions and operators first, then the application's tables in ``public``, temporary objects last
(never found before those). The human-number sequences are always named schema-qualified
(``number_series.…``, :mod:`app.core.numbering`). Objects created unqualified on such a connection
would go to ``pg_catalog`` and are refused: the application creates none (the migrations keep the
owner's own ``search_path``)."""

READ_ONLY_OPTION = "diaspora_read_only"
"""Execution option of a read-only connection (SQLite: ``BEGIN DEFERRED`` instead of ``IMMEDIATE``)."""


def _configure_sqlite(engine: AsyncEngine, busy_timeout: float) -> None:
    @event.listens_for(engine.sync_engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        # Let SQLAlchemy, not the driver, decide when transactions begin.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute(f"PRAGMA busy_timeout={round(busy_timeout * 1000)}")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.close()

    @event.listens_for(engine.sync_engine, "begin")
    def _on_begin(conn: Any) -> None:
        # A long read-only stream (an export) opts out of the write lock: in WAL mode a deferred
        # transaction reads one consistent snapshot without blocking writers.
        if conn.get_execution_options().get(READ_ONLY_OPTION):
            conn.exec_driver_sql("BEGIN DEFERRED")
            return
        conn.exec_driver_sql("BEGIN IMMEDIATE")


def create_engine(
    url: str,
    *,
    pool_size: int = 20,
    max_overflow: int = 0,
    pool_timeout: float = 30,
    pre_ping: bool = True,
    connect_timeout: float = 10,
    busy_timeout: float = 30,
    pgbouncer: bool = False,
    server_settings: Mapping[str, str] | None = None,
    search_path: str | None = APP_SEARCH_PATH,
) -> AsyncEngine:
    """Create the async engine for ``url`` (``sqlite+aiosqlite://`` or ``postgresql+asyncpg://``).

    The pool keeps up to ``pool_size`` connections open between requests; ``max_overflow`` more
    may be opened for bursts and are closed again when returned. Opening a connection (and
    preparing its statements again) costs far more than a request's statements, so by default the
    pool is fixed: past ``pool_size`` busy connections a request waits for one, up to
    ``pool_timeout`` seconds, then SQLAlchemy raises ``TimeoutError`` (answered 503).

    PostgreSQL: with ``pre_ping`` a checkout replaces a connection the server dropped (a restart;
    how it is tested: :func:`_ping_on_checkout`), and a connection attempt gives up after ``connect_timeout``
    seconds; while the server is unreachable the errors are answered 503 (``app.core.db_errors``).
    ``pgbouncer`` (or ``?pgbouncer=true`` in ``url``, removed before connecting) configures asyncpg
    for PgBouncer's transaction pooling: no prepared-statement cache in asyncpg nor in SQLAlchemy's
    adapter, so that no statement is looked for on a server connection that never saw it, and
    every statement sent as the *unnamed* prepared statement (:func:`_unnamed_statement`), so that
    none is left behind on the server connections.

    ``server_settings`` (PostgreSQL, not behind PgBouncer, which refuses unknown startup
    parameters): run-time parameters sent when each connection starts, asyncpg's
    ``server_settings``; they override the role's and the database's defaults (``ALTER ROLE …
    SET``; PostgreSQL documentation, "Setting Parameters"). ``search_path`` (default
    :data:`APP_SEARCH_PATH`; None: the role's own) is sent with them, so a ``search_path`` the
    application's role gives itself (``ALTER ROLE … SET``) leading to objects of its own is never
    used; ``server_settings`` may still name another. Behind PgBouncer no startup parameter is
    sent: there the application's role holding CREATE on no schema is what protects
    (``app.core.roles``), and the audit sequencer pins its own (``app.audit.sequencer``).

    SQLite: a transaction waits up to ``busy_timeout`` seconds for another one's write lock; past
    that the driver raises "database is locked", answered 503 ``service-unavailable`` with
    ``Retry-After`` (``app.core.db_errors.database_busy``).
    """
    pool = {"pool_size": pool_size, "max_overflow": max_overflow, "pool_timeout": pool_timeout}
    if url.startswith("sqlite"):
        engine = create_async_engine(url, connect_args={"timeout": busy_timeout}, **pool)
        _configure_sqlite(engine, busy_timeout)
        return engine
    parsed = make_url(url)
    if parsed.query.get("pgbouncer") is not None:
        pgbouncer = pgbouncer or str(parsed.query["pgbouncer"]).lower() in {"1", "true", "yes", "on"}
        parsed = parsed.difference_update_query(["pgbouncer"])
    connect_args: dict[str, Any] = {"timeout": connect_timeout}
    startup = ({} if search_path is None else {"search_path": search_path}) | dict(server_settings or {})
    if startup and not pgbouncer:
        connect_args["server_settings"] = startup
    if pgbouncer:
        connect_args |= {
            "statement_cache_size": 0,
            "prepared_statement_cache_size": 0,
            "prepared_statement_name_func": _unnamed_statement,
        }
    engine = create_async_engine(parsed, pool_recycle=1800, connect_args=connect_args, **pool)
    if pre_ping:
        _ping_on_checkout(engine)
    if pgbouncer:
        _BEHIND_PGBOUNCER.add(engine.sync_engine)
    return engine


_BEHIND_PGBOUNCER: weakref.WeakSet[Engine] = weakref.WeakSet()


PING_AFTER_IDLE_SECONDS = 5.0
"""A pooled connection returned less than this long ago is handed out without a ping (see
:func:`_ping_on_checkout`)."""

_RETURNED_AT = "returned_at"


def _ping_on_checkout(engine: AsyncEngine) -> None:
    """Test PostgreSQL connections taken from the pool; when the server dropped one, discard every
    pooled connection opened before now and take a new one (as SQLAlchemy's ``pool_pre_ping``
    does: https://docs.sqlalchemy.org/en/20/core/pooling.html#disconnect-handling-pessimistic).

    A connection whose socket the server closed (a restart or ``pg_terminate_backend`` sends a
    FATAL message and closes it; asyncpg marks it closed as soon as the event loop reads that) is
    caught without a round trip. Only a connection idle in the pool for
    :data:`PING_AFTER_IDLE_SECONDS` or more is also sent ``SELECT 1``: one that served a request a
    moment ago is as alive as a ping would prove, and under load the ping was one round trip and a
    sixth of an audited read's CPU on every request. A connection lost silently (no FIN nor RST
    from a network fault) within that window fails the request that takes it (503,
    ``app.core.db_errors``) and is discarded.

    The ping is ``SELECT 1`` in the simple query protocol: one message and one answer instead of
    the three of SQLAlchemy's asyncpg ping (``BEGIN``, ``;``, ``ROLLBACK``), and PgBouncer's
    transaction pooling serves it like any statement outside a transaction.
    """

    @event.listens_for(engine.sync_engine, "connect")
    @event.listens_for(engine.sync_engine, "checkin")
    def _returned(_dbapi_connection: Any, record: Any) -> None:
        if record is not None:
            record.info[_RETURNED_AT] = time.monotonic()

    dialect = engine.sync_engine.dialect

    @event.listens_for(engine.sync_engine, "checkout")
    def _ping(dbapi_connection: Any, record: Any, _proxy: Any) -> None:
        if dialect.get_driver_connection(dbapi_connection).is_closed():
            raise InvalidatePoolError("the server closed the connection")
        returned = record.info.get(_RETURNED_AT)
        if returned is not None and time.monotonic() - returned < PING_AFTER_IDLE_SECONDS:
            return
        try:
            dbapi_connection.run_async(_select_one)
        except Exception as exc:
            if database_unavailable(exc):
                raise InvalidatePoolError(f"the connection failed its ping: {exc!r}") from exc
            raise


def _select_one(driver: Any) -> Awaitable[str]:
    # No arguments: the simple query protocol (asyncpg fails on the empty statement's answer).
    result: Awaitable[str] = driver.execute("SELECT 1")
    return result


def _unnamed_statement() -> str:
    """The name SQLAlchemy's asyncpg adapter prepares each statement under behind PgBouncer: ``""``,
    PostgreSQL's unnamed prepared statement, which the next statement's Parse replaces.

    SQLAlchemy's documentation suggests a unique name per statement
    (https://docs.sqlalchemy.org/en/20/dialects/postgresql.html#prepared-statement-cache), but
    a named statement lives until it is closed, and asyncpg closes one only when its object is
    garbage-collected, at the next statement it prepares, on whatever server connection PgBouncer
    lends then: the statements stayed on the connections that prepared them (measured: ~190 per
    server connection after 1,200 requests, and growing; sqlalchemy#6467). asyncpg marks an
    unnamed statement "unprepared" when its statement cache is off and sends Parse again with the
    Bind and Execute, in one round trip, so it runs even on another server connection than the one
    that described it; the unnamed statement is not listed in ``pg_prepared_statements`` and at
    most one exists per server connection.
    """
    return ""


def behind_pgbouncer(engine: AsyncEngine) -> bool:
    """True when ``engine`` was created for PgBouncer's transaction pooling (see :func:`create_engine`)."""
    return engine.sync_engine in _BEHIND_PGBOUNCER


class AppSession(Session):
    """The sync session class behind every ``AsyncSession`` of the app.

    Domains hook their commit-time work on it (the audit log appends its events in
    ``before_commit``), so the hook runs for every commit, whoever commits.
    """


def create_sessionmaker(engine: AsyncEngine, *, cursor_key: bytes | None = None) -> async_sessionmaker[AsyncSession]:
    """Sessions that keep loaded attributes after commit (no lazy reloads in async code).

    ``cursor_key`` (:func:`app.core.cursors.cursor_key`): the key the sessions carry to seal and
    open list and sync cursors (``session.info["cursor_key"]``); the app's sessions have it."""
    info = {} if cursor_key is None else {"cursor_key": cursor_key}
    return async_sessionmaker(engine, expire_on_commit=False, autoflush=False, sync_session_class=AppSession, info=info)


@dataclass(frozen=True)
class DriverSQL:
    """A SQLAlchemy statement compiled once for asyncpg, to send on :func:`transaction_driver`:
    its SQL (``$n`` placeholders), the names of its bound parameters in that order, and each one's
    bind processing as SQLAlchemy's own execution applies it (JSON serialised, UTC times checked:
    the compiled statement's bind processors for ``dialect``). Compile once and keep it: compiling
    costs more than running it."""

    sql: str
    names: tuple[str, ...]
    processors: tuple[Callable[[Any], Any] | None, ...]

    @classmethod
    def compile(cls, statement: ClauseElement, dialect: Dialect) -> DriverSQL:
        """``statement`` for ``dialect`` (an asyncpg engine's, whose codecs take JSON as text)."""
        compiled = cast(SQLCompiler, statement.compile(dialect=dialect))
        names = tuple(compiled.positiontup or ())
        processors: Mapping[str, Any] = compiled._bind_processors  # the processing execute() applies
        return cls(str(compiled), names, tuple(processors.get(name) for name in names))

    def arguments(self, values: Mapping[str, Any]) -> list[Any]:
        """The positional arguments for ``values`` (one per bound name; ``KeyError`` if one is missing)."""
        return [
            values[name] if process is None else process(values[name])
            for name, process in zip(self.names, self.processors, strict=True)
        ]


_BEGIN = text("SELECT 1")


async def transaction_driver(session: AsyncSession) -> Any:
    """The asyncpg connection under ``session``'s transaction (PostgreSQL only), begun now if need
    be: what is sent on it commits or rolls back with the session's work, without SQLAlchemy's
    statement machinery (about 0.3 ms of CPU a statement; the driver's own is a tenth of it), for
    the hot statements of a request. Errors are the driver's (``asyncpg`` exceptions). The
    connection is remembered for the rest of the transaction (finding it costs more than a statement)."""
    transaction = session.sync_session.get_transaction()
    known = session.info.get(_DRIVER)
    if transaction is not None and known is not None and known[0] is transaction and transaction.is_active:
        return known[1]
    connection = await session.connection()
    raw = await connection.get_raw_connection()
    driver = raw.driver_connection
    assert driver is not None, "a checked-out connection has its driver connection"
    if not driver.is_in_transaction():
        await _begin(connection, raw.dbapi_connection)
    session.info[_DRIVER] = (session.sync_session.get_transaction(), driver)
    return driver


async def _begin(connection: AsyncConnection, adapter: Any) -> None:
    """Open the database transaction of ``connection``, whose SQLAlchemy transaction has begun but
    whose asyncpg adapter sends ``BEGIN`` only before its first statement: the adapter's own
    ``BEGIN`` (its ``_start_transaction``, under its statement lock, as its cursors call it), one
    round trip; where a version of the adapter lacks it, a first statement (``SELECT 1``), two.
    The transaction is then the adapter's: it commits and rolls back with the session."""
    start = getattr(adapter, "_start_transaction", None)
    lock = getattr(adapter, "_execute_mutex", None)
    if start is None or lock is None or getattr(adapter, "_transaction", False) is not None:
        await connection.execute(_BEGIN)
        return
    async with lock:
        await start()


_DRIVER = "transaction_driver"


@asynccontextmanager
async def idle_session_connection(session: AsyncSession) -> AsyncIterator[Any]:
    """A pooled asyncpg connection (PostgreSQL only) of ``session``'s engine, for a hot statement
    sent without SQLAlchemy's statement machinery while the session itself holds no connection.

    SQLAlchemy sends no ``BEGIN`` on it, so each statement commits on its own before it returns
    (behind PgBouncer the block runs in one driver transaction, committed at its end); the
    connection goes back to the pool at the end of the ``async with``, or is discarded if the
    server dropped it. It is checked out like any other (pre-ping). Raises
    ``RuntimeError`` if the session has a transaction open: its work would not include these
    statements, and the request would hold two connections at once.
    """
    if session.in_transaction():
        raise RuntimeError("the session has a transaction open: run the statement through it")
    engine = session.bind
    assert isinstance(engine, AsyncEngine), "sessions are bound to the app's engine"
    async with engine.connect() as connection:
        driver = (await connection.get_raw_connection()).driver_connection
        assert driver is not None, "a checked-out connection has its driver connection"
        try:
            if behind_pgbouncer(engine):
                # PgBouncer hands a server connection out per transaction: the statement's
                # Parse/Bind/Execute round trips must all reach the same one.
                async with driver.transaction():
                    yield driver
            else:
                yield driver
        except Exception as exc:
            if database_unavailable(exc):
                await connection.invalidate(exc)  # not back into the pool: it is dead
            raise


ON_FAILURE_KEY = "on_failure"


def on_failure(session: AsyncSession, callback: Callable[[AsyncSession], Awaitable[None]]) -> None:
    """Run ``callback`` in a fresh transaction if the request's work is rolled back.

    For the records that must outlive a failed request: a refused login's attempt and audit event.
    """
    session.info.setdefault(ON_FAILURE_KEY, []).append(callback)


async def run_failure_callbacks(session: AsyncSession) -> bool:
    """Run the callbacks queued by :func:`on_failure`; True when there were any."""
    callbacks = session.info.pop(ON_FAILURE_KEY, [])
    for callback in callbacks:
        await callback(session)
    return bool(callbacks)


AFTER_COMMIT_KEY = "after_commit"


def after_commit(session: AsyncSession, callback: Callable[[], Awaitable[None]]) -> None:
    """Run ``callback`` once the request's work is committed (never if it is rolled back).

    For side effects outside the database that must not happen unless the work is stored: the
    removal of objects whose rows the transaction deleted. A failing callback does not undo the
    commit; what it left behind must be collectable later (``gc-storage`` for objects).
    """
    session.info.setdefault(AFTER_COMMIT_KEY, []).append(callback)


async def run_after_commit(session: AsyncSession) -> None:
    """Run (and forget) the callbacks queued by :func:`after_commit`, in order; a failure is logged
    and the next callbacks still run."""
    for callback in session.info.pop(AFTER_COMMIT_KEY, []):
        try:
            await callback()
        except Exception:  # the commit stands; the leftover is collected later
            logging.getLogger(__name__).exception("after-commit callback failed")


def discard_after_commit(session: AsyncSession) -> None:
    """Forget the callbacks queued by :func:`after_commit` (the work was rolled back)."""
    session.info.pop(AFTER_COMMIT_KEY, None)
