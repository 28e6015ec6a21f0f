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
commits before the password is checked (parallel attempts cannot all read the same old count); a
success then gives the reservation back in the request's transaction. Refused attempts (429) do
not count, and neither does an attempt that ends without a verdict on its password (the database
unreachable or busy, the request cancelled) or whose correct login is not stored (its transaction
rolled back): :func:`release` gives its reservation back, so a desk's outage never locks its staff
out. The same transaction deletes every count whose window has ended (an ended window counts
as no row at all), so the table holds only the keys tried in the last window.
"""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass

import anyio
from sqlalchemy import ColumnElement, case, delete, literal, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine, AsyncSession

from app.auth.models import LoginThrottle
from app.core.db import UTCDateTime, utcnow

PER_ADDRESS_FACTOR = 4
"""A client address may fail this many times more than one account before it is restricted."""

_TABLE = LoginThrottle.__table__


@dataclass(frozen=True)
class Reservation:
    """The keys an attempt counted under, with the window each count belongs to."""

    windows: dict[str, dt.datetime]
    account_key: str
    pair_key: str | None
    address_key: str | None


@dataclass(frozen=True)
class Refusal:
    """The attempt is refused (429); ``retry_after`` in whole seconds (RFC 9110 §10.2.3): the
    whole window, after which the counts that refused it have certainly expired."""

    scope: str  # "account" or "address"
    retry_after: int


def keys(identifier: str, ip: str | None) -> tuple[str, str | None, str | None]:
    """The account, pair and address keys of an attempt (no address: only the account's)."""
    if ip is None:
        return f"account:{identifier}", None, None
    return f"account:{identifier}", f"pair:{ip} {identifier}", f"address:{ip}"


def _dialect_insert(conn: AsyncConnection):  # type: ignore[no-untyped-def]
    return postgresql.insert if conn.dialect.name == "postgresql" else sqlite.insert


async def _bump(conn: AsyncConnection, key: str, *, now: dt.datetime, window: dt.timedelta) -> tuple[int, dt.datetime]:
    """Count one failure under ``key`` (a new window when the last one is over): (count, window start)."""
    now_value = literal(now, UTCDateTime())
    expired: ColumnElement[bool] = _TABLE.c.window_start <= literal(now - window, UTCDateTime())
    insert = _dialect_insert(conn)(_TABLE).values(key=key, window_start=now, failures=1)
    statement = insert.on_conflict_do_update(
        index_elements=[_TABLE.c.key],
        set_={
            "failures": case((expired, 1), else_=_TABLE.c.failures + 1),
            "window_start": case((expired, now_value), else_=_TABLE.c.window_start),
        },
    ).returning(_TABLE.c.failures, _TABLE.c.window_start)
    failures, start = (await conn.execute(statement)).one()
    return int(failures), start


async def _give_back(conn: AsyncConnection | AsyncSession, key: str, window_start: dt.datetime) -> None:
    """Uncount one failure under ``key`` if its window is still the one it was counted in."""
    await conn.execute(
        update(LoginThrottle)
        .where(LoginThrottle.key == key, LoginThrottle.window_start == window_start, LoginThrottle.failures > 0)
        .values(failures=LoginThrottle.failures - 1)
    )


async def reserve(
    engine: AsyncEngine,
    *,
    identifier: str,
    ip: str | None,
    max_failures: int,
    window_seconds: int,
    now: dt.datetime | None = None,
) -> Reservation | Refusal:
    """Count this attempt as a failure under each of its keys, in a transaction of its own
    committed before returning; or refuse it (and count nothing).

    Call before the request's own transaction begins (on SQLite that transaction holds the write
    lock). Raises SQLAlchemy's errors when the database is unreachable.
    """
    now = now or utcnow()
    window = dt.timedelta(seconds=window_seconds)
    account_key, pair_key, address_key = keys(identifier, ip)
    async with engine.begin() as conn:
        await conn.execute(delete(LoginThrottle).where(LoginThrottle.window_start <= now - window))
        counts: dict[str, tuple[int, dt.datetime]] = {}
        for key in (account_key, pair_key, address_key):
            if key is not None:
                counts[key] = await _bump(conn, key, now=now, window=window)
        refusal: Refusal | None = None
        account_failures = counts[account_key][0]
        if account_failures > max_failures:
            refusal = Refusal("account", window_seconds)
        elif address_key is not None and pair_key is not None:
            address_failures = counts[address_key][0]
            pair_failures = counts[pair_key][0]
            if address_failures > max_failures * PER_ADDRESS_FACTOR and pair_failures > 1:
                refusal = Refusal("address", window_seconds)
        if refusal is not None:
            for key, (_, start) in counts.items():
                await _give_back(conn, key, start)
            return refusal
    return Reservation(
        windows={key: start for key, (_, start) in counts.items()},
        account_key=account_key,
        pair_key=pair_key,
        address_key=address_key,
    )


async def release(engine: AsyncEngine, reservation: Reservation) -> None:
    """Give back the failure ``reservation`` counted under each key (an attempt that did not fail),
    in a transaction of its own, shielded from cancellation.

    Never raises: when the database cannot take it (it is the reason the attempt ended), the
    reservation is logged and counts until its window ends, as a failure would.
    """
    try:
        with anyio.CancelScope(shield=True):
            async with engine.begin() as conn:
                for key, start in reservation.windows.items():
                    await _give_back(conn, key, start)
    except Exception:
        logging.getLogger(__name__).warning(
            "a login attempt's reservation could not be given back; it counts until %s",
            min(reservation.windows.values()),
            exc_info=True,
        )


async def succeeded(session: AsyncSession, reservation: Reservation) -> None:
    """A correct login: clear its account's and pair's failures, give back its own attempt from
    the address's count. Runs in the request's transaction (it commits with the login)."""
    for key in (reservation.account_key, reservation.pair_key):
        if key is not None:
            await session.execute(update(LoginThrottle).where(LoginThrottle.key == key).values(failures=0))
    if reservation.address_key is not None:
        await _give_back(session, reservation.address_key, reservation.windows[reservation.address_key])
