"""Login rate limiting: failed logins counted atomically per account, per client address and per
(address, account) pair, in fixed windows of ``LOGIN_WINDOW_SECONDS``.

The policy (README, "Login rate limiting"; OWASP Authentication Cheat Sheet, "Login Throttling";
NIST SP 800-63B §5.2.2, "Rate Limiting (Throttling)"):

* **account** — after ``LOGIN_MAX_FAILURES`` failures on one account (from any address) in its
  window, that account answers 429 until the window ends, whatever the password.
* **address** — a client address may fail ``PER_ADDRESS_FACTOR`` × that many times in its window
  (staff behind one proxy share an address). Past that cap it is not locked out: each account may
  still be tried from it while the account has no failure from that address in the window (so a
  colleague's correct password still works), and an account that has failed from it answers 429.
  Password spraying from the address thus gets at most one guess per account per window.
* A successful login clears its own account's and pair's failures (NIST counts *consecutive*
  failures) and takes back only its own attempt from the address's count: it never clears another
  account's failures nor the address's, so logging into one's own account does not reopen
  spraying.

Counting is atomic on SQLite and PostgreSQL: every attempt first reserves a failure with one
``INSERT … ON CONFLICT DO UPDATE … RETURNING`` per key, in a short transaction of its own that
commits before the password is checked (parallel attempts cannot all read the same old count): at
most ``LOGIN_MAX_FAILURES`` passwords of one account are ever being checked or have failed in a
window, however many guesses arrive at once. A reservation is *in flight* until its verdict: a
success gives it back in the request's transaction, a wrong password leaves it counted as a
failure (:func:`failed`). Refused attempts (429) do not count, and neither does an attempt that ends
without a verdict on its password (the database unreachable or busy, the request cancelled) or whose
correct login is not stored (its transaction rolled back): :func:`release` gives its reservation
back, so a desk's outage never locks its staff out. The same transaction deletes every count whose
window has ended (an ended window counts as no row at all), so the table holds only the keys tried
in the last window.

A refusal says which it is (:class:`Refusal`): ``locked`` when the failures already verified fill
the allowance (the lockout: until the window ends), ``busy`` when attempts still in flight fill it
(simultaneous logins: their verdicts come within a second, and correct ones free their places).
:func:`reserve` waits for those verdicts up to ``wait_seconds`` before answering ``busy``, so
simultaneous correct logins to one account all get in. An attempt in flight longer than
:data:`IN_FLIGHT_SECONDS` (its process died before its verdict) counts as the failure it reserved.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
import weakref
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Literal

import anyio
from sqlalchemy import ColumnElement, case, delete, literal, or_, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine, AsyncSession

from app.auth.models import LoginThrottle
from app.core.db import READ_ONLY_OPTION, UTCDateTime, utcnow
from app.core.retried import retry_in_background

PER_ADDRESS_FACTOR = 4
"""A client address may fail this many times more than one account before it is restricted."""

IN_FLIGHT_SECONDS = 60
"""How long a reserved attempt may await its verdict (one account read and one Argon2 check, a
second at most, plus any wait for a connection or a lock) before it is counted as a failure: its
request died without giving it back."""

BUSY_RETRY_AFTER_SECONDS = 1
"""``Retry-After`` of a ``busy`` refusal: attempts in flight get their verdict within about a second."""

_POLL_SECONDS = (0.02, 0.04, 0.08, 0.15)
"""Pauses between two looks at the counts while waiting for attempts in flight (then the last)."""

_LOOK_SHARED_SECONDS = 0.1
"""Attempts waiting on the same keys in one process share a look this recent (one read per key
set and process every so often, however many guesses wait: they must not slow the checks that
they wait for)."""

_looks: weakref.WeakKeyDictionary[AsyncEngine, dict[tuple[Any, ...], tuple[float, asyncio.Task[Refusal | None]]]]
_looks = weakref.WeakKeyDictionary()

_TABLE = LoginThrottle.__table__


@dataclass(frozen=True)
class Reservation:
    """The keys an attempt counted under, with the window each count belongs to."""

    windows: dict[str, dt.datetime]
    account_key: str
    pair_key: str | None
    address_key: str | None
    reserved_at: dt.datetime | None = None
    """When it was counted: its time in flight (:data:`IN_FLIGHT_SECONDS`) runs from then."""


@dataclass(frozen=True)
class Refusal:
    """The attempt is refused (429); ``retry_after`` in whole seconds (RFC 9110 §10.2.3).

    ``kind``: ``locked`` — the failures already verified fill the allowance; ``retry_after`` is the
    whole window, after which the counts that refused it have certainly expired. ``busy`` — only
    attempts still in flight fill it; ``retry_after`` is :data:`BUSY_RETRY_AFTER_SECONDS`.
    """

    scope: Literal["account", "address"]
    retry_after: int
    kind: Literal["locked", "busy"] = "locked"


def keys(identifier: str, ip: str | None) -> tuple[str, str | None, str | None]:
    """The account, pair and address keys of an attempt (no address: only the account's)."""
    if ip is None:
        return f"account:{identifier}", None, None
    return f"account:{identifier}", f"pair:{ip} {identifier}", f"address:{ip}"


def _over(
    counts: Mapping[str, int], keyset: Sequence[str | None], max_failures: int
) -> Literal["account", "address"] | None:
    """The scope whose limit ``counts`` (this attempt included) pass, or ``None``."""
    account_key, pair_key, address_key = keyset
    assert account_key is not None
    if counts[account_key] > max_failures:
        return "account"
    if (
        address_key is not None
        and pair_key is not None
        and counts[address_key] > max_failures * PER_ADDRESS_FACTOR
        and counts[pair_key] > 1
    ):
        return "address"
    return None


def _judge(
    counts: Mapping[str, tuple[int, int]], keyset: Sequence[str | None], *, max_failures: int, window_seconds: int
) -> Refusal | None:
    """Refuse an attempt or not, from each key's (reserved, in flight) counts with this attempt
    among both: ``locked`` when its verified failures alone pass a limit, ``busy`` when only the
    attempts in flight make them pass it."""
    verified = {key: reserved - in_flight + 1 for key, (reserved, in_flight) in counts.items()}
    scope = _over(verified, keyset, max_failures)
    if scope is not None:
        return Refusal(scope, window_seconds)
    scope = _over({key: reserved for key, (reserved, _) in counts.items()}, keyset, max_failures)
    if scope is not None:
        return Refusal(scope, BUSY_RETRY_AFTER_SECONDS, "busy")
    return None


def _dialect_insert(conn: AsyncConnection):  # type: ignore[no-untyped-def]
    return postgresql.insert if conn.dialect.name == "postgresql" else sqlite.insert


def _at(value: dt.datetime) -> ColumnElement[Any]:
    return literal(value, UTCDateTime())


def _none_in_flight(now: dt.datetime) -> ColumnElement[bool]:
    """The key's attempts in flight are past :data:`IN_FLIGHT_SECONDS` (or there are none)."""
    return or_(_TABLE.c.in_flight_until.is_(None), _TABLE.c.in_flight_until <= _at(now))


async def _bump(
    conn: AsyncConnection, key: str, *, now: dt.datetime, window: dt.timedelta
) -> tuple[int, int, dt.datetime]:
    """Count one attempt under ``key`` (a new window when the last one is over): (reserved, in
    flight, window start). Attempts in flight past their time are left counted, as failures."""
    expired: ColumnElement[bool] = _TABLE.c.window_start <= _at(now - window)
    insert = _dialect_insert(conn)(_TABLE).values(key=key, window_start=now, failures=1, in_flight=1)
    statement = insert.on_conflict_do_update(
        index_elements=[_TABLE.c.key],
        set_={
            "failures": case((expired, 1), else_=_TABLE.c.failures + 1),
            "in_flight": case((expired, 1), (_none_in_flight(now), 1), else_=_TABLE.c.in_flight + 1),
            "window_start": case((expired, _at(now)), else_=_TABLE.c.window_start),
        },
    ).returning(_TABLE.c.failures, _TABLE.c.in_flight, _TABLE.c.window_start)
    reserved, in_flight, start = (await conn.execute(statement)).one()
    return int(reserved), int(in_flight), start


async def _give_back(
    conn: AsyncConnection | AsyncSession, key: str, window_start: dt.datetime, *, failure: bool
) -> None:
    """End one attempt in flight under ``key`` if its window is still the one it was counted in;
    ``failure=False`` also uncounts its reservation (it did not fail)."""
    values: dict[str, Any] = {"in_flight": case((LoginThrottle.in_flight > 0, LoginThrottle.in_flight - 1), else_=0)}
    if not failure:
        values["failures"] = case((LoginThrottle.failures > 0, LoginThrottle.failures - 1), else_=0)
    await conn.execute(
        update(LoginThrottle).where(LoginThrottle.key == key, LoginThrottle.window_start == window_start).values(values)
    )


async def _try_reserve(
    engine: AsyncEngine,
    keyset: Sequence[str | None],
    *,
    max_failures: int,
    window_seconds: int,
    now: dt.datetime,
) -> Reservation | Refusal:
    window = dt.timedelta(seconds=window_seconds)
    async with engine.begin() as conn:
        await conn.execute(delete(LoginThrottle).where(LoginThrottle.window_start <= now - window))
        counts: dict[str, tuple[int, int, dt.datetime]] = {}
        for key in keyset:
            if key is not None:
                counts[key] = await _bump(conn, key, now=now, window=window)
        refusal = _judge(
            {key: (reserved, in_flight) for key, (reserved, in_flight, _) in counts.items()},
            keyset,
            max_failures=max_failures,
            window_seconds=window_seconds,
        )
        if refusal is not None:
            for key, (_, _, start) in counts.items():
                await _give_back(conn, key, start, failure=False)
            return refusal
        await conn.execute(
            update(LoginThrottle)
            .where(LoginThrottle.key.in_(list(counts)))
            .values(in_flight_until=now + dt.timedelta(seconds=IN_FLIGHT_SECONDS))
        )
    account_key, pair_key, address_key = keyset
    assert account_key is not None
    return Reservation(
        windows={key: start for key, (_, _, start) in counts.items()},
        account_key=account_key,
        pair_key=pair_key,
        address_key=address_key,
        reserved_at=now,
    )


async def _look(
    engine: AsyncEngine, keyset: Sequence[str | None], *, max_failures: int, window_seconds: int, now: dt.datetime
) -> Refusal | None:
    """What :func:`_try_reserve` would answer now, read without writing (SQLite: without taking
    the write lock, which every other writer needs)."""
    wanted = [key for key in keyset if key is not None]
    async with engine.connect() as conn:
        conn = await conn.execution_options(**{READ_ONLY_OPTION: True})
        rows = await conn.execute(
            select(
                LoginThrottle.key,
                LoginThrottle.window_start,
                LoginThrottle.failures,
                LoginThrottle.in_flight,
                LoginThrottle.in_flight_until,
            ).where(LoginThrottle.key.in_(wanted))
        )
        found = {row.key: row for row in rows}
    counts: dict[str, tuple[int, int]] = {}
    for key in wanted:
        row = found.get(key)
        if row is None or row.window_start <= now - dt.timedelta(seconds=window_seconds):
            counts[key] = (1, 1)
            continue
        live = row.in_flight if row.in_flight_until is not None and row.in_flight_until > now else 0
        counts[key] = (row.failures + 1, live + 1)
    return _judge(counts, keyset, max_failures=max_failures, window_seconds=window_seconds)


async def _shared_look(
    engine: AsyncEngine,
    keyset: tuple[str | None, ...],
    *,
    max_failures: int,
    window_seconds: int,
    now: dt.datetime | None,
) -> Refusal | None:
    """:func:`_look`, or the answer of one begun less than :data:`_LOOK_SHARED_SECONDS` ago for the
    same keys in this process (its error too: the database is as unreachable for this attempt)."""
    shared = _looks.setdefault(engine, {})
    key = (keyset, max_failures, window_seconds, now)
    clock = anyio.current_time()
    for stale in [k for k, (began, _) in shared.items() if clock - began >= _LOOK_SHARED_SECONDS]:
        del shared[stale]
    if key not in shared:
        look = _look(engine, keyset, max_failures=max_failures, window_seconds=window_seconds, now=now or utcnow())
        task = asyncio.ensure_future(look)
        task.add_done_callback(lambda done: done.cancelled() or done.exception())  # retrieved, if all left
        shared[key] = (clock, task)
    # shielded: an attempt cancelled while waiting does not cancel the look others wait for
    return await asyncio.shield(shared[key][1])


async def reserve(
    engine: AsyncEngine,
    *,
    identifier: str,
    ip: str | None,
    max_failures: int,
    window_seconds: int,
    wait_seconds: float = 0.0,
    now: dt.datetime | None = None,
) -> Reservation | Refusal:
    """Count this attempt as a failure in flight under each of its keys, in a transaction of its
    own committed before returning; or refuse it (and count nothing).

    Refused ``busy`` (attempts in flight fill the allowance), it waits up to ``wait_seconds`` for
    their verdicts, looking at the counts now and then, and tries again whenever they would let
    it in; it is refused ``locked`` as soon as verified failures fill the allowance. ``now``
    (tests) stands for the clock throughout.

    Call before the request's own transaction begins (on SQLite that transaction holds the write
    lock). Raises SQLAlchemy's errors when the database is unreachable.
    """
    keyset = keys(identifier, ip)
    limits = {"max_failures": max_failures, "window_seconds": window_seconds}
    deadline = anyio.current_time() + wait_seconds
    pauses = iter(_POLL_SECONDS)
    while True:
        outcome = await _try_reserve(engine, keyset, now=now or utcnow(), **limits)
        if isinstance(outcome, Reservation) or outcome.kind == "locked":
            return outcome
        while True:  # busy: wait for a verdict of the attempts in flight
            remaining = deadline - anyio.current_time()
            if remaining <= 0:
                return outcome
            await anyio.sleep(min(next(pauses, _POLL_SECONDS[-1]), remaining))
            seen = await _shared_look(engine, keyset, now=now, **limits)
            if seen is not None and seen.kind == "locked":
                return seen  # failures verified meanwhile: only a success or the window's end lifts it
            if seen is None:
                break  # room now: tried again


async def _give_back_all(engine: AsyncEngine, reservation: Reservation) -> None:
    with anyio.CancelScope(shield=True):
        async with engine.begin() as conn:
            for key, start in reservation.windows.items():
                await _give_back(conn, key, start, failure=False)


async def release(engine: AsyncEngine, reservation: Reservation) -> None:
    """Give back the failure ``reservation`` counted under each key (an attempt that did not fail),
    in a transaction of its own, shielded from cancellation.

    Never raises. When the database cannot take it (it is often the reason the attempt ended: an
    outage, a restart), it is tried again in the background (:func:`app.core.retried.retry_in_background`)
    until it is taken or :data:`IN_FLIGHT_SECONDS` have passed since the attempt was counted (then
    the attempt counts as a failure until its window ends, logged): a database back within that
    minute leaves no failure counted for the attempts it failed, so an outage does not lock staff out.
    """
    try:
        await _give_back_all(engine, reservation)
    except Exception:
        began = reservation.reserved_at or utcnow()

        def gave_up() -> None:
            logging.getLogger(__name__).warning(
                "a login attempt's reservation could not be given back within %s s; it counts until its window "
                "ends (%s)",
                IN_FLIGHT_SECONDS,
                min(reservation.windows.values()),
            )

        retry_in_background(
            lambda: _give_back_all(engine, reservation),
            until=began + dt.timedelta(seconds=IN_FLIGHT_SECONDS),
            gave_up=gave_up,
        )


async def failed(session: AsyncSession, reservation: Reservation) -> None:
    """A wrong password: its reservation stays counted, as a verified failure (no longer in
    flight). In the transaction that records the failure, after the request's rolled back."""
    for key, start in reservation.windows.items():
        await _give_back(session, key, start, failure=True)


async def succeeded(session: AsyncSession, reservation: Reservation) -> None:
    """A correct login: clear its account's and pair's verified failures (the reservations of
    other attempts still in flight stay, and count when they fail), give back its own attempt from
    the address's count. Runs in the request's transaction (it commits with the login)."""
    now = utcnow()
    for key in (reservation.account_key, reservation.pair_key):
        if key is None:
            continue
        others_in_flight = case(
            (_none_in_flight(now), 0),
            (
                LoginThrottle.window_start == _at(reservation.windows[key]),
                case((LoginThrottle.in_flight > 1, LoginThrottle.in_flight - 1), else_=0),
            ),
            else_=LoginThrottle.in_flight,  # a new window, which this attempt is not counted in
        )
        await session.execute(
            update(LoginThrottle)
            .where(LoginThrottle.key == key)
            .values(failures=others_in_flight, in_flight=others_in_flight)
        )
    if reservation.address_key is not None:
        await _give_back(session, reservation.address_key, reservation.windows[reservation.address_key], failure=False)
