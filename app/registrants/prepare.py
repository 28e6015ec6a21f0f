"""Turning a request body into rows: phones, documents, areas, search keys, audit snapshots.

Helpers of :mod:`app.registrants.service`; each raises ``ValidationFailed`` (422) with an
``errors`` list shaped like request-validation errors (``loc``, ``msg``, ``type``) so clients
handle both the same way.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping, Sequence
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from app.calendars.service import local_date
from app.cases.catalogue import consent_partner
from app.core.context import Actor
from app.core.db import utcnow
from app.core.errors import ValidationFailed
from app.core.explained import in_french
from app.core.reasons import said
from app.core.text import fold
from app.desks.models import Desk
from app.privacy.purposes import PURPOSES, REFERRAL_PURPOSE
from app.reference.models import AdminArea
from app.reference.service import find_area, list_areas
from app.registrants.errors import RestrictedField
from app.registrants.models import Consent, IdentityDocument, Registrant, RegistrantPhone
from app.registrants.normalize import (
    ARRIVAL_BEFORE_BIRTH,
    PhoneReading,
    check_arrival_date,
    name_keys,
    parse_partial_date,
    read_phone,
    validate_document_number,
)
from app.registrants.schemas import ConsentIn, DocumentIn, PhoneIn

PLAIN = (
    "given_names", "family_name", "name_arabic", "sex", "date_of_birth", "place_of_birth", "nationality",
    "host_city", "email", "languages", "status_category", "occupation", "arrival_date", "residence_status", "notes",
)  # fmt: skip
SENSITIVE = frozenset({"residence_status"})
"""The restricted fields of a person's file: only supervisors and administrators
(``Actor.reads_sensitive``) read or write them; masked in audit details. The one list: the file's
read (:func:`app.registrants.service.present`), its writing (:func:`check_restricted`), the
corrections history (:mod:`app.privacy.rectification`) and a merge's comparison and choices
(:mod:`app.merges.service`) read it here, as ``prepare.SENSITIVE``, when they run."""
RESTRICTED_FR = {"residence_status": "le statut de séjour"}
"""Each of :data:`SENSITIVE` as the person's form names it (« ce champ », which the form marks,
for one without words here)."""
AUDITED = (*PLAIN, "origin_region_code", "origin_departement_code", "host_region_code", "phones", "documents")


def invalid(loc: list[str | int], msg: str, kind: str, *, reason: tuple[str, str] | None = None) -> ValidationFailed:
    """A 422 ``ValidationFailed`` naming one body field (``loc`` below ``body``); ``reason``: why,
    (French, English), given to the client as the error's ``reason`` (:func:`app.core.reasons.said`)."""
    error: dict[str, Any] = {"loc": ["body", *map(str, loc)], "msg": msg, "type": kind}
    return ValidationFailed(
        "One or more fields are invalid; see `errors`.",
        detail_fr="Un ou plusieurs champs sont invalides ; voir `errors`.",
        errors=[said(error, fr=reason[0], en=reason[1]) if reason else error],
    )


def check_days(desk: Desk, values: Mapping[str, Any], current: Registrant | None = None) -> None:
    """Refuse a ``date_of_birth`` (partial ISO text) or ``arrival_date`` of ``values`` after the
    desk's today, its local date (the schema only refused those after :func:`latest_today
    <app.registrants.normalize.latest_today>`), and an arrival before the birth, each date taken
    from ``values`` or, for a field not in them, from ``current`` (the file a PATCH changes):
    ``ValidationFailed`` (422) naming the field, as the schema would (``date_in_future`` for the
    birth date, a ``value_error`` for the arrival; the arrival, or the birth date when only it was
    sent, for the order)."""
    today = local_date(desk, utcnow())
    born = values.get("date_of_birth")
    if born:
        try:
            parse_partial_date(born, today=today)
        except ValueError as exc:
            raise invalid(["date_of_birth"], f"{born} is after today at the desk ({today})", "date_in_future") from exc
    arrived = values.get("arrival_date")
    if arrived:
        try:
            check_arrival_date(arrived, today=today)
        except ValueError as exc:
            raise invalid(["arrival_date"], f"Value error, {exc}", "value_error") from exc
    if "date_of_birth" not in values:
        born = current.date_of_birth if current is not None else None
    if "arrival_date" not in values:
        arrived = current.arrival_date if current is not None else None
    if born and arrived and arrived.isoformat() < born:
        field = "arrival_date" if "arrival_date" in values else "date_of_birth"
        raise invalid([field], f"Value error, {ARRIVAL_BEFORE_BIRTH[1]}", "value_error", reason=ARRIVAL_BEFORE_BIRTH)


