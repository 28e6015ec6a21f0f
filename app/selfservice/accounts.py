"""Person accounts: one-time codes (sending limits included), sign-in/sign-up, sign-out.

Sending a code (:func:`request_code`) answers the same whether or not an account exists for the
recipient (no account enumeration; OWASP Authentication Cheat Sheet, "Authentication and Error
Messages"). Limits, checked in this order, each answering 429 ``code-sending-limited`` with
``Retry-After`` (RFC 9110 §10.2.3) in seconds and nothing sent:

* per client address: ``SELF_SERVICE_CODES_PER_ADDRESS_PER_HOUR`` codes in the last hour;
* per recipient: a cool-down of ``SELF_SERVICE_CODE_COOLDOWN_SECONDS`` after the last code;
* per recipient: ``SELF_SERVICE_CODES_PER_RECIPIENT_PER_DAY`` codes in the last 24 hours.

The sent codes' rows are what the limits count; on PostgreSQL a transaction-scoped advisory lock
per recipient and per address serialises concurrent requests (SQLite serialises every writer).
A new code supersedes the recipient's earlier ones. A code lives ``SELF_SERVICE_CODE_TTL_SECONDS``
and dies after ``SELF_SERVICE_CODE_MAX_ATTEMPTS`` wrong tries (NIST SP 800-63B §5.2.2); the wrong
tries are counted even though the request fails.
"""

from __future__ import annotations

import datetime as dt
import logging
import math
import uuid
from dataclasses import dataclass

import anyio
import phonenumbers
from sqlalchemy import Select, func, select, text, update
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession

from app.audit import service as audit
from app.core.config import Settings
from app.core.context import Actor, RequestContext
from app.core.db import on_failure, utcnow
from app.core.errors import ValidationFailed
from app.core.explained import in_french
from app.core.ids import new_id
from app.core.reasons import said
from app.core.retried import retry_in_background
from app.registrants.normalize import parse_phone
from app.selfservice import credentials, delivery
from app.selfservice.errors import CodeSendingLimited, InvalidCode
from app.selfservice.models import OneTimeCode, PersonAccount
from app.selfservice.schemas import CodeRequest, SignIn

_HOUR = dt.timedelta(hours=1)
_DAY = dt.timedelta(days=1)
_SMS_TYPES = frozenset({phonenumbers.PhoneNumberType.MOBILE, phonenumbers.PhoneNumberType.FIXED_LINE_OR_MOBILE})


@dataclass(frozen=True)
class Recipient:
    """Where codes go: ``kind`` ``phone`` (``identifier`` in E.164) or ``email`` (normalised, in
    small letters: :func:`email_identifier`)."""

    kind: str
    identifier: str


def email_identifier(address: str) -> str:
    """The self-service identifier of an already normalised e-mail address: in small letters, so
    that one mailbox is one recipient (one cool-down, one daily cap, one account) however its
    letters were typed, as staff e-mails are compared (``app.auth.service``). ``str.lower``, not
    ``casefold``: the codes are sent to this address, and folding ``ß`` to ``ss`` would name
    another mailbox."""
    return address.lower()


def account_named(identifier: str) -> Select[PersonAccount]:
    """The query of the account signing in as ``identifier`` (a :class:`Recipient`'s), compared in
    small letters: an account stored before addresses were kept in small letters is found too
    (none is rewritten). Should two such accounts differ only by case, the linked one is taken,
    then the oldest."""
    return (
        select(PersonAccount)
        .where(func.lower(PersonAccount.identifier) == identifier)
        .order_by(PersonAccount.registrant_id.is_(None), PersonAccount.created_at, PersonAccount.id)
        .limit(1)
    )


async def sign_in_identifiers(session: AsyncSession, registrant_id: uuid.UUID) -> list[str]:
    """The phones and e-mail addresses the accounts linked to the file sign in with, sorted: each
    as stored and in small letters (an account stored before addresses were kept in small letters
    was sent its later codes in small letters), so the codes and their messages are found by an
    index on the address (erasure, the access archive)."""
    stored = (
        await session.execute(select(PersonAccount.identifier).where(PersonAccount.registrant_id == registrant_id))
    ).scalars()
    return sorted({form for identifier in stored for form in (identifier, email_identifier(identifier))})


