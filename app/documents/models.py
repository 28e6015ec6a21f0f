"""Documents: scans and files attached to an owner (a registrant or a case)."""

from __future__ import annotations

import datetime as dt
import uuid

from sqlalchemy import BigInteger, Index, String, Text, text
from sqlalchemy.orm import Mapped, mapped_column

from app.core.db import Base, UUIDPrimaryKey, utcnow

KINDS = (
    "passport",
    "national_id",
    "residence_card",
    "birth_extract",
    "diploma",
    "contract",
    "medical_certificate",
    "photo",
    "other",
)


class Document(UUIDPrimaryKey, Base):
    """One stored file of an owner.

    ``owner_type`` is ``registrant`` or ``case`` and ``owner_id`` its id (no foreign key: the
    owner is resolved by :mod:`app.documents.owners`, which also checks its desk).
    ``sha256`` (hex) and ``size_bytes`` describe the *stored* bytes (after metadata stripping);
    ``received_sha256`` those the client sent. ``storage_key`` is content-addressed
    (``sha256/ab/cd/<hex>``), so one object may back several owners' rows; it is never derived from
    the client's filename. ``original_filename`` is the sanitized name, for display only.
    A soft-deleted row keeps its object until ``purge-documents`` removes both.
    """

    __tablename__ = "documents"
    __table_args__ = (
        Index("ix_documents_owner_created", "owner_type", "owner_id", "created_at", "id"),
        Index(
            "uq_documents_owner_sha256_live",
            "owner_type",
            "owner_id",
            "sha256",
            unique=True,
            sqlite_where=text("deleted_at IS NULL"),
            postgresql_where=text("deleted_at IS NULL"),
        ),
    )

    owner_type: Mapped[str] = mapped_column(String(16))
    owner_id: Mapped[uuid.UUID] = mapped_column()
    kind: Mapped[str] = mapped_column(String(32))
    description: Mapped[str | None] = mapped_column(Text)
    original_filename: Mapped[str] = mapped_column(String(255))
    media_type: Mapped[str] = mapped_column(String(64))
    size_bytes: Mapped[int] = mapped_column(BigInteger)
    sha256: Mapped[str] = mapped_column(String(64))
    received_sha256: Mapped[str] = mapped_column(String(64))
    metadata_stripped: Mapped[bool] = mapped_column(default=False)
    storage_key: Mapped[str] = mapped_column(String(200), index=True)
    uploaded_by: Mapped[uuid.UUID | None] = mapped_column()
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    deleted_at: Mapped[dt.datetime | None] = mapped_column(index=True)
    deleted_by: Mapped[uuid.UUID | None] = mapped_column()
    delete_reason: Mapped[str | None] = mapped_column(Text)
