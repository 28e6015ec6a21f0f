"""Self-service: accounts of the people served, their one-time codes and the desk's link codes.

A :class:`PersonAccount` belongs to a person, not to staff: it signs in with a phone number or an
e-mail address proven by a one-time code, and sees a registrant file only once a desk has linked
it (:class:`LinkCode`). Codes are never stored: only their HMAC-SHA256 under the server's secret.
"""

from __future__ import annotations

import datetime as dt
import uuid

from sqlalchemy import ForeignKey, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from app.core.db import Base, UUIDPrimaryKey, utcnow

IDENTIFIER_KINDS = ("phone", "email")


class PersonAccount(UUIDPrimaryKey, Base):
    """A person's self-service account.

    ``identifier`` is the E.164 phone number (``kind`` ``phone``) or the normalised e-mail address
    (``kind`` ``email``) the person proved with a one-time code; unique. ``registrant_id`` is set
    when a desk linked the account to the person's file (``linked_at``/``linked_by``: when, and
    which staff user issued the link code); several accounts (a phone and an e-mail) may be
    linked to one registrant. ``token_version`` is bumped at sign-out: every access token issued
    before is refused.
    """

    __tablename__ = "person_accounts"

    kind: Mapped[str] = mapped_column(String(8))
    identifier: Mapped[str] = mapped_column(String(320), unique=True)
    registrant_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("registrants.id", ondelete="SET NULL"), index=True
    )
    linked_at: Mapped[dt.datetime | None] = mapped_column()
    linked_by: Mapped[uuid.UUID | None] = mapped_column()
    language: Mapped[str] = mapped_column(String(16), default="fr")
    token_version: Mapped[int] = mapped_column(Integer, default=1)
    link_failures: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    last_sign_in_at: Mapped[dt.datetime | None] = mapped_column()


class OneTimeCode(UUIDPrimaryKey, Base):
    """A sign-in code sent to ``identifier`` through ``channel`` (``sms``, ``whatsapp``, ``email``).

    ``code_hash`` is HMAC-SHA256(server key, id:identifier:code); ``attempts`` counts wrong codes
    typed against it; it is spent (``consumed_at``) by a correct one. ``ip`` is the requesting
    client's address: the rows are also the record the sending limits count.
    """

    __tablename__ = "one_time_codes"
    __table_args__ = (
        Index("ix_one_time_codes_identifier_created", "identifier", "created_at"),
        Index("ix_one_time_codes_ip_created", "ip", "created_at"),
    )

    identifier: Mapped[str] = mapped_column(String(320))
    channel: Mapped[str] = mapped_column(String(16))
    code_hash: Mapped[str] = mapped_column(String(64))
    ip: Mapped[str | None] = mapped_column(String(64))
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[dt.datetime] = mapped_column()
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    consumed_at: Mapped[dt.datetime | None] = mapped_column()


class LinkCode(UUIDPrimaryKey, Base):
    """A code a desk agent hands to a person at the counter, after checking their identity
    document, so that the person's account can be linked to ``registrant_id``.

    ``code_digest`` is HMAC-SHA256(server key, code) (looked up by it, unique); single use
    (``used_at``, ``used_by_account_id``); a newer code for the registrant revokes older ones
    (``revoked_at``).
    """

    __tablename__ = "self_service_link_codes"

    registrant_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("registrants.id", ondelete="CASCADE"), index=True)
    desk_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("desks.id"))
    code_digest: Mapped[str] = mapped_column(String(64), unique=True)
    issued_by: Mapped[uuid.UUID] = mapped_column()
    issued_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[dt.datetime] = mapped_column()
    used_at: Mapped[dt.datetime | None] = mapped_column()
    used_by_account_id: Mapped[uuid.UUID | None] = mapped_column()
    revoked_at: Mapped[dt.datetime | None] = mapped_column()