def check_restricted(actor: Actor, sent: Mapping[str, Any], current: Registrant | None = None) -> None:
    """Raise ``RestrictedField`` (403) when a role other than supervisor/admin would change a
    :data:`SENSITIVE` field: ``sent`` (field → value as sent) gives it a value, or ``null`` where
    ``current`` (the file a PATCH changes) holds one (a PATCH null clears it). ``null`` on a create,
    or where the field is empty, is no value and passes (a form sending every field works)."""
    if actor.reads_sensitive:
        return
    for name in sorted(SENSITIVE & sent.keys()):
        if sent[name] is None and (current is None or getattr(current, name) in (None, "")):
            continue
        raise RestrictedField(
            f"Only a supervisor or an administrator may write {name}.",
            detail_fr=f"Seul un superviseur ou un administrateur peut saisir {RESTRICTED_FR.get(name, 'ce champ')}.",
            field=name,
        )


def phone_key(phone: RegistrantPhone) -> str:
    """What makes two phones of a person the same: the E.164 number, or the digits of an unverified one."""
    return phone.e164 or f"unverified:{phone.digits}"


def phones(
    items: Sequence[PhoneIn], region: str, readings: Mapping[str, PhoneReading] | None = None
) -> list[RegistrantPhone]:
    """Phone rows (``region`` = the desk country), duplicates dropped (``readings`` as in
    :func:`phone_values`).

    A number ``phonenumbers`` validates is stored in E.164; one written like a phone that it cannot
    validate (a new range, a typo) is kept unverified (``e164`` null, ``verified`` false, ``flag``
    ``unverified_number``, ``raw`` as typed, ``digits`` for search): see
    :func:`app.registrants.normalize.read_phone`. Text that is not written like a phone at all is a
    422 ``phone_invalid``.
    """
    return [RegistrantPhone(**values) for values in phone_values(items, region, readings)]


def phone_values(
    items: Sequence[PhoneIn], region: str, readings: Mapping[str, PhoneReading] | None = None
) -> list[dict[str, Any]]:
    """What :func:`phones` gives, as the column values of ``registrant_phones`` rows (no
    ``registrant_id``): for a bulk writer.

    ``readings``: the number of an item → how the caller already read it from what the person wrote
    (the register import puts a cell's phone in the body as its E.164 number, or as typed when
    unverified): that reading is kept (the text as typed in ``raw``, its ``flag``) and the number
    is not parsed again."""
    out: dict[str, dict[str, Any]] = {}
    for i, item in enumerate(items):
        reading = readings.get(item.number) if readings else None
        try:
            reading = reading or read_phone(item.number, default_region=region)
        except ValueError as exc:
            why = (in_french(exc), str(exc))
            raise invalid(["phones", i, "number"], str(exc), "phone_invalid", reason=why) from exc
        key = reading.e164 or f"unverified:{reading.digits}"  # phone_key
        if key in out:
            _same_again(out[key], {"whatsapp": item.whatsapp, "label": item.label}, ["phones", i], "phone")
        else:
            out[key] = {
                "e164": reading.e164,
                "verified": reading.verified,
                "raw": reading.raw,
                "digits": reading.digits,
                "whatsapp": item.whatsapp,
                "label": item.label,
                "flag": reading.flag,
                "position": len(out),
            }
    return list(out.values())


def documents(items: Sequence[DocumentIn], patterns: Mapping[str, str] | None) -> list[IdentityDocument]:
    """Document rows with normalised numbers, duplicates dropped; 422 ``document_number_invalid``."""
    return [IdentityDocument(**values) for values in document_values(items, patterns)]


