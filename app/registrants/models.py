"""Registrants: the people a desk serves, with their phones, identity documents and consents."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any, Final

from sqlalchemy import JSON, Date, ForeignKey, Index, Integer, String, Text, UniqueConstraint, true
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.core.db import Base, Timestamps, UUIDPrimaryKey, utcnow

SEXES = ("female", "male", "unknown")
_NAME_KEY = String(200).with_variant(Text(), "postgresql")
NAME_TERMS_SQL = (
    "string_to_array('w:' || replace(given_names_key || ' ' || family_name_key || "
    "coalesce(' ' || name_arabic_key, ''), ' ', ' w:') || ' n:' || replace(given_names_phonetic || ' ' || "
    "family_name_phonetic || coalesce(' ' || name_arabic_phonetic, ''), ' ', ' n:'), ' ')"
)
"""PostgreSQL: a registrant's name terms, the expression of the GIN index
``ix_registrants_name_terms`` (migration 2101; 2001 made it without the name in Arabic script):
``w:`` + each folded name word (``given_names_key``/``family_name_key``/``name_arabic_key``) and
``n:`` + each word's phonetic keys (``given_names_phonetic``/``family_name_phonetic``/
``name_arabic_phonetic``), which every write keeps together with the ``w``/``n`` match keys
(:func:`app.registrants.normalize.name_keys`). Searched by
:func:`app.registrants.repository.search_query`, spelt exactly so (the planner uses an expression
index only for the same expression). Not in the table's metadata: Alembic cannot compare an
expression index (``tests/core/test_migrations.py`` names it)."""


ERASED_NAME: Final = "[anonymisé]"
"""Both names of an anonymised file (``Registrant.anonymised_at`` set)."""


class Registrant(UUIDPrimaryKey, Timestamps, Base):
    """A person served by a desk.

    Names are kept as written (NFC, trimmed); ``*_key`` columns hold folded and phonetic search
    keys computed in Python so search behaves the same on SQLite and PostgreSQL.
    ``date_of_birth`` is partial ISO 8601: ``YYYY``, ``YYYY-MM`` or ``YYYY-MM-DD``.
    ``residence_status`` is a restricted sensitive field (supervisor/admin only).
    """

    __tablename__ = "registrants"
    __table_args__ = (
        Index("ix_registrants_desk_created", "desk_id", "created_at", "id"),
        Index("ix_registrants_family_key", "family_name_key"),
        Index("ix_registrants_family_phonetic", "family_name_phonetic"),
        Index("ix_registrants_birth_year", "birth_year"),
        Index("ix_registrants_desk_registered", "desk_id", "registered_on"),
    )

    desk_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("desks.id"))  # indexed first in ix_registrants_desk_*
    registration_number: Mapped[str] = mapped_column(String(32), unique=True)
    # The day the desk registered the person (its local date): today for a new registration, the
    # register's "Date d'enregistrement" for an imported one. Reports count registrations by it.
    registered_on: Mapped[dt.date] = mapped_column(Date, default=lambda: utcnow().date())
    given_names: Mapped[str] = mapped_column(String(200))
    family_name: Mapped[str] = mapped_column(String(200))
    name_arabic: Mapped[str | None] = mapped_column(String(200))
    # Name keys: words of up to 200 characters each (matching.KEY_VALUE_LENGTH), as many words as
    # the name transliterates to (a name of 200 characters can give more): unbounded text on
    # PostgreSQL (migration 2002); SQLite does not enforce a length.
    given_names_key: Mapped[str] = mapped_column(_NAME_KEY)
    family_name_key: Mapped[str] = mapped_column(_NAME_KEY)
    given_names_phonetic: Mapped[str] = mapped_column(_NAME_KEY)
    family_name_phonetic: Mapped[str] = mapped_column(_NAME_KEY)
    # The same keys of name_arabic (another spelling of the person's name), null without one.
    name_arabic_key: Mapped[str | None] = mapped_column(_NAME_KEY)
    name_arabic_phonetic: Mapped[str | None] = mapped_column(_NAME_KEY)
    sex: Mapped[str] = mapped_column(String(8), default="unknown")
    date_of_birth: Mapped[str | None] = mapped_column(String(10))
    birth_year: Mapped[int | None] = mapped_column(Integer)
    place_of_birth: Mapped[str | None] = mapped_column(String(200))
    nationality: Mapped[str | None] = mapped_column(String(2))
    origin_region_code: Mapped[str | None] = mapped_column(String(16))
    origin_departement_code: Mapped[str | None] = mapped_column(String(16))
    host_country: Mapped[str | None] = mapped_column(String(2))
    host_city: Mapped[str | None] = mapped_column(String(120))
    host_region_code: Mapped[str | None] = mapped_column(String(16))
    email: Mapped[str | None] = mapped_column(String(320))
    languages: Mapped[list[str]] = mapped_column(JSON, default=list)
    status_category: Mapped[str | None] = mapped_column(String(32))
    occupation: Mapped[str | None] = mapped_column(String(200))
    arrival_date: Mapped[dt.date | None] = mapped_column(Date)
    residence_status: Mapped[str | None] = mapped_column(Text)
    notes: Mapped[str | None] = mapped_column(Text)
    source: Mapped[str] = mapped_column(String(32), default="api")
    source_ref: Mapped[str | None] = mapped_column(String(200))
    created_by: Mapped[uuid.UUID | None] = mapped_column()
    # Set while this file is merged into another (the survivor, ``app.merges``): it is then read
    # as a redirect, kept out of search, duplicate candidates and reports, and refuses writes.
    merged_into_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("registrants.id"), index=True)
    version: Mapped[int] = mapped_column(Integer, default=1)
    # When the person's file was anonymised (erasure on request or at the end of retention,
    # app.privacy.erasure: both names are then ERASED_NAME); null while the file identifies them.
    anonymised_at: Mapped[dt.datetime | None] = mapped_column()

    phones: Mapped[list[RegistrantPhone]] = relationship(
        lazy="raise", cascade="all, delete-orphan", order_by="RegistrantPhone.position"
    )
    documents: Mapped[list[IdentityDocument]] = relationship(
        lazy="raise", cascade="all, delete-orphan", order_by="IdentityDocument.position"
    )
    consents: Mapped[list[Consent]] = relationship(
        lazy="raise", cascade="all, delete-orphan", order_by="Consent.recorded_at"
    )

    __mapper_args__ = {"version_id_col": version}


class RegistrantPhone(Base):
    """A phone number in E.164 (``+221771234567``), with a WhatsApp flag.

    ``flag`` notes a doubt worth a human look (e.g. ``likely_senegalese_without_prefix``). A number
    the ``phonenumbers`` library cannot validate (a new range, a typo) is kept unverified rather than
    dropped: ``verified`` false, ``e164`` null, ``flag`` ``unverified_number``. ``raw`` is the number
    as typed (format characters removed; null on rows stored before it was kept), ``digits`` its
    digits only (the E.164 digits for a verified number), which phone search matches.
    """

    __tablename__ = "registrant_phones"
    __table_args__ = (UniqueConstraint("registrant_id", "e164"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    # indexed first in the unique constraint: no index of its own (migration 2801)
    registrant_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("registrants.id", ondelete="CASCADE"))
    e164: Mapped[str | None] = mapped_column(String(20), index=True)
    verified: Mapped[bool] = mapped_column(default=True, server_default=true())
    raw: Mapped[str | None] = mapped_column(String(64))
    digits: Mapped[str] = mapped_column(String(20), index=True, default="", server_default="")
    whatsapp: Mapped[bool] = mapped_column(default=False)
    label: Mapped[str | None] = mapped_column(String(40))
    flag: Mapped[str | None] = mapped_column(String(64))
    position: Mapped[int] = mapped_column(Integer, default=0)


class IdentityDocument(Base):
    """An identity document: type, normalised number (upper case, no spaces or dashes), expiry."""

    __tablename__ = "identity_documents"
    __table_args__ = (UniqueConstraint("registrant_id", "doc_type", "number"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    # indexed first in the unique constraint: no index of its own (migration 2801)
    registrant_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("registrants.id", ondelete="CASCADE"))
    doc_type: Mapped[str] = mapped_column(String(40))
    number: Mapped[str] = mapped_column(String(64), index=True)
    issuing_country: Mapped[str | None] = mapped_column(String(2))
    expires_on: Mapped[dt.date | None] = mapped_column(Date)
    position: Mapped[int] = mapped_column(Integer, default=0)


class Consent(Base):
    """Consent for one purpose: who recorded it, when, through which channel, under which notice.

    ``language`` is the language the notice was given in (the person's). ``expires_at`` is set
    from the purpose's validity (:data:`app.privacy.purposes.PURPOSES`) when it has one; a consent
    is in force from ``recorded_at`` until it is withdrawn or expires (``app.privacy.service``).

    A ``partner_referral`` decision is about one partner organisation, ``partner_id``, whatever is
    later done to partner records (renamed, deactivated, another with a like name added);
    ``partner_name`` is that partner's name as shown when the decision was recorded. Consents
    recorded before migration 3601 whose name designated no partner, or several, have no
    ``partner_id`` and cover no referral.
    """

    __tablename__ = "consents"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    registrant_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("registrants.id", ondelete="CASCADE"), index=True)
    purpose: Mapped[str] = mapped_column(String(48))
    granted: Mapped[bool] = mapped_column()
    channel: Mapped[str] = mapped_column(String(32))
    notice_version: Mapped[str] = mapped_column(String(32))
    language: Mapped[str] = mapped_column(String(16))
    recorded_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    recorded_by: Mapped[uuid.UUID | None] = mapped_column()
    withdrawn_at: Mapped[dt.datetime | None] = mapped_column()
    expires_at: Mapped[dt.datetime | None] = mapped_column()
    partner_name: Mapped[str | None] = mapped_column(String(200))
    partner_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("partners.id"))
    extra: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)


class RegistrantKey(Base):
    """One match key of a registrant (``app.registrants.keys``): an indexed ``(kind, value)`` pair
    through which duplicate blocking, name search, phone-fragment search and term frequencies are
    answered by equality or prefix-range lookups, the same on SQLite and PostgreSQL."""

    __tablename__ = "registrant_keys"
    __table_args__ = (
        Index("ix_registrant_keys_kind_value_registrant", "kind", "value", "registrant_id"),  # index-only lookups
    )

    # The key is what it is: no surrogate id (migration 3501). Indexed first in the primary key: no
    # index of its own (migration 2801).
    registrant_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("registrants.id", ondelete="CASCADE"), primary_key=True)
    kind: Mapped[str] = mapped_column(String(4), primary_key=True)
    value: Mapped[str] = mapped_column(String(200), primary_key=True)


class TermFrequency(Base):
    """How many registrants carried a common match key when the worker last counted them
    (:mod:`app.registrants.frequencies`): keys carried by at least
    :data:`app.registrants.frequencies.FREQUENT_FROM` registrants, and the registry's size under
    the row ``("*", "")``."""

    __tablename__ = "term_frequencies"

    kind: Mapped[str] = mapped_column(String(4), primary_key=True)
    value: Mapped[str] = mapped_column(String(200), primary_key=True)
    registrants: Mapped[int] = mapped_column(Integer)
