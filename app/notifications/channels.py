"""The ways a message leaves the desk: e-mail over SMTP, SMS and WhatsApp through a provider.

Every sender takes an :class:`Outgoing` message and either returns the provider's reference or
raises :class:`DeliveryError` (``permanent`` when retrying cannot help: an address refused, a
request the provider rejects; ``uncertain`` when the message may have reached the other side:
the connection broke after it was handed over). Just before the message can reach the other side
(SMTP: after the recipient was accepted, before ``DATA``; a provider: before the request), the
sender awaits the ``handing`` callback it was given: the worker commits there that the message is
``in_flight`` (:mod:`app.notifications.worker`). :meth:`Sender.confirm` asks the other side,
after a worker died, whether an in-flight message arrived (``None``: it cannot tell).
Providers for SMS and WhatsApp:

- ``log`` (default): appends one JSON line per message to ``DATA_DIR/notifications/<channel>.jsonl``
  — nothing leaves the machine; for development, tests and desks without a contract yet.
- ``twilio``: Twilio Programmable Messaging, :class:`TwilioSender`.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import json
import os
from collections.abc import Awaitable, Callable
from dataclasses import asdict, dataclass
from email.header import Header
from email.message import EmailMessage
from email.utils import formataddr, formatdate, parseaddr, parsedate_to_datetime
from pathlib import Path
from typing import Any, Protocol

import aiosmtplib
import httpx
from aiosmtplib.typing import Default

from app.core.config import Settings


@dataclass(frozen=True)
class Outgoing:
    """One rendered message: ``message_id`` is the notification's stable Message-ID
    (``<uuid@domain>``), the same on every attempt."""

    notification_id: str
    message_id: str
    channel: str
    recipient: str
    language: str
    subject: str
    body: str


class DeliveryError(Exception):
    """A message was not accepted. ``permanent``: do not retry (the worker marks it failed).
    ``uncertain``: the message was handed over and the answer never came (a connection lost or
    a timeout after the SMTP ``DATA`` or the provider request was sent): it may have arrived."""

    def __init__(self, detail: str, *, permanent: bool = False, uncertain: bool = False) -> None:
        super().__init__(detail)
        self.detail = detail
        self.permanent = permanent
        self.uncertain = uncertain


Handing = Callable[[], Awaitable[None]]
"""Awaited by a sender at the last moment before the message can reach the other side. If it
raises, the sender gives up the message without handing it over and lets the exception through."""


async def _nothing() -> None:
    return None


class Sender(Protocol):
    """A channel's way out. ``send`` returns the provider's message reference (or ``None``);
    ``confirm`` answers whether ``message``, handed over at ``handed_at`` by a worker that then
    died, reached the other side: ``True`` (with the reference), ``False`` (it did not: sending it
    again cannot duplicate it) or ``None`` (the other side cannot be asked)."""

    name: str

    async def send(self, message: Outgoing, handing: Handing = _nothing) -> str | None: ...

    async def confirm(self, message: Outgoing, handed_at: dt.datetime) -> tuple[bool, str | None] | None: ...

    async def close(self) -> None: ...


class _GuardedSMTP(aiosmtplib.SMTP):
    """aiosmtplib's client, awaiting ``before_data`` (once) before the ``DATA`` command, after the
    envelope (``MAIL FROM``, ``RCPT TO``) was accepted; ``data_started`` tells whether it was reached."""

    before_data: Handing | None = None
    data_started: bool = False

    async def data(self, message: str | bytes, /, *, timeout: Any = Default.token) -> Any:  # noqa: ASYNC109 (aiosmtplib's signature)
        hook, self.before_data = self.before_data, None
        if hook is not None:
            await hook()
        self.data_started = True
        return await super().data(message, timeout=timeout)


def _text_header(mail: EmailMessage, name: str, value: str) -> None:
    """Set the unstructured header ``name`` (RFC 5322 §3.6.5) to ``value`` so that a reader
    decodes exactly ``value``. ASCII goes through the message's policy. Other text is encoded
    whole into RFC 2047 encoded words by :class:`email.header.Header` and stored as is
    (:meth:`~email.message.Message.set_raw`): Python 3.11's policy folder splits a subject such
    as ``…mobilité — Dakar`` into adjacent encoded words and folds between them, and RFC 2047
    §6.2 makes a reader drop the white space between encoded words (``mobilité— Dakar``).
    Raises ``ValueError`` for a line break."""
    if "\r" in value or "\n" in value:
        raise ValueError(f"{name} holds a line break")
    if value.isascii():
        mail[name] = value
    else:
        mail.set_raw(name, Header(value, "utf-8", header_name=name).encode())


class SmtpSender:
    """E-mail through an SMTP server (RFC 5321) with :mod:`aiosmtplib`, one connection reused
    across messages and reopened after an error.

    The message (RFC 5322, built with :class:`email.message.EmailMessage`) carries the
    notification's ``Message-ID`` and ``Content-Language`` (RFC 3282); a subject or sender name
    beyond ASCII is RFC 2047 encoded words that decode to exactly the text (:func:`_text_header`).
    ``handing`` is awaited after ``RCPT TO`` was accepted, just before ``DATA``. Errors: a 5xx reply (refused recipient,
    message refused) is permanent; connection failures, timeouts and 4xx replies before ``DATA``
    are retried; a connection lost or a timeout once ``DATA`` was sent is ``uncertain`` (the
    server may have taken the message and its ``250`` been lost: RFC 1047). SMTP offers no way to
    ask a server whether it took a message, so :meth:`confirm` answers ``None``.
    """

    name = "smtp"

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self._client: _GuardedSMTP | None = None

    async def _connected(self) -> _GuardedSMTP:
        if self._client is not None and self._client.is_connected:
            return self._client
        s = self.settings
        client = _GuardedSMTP(
            hostname=s.smtp_host,
            port=s.smtp_port,
            timeout=s.smtp_timeout_seconds,
            use_tls=s.smtp_security == "tls",
            start_tls=s.smtp_security == "starttls",
        )
        await client.connect()
        if s.smtp_username:
            password = s.smtp_password.get_secret_value() if s.smtp_password else ""
            await client.login(s.smtp_username, password)
        self._client = client
        return client

    def build(self, message: Outgoing) -> EmailMessage:
        """The RFC 5322 message for ``message``. Raises ``ValueError`` for a header value holding a
        line break."""
        mail = EmailMessage()
        name, address = parseaddr(self.settings.smtp_from)
        if self.settings.smtp_from.isascii() or not address:
            mail["From"] = self.settings.smtp_from
        else:  # a display name in Arabic or with accents: encoded words, spaces kept (below)
            mail.set_raw("From", formataddr((name, address), charset="utf-8"))
        mail["To"] = message.recipient
        _text_header(mail, "Subject", message.subject)
        mail["Date"] = formatdate(localtime=False, usegmt=True)
        mail["Message-ID"] = message.message_id
        mail["Auto-Submitted"] = "auto-generated"  # RFC 3834: no auto-replies
        mail.set_content(message.body)
        mail["Content-Language"] = message.language  # after set_content, which resets Content-*
        return mail

    async def send(self, message: Outgoing, handing: Handing = _nothing) -> str | None:
        try:
            mail = self.build(message)
        except (ValueError, TypeError) as exc:  # a header the rendered text cannot make (a line break…)
            raise DeliveryError(f"message cannot be built: {exc}", permanent=True) from exc
        client: _GuardedSMTP | None = None
        try:
            client = await self._connected()
            client.before_data, client.data_started = handing, False
            await client.send_message(mail)
        except (aiosmtplib.SMTPRecipientsRefused, aiosmtplib.SMTPResponseException) as exc:
            await self._drop()
            code = getattr(exc, "code", None)
            if code is None and isinstance(exc, aiosmtplib.SMTPRecipientsRefused) and exc.recipients:
                code = exc.recipients[0].code
            raise DeliveryError(f"SMTP refused: {exc}", permanent=code is not None and code >= 500) from exc
        except (aiosmtplib.SMTPException, OSError, TimeoutError) as exc:
            await self._drop()
            handed = client is not None and client.data_started
            raise DeliveryError(
                f"SMTP {'connection lost after DATA' if handed else 'unavailable'}: {exc}", uncertain=handed
            ) from exc
        except BaseException:  # ``handing`` refused (the claim was lost) or the task was cancelled
            await self._drop()
            raise
        return message.message_id

    async def confirm(self, message: Outgoing, handed_at: dt.datetime) -> tuple[bool, str | None] | None:
        return None

    async def _drop(self) -> None:
        client, self._client = self._client, None
        if client is not None:
            client.close()

    async def close(self) -> None:
        client, self._client = self._client, None
        if client is not None and client.is_connected:
            try:
                await client.quit()
            except (aiosmtplib.SMTPException, OSError, TimeoutError):
                client.close()


class LogSender:
    """The default SMS/WhatsApp provider: one JSON line per message in
    ``DATA_DIR/notifications/<channel>.jsonl`` (``message_id``, ``recipient``, ``language``,
    ``body``…), flushed and fsynced before ``send`` returns. Nothing leaves the machine."""

    name = "log"

    def __init__(self, directory: Path, channel: str) -> None:
        self.path = directory / "notifications" / f"{channel}.jsonl"

    def _append(self, line: str) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        with self.path.open("a", encoding="utf-8") as handle:
            handle.write(line + "\n")
            handle.flush()
            os.fsync(handle.fileno())

    async def send(self, message: Outgoing, handing: Handing = _nothing) -> str | None:
        await handing()
        await asyncio.to_thread(self._append, json.dumps(asdict(message), ensure_ascii=False))
        return message.message_id

    def _holds(self, message_id: str) -> bool:
        if not self.path.exists():
            return False
        with self.path.open(encoding="utf-8") as handle:
            for line in handle:
                try:
                    if json.loads(line).get("message_id") == message_id:
                        return True
                except ValueError:  # a line torn by a crash mid-write is not a message
                    continue
        return False

    async def confirm(self, message: Outgoing, handed_at: dt.datetime) -> tuple[bool, str | None] | None:
        """The file is the other side: the message arrived iff a whole line carries its Message-ID."""
        found = await asyncio.to_thread(self._holds, message.message_id)
        return (True, message.message_id) if found else (False, None)

    async def close(self) -> None:
        return None


class TwilioSender:
    """SMS and WhatsApp through Twilio Programmable Messaging.

    ``POST {TWILIO_API_BASE}/2010-04-01/Accounts/{AccountSid}/Messages.json``, form-encoded
    ``To``, ``From`` (or ``MessagingServiceSid``) and ``Body``, HTTP Basic authentication with the
    Account SID and Auth Token; WhatsApp addresses are written ``whatsapp:+E164`` in ``To`` and
    ``From``. A ``201`` answers the Message resource whose ``sid`` (``SM…``) is kept. Errors come
    as JSON ``{"code", "message", "more_info", "status"}``: ``429`` and ``5xx`` are retried, other
    ``4xx`` are permanent (e.g. ``21211`` invalid ``To``). Source: Twilio docs, "Messages resource"
    (https://www.twilio.com/docs/messaging/api/message-resource) and "Programmable Messaging API
    overview" (https://www.twilio.com/docs/sms/api: base URL, Basic auth).

    Twilio has no idempotency key on this call. ``handing`` is awaited just before the request;
    a failure after the request may have left (a read timeout, a connection dropped mid-answer)
    is ``uncertain``. :meth:`confirm` asks Twilio whether an in-flight message was created: the
    Messages list, ``GET …/Messages.json?To=…&PageSize=50`` (newest first), holding a message to
    the same address created since the hand-over with the same ``Body`` (``True`` with its sid),
    or none (``False``).
    WhatsApp messages outside the 24-hour customer-service window must use an approved template
    (``ContentSid``): this sender sends free text, which Twilio refuses outside that window.
    """

    name = "twilio"

    def __init__(self, settings: Settings, channel: str, client: httpx.AsyncClient | None = None) -> None:
        self.settings = settings
        self.channel = channel
        token = settings.twilio_auth_token.get_secret_value() if settings.twilio_auth_token else ""
        self._client = client or httpx.AsyncClient(
            base_url=settings.twilio_api_base,
            auth=(settings.twilio_account_sid, token),
            timeout=settings.provider_timeout_seconds,
        )

    def _address(self, number: str) -> str:
        return f"whatsapp:{number}" if self.channel == "whatsapp" else number

    async def send(self, message: Outgoing, handing: Handing = _nothing) -> str | None:
        s = self.settings
        form = {"To": self._address(message.recipient), "Body": message.body}
        sender = s.twilio_whatsapp_from if self.channel == "whatsapp" else s.twilio_sms_from
        if s.twilio_messaging_service_sid and self.channel == "sms":
            form["MessagingServiceSid"] = s.twilio_messaging_service_sid
        else:
            form["From"] = self._address(sender)
        url = f"/2010-04-01/Accounts/{s.twilio_account_sid}/Messages.json"
        await handing()
        try:
            response = await self._client.post(url, data=form)
        except (httpx.ConnectError, httpx.ConnectTimeout, httpx.PoolTimeout) as exc:  # the request never left
            raise DeliveryError(f"Twilio unreachable: {exc!r}") from exc
        except httpx.HTTPError as exc:
            raise DeliveryError(f"Twilio's answer was lost: {exc!r}", uncertain=True) from exc
        if response.status_code in (200, 201):
            sid = response.json().get("sid")
            return str(sid) if sid else None
        try:
            error = response.json()
        except ValueError:
            error = {}
        detail = f"Twilio {response.status_code}: {error.get('code')} {error.get('message', response.text[:200])}"
        retry = response.status_code == 429 or response.status_code >= 500
        raise DeliveryError(detail, permanent=not retry)

    async def confirm(self, message: Outgoing, handed_at: dt.datetime) -> tuple[bool, str | None] | None:
        url = f"/2010-04-01/Accounts/{self.settings.twilio_account_sid}/Messages.json"
        try:
            response = await self._client.get(url, params={"To": self._address(message.recipient), "PageSize": 50})
            listed = response.json().get("messages") if response.status_code == 200 else None
        except (httpx.HTTPError, ValueError):
            return None
        if not isinstance(listed, list):
            return None
        since = handed_at - dt.timedelta(minutes=1)  # clocks differ
        covered = len(listed) < 50  # the whole list, or a page reaching back before the hand-over
        for item in listed:
            try:
                created = parsedate_to_datetime(item["date_created"])
            except (KeyError, TypeError, ValueError):
                return None
            if created < since:
                covered = True
            elif item.get("body") == message.body:
                return True, str(item.get("sid") or "") or None
        return (False, None) if covered else None

    async def close(self) -> None:
        await self._client.aclose()


def senders_for(settings: Settings) -> dict[str, Sender]:
    """``{channel: sender}`` configured by ``EMAIL_PROVIDER``, ``SMS_PROVIDER`` and ``WHATSAPP_PROVIDER``."""
    email: Sender = SmtpSender(settings) if settings.email_provider == "smtp" else LogSender(settings.data_dir, "email")
    found: dict[str, Sender] = {"email": email}
    for channel, provider in (("sms", settings.sms_provider), ("whatsapp", settings.whatsapp_provider)):
        found[channel] = (
            TwilioSender(settings, channel) if provider == "twilio" else LogSender(settings.data_dir, channel)
        )
    return found