def document_values(items: Sequence[DocumentIn], patterns: Mapping[str, str] | None) -> list[dict[str, Any]]:
    """What :func:`documents` gives, as the column values of ``identity_documents`` rows (no
    ``registrant_id``): for a bulk writer."""
    out: dict[tuple[str, str], dict[str, Any]] = {}
    for i, item in enumerate(items):
        try:
            number = validate_document_number(item.doc_type, item.number, patterns=patterns)
        except ValueError as exc:
            raise invalid(["documents", i, "number"], str(exc), "document_number_invalid") from exc
        details = {"issuing_country": item.issuing_country, "expires_on": item.expires_on}
        if (item.doc_type, number) in out:
            _same_again(out[(item.doc_type, number)], details, ["documents", i], "document")
            continue
        out[(item.doc_type, number)] = {"doc_type": item.doc_type, "number": number, **details, "position": len(out)}
    return list(out.values())


def _same_again(first: dict[str, Any], again: Mapping[str, Any], loc: list[str | int], what: str) -> None:
    """A phone or document sent again (the same number once read) adds what the first left out
    (a label, a WhatsApp flag, an issuing country, an expiry date: merged into ``first``); 422
    ``<what>_repeated`` when it says something else than the first did, which one of them would
    otherwise lose."""
    differs = sorted(
        name for name, value in again.items() if value not in (None, False) and first[name] not in (None, False, value)
    )
    if differs:
        raise invalid(
            loc,
            f"the same {what} as an earlier one with another {' and '.join(differs)}: send it once, as it is",
            f"{what}_repeated",
        )
    for name, value in again.items():
        if value not in (None, False):
            first[name] = value


async def lookup_area(session: AsyncSession, *, country: str, level: str, text: str) -> AdminArea | None:
    """``find_area``, then a match ignoring spaces and apostrophes (``Mbour`` finds ``M'bour``)."""
    area = await find_area(session, country=country, level=level, text=text)
    if area is not None:
        return area
    squeezed = fold(text).replace(" ", "")
    for candidate in await list_areas(session, country=country, level=level):
        if candidate.search_key.replace(" ", "") == squeezed:
            return candidate
    return None


AreaFinder = Callable[[str, str, str], "AdminArea | None"]
"""``find(country, level, text)``: the area written ``text`` (a code or a name), or None."""


def _area_lookups(country: str, fields: Mapping[str, Any]) -> list[tuple[str, str, str]]:
    """The ``(country, level, text)`` lookups :func:`resolve_areas` makes for ``fields``."""
    wanted = [("SN", "region", "origin_region"), ("SN", "departement", "origin_departement")]
    wanted.append((country, "region", "host_region"))
    return [(c, level, fields[name]) for c, level, name in wanted if fields.get(name)]


def resolve_areas(find: AreaFinder, *, country: str, fields: Mapping[str, Any]) -> dict[str, str | None]:
    """Resolve ``origin_region``/``origin_departement``/``host_region`` (codes or names) to codes,
    ``country`` being the desk's; raises ``ValidationFailed`` (422 ``area_unknown``/``area_mismatch``)."""
    out: dict[str, str | None] = {}
    if fields.get("origin_region"):
        area = find("SN", "region", fields["origin_region"])
        if area is None:
            raise invalid(["origin_region"], "not a region of Senegal", "area_unknown")
        out["origin_region_code"] = area.code
    if fields.get("origin_departement"):
        area = find("SN", "departement", fields["origin_departement"])
        if area is None:
            raise invalid(["origin_departement"], "not a département of Senegal", "area_unknown")
        region = out.get("origin_region_code")
        if region and area.parent_code != region:
            raise invalid(["origin_departement"], f"not a département of {region}", "area_mismatch")
        out["origin_departement_code"] = area.code
        out.setdefault("origin_region_code", area.parent_code)
    if fields.get("host_region"):
        area = find(country, "region", fields["host_region"])
        if area is None:
            raise invalid(["host_region"], f"not a region of {country}", "area_unknown")
        out["host_region_code"] = area.code
    return out


