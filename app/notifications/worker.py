"""The delivery worker: claims due messages of the outbox, sends them, records the outcome.

One round (:func:`deliver_due`):

1. **Claim**, in one short transaction: the due rows — first ``sending``/``in_flight`` whose
   lease has expired (a worker died holding them), then ``queued`` whose ``next_attempt_at`` has
   come, oldest first — ``SELECT … FOR UPDATE SKIP LOCKED`` on PostgreSQL so several workers never claim
   the same row (SQLite's ``BEGIN IMMEDIATE`` serialises the claim; one worker there). Each
   becomes ``sending`` with ``attempts + 1`` (the claim's fencing token) and a lease
   (``NOTIFY_LEASE_SECONDS``). A message queued for a person on file (with a consent purpose) is
   checked again: consent no longer in force → ``withheld``; its address is the person's address
   of its channel *now* (:func:`app.notifications.addresses.readdress`: a rectified e-mail or
   phone gets it, audited ``notification.readdress``; no address left → ``withheld``). An SMS or
   WhatsApp message to a fixed line → ``withheld``. A message for an external provider (SMS,
   WhatsApp) gets its register-of-disclosures entry (legal basis ``consent``, the categories of
   data it carries, :func:`app.privacy.service.record_disclosure`) here, once per message. An expired
   ``in_flight`` row becomes ``in_doubt`` (below).
2. **Send** each, outside any transaction, rendered in its language and its desk's time zone. At
   the last moment before the message can reach the other side (SMTP: envelope accepted, before
   ``DATA``; a provider: before the request) the worker commits ``in_flight`` for that one
   message — only if its claim still holds (same ``attempts``, still ``sending``); otherwise the
   message is left to the worker that holds it and nothing is sent.
3. **Record**, one transaction per message: ``sent`` (with the provider's reference), or back to
   ``queued`` after ``NOTIFY_BACKOFF_SECONDS × 2^(attempts−1)`` (at most
   ``NOTIFY_BACKOFF_MAX_SECONDS``), or ``failed`` after a permanent error or
   ``NOTIFY_MAX_ATTEMPTS`` attempts, or ``in_doubt`` when the answer was lost after the hand-over.
   Audit event ``notification.deliver`` (status, attempts).

**In doubt.** A row found ``in_flight`` with an expired lease belongs to a worker that died
(``kill -9``, power loss) between the hand-over and the record: the other side may or may not
have the message. It is never sent again blindly (:mod:`app.notifications.doubt`). The worker asks the other side
(:meth:`~app.notifications.channels.Sender.confirm`): the log provider reads its file, Twilio
lists the messages to that number; the answer ``arrived`` makes it ``sent``, ``did not arrive``
sends it again (no duplicate is possible). SMTP cannot be asked, so an e-mail stays
``in_doubt`` until a person decides (:func:`app.notifications.service.resolve_in_doubt`:
resend, or mark sent).

Guarantee: **exactly once, or held in doubt** — never twice by the worker, never lost silently.
A kill before the ``in_flight`` commit leaves the message ``sending``: resent after the lease,
and the server never saw it. A kill after the record leaves the outcome. A kill in between leaves
one message per worker process ``in_doubt``, resolved as above. ``sent`` always means the other
side accepted the message (its reply, its confirmation, or a person's).
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import logging
from collections.abc import Mapping
from dataclasses import replace
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from app.core.config import Settings
from app.core.context import SYSTEM_ACTOR
from app.core.db import utcnow
from app.desks.models import Desk
from app.notifications.addresses import FIXED_LINE_REASON, PHONE_CHANNELS, current_addresses, is_fixed_line, readdress
from app.notifications.channels import DeliveryError, Sender, senders_for
from app.notifications.doubt import IN_DOUBT_REASON, ClaimLost, ask_about, hand_over, record_delivery
from app.notifications.models import Notification
from app.notifications.rendering import Claimed, claimed_from, desks_of, render
from app.notifications.templates import carried
from app.privacy.service import Basis, consent_in_force, record_disclosure

log = logging.getLogger(__name__)
EXTERNAL_CHANNELS = PHONE_CHANNELS
"""The channels through an external provider (a register-of-disclosures entry per message)."""


def backoff(attempts: int, settings: Settings) -> dt.timedelta:
    """The wait before attempt ``attempts + 1``: base × 2^(attempts−1), capped (seconds from settings)."""
    seconds = settings.notify_backoff_seconds * 2 ** max(attempts - 1, 0)
    return dt.timedelta(seconds=min(seconds, settings.notify_backoff_max_seconds))


async def claim(
    sessionmaker: async_sessionmaker[AsyncSession], settings: Settings, senders: Mapping[str, Sender]
) -> list[Claimed]:
    """Claim up to ``NOTIFY_BATCH`` due messages (step 1 of the module docstring)."""
    claimed: list[Claimed] = []
    doubts: list[Claimed] = []
    async with sessionmaker() as session:
        now = utcnow()
        # A dead worker's messages first (its lease expired), then the queue in order: what a
        # crash interrupted is settled at once, not after everything queued meanwhile.
        rows: list[Notification] = []
        for statuses in (("in_flight", "sending"), ("queued",)):
            rows += (
                (
                    await session.execute(
                        select(Notification)
                        .where(Notification.status.in_(statuses), Notification.next_attempt_at <= now)
                        .order_by(Notification.next_attempt_at, Notification.id)
                        .limit(settings.notify_batch - len(rows))
                        .with_for_update(skip_locked=True)
                    )
                )
                .scalars()
                .all()
            )
            if len(rows) >= settings.notify_batch:
                break
        on_file = {r.registrant_id for r in rows if r.consent_purpose and r.registrant_id and r.status != "in_flight"}
        addresses = await current_addresses(session, on_file)
        # the desk's own templates decide what its messages carry (the register of disclosures)
        desk_ids = {r.desk_id for r in rows if r.desk_id is not None}
        desk_codes = {d: c for d, c in await session.execute(select(Desk.id, Desk.code).where(Desk.id.in_(desk_ids)))}
        for row in rows:
            if row.status == "in_flight":  # its worker died between hand-over and record
                doubts.append(claimed_from(row, handed_at=row.updated_at))
                row.next_attempt_at = now
                await _finish(session, row, "in_doubt", reason=IN_DOUBT_REASON)
                continue
            if row.status == "sending" and row.attempts >= settings.notify_max_attempts:
                await _finish(session, row, "failed", reason="worker stopped during the last attempt")
                continue
            consent = None
            if row.consent_purpose and row.registrant_id:
                consent = await consent_in_force(
                    session, registrant_id=row.registrant_id, purpose=row.consent_purpose, at=now
                )
                if consent is None:
                    await _finish(session, row, "withheld", reason=f"no consent in force for {row.consent_purpose}")
                    continue
                gone = await readdress(session, row, addresses.get(row.registrant_id, {}))
                if gone is not None:
                    await _finish(session, row, "withheld", reason=gone)
                    continue
            if row.channel in PHONE_CHANNELS and is_fixed_line(row.recipient):
                await _finish(session, row, "withheld", reason=FIXED_LINE_REASON)
                continue
            external = row.channel in EXTERNAL_CHANNELS and row.disclosure_id is None and row.desk_id is not None
            if consent is not None and external and row.registrant_id and row.desk_id:
                disclosure = await record_disclosure(
                    session,
                    actor=SYSTEM_ACTOR,
                    registrant_id=row.registrant_id,
                    desk_id=row.desk_id,
                    kind="notification",
                    basis=Basis("consent", consent.purpose, consent),
                    recipient_type="provider",
                    recipient_name=senders[row.channel].name,
                    entity_type="notification",
                    entity_id=row.id,
                    fields=[
                        "phone",
                        f"message:{row.channel}",
                        *carried(
                            row.event,
                            row.context,
                            language=row.language,
                            channel=row.channel,
                            desk_code=desk_codes.get(row.desk_id, ""),
                        ),
                    ],
                    at=now,
                )
                row.disclosure_id = disclosure.id
            lease = now + dt.timedelta(seconds=settings.notify_lease_seconds)
            row.status, row.attempts, row.lease_until, row.next_attempt_at = "sending", row.attempts + 1, lease, lease
            row.provider = senders[row.channel].name
            claimed.append(claimed_from(row))
        await session.commit()
    if doubts and await ask_about(sessionmaker, senders, doubts) and not claimed:
        return await claim(sessionmaker, settings, senders)  # what did not arrive is due again now
    return claimed


async def _finish(session: AsyncSession, row: Notification, status: str, *, reason: str | None = None) -> None:
    row.status, row.reason, row.lease_until = status, reason, None
    await record_delivery(session, row, status, reason)


async def _record(
    sessionmaker: async_sessionmaker[AsyncSession],
    settings: Settings,
    message: Claimed,
    *,
    reference: str | None = None,
    error: DeliveryError | None = None,
) -> str:
    now = utcnow()
    values: dict[str, Any]
    if error is None:
        status, values = "sent", {"sent_at": now, "provider_message_id": reference, "reason": None}
    elif error.uncertain:
        status, values = "in_doubt", {"reason": f"answer lost after the hand-over: {error.detail}"[:2000]}
    elif error.permanent or message.attempts >= settings.notify_max_attempts:
        status, values = "failed", {"reason": error.detail[:2000]}
    else:
        status = "queued"
        values = {"reason": error.detail[:2000], "next_attempt_at": now + backoff(message.attempts, settings)}
    async with sessionmaker() as session:
        changed = await session.execute(
            update(Notification)
            .where(
                Notification.id == message.id,
                Notification.attempts == message.attempts,  # this worker's claim (a late answer included)
                Notification.status.in_(("sending", "in_flight", "in_doubt")),
            )
            .values(status=status, lease_until=None, updated_at=now, **values)
        )
        if changed.rowcount:  # type: ignore[attr-defined]
            await record_delivery(session, message, status, values.get("reason"))
        await session.commit()
    return status


async def _release(sessionmaker: async_sessionmaker[AsyncSession], messages: list[Claimed]) -> None:
    """Give back claimed messages not attempted (the worker is stopping): due now, attempt uncounted."""
    if not messages:
        return
    async with sessionmaker() as session:
        for message in messages:
            await session.execute(
                update(Notification)
                .where(Notification.id == message.id, Notification.status == "sending")
                .values(status="queued", attempts=message.attempts - 1, lease_until=None, next_attempt_at=utcnow())
            )
        await session.commit()


async def deliver_due(
    sessionmaker: async_sessionmaker[AsyncSession],
    settings: Settings,
    senders: Mapping[str, Sender] | None = None,
    stop: asyncio.Event | None = None,
) -> int:
    """Deliver every message due now, batch after batch, until none is left or ``stop`` is set
    (then the claimed messages not yet attempted are given back); returns how many attempts were
    made (sent, retried later or failed). With ``senders`` omitted, the configured ones
    (:func:`app.notifications.channels.senders_for`) are opened and closed here."""
    own = senders is None
    active: Mapping[str, Sender] = senders_for(settings) if senders is None else senders
    attempted = 0
    try:
        while True:
            batch = await claim(sessionmaker, settings, active)
            if not batch:
                return attempted
            desks = await desks_of(sessionmaker, {m.desk_id for m in batch if m.desk_id})
            for index, message in enumerate(batch):
                if stop is not None and stop.is_set():
                    await _release(sessionmaker, batch[index:])
                    return attempted
                attempted += 1
                try:
                    outgoing = render(message, desks.get(message.desk_id) if message.desk_id else None)
                except (KeyError, LookupError, ValueError) as exc:
                    await _record(
                        sessionmaker, settings, message, error=DeliveryError(f"template: {exc!r}", permanent=True)
                    )
                    continue

                handed: list[dt.datetime] = []

                # SMTP and the log are never asked while in flight (SMTP cannot be asked; a log line
                # is written at once); a provider is, so its lease outlasts its request's timeout.
                answer_within = settings.provider_timeout_seconds if active[message.channel].name == "twilio" else 0

                async def handing(
                    message: Claimed = message, handed: list[dt.datetime] = handed, within: float = answer_within
                ) -> None:
                    handed.append(await hand_over(sessionmaker, settings, message, answer_within=within))

                try:
                    reference = await active[message.channel].send(outgoing, handing)
                except ClaimLost:  # another worker holds it now; nothing was handed over
                    continue
                except DeliveryError as exc:
                    if exc.uncertain and not handed:  # a sender that never handed it over cannot be unsure
                        exc.uncertain = False
                    await _record(sessionmaker, settings, message, error=exc)
                    if exc.uncertain:  # the answer was lost: ask the other side at once
                        await ask_about(sessionmaker, active, [replace(message, handed_at=handed[0])])
                    continue
                except Exception as exc:  # a sender's bug must not stall the queue: retried with backoff
                    log.exception("sender %s failed on notification %s", message.channel, message.id)
                    await _record(sessionmaker, settings, message, error=DeliveryError(f"sender error: {exc!r}"))
                    continue
                await _record(sessionmaker, settings, message, reference=reference)
    finally:
        if own:
            for sender in active.values():
                await sender.close()


class Worker:
    """The background loop: deliver due messages, run due periodic jobs, sleep
    ``NOTIFY_POLL_SECONDS`` when idle. Runs inside ``serve`` (``JOBS_IN_PROCESS``) or as
    ``diaspora-desk worker``.

    A failing round (the database unreachable or restarting, a role refused…) is retried, each
    round in a row that fails waiting twice as long as the last, from ``NOTIFY_POLL_SECONDS`` up to
    ``max_backoff_seconds``; it is logged once, when the rounds start failing (or fail otherwise):
    one line for a database that cannot be used, the traceback for anything else; and once when a
    round succeeds again, saying how many failed. Nothing is logged per attempt in between."""

    def __init__(
        self,
        sessionmaker: async_sessionmaker[AsyncSession],
        settings: Settings,
        *,
        max_backoff_seconds: float = 30.0,
    ) -> None:
        self.sessionmaker = sessionmaker
        self.settings = settings
        self.max_backoff_seconds = max_backoff_seconds
        self.failed_rounds = 0
        """Rounds failed in a row (0: the last one succeeded)."""
        self.failure: str | None = None
        """The last failing round's error in one line (``"ConnectionRefusedError: …"``), or None."""
        self._failing: str | None = None

    @property
    def delay_seconds(self) -> float:
        """The wait after an idle or failed round: ``NOTIFY_POLL_SECONDS``, doubled for each round
        failed in a row, up to ``max_backoff_seconds`` (or the poll interval, if longer)."""
        poll = self.settings.notify_poll_seconds
        if not self.failed_rounds:
            return poll
        return min(max(poll, self.max_backoff_seconds), poll * 2.0 ** min(self.failed_rounds, 32))

    def _failed(self, exc: Exception) -> None:
        from app.core.db_errors import database_unreadable, pgbouncer_not_configured

        told = pgbouncer_not_configured(exc)
        line = told or f"{type(exc).__name__}: {(str(exc).splitlines() or [''])[0]}"
        outage = told is not None or database_unreadable(exc)
        # One outage, however its errors are worded (refused, then starting up); another error, each.
        kind = "database" if outage else line
        self.failed_rounds, self.failure = self.failed_rounds + 1, line
        if kind == self._failing:
            return  # the same cause again: said when it began
        self._failing = kind
        bound = round(max(self.settings.notify_poll_seconds, self.max_backoff_seconds), 3)
        if outage:
            log.error(
                "notification worker: the database cannot be used (%s); retrying, backing off up to every %s s "
                "until it is back",
                line,
                bound,
            )
        else:
            log.exception("notification worker round failed (%s); retrying, backing off up to every %s s", line, bound)

    def _succeeded(self) -> None:
        if self.failed_rounds:
            log.warning("notification worker: running again after %s failed rounds", self.failed_rounds)
        self.failed_rounds, self.failure, self._failing = 0, None, None

    async def run(self, stop: asyncio.Event | None = None) -> None:
        from app.notifications.scheduler import run_due_jobs

        stop = stop or asyncio.Event()
        senders = senders_for(self.settings)
        try:
            while not stop.is_set():
                done = 0
                try:
                    await run_due_jobs(self.sessionmaker, self.settings)
                    done = await deliver_due(self.sessionmaker, self.settings, senders, stop)
                except Exception as exc:
                    self._failed(exc)
                else:
                    self._succeeded()
                if done == 0:
                    with contextlib.suppress(TimeoutError):
                        await asyncio.wait_for(stop.wait(), timeout=self.delay_seconds)
        finally:
            for sender in senders.values():
                await sender.close()