def recipient_of(body: CodeRequest | SignIn) -> Recipient:
    """The recipient named in a request; ``ValidationFailed`` (422, ``errors[].loc`` ``phone``)
    for a number ``phonenumbers`` cannot validate or that cannot receive text messages: type
    ``phone_fixed_line`` for a fixed line (its detail says to ask by e-mail or with a mobile),
    ``phone_invalid`` otherwise."""
    if body.email is not None:
        return Recipient("email", email_identifier(body.email))
    assert body.phone is not None
    try:
        e164 = parse_phone(body.phone, default_region=body.country).e164
    except ValueError as exc:
        raise _bad_phone("is not a valid phone number", why=(in_french(exc), str(exc))) from None
    kind = phonenumbers.number_type(phonenumbers.parse(e164))
    if kind == phonenumbers.PhoneNumberType.FIXED_LINE:
        raise _fixed_line()
    if kind not in _SMS_TYPES:
        raise _bad_phone(
            "is not a mobile number: codes are sent by SMS or WhatsApp",
            why=(
                "pas un numéro mobile : les codes sont envoyés par SMS ou WhatsApp",
                "not a mobile number: codes are sent by SMS or WhatsApp",
            ),
        )
    return Recipient("phone", e164)


def _fixed_line() -> ValidationFailed:
    # Told at once, and how to get a code instead: queued, the code would only be withheld by the
    # worker (a fixed line takes no SMS or WhatsApp) under an answer saying it was sent. The answer
    # follows from the number alone, the same whoever holds it: it tells no one who is on file.
    return ValidationFailed(
        "The phone number is a fixed line: it cannot receive a code by SMS or WhatsApp. Ask for the code "
        "with an e-mail address or a mobile number; the desk can help.",
        detail_fr="Ce numéro est une ligne fixe : il ne peut pas recevoir de code par SMS ni par WhatsApp. "
        "Demandez le code avec une adresse e-mail ou un numéro mobile ; le guichet peut vous aider.",
        errors=[
            {
                "loc": ["body", "phone"],
                "msg": "is a fixed line: no SMS or WhatsApp reaches it; ask for the code by e-mail or with a mobile",
                "type": "phone_fixed_line",
                "reason_fr": "ligne fixe : aucun SMS ni WhatsApp ne l'atteint ; demandez le code par e-mail "
                "ou avec un mobile",
                "reason_en": "a fixed line: no SMS or WhatsApp reaches it; ask for the code by e-mail or with a mobile",
            }
        ],
    )


def _bad_phone(msg: str, *, why: tuple[str, str]) -> ValidationFailed:
    """``why``: the reason (French, English) the field's error gives (``errors[].reason``)."""
    error = {"loc": ["body", "phone"], "msg": msg, "type": "phone_invalid"}
    return ValidationFailed(
        f"The phone number {msg}.",
        detail_fr="Ce numéro de téléphone n'est pas un numéro mobile valide.",
        errors=[said(error, fr=why[0], en=why[1])],
    )


def mask(identifier: str) -> str:
    """An identifier shown partly: ``+2217*****567``, ``a***@example.org``."""
    if "@" in identifier:
        local, _, domain = identifier.partition("@")
        return f"{local[:1]}***@{domain}"
    return identifier[:5] + "*" * max(len(identifier) - 8, 0) + identifier[-3:]


def anonymous(context: RequestContext) -> Actor:
    """The actor of a request made before signing in."""
    return Actor(user_id=None, email="self-service", role="person", desk_ids=frozenset(), context=context)


async def _lock(session: AsyncSession, *keys: str) -> None:
    if session.get_bind().dialect.name == "postgresql":
        for key in sorted(keys):
            await session.execute(text("SELECT pg_advisory_xact_lock(hashtextextended(:k, 13))"), {"k": key})


def _retry_after(until: dt.datetime, now: dt.datetime) -> int:
    return max(1, math.ceil((until - now).total_seconds()))


async def _check_limits(session: AsyncSession, *, settings: Settings, identifier: str, ip: str | None) -> None:
    now = utcnow()
    if ip is not None:
        count, oldest = (
            await session.execute(
                select(func.count(), func.min(OneTimeCode.created_at)).where(
                    OneTimeCode.ip == ip, OneTimeCode.created_at > now - _HOUR
                )
            )
        ).one()
        if count >= settings.self_service_codes_per_address_per_hour:
            _refuse(_retry_after(oldest + _HOUR, now), "address")
    count, oldest, latest = (
        await session.execute(
            select(func.count(), func.min(OneTimeCode.created_at), func.max(OneTimeCode.created_at)).where(
                OneTimeCode.identifier == identifier, OneTimeCode.created_at > now - _DAY
            )
        )
    ).one()
    cooldown = dt.timedelta(seconds=settings.self_service_code_cooldown_seconds)
    if latest is not None and latest + cooldown > now:
        _refuse(_retry_after(latest + cooldown, now), "recipient_cooldown")
    if count >= settings.self_service_codes_per_recipient_per_day:
        _refuse(_retry_after(oldest + _DAY, now), "recipient_daily_cap")


