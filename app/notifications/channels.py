"""The ways a message leaves the desk: e-mail over SMTP, SMS and WhatsApp through a provider.

Every sender takes an :class:`Outgoing` message and either returns the provider's reference or
raises :class:`DeliveryError` (``permanent`` when retrying cannot help: an address refused, a
request the provider rejects). Providers for SMS and WhatsApp:

- ``log`` (default): appends one JSON line per message to ``DATA_DIR/notifications/<channel>.jsonl``
  — nothing leaves the machine; for development, tests and desks without a contract yet.
- ``twilio``: Twilio Programmable Messaging, :class:`TwilioSender`.
"""

from __future__ import annotations

import asyncio
import json
import os
from dataclasses import asdict, dataclass
from email.message import EmailMessage
from email.utils import formatdate
from pathlib import Path
from typing import Protocol

import aiosmtplib
import httpx

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
    """A message was not accepted. ``permanent``: do not retry (the worker marks it failed)."""

    def __init__(self, detail: str, *, permanent: bool = False) -> None:
        super().__init__(detail)
        self.detail = detail
        self.permanent = permanent


class Sender(Protocol):
    """A channel's way out. ``send`` returns the provider's message reference (or ``None``)."""

    name: str

    async def send(self, message: Outgoing) -> str | None: ...

    async def close(self) -> None: ...


class SmtpSender:
    """E-mail through an SMTP server (RFC 5321) with :mod:`aiosmtplib`, one connection reused
    across messages and reopened after an error.

    The message (RFC 5322, built with :class:`email.message.EmailMessage`) carries the
    notification's ``Message-ID`` and ``Content-Language`` (RFC 3282). Errors: a 5xx reply
    (refused recipient, message refused) is permanent; connection failures, timeouts and 4xx
    replies are retried.
    """

    name = "smtp"

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self._client: aiosmtplib.SMTP | None = None

    async def _connected(self) -> aiosmtplib.SMTP:
        if self._client is not None and self._client.is_connected:
            return self._client
        s = self.settings
        client = aiosmtplib.SMTP(
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
        """The RFC 5322 message for ``message``."""
        mail = EmailMessage()
        mail["From"] = self.settings.smtp_from
        mail["To"] = message.recipient
        mail["Subject"] = message.subject
        mail["Date"] = formatdate(localtime=False, usegmt=True)
        mail["Message-ID"] = message.message_id
        mail["Auto-Submitted"] = "auto-generated"  # RFC 3834: no auto-replies
        mail.set_content(message.body)
        mail["Content-Language"] = message.language  # after set_content, which resets Content-*
        return mail

    async def send(self, message: Outgoing) -> str | None:
        try:
            mail = self.build(message)
        except (ValueError, TypeError) as exc:  # a header the rendered text cannot make (a line break…)
            raise DeliveryError(f"message cannot be built: {exc}", permanent=True) from exc
        try:
            client = await self._connected()
            await client.send_message(mail)
        except (aiosmtplib.SMTPRecipientsRefused, aiosmtplib.SMTPDataError, aiosmtplib.SMTPSenderRefused) as exc:
            await self._drop()
            code = getattr(exc, "code", None)
            if code is None and isinstance(exc, aiosmtplib.SMTPRecipientsRefused) and exc.recipients:
                code = exc.recipients[0].code
            raise DeliveryError(f"SMTP refused: {exc}", permanent=code is not None and code >= 500) from exc
        except (aiosmtplib.SMTPException, OSError, TimeoutError) as exc:
            await self._drop()
            raise DeliveryError(f"SMTP unavailable: {exc}") from exc
        return message.message_id

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

    async def send(self, message: Outgoing) -> str | None:
        await asyncio.to_thread(self._append, json.dumps(asdict(message), ensure_ascii=False))
        return message.message_id

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

    Twilio has no idempotency key on this call: a message resent after the worker died between
    Twilio's answer and the status write reaches the person twice (``docs/notifications.md``).
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

    async def send(self, message: Outgoing) -> str | None:
        s = self.settings
        form = {"To": self._address(message.recipient), "Body": message.body}
        sender = s.twilio_whatsapp_from if self.channel == "whatsapp" else s.twilio_sms_from
        if s.twilio_messaging_service_sid and self.channel == "sms":
            form["MessagingServiceSid"] = s.twilio_messaging_service_sid
        else:
            form["From"] = self._address(sender)
        url = f"/2010-04-01/Accounts/{s.twilio_account_sid}/Messages.json"
        try:
            response = await self._client.post(url, data=form)
        except httpx.HTTPError as exc:
            raise DeliveryError(f"Twilio unreachable: {exc!r}") from exc
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