async def area_finder(session: AsyncSession, *, country: str, fields: Mapping[str, Any]) -> AreaFinder:
    """A finder answering the lookups :func:`resolve_areas` makes for ``fields`` (one query each,
    made now; ``country`` is the desk's)."""
    found = {
        lookup: await lookup_area(session, country=lookup[0], level=lookup[1], text=lookup[2])
        for lookup in _area_lookups(country, fields)
    }
    return lambda c, level, text: found.get((c, level, text))


async def areas(session: AsyncSession, *, desk: Desk, fields: Mapping[str, Any]) -> dict[str, str | None]:
    """Resolve ``origin_region``/``origin_departement``/``host_region`` (codes or names) to codes
    (one lookup per field sent; :func:`resolve_areas` gives the rules and errors)."""
    find = await area_finder(session, country=desk.country, fields=fields)
    return resolve_areas(find, country=desk.country, fields=fields)


class AreaIndex:
    """The administrative areas of a few countries held in memory: :func:`lookup_area`'s rule
    (code or folded name, then ignoring spaces and apostrophes) without a query per lookup, for
    bulk work such as the register import. Load it with :meth:`load`."""

    def __init__(self, rows: Sequence[AdminArea]) -> None:
        self.rows = sorted(rows, key=lambda a: a.code)
        self.cache: dict[tuple[str, str, str], AdminArea | None] = {}

    @classmethod
    async def load(cls, session: AsyncSession, countries: Sequence[str]) -> AreaIndex:
        """Every area of ``countries`` (ISO 3166-1 alpha-2)."""
        rows: list[AdminArea] = []
        for country in sorted(set(countries)):
            rows += await list_areas(session, country=country)
        return cls(rows)

    def find(self, country: str, level: str, text: str) -> AdminArea | None:
        """The area of ``country`` and ``level`` written ``text``, or None (memoised)."""
        lookup = (country, level, text)
        if lookup not in self.cache:
            same = [a for a in self.rows if a.country == country and a.level == level]
            code, key = text.strip().upper(), fold(text)
            found = next((a for a in same if a.code == code or a.search_key == key), None)
            if found is None:
                squeezed = key.replace(" ", "")
                found = next((a for a in same if a.search_key.replace(" ", "") == squeezed), None)
            self.cache[lookup] = found
        return self.cache[lookup]


def set_keys(registrant: Registrant) -> None:
    """Recompute the folded/phonetic name keys and the birth year from the record's fields."""
    values = key_values(
        registrant.given_names, registrant.family_name, registrant.date_of_birth, registrant.name_arabic
    )
    for name, value in values.items():
        setattr(registrant, name, value)


def key_values(
    given_names: str, family_name: str, date_of_birth: str | None, name_arabic: str | None = None
) -> dict[str, Any]:
    """The folded/phonetic name keys (the name in Arabic script's too) and the birth year of a
    record (:func:`set_keys`), by column."""
    keys = name_keys(given_names, family_name, name_arabic)
    return {
        "given_names_key": keys.given_names_key,
        "family_name_key": keys.family_name_key,
        "given_names_phonetic": keys.given_names_phonetic,
        "family_name_phonetic": keys.family_name_phonetic,
        "name_arabic_key": keys.name_arabic_key,
        "name_arabic_phonetic": keys.name_arabic_phonetic,
        "birth_year": int(date_of_birth[:4]) if date_of_birth else None,
    }


async def bind_partners(session: AsyncSession, items: Sequence[ConsentIn], *, where: str = "") -> list[ConsentIn]:
    """``items`` with each ``partner_referral`` decision bound to its one partner
    (:func:`app.cases.catalogue.consent_partner`): ``partner_id`` set, ``partner_name`` the name
    given, else the partner's. Raises ``UnknownPartner``/``ValidationFailed`` (422; the field is
    ``partner_id`` or ``partner_name``, after ``{where}{i}.`` for item ``i`` when ``where`` is given)."""
    bound: list[ConsentIn] = []
    for i, item in enumerate(items):
        if item.purpose == REFERRAL_PURPOSE:
            at = f"{where}{i}." if where else ""
            partner = await consent_partner(
                session, partner_id=item.partner_id, partner_name=item.partner_name, where=at
            )
            item = item.model_copy(update={"partner_id": partner.id, "partner_name": item.partner_name or partner.name})
        bound.append(item)
    return bound