def _refuse(retry_after: int, limit: str) -> None:
    raise CodeSendingLimited(
        f"Too many codes were asked for; try again in {retry_after} s.",
        detail_fr=f"Trop de codes demandés ; réessayez dans {retry_after} s.",
        headers={"Retry-After": str(retry_after)},
        limit=limit,
    )


async def request_code(
    session: AsyncSession, *, settings: Settings, context: RequestContext, body: CodeRequest
) -> OneTimeCode:
    """Create a sign-in code for the recipient and queue its message; audited
    ``self_service.code_send`` (recipient masked). Raises ``ValidationFailed`` (422) and
    ``CodeSendingLimited`` (429)."""
    recipient = recipient_of(body)
    await _lock(session, f"code:{recipient.identifier}", f"code-ip:{context.ip}")
    await _check_limits(session, settings=settings, identifier=recipient.identifier, ip=context.ip)
    now = utcnow()
    await session.execute(
        update(OneTimeCode)
        .where(
            OneTimeCode.identifier == recipient.identifier,
            OneTimeCode.consumed_at.is_(None),
            OneTimeCode.expires_at > now,
        )
        .values(expires_at=now)
    )
    code = credentials.new_sign_in_code()
    row = OneTimeCode(
        id=new_id(),
        identifier=recipient.identifier,
        channel=body.channel,
        ip=context.ip,
        created_at=now,
        expires_at=now + dt.timedelta(seconds=settings.self_service_code_ttl_seconds),
    )
    row.code_hash = credentials.code_hash(
        settings.signing_key(), code_id=row.id, identifier=recipient.identifier, code=code
    )
    session.add(row)
    await session.flush()
    actor = anonymous(context)
    assert body.channel is not None
    language = (
        body.language
        or (await session.execute(account_named(recipient.identifier).with_only_columns(PersonAccount.language)))
        .scalars()
        .first()
    )
    await delivery.send_code(
        session,
        code_id=row.id,
        channel=body.channel,
        recipient=recipient.identifier,
        code=code,
        expires_minutes=settings.self_service_code_ttl_seconds // 60,
        language=language or "fr",
        actor=actor,
    )
    await audit.record(
        session,
        actor=actor,
        action="self_service.code_send",
        entity_type="one_time_code",
        entity_id=row.id,
        details={"channel": body.channel, "recipient": mask(recipient.identifier)},
    )
    return row


async def sign_in(
    session: AsyncSession, *, settings: Settings, context: RequestContext, body: SignIn
) -> tuple[PersonAccount, str]:
    """Check the code and return ``(account, access token)``; the account is created at its
    first sign-in (audited ``self_service.sign_up``, then ``self_service.sign_in``).

    Raises ``InvalidCode`` (401) alike for no code, an expired, spent or exhausted one and a
    wrong one (the wrong try is counted and audited ``self_service.sign_in_failed``). The try of
    a right code whose sign-in is then rolled back (the database failed) is given back.
    """
    recipient = recipient_of(body)
    key = settings.signing_key()
    attempt = await _reserve_attempt(session, identifier=recipient.identifier, settings=settings)
    if attempt is None or not credentials.code_matches(
        key, code_id=attempt[0], identifier=recipient.identifier, code=body.code, stored=attempt[1]
    ):
        _audit_failure(session, code_id=attempt[0] if attempt else None, context=context)
        raise InvalidCode(
            "The code is wrong or expired; ask for a new one.",
            detail_fr="Le code est incorrect ou expiré ; demandez-en un nouveau.",
        )
    code_id = attempt[0]
    on_failure(session, lambda _: _give_back_attempt(session, code_id))  # right code, sign-in not stored
    now = utcnow()
    spent = await session.execute(
        update(OneTimeCode)
        .where(OneTimeCode.id == code_id, OneTimeCode.consumed_at.is_(None))
        .values(consumed_at=now)
        .returning(OneTimeCode.id)
    )
    if spent.first() is None:  # a concurrent sign-in with the same code won
        raise InvalidCode(
            "The code is wrong or expired; ask for a new one.",
            detail_fr="Le code est incorrect ou expiré ; demandez-en un nouveau.",
        )
    account = (await session.execute(account_named(recipient.identifier))).scalar_one_or_none()
    if account is None:
        account = PersonAccount(
            id=new_id(),
            kind=recipient.kind,
            identifier=recipient.identifier,
            created_at=now,
            token_version=1,
            language="fr",
        )
        session.add(account)
        await session.flush()
        await audit.record(
            session,
            actor=person_actor(account, None, context),
            action="self_service.sign_up",
            entity_type="person_account",
            entity_id=account.id,
            details={"kind": account.kind},
        )
    account.last_sign_in_at = now
    if body.language is not None:
        account.language = body.language
    await session.flush()
    await audit.record(
        session,
        actor=person_actor(account, None, context),
        action="self_service.sign_in",
        entity_type="person_account",
        entity_id=account.id,
        details={"code_id": code_id},
    )
    token = credentials.create_person_token(
        account_id=account.id,
        token_version=account.token_version,
        server_key=key,
        ttl_seconds=settings.self_service_token_ttl_seconds,
    )
    return account, token


