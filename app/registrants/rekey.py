"""Keying registrants again in a migration, when the rules that make their keys change.

A registrant's match keys (``registrant_keys``) and name key columns (``given_names_key``,
``given_names_phonetic``… ``name_arabic_phonetic``) are computed in Python from the variant table
and the phonetic rules (:mod:`app.registrants.matching`), so a revision that changes those rules
keys again the registrants whose keys it changes, with the application's own normalisation, in
batches. Used by the revisions from 2101 on (the columns ``name_arabic`` and its keys exist);
``bind`` is the migration's synchronous connection.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Callable, Iterable, Sequence
from typing import Any

import sqlalchemy as sa

from app.registrants.arabic import is_arabic_letter

BATCH = 1000
"""Registrants keyed again per statement batch."""

WORDS = 10_000
"""Registrants read per query when looking for a character in their names (:func:`written_with`)."""

NAME_COLUMNS = (
    "given_names_key", "family_name_key", "given_names_phonetic", "family_name_phonetic", "name_arabic_key",
    "name_arabic_phonetic",
)  # fmt: skip


def carrying(bind: Any, words: Iterable[str]) -> set[Any]:
    """The ids of the registrants with one of ``words`` (folded tokens) in their names (``w`` keys)."""
    keys = sa.Table("registrant_keys", sa.MetaData(), autoload_with=bind)
    return set(
        bind.execute(sa.select(keys.c.registrant_id).where(keys.c.kind == "w", keys.c.value.in_(list(words)))).scalars()
    )


def with_digits(bind: Any) -> set[Any]:
    """The ids of the registrants with a digit in a name word (``w`` key): words in Arabic script,
    whose tokens carry digits, and Latin words typed with digits (``Ndiaye-9c7950``), which tokens
    leave out since revision 2201."""
    return containing(bind, "0123456789")


def containing(bind: Any, characters: Iterable[str]) -> set[Any]:
    """The ids of the registrants with one of ``characters`` in a name word (``w`` key): a letter
    whose phonetic rule changed (revision 2301: ``x``)."""
    keys = sa.Table("registrant_keys", sa.MetaData(), autoload_with=bind)
    found = sa.or_(*(keys.c.value.contains(c, autoescape=True) for c in characters))
    return set(bind.execute(sa.select(keys.c.registrant_id).where(keys.c.kind == "w", found).distinct()).scalars())


def starting(bind: Any, prefixes: Iterable[str]) -> set[Any]:
    """The ids of the registrants with a name word (``w`` key) starting with one of ``prefixes``
    (``[a-y]`` letters; revision 2701: ``gn``, a word-initial spelling whose phonetic rule changed):
    a prefix range of the ``(kind, value)`` index, as :func:`app.registrants.keys.prefix_ids`."""
    keys = sa.Table("registrant_keys", sa.MetaData(), autoload_with=bind)
    found: set[Any] = set()
    for prefix in prefixes:
        upper = prefix[:-1] + chr(ord(prefix[-1]) + 1)
        ranged = sa.and_(keys.c.kind == "w", keys.c.value >= prefix, keys.c.value < upper)
        found |= set(bind.execute(sa.select(keys.c.registrant_id).where(ranged).distinct()).scalars())
    return found


SPELLED_COLUMNS = ("given_names", "family_name", "name_arabic", "place_of_birth", "host_city", "occupation")
"""The registrant's columns whose words are keyed (names, and the places and occupation folded into
term-frequency keys)."""


def spelled_with(bind: Any, characters: Iterable[str]) -> set[Any]:
    """The ids of the registrants with one of ``characters`` in a keyed column
    (:data:`SPELLED_COLUMNS`): a letter that folding used to take apart (revision 2701: ``ñ``). One
    pass over the registrants, as a migration may."""
    registrants = sa.Table("registrants", sa.MetaData(), autoload_with=bind)
    found = sa.or_(
        *(registrants.c[column].contains(c, autoescape=True) for column in SPELLED_COLUMNS for c in characters)
    )
    return set(bind.execute(sa.select(registrants.c.id).where(found)).scalars())


def written_in_arabic(bind: Any) -> set[Any]:
    """The ids of the registrants with a name in Arabic script (in their names or ``name_arabic``)."""
    return with_name_arabic(bind) | written_with(bind, is_arabic_letter, columns=("given_names", "family_name"))


def with_name_arabic(bind: Any) -> set[Any]:
    """The ids of the registrants with a ``name_arabic``."""
    registrants = sa.Table("registrants", sa.MetaData(), autoload_with=bind)
    return set(bind.execute(sa.select(registrants.c.id).where(registrants.c.name_arabic.is_not(None))).scalars())


def written_with(bind: Any, wanted: Callable[[str], bool], *, columns: Sequence[str] = SPELLED_COLUMNS) -> set[Any]:
    """The ids of the registrants with a character ``wanted`` accepts in one of ``columns``: one pass
    over the registrants, :data:`WORDS` at a time in the primary key's order, as a migration may
    (revision 2901: the symbols words no longer carry, Unicode category S)."""
    registrants = sa.Table("registrants", sa.MetaData(), autoload_with=bind)
    found: set[Any] = set()
    last: Any = None
    while True:
        stmt = sa.select(registrants.c.id, *(registrants.c[column] for column in columns))
        if last is not None:
            stmt = stmt.where(registrants.c.id > last)
        rows = bind.execute(stmt.order_by(registrants.c.id).limit(WORDS)).all()
        if not rows:
            return found
        last = rows[-1][0]
        found |= {r[0] for r in rows if any(wanted(c) for value in r[1:] if value for c in value)}


def is_symbol(character: str) -> bool:
    """Whether ``character`` is a symbol (Unicode general category S), which names are read without
    since revision 2901 (:func:`app.registrants.matching.tokens`)."""
    return unicodedata.category(character)[0] == "S"


def rekey(bind: Any, ids: Iterable[Any]) -> None:
    """Key the registrants ``ids`` again: their name key columns, and their match keys unless the
    file is anonymised (it keeps none); a file merged into another keeps its own (search and the
    duplicate check find its survivor by them)."""
    from app.registrants.keys import key_rows
    from app.registrants.matching import PersonKeys
    from app.registrants.normalize import name_keys

    meta = sa.MetaData()
    registrants = sa.Table("registrants", meta, autoload_with=bind)
    keys = sa.Table("registrant_keys", meta, autoload_with=bind)
    phones = sa.Table("registrant_phones", meta, autoload_with=bind)
    documents = sa.Table("identity_documents", meta, autoload_with=bind)
    ordered = sorted(ids, key=str)
    for start in range(0, len(ordered), BATCH):
        chunk = ordered[start : start + BATCH]
        phone_of: dict[object, list[tuple[str | None, str]]] = {}
        for rid, e164, digits in bind.execute(
            sa.select(phones.c.registrant_id, phones.c.e164, phones.c.digits).where(phones.c.registrant_id.in_(chunk))
        ):
            phone_of.setdefault(rid, []).append((e164, digits or ""))
        documents_of: dict[object, list[tuple[str, str]]] = {}
        for rid, doc_type, number in bind.execute(
            sa.select(documents.c.registrant_id, documents.c.doc_type, documents.c.number).where(
                documents.c.registrant_id.in_(chunk)
            )
        ):
            documents_of.setdefault(rid, []).append((doc_type, number))
        rows, names, keyed = [], [], []
        for r in bind.execute(sa.select(registrants).where(registrants.c.id.in_(chunk))).all():
            named = name_keys(r.given_names, r.family_name, r.name_arabic)
            names.append({"rid": r.id, **{f"new_{c}": v for c, v in vars(named).items()}})
            if r.anonymised_at is not None:  # a merged file keeps its keys: they find its survivor
                continue
            numbers = phone_of.get(r.id, [])
            person = PersonKeys.of(
                given_names=r.given_names, family_name=r.family_name, date_of_birth=r.date_of_birth, sex=r.sex,
                phones=[e for e, _ in numbers if e is not None],
                unverified_phones=[digits for e, digits in numbers if e is None and digits],
                typed_documents=documents_of.get(r.id, []),
                place_of_birth=r.place_of_birth, origin_region=r.origin_region_code,
                arrival_date=r.arrival_date.isoformat() if r.arrival_date else None, email=r.email,
                host_city=r.host_city, occupation=r.occupation, name_arabic=r.name_arabic,
            )  # fmt: skip
            rows += key_rows(r.id, person)  # as app.registrants.keys.rows_of
            keyed.append(r.id)
        if names:
            renamed = sa.update(registrants).where(registrants.c.id == sa.bindparam("rid"))
            bind.execute(renamed.values({c: sa.bindparam(f"new_{c}") for c in NAME_COLUMNS}), names)
        if keyed:
            bind.execute(sa.delete(keys).where(keys.c.registrant_id.in_(keyed)))
        if rows:
            bind.execute(sa.insert(keys), rows)