def consent(item: ConsentIn, actor: Actor) -> Consent:
    """A consent row recorded now by ``actor``, expiring after its purpose's validity if it has one."""
    return Consent(**consent_values(item, actor))


def consent_values(item: ConsentIn, actor: Actor) -> dict[str, Any]:
    """What :func:`consent` gives, as the column values of a ``consents`` row (no ``registrant_id``)."""
    now = utcnow()
    validity = PURPOSES[item.purpose].validity_days
    return {
        "purpose": item.purpose,
        "granted": item.granted,
        "channel": item.channel,
        "notice_version": item.notice_version,
        "language": item.language,
        "partner_name": item.partner_name,
        "partner_id": item.partner_id,
        "recorded_by": actor.user_id,
        "recorded_at": now,
        "withdrawn_at": None,
        "expires_at": now + dt.timedelta(days=validity) if validity is not None else None,
        "extra": {},
    }


def snapshot(r: Registrant) -> dict[str, Any]:
    """The audited fields of ``r`` (phones and documents as sorted lists) for ``audit.diff``."""
    snap = {f: getattr(r, f) for f in AUDITED if f not in ("phones", "documents")}
    snap["phones"] = sorted(p.e164 or f"unverified:{p.raw}" for p in r.phones)
    snap["documents"] = sorted(f"{d.doc_type}:{d.number}" for d in r.documents)
    return snap


def snapshot_of(
    values: Mapping[str, Any], phones: Sequence[Mapping[str, Any]], documents: Sequence[Mapping[str, Any]]
) -> dict[str, Any]:
    """:func:`snapshot` of a registrant given as column values with its phone and document rows'."""
    snap = {f: values[f] for f in AUDITED if f not in ("phones", "documents")}
    snap["phones"] = sorted(p["e164"] or f"unverified:{p['raw']}" for p in phones)
    snap["documents"] = sorted(f"{d['doc_type']}:{d['number']}" for d in documents)
    return snap


def phones_lenient(items: Sequence[PhoneIn], region: str) -> list[RegistrantPhone]:
    """Like :func:`phones`, silently skipping numbers that do not parse (duplicate search only)."""
    out = []
    for item in items:
        try:
            out.extend(phones([item], region))
        except ValidationFailed:
            continue
    return out


def verified_numbers(rows: Sequence[RegistrantPhone]) -> list[str]:
    """The E.164 numbers of the verified phones among ``rows`` (the duplicate check compares these in full)."""
    return [p.e164 for p in rows if p.e164 is not None]


def unverified_digits(rows: Sequence[RegistrantPhone]) -> list[str]:
    """The digits of the unverified phones among ``rows`` (the duplicate check compares their last 9)."""
    return [p.digits for p in rows if p.e164 is None and p.digits]


def merge_phones(registrant: Registrant, new: list[RegistrantPhone]) -> None:
    """Replace the phone list, updating rows kept (same :func:`phone_key`) instead of delete + insert."""
    existing = {phone_key(p): p for p in registrant.phones}
    kept = []
    for i, phone in enumerate(new):
        row = existing.get(phone_key(phone))
        if row is None:
            row = phone
        else:
            row.whatsapp, row.label, row.flag = phone.whatsapp, phone.label, phone.flag
            row.verified, row.raw, row.digits = phone.verified, phone.raw, phone.digits
        row.position = i
        kept.append(row)
    registrant.phones = kept


def merge_documents(registrant: Registrant, new: list[IdentityDocument]) -> None:
    """Replace the document list, updating rows kept (same type and number)."""
    existing = {(d.doc_type, d.number): d for d in registrant.documents}
    kept = []
    for i, doc in enumerate(new):
        row = existing.get((doc.doc_type, doc.number))
        if row is None:
            row = doc
        else:
            row.issuing_country, row.expires_on = doc.issuing_country, doc.expires_on
        row.position = i
        kept.append(row)
    registrant.documents = kept