async def _reserve_attempt(
    session: AsyncSession, *, identifier: str, settings: Settings
) -> tuple[uuid.UUID, str] | None:
    """Count one try against the recipient's live code, in a transaction of its own committed
    before the code is compared (parallel guesses cannot all read the same old count): the code's
    ``(id, hash)``, or ``None`` when there is no live code or its tries are spent."""
    engine = session.bind
    assert isinstance(engine, AsyncEngine), "sessions are bound to the app's engine"
    now = utcnow()
    async with engine.begin() as conn:
        latest = (
            select(OneTimeCode.id)
            .where(OneTimeCode.identifier == identifier, OneTimeCode.consumed_at.is_(None))
            .order_by(OneTimeCode.created_at.desc())
            .limit(1)
            .scalar_subquery()
        )
        row = (
            await conn.execute(
                update(OneTimeCode)
                .where(
                    OneTimeCode.id == latest,
                    OneTimeCode.expires_at > now,
                    OneTimeCode.attempts < settings.self_service_code_max_attempts,
                )
                .values(attempts=OneTimeCode.attempts + 1)
                .returning(OneTimeCode.id, OneTimeCode.code_hash)
            )
        ).first()
    return (row[0], row[1]) if row is not None else None


GIVE_BACK_SECONDS = 60
"""How long the try of a right code the database failed is tried again to be given back."""


async def _give_back_attempt(session: AsyncSession, code_id: uuid.UUID) -> None:
    """Uncount the try of a right code whose sign-in was rolled back (the database failed): an
    outage must not spend a person's tries. In a transaction of its own, shielded from
    cancellation; never raises. Refused (the database still failing), it is tried again in the
    background for :data:`GIVE_BACK_SECONDS` (:func:`app.core.retried.retry_in_background`), then
    the try stays counted, as a wrong one would be, logged."""
    engine = session.bind
    assert isinstance(engine, AsyncEngine), "sessions are bound to the app's engine"

    async def give_back() -> None:
        with anyio.CancelScope(shield=True):
            async with engine.begin() as conn:
                await conn.execute(
                    update(OneTimeCode)
                    .where(OneTimeCode.id == code_id, OneTimeCode.consumed_at.is_(None), OneTimeCode.attempts > 0)
                    .values(attempts=OneTimeCode.attempts - 1)
                )

    try:
        await give_back()
    except Exception:
        retry_in_background(
            give_back,
            until=utcnow() + dt.timedelta(seconds=GIVE_BACK_SECONDS),
            gave_up=lambda: logging.getLogger(__name__).warning(
                "sign-in code %s: its try could not be given back within %s s", code_id, GIVE_BACK_SECONDS
            ),
        )


def _audit_failure(session: AsyncSession, *, code_id: uuid.UUID | None, context: RequestContext) -> None:
    async def write(fresh: AsyncSession) -> None:
        await audit.record(
            fresh,
            actor=anonymous(context),
            action="self_service.sign_in_failed",
            entity_type="one_time_code",
            entity_id=code_id,
        )

    on_failure(session, write)


def person_actor(account: PersonAccount, desk_id: uuid.UUID | None, context: RequestContext) -> Actor:
    """The audit and service actor of a person: role ``person``, seeing only the desk of their
    linked file (none when unlinked). Services are always called with the person's own
    registrant id, never one taken from the request."""
    return Actor(
        user_id=account.id,
        email=f"person:{account.id}",
        role="person",
        desk_ids=frozenset({desk_id}) if desk_id is not None else frozenset(),
        context=context,
    )


async def sign_out(session: AsyncSession, *, account: PersonAccount, actor: Actor) -> None:
    """End every session of the account (its tokens are refused from the next request)."""
    account.token_version += 1
    await session.flush()
    await audit.record(
        session, actor=actor, action="self_service.sign_out", entity_type="person_account", entity_id=account.id
    )
