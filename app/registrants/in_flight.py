"""Registrations of one person sent at the same moment are checked one after the other.

A registration's duplicate check reads the registry and its insert commits a little later: two
requests for the same person sent together (a double submit without ``Idempotency-Key``, two
counters at once) would each find no duplicate and both be stored. On PostgreSQL a registration
therefore first takes a transaction-level advisory lock (PostgreSQL documentation, "Explicit
Locking", 13.3.5 "Advisory Locks") on each of the person's identifying keys: each document number,
each phone (its last nine digits, match key ``p``) and each name pair (``gf``: a given name with the
family name, phonetic, whatever the spelling). The second request waits until the first commits or
rolls back; its duplicate check then sees the first person (409 ``possible-duplicates``, or with
``confirm_duplicates`` a record listing it among the confirmed).

Different people share none of these keys, or only a name pair, and then wait at most for each
other's transaction. The locks are taken in the order of their hashes, so two registrations never
wait for each other (deadlock). SQLite needs none: every write transaction begins with ``BEGIN
IMMEDIATE``, so registrations run one after the other already.
"""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from app.core.db import transaction_driver
from app.registrants import keys as match_keys
from app.registrants.matching import PersonKeys

HELD_KINDS = frozenset({"p", "gf"})
"""The match keys held (besides document numbers): phones and name pairs."""

# One statement: the keys' 64-bit hashes (seed 13, as the other advisory locks of the app), each
# taken once, in order. The lock function is volatile: evaluated row by row after the ordered
# subquery, never ahead of it.
_HOLD_PG = """
SELECT count(pg_advisory_xact_lock(h))
FROM (SELECT DISTINCT hashtextextended(k, 13) AS h FROM unnest($1::text[]) AS k ORDER BY h) s
"""


def held(person: PersonKeys) -> list[str]:
    """The lock keys of ``person``: ``registrant:doc:<number>``, ``registrant:<kind>:<value>``."""
    found = [f"registrant:doc:{number}" for number in person.documents]
    found += [f"registrant:{kind}:{value}" for kind, value in match_keys.block_keys(person) if kind in HELD_KINDS]
    return sorted(found)


async def hold(session: AsyncSession, person: PersonKeys) -> None:
    """PostgreSQL: wait for the registrations in flight of ``person`` (sharing a key of
    :func:`held`), then keep others of them waiting until the session's transaction ends. One
    statement; nothing on SQLite. Raises what the driver raises (a lock wait cancelled by
    ``lock_timeout`` or ``statement_timeout``: ``asyncpg`` errors)."""
    if session.get_bind().dialect.name != "postgresql":
        return
    names = held(person)
    if names:
        await (await transaction_driver(session)).fetchval(_HOLD_PG, names)
