"""How many exports one server process streams at once, in all and per staff member.

An export holds a database connection (its read-only snapshot) for as long as it streams, and an
XLSX export a writer process too: unbounded, a few large exports would take the pool from the
desk's ordinary requests. Past ``EXPORT_MAX_CONCURRENT`` exports in progress a new one answers
503 ``exports-busy``; past ``EXPORT_MAX_CONCURRENT_PER_USER`` of one staff member's, 429
``too-many-exports``; both with ``Retry-After`` (RFC 9110 §10.2.3) and nothing recorded. The
counts are per process (each server process has its own pool).
"""

from __future__ import annotations

import uuid
from collections import Counter
from dataclasses import dataclass, field

from app.reports.errors import ExportsBusy, TooManyExports

RETRY_AFTER_SECONDS = 10


@dataclass
class Slot:
    """One export's place; :meth:`release` gives it back (harmless twice)."""

    slots: ExportSlots
    user_id: uuid.UUID
    released: bool = False

    def release(self) -> None:
        if not self.released:
            self.released = True
            self.slots._give_back(self.user_id)


@dataclass
class ExportSlots:
    """At most ``total`` exports in progress, ``per_user`` of one staff member's."""

    total: int
    per_user: int
    _users: Counter[uuid.UUID] = field(default_factory=Counter)

    @property
    def in_progress(self) -> int:
        return sum(self._users.values())

    def take(self, user_id: uuid.UUID) -> Slot:
        """A place for an export by ``user_id``; raises ``TooManyExports`` (429) or
        ``ExportsBusy`` (503), each with ``Retry-After``."""
        self.check(user_id)
        self._users[user_id] += 1
        return Slot(self, user_id)

    def check(self, user_id: uuid.UUID) -> None:
        """Raise what :meth:`take` would, taking nothing (a ``HEAD`` answers as its ``GET``)."""
        retry = {"Retry-After": str(RETRY_AFTER_SECONDS)}
        if self._users[user_id] >= self.per_user:
            raise TooManyExports(
                f"You already have {self.per_user} exports in progress; start this one when one of them is done.",
                detail_fr=f"Vous avez déjà {self.per_user} exports en cours ; lancez celui-ci quand l'un d'eux "
                "sera terminé.",
                headers=retry,
            )
        if self.in_progress >= self.total:
            raise ExportsBusy(
                f"{self.total} exports are in progress, the most this server runs at once; try again shortly.",
                detail_fr=f"{self.total} exports sont en cours, le maximum que ce serveur mène à la fois ; "
                "réessayez dans un instant.",
                headers=retry,
            )

    def _give_back(self, user_id: uuid.UUID) -> None:
        self._users[user_id] -= 1
        if self._users[user_id] <= 0:
            del self._users[user_id]
