"""Per-process memory of verified access tokens and of the staff users behind them.

Every request used to verify its token's signature and load its user and desk memberships from
the database. Both are remembered here:

* **claims** of a verified token, by the token string (its signature is checked once; the expiry
  is checked again on every use, so an expired token is refused as before);
* the **actor** (role, desks, active) of a ``(user id, token version)`` for at most
  ``ACTOR_CACHE_SECONDS`` (default 5; 0 turns it off).

A change to staff users or desk memberships committed through this process forgets every actor at
once (SQLAlchemy session events below), so deactivating someone, changing a role or desks takes
effect immediately here. Other processes of the same deployment notice it when their entry
expires: at most ``ACTOR_CACHE_SECONDS`` later.
"""

from __future__ import annotations

import datetime as dt
import time
import uuid
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass
from typing import TypeVar

from sqlalchemy import event, inspect
from sqlalchemy.orm import ORMExecuteState, Session, SessionTransaction

from app.auth.models import DeskMembership, StaffUser
from app.core.context import Actor
from app.core.db import AppSession, utcnow
from app.core.security import AccessClaims, decode_access_token

K = TypeVar("K")
V = TypeVar("V")
_STAFF_CHANGED = "auth_staff_changed"
_STAFF_ENTITIES = (StaffUser, DeskMembership)
_ACTOR_FIELDS = ("email", "role", "is_active", "token_version")
"""What an :class:`Actor` is made of; other changes (a login's ``last_login_at``…) forget nothing."""
ACTOR_UNCHANGED = "auth_actor_unchanged"
"""Execution option of a bulk ``UPDATE`` of staff users that sets none of :data:`_ACTOR_FIELDS`
(a login's bookkeeping): it forgets no one."""
_generation = 0
"""Bumped after every commit that changed staff users or memberships; older actors are stale."""


@dataclass(frozen=True)
class _Remembered:
    actor: Actor
    generation: int
    expires: float


class AuthCache:
    """Bounded memory of token claims and actors; the least recently used entries leave first.

    ``ttl_seconds`` bounds how long an actor is reused; ``max_entries`` bounds each map.
    ``monotonic`` (seconds) and ``now`` (aware UTC) are the clocks, replaceable in tests.
    """

    def __init__(
        self,
        *,
        ttl_seconds: float,
        max_entries: int = 4096,
        monotonic: Callable[[], float] = time.monotonic,
        now: Callable[[], dt.datetime] = utcnow,
    ) -> None:
        self.ttl_seconds = ttl_seconds
        self.max_entries = max_entries
        self._monotonic = monotonic
        self._now = now
        self._claims: OrderedDict[str, AccessClaims] = OrderedDict()
        self._actors: OrderedDict[tuple[uuid.UUID, int], _Remembered] = OrderedDict()

    def claims(self, token: str, *, key: str, leeway_seconds: int = 0) -> AccessClaims | None:
        """The claims of ``token`` if it is a valid, unexpired access token signed with ``key``
        (``leeway_seconds`` of clock skew tolerated, see :func:`decode_access_token`)."""
        claims = self._claims.get(token)
        if claims is None:
            claims = decode_access_token(token, key=key, leeway_seconds=leeway_seconds)
            if claims is None:
                return None
            self._put(self._claims, token, claims)
        else:
            self._claims.move_to_end(token)
        if claims.expires_at <= self._now():
            self._claims.pop(token, None)
            return None
        return claims

    def actor(self, user_id: uuid.UUID, token_version: int) -> Actor | None:
        """The actor remembered for this user and token version, if still fresh."""
        if self.ttl_seconds <= 0:
            return None
        key = (user_id, token_version)
        entry = self._actors.get(key)
        if entry is None:
            return None
        if entry.generation != _generation or entry.expires <= self._monotonic():
            self._actors.pop(key, None)
            return None
        self._actors.move_to_end(key)
        return entry.actor

    def remember(self, user_id: uuid.UUID, token_version: int, actor: Actor, *, generation: int) -> None:
        """Remember ``actor`` as loaded while the staff generation was ``generation``.

        Pass the :func:`generation` read *before* loading: if staff changed meanwhile, the entry
        is born stale instead of hiding the change.
        """
        if self.ttl_seconds > 0:
            entry = _Remembered(actor, generation, self._monotonic() + self.ttl_seconds)
            self._put(self._actors, (user_id, token_version), entry)

    def _put(self, store: OrderedDict[K, V], key: K, value: V) -> None:
        store[key] = value
        store.move_to_end(key)
        while len(store) > self.max_entries:
            store.popitem(last=False)


def generation() -> int:
    """The current staff generation (see :meth:`AuthCache.remember`)."""
    return _generation


@event.listens_for(AppSession, "after_flush")
def _note_flushed_staff(session: Session, _context: object) -> None:
    changed = (*session.new, *session.deleted)
    if any(isinstance(obj, _STAFF_ENTITIES) for obj in changed) or any(
        _actor_changed(obj) for obj in session.dirty if isinstance(obj, _STAFF_ENTITIES)
    ):
        session.info[_STAFF_CHANGED] = True


def _actor_changed(obj: StaffUser | DeskMembership) -> bool:
    if isinstance(obj, DeskMembership):
        return True
    attrs = inspect(obj).attrs
    return any(attrs[name].history.has_changes() for name in _ACTOR_FIELDS)


@event.listens_for(AppSession, "do_orm_execute")
def _note_bulk_staff(state: ORMExecuteState) -> None:
    mapper = state.bind_mapper
    writes = state.is_insert or state.is_update or state.is_delete
    if state.execution_options.get(ACTOR_UNCHANGED):
        return
    if writes and mapper is not None and mapper.class_ in _STAFF_ENTITIES:
        state.session.info[_STAFF_CHANGED] = True


@event.listens_for(AppSession, "after_commit")
def _forget_actors(session: Session) -> None:
    global _generation
    if session.info.pop(_STAFF_CHANGED, False):
        _generation += 1


@event.listens_for(AppSession, "after_transaction_end")
def _drop_mark(session: Session, transaction: SessionTransaction) -> None:
    if transaction.parent is None:
        session.info.pop(_STAFF_CHANGED, None)
