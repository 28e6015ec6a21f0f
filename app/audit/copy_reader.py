"""The verifier's fast reader of the chain on PostgreSQL: every link with its event in one ``COPY …
TO STDOUT`` (text format), straight from asyncpg, in ``seq`` order, hashed as the bytes arrive.

The per-event work (:meth:`CopyLines.links`) is a split of the line, one ``bytes % tuple`` building
the canonical content from the fields as PostgreSQL wrote them (:data:`app.audit.chain.V2_QUOTED`),
``details`` as stored when they are stored canonically, else their canonical JSON (cached by its
text: many events share theirs), and two SHA-256. A line the cheap form does not cover (a link
version 1, a value needing a JSON escape, a raw control character) and any line whose hash does not
match that way is decoded field by field and hashed by the reference
:func:`app.audit.chain.text_row_hash` (:func:`_reference_link`), so a mismatch is only ever reported
by the reference formula. :mod:`app.audit.verify` walks the links it gives.

The COPY streams: for its duration the transaction plans without sorting (the links read in ``seq``
order through their primary key, each joined to its event) and without JIT, so the first rows
arrive at once and the server reads while this process hashes.
"""

from __future__ import annotations

import binascii
import codecs
import hashlib
from collections.abc import Iterable, Sequence
from typing import Any, Protocol

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncConnection

from app.audit import chain, strict_json

# Time and ids rendered as text by PostgreSQL, in the form the content digest uses.
AS_TEXT = {
    "occurred_at": "to_char(e.occurred_at AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.US\"+00:00\"')",
    "actor_id": "e.actor_id::text",
    "desk_id": "e.desk_id::text",
    "details": "e.details::text",
}
# COPY: the link, the event's id, txid and desk, its text fields in the canonical key order, details last.
_COPY_FIELDS = ["l.seq", "l.prev_hash", "l.hash", "l.link_version", "e.id", "e.txid", "e.desk_id"]
_COPY_FIELDS += [AS_TEXT.get(name, f"e.{name}") for name in chain.V2_KEYS] + ["e.details"]
PG_COPY = (
    f"SELECT {', '.join(_COPY_FIELDS)} "  # noqa: S608 (constant)
    "FROM audit_links l JOIN audit_events e ON e.id = l.event_id ORDER BY l.seq"
)
_WIDTH = len(_COPY_FIELDS)
# For the COPY only: no sort (the planner then reads the links in seq order through their primary
# key, each joined to its event, and the first rows arrive at once, so that hashing overlaps the
# server's reading; sorting the join first kept this process waiting for a third of the time) and
# no JIT (compiling the plan delays the first row). Set for the transaction, put back after it.
_STREAMING = text(
    "SELECT current_setting('enable_sort'), current_setting('jit'),"
    " set_config('enable_sort', 'off', true), set_config('jit', 'off', true)"
)
_RESTORE = text("SELECT set_config('enable_sort', :sort, true), set_config('jit', :jit, true)")
_NULL = b"\\N"  # COPY's text form of NULL; a backslash in a value is always doubled
_TAB_NULL = b"\t\\N"
# A NULL field put between quotes by V2_QUOTED, to be written ``null``; nowhere else in the content:
# the other fields hold no backslash but NULLs' (checked), details tried as stored hold none, and
# in canonical JSON a backslash after a quote starts an escape, never ``\N`` (no such escape).
_QUOTED_NULL = b'"\\N"'
_REFERENCE_ORDER = [7 + chain.V2_KEYS.index(name) if name in chain.V2_KEYS else None for name in chain.CONTENT_FIELDS]
_DETAILS_CACHE_LIMIT = 4096
_CONTROLS = bytes(range(0, 9)) + bytes(range(11, 32))  # raw control characters but COPY's tab and newline
_SPACED_SAMPLE = 4096  # bytes of a COPY block looked at by _spaced
_sha256 = hashlib.sha256
_hexlify = binascii.hexlify


Match = bool | str
"""Whether an event's content hashes to its link's hash (True, False), or, as a string, the fault
of its own that keeps it from being hashed (``details hold the key "amount" twice``)."""

Link = tuple[int, Any, Any, int | None, int, Any, Match]
"""One link as :class:`app.audit.walk.Walk` checks it: ``seq``, ``prev_hash``, ``hash`` (both
``str``, or both ``bytes`` from COPY), link version (None when it is NULL or not a number), event
id, the event's ``txid`` (an ``int``; anything else when NULL or garbage), and the event's
:data:`Match` with ``hash`` after ``prev_hash``."""


class Walker(Protocol):
    """What :func:`pg_copy` hands the links to (``app.audit.walk.Walk``)."""

    def links(self, links: Iterable[Link]) -> None: ...


def _reference_link(fields: Sequence[bytes]) -> Link:
    """A COPY line's fields decoded one by one and hashed by :func:`chain.text_row_hash`.

    A NULL hash or ``prev_hash`` (``\\N``) matches nothing; a link version that is NULL or not a
    number is passed on as None, and so is such a txid (the walk names both); ``ValueError`` when
    ``seq`` or the event id is not a number (a column of another type)."""
    seq, prev_hash, stored_hash, version, event_id, txid, desk, *_ = values = [_decoded(f) for f in fields]
    version_number = number(version)
    content: list[Any] = [values[i] if i is not None else desk for i in _REFERENCE_ORDER[:-1]]
    content.append(values[-1])  # details, as its JSON text
    matches = (
        version_number is not None
        and prev_hash is not None
        and stored_hash is not None
        and hash_matches(chain.text_row_hash, version_number, prev_hash, int(seq or ""), content, stored_hash)
    )
    return int(seq or ""), fields[1], fields[2], version_number, int(event_id or ""), number(txid), matches


def number(text: Any) -> int | None:
    """``text`` (a link version or txid as read) as an integer, None when it is NULL or not one."""
    try:
        return int(text) if text is not None else None
    except (ValueError, TypeError):
        return None


def _decoded(field: bytes) -> str | None:
    """A COPY text field as the value it stands for (``\\N`` is NULL; backslash escapes undone)."""
    if field == _NULL:
        return None
    return (codecs.escape_decode(field)[0] if b"\\" in field else field).decode()


class CopyLines:
    """Turns the lines of the ``COPY`` into :data:`Link` tuples (hashes as ``bytes``), hashing
    each event as cheaply as its line allows."""

    def __init__(self, signed_through: int = 0) -> None:
        self.details: dict[bytes, bytes] = {}
        self.signed_through = signed_through
        """The last ``seq`` a checkpoint whose signature verified covers: see :meth:`links`."""

    def canonical_details(self, text: bytes) -> bytes:
        """The canonical JSON of a details field as COPY wrote it, cached by that text."""
        canonical = self.details.get(text)
        if canonical is None:
            if len(self.details) >= _DETAILS_CACHE_LIMIT:
                self.details.clear()
            json_text = codecs.escape_decode(text)[0] if b"\\" in text else text
            canonical = self.details[text] = chain.canonical_details(json_text.decode())
        return canonical

    def links(self, lines: list[bytes], *, spaced: bool = True, controls: bool = True) -> list[Link]:
        """The links of ``lines``, in order.

        The cheap form applies when the line's fields hold no backslash but NULLs' ``\\N`` (no COPY escape
        to undo) and no ``"`` or raw control character (no JSON escape to add), so each text value is its
        own JSON string between quotes. Details are first hashed as stored, unparsed, when they may be their
        own canonical JSON (:class:`~app.core.db.CanonicalJSON` writes them so): no backslash, no ``": `` or
        ``" :`` (what other writers put between a key and its value). A match proves them canonical: the
        other fields hold no ``"``, so the content's bytes split into its fields one way only, and the
        details are the bytes the sequencer hashed, its canonical JSON of them. That holds up to
        :attr:`signed_through` only, where each link's hash is the one the sequencer wrote (the walk checks
        the chain into a signed checkpoint): past it a forger could store the hash of non-canonical details,
        say a key twice, that the reference formula refuses. There, and when the match fails, details are
        read and encoded canonically first. A match is all that counts: the test for ``": `` and ``" :``
        only spares a hash that cannot match, and ``spaced=False`` (the block's first lines hold none:
        :func:`_spaced`) skips it.

        A line holding a raw control character (COPY leaves 0x01-0x07, 0x0e-0x1f as they are; the
        canonical JSON escapes them) goes to the reference formula: the cheap form would hash it
        raw, and so match a hash a forger computed that way. ``controls=False`` (the block holds
        none: :func:`_controls`) skips looking for them line by line.
        """
        out: list[Link] = []
        append, sha256, hexlify, details_of = out.append, _sha256, _hexlify, self.canonical_details
        quoted, quoted_null, null, tab_null, width = chain.V2_QUOTED, _QUOTED_NULL, _NULL, _TAB_NULL, _WIDTH
        signed_through = self.signed_through
        for line in lines:
            fields = line.split(b"\t")
            if len(fields) != width:
                append(_reference_link(fields))
                continue
            if controls and len(line.translate(None, _CONTROLS)) != len(line):
                append(_reference_link(fields))
                continue
            seq, prev_hash, stored_hash, version, event_id, txid, desk, a, b, c, d, e, f, g, h, i, j, details = fields
            cut = len(line) - len(details) - 1
            if version != b"2" or line.find(34, 0, cut) >= 0:  # a '"' needs a JSON escape
                append(_reference_link(fields))
                continue
            # 92 is a backslash: in the fields before details, only NULLs' may be there
            nulls = line.find(92, 0, cut) >= 0
            if nulls and line.count(92, 0, cut) != line.count(tab_null, 0, cut):
                append(_reference_link(fields))
                continue
            try:
                txid_number = int(txid)
            except ValueError:  # a NULL txid
                append(_reference_link(fields))
                continue
            if nulls and desk == null:
                desk = b""
            seq_number = int(seq)
            # Details stored as their canonical JSON (CanonicalJSON) are hashed as they are: first.
            if (
                seq_number <= signed_through
                and 92 not in details
                and not (spaced and (b'": ' in details or b'" :' in details))
            ):
                content = quoted % (a, b, c, d, details, e, f, g, h, i, j)
                if nulls:
                    content = content.replace(quoted_null, b"null")
                link = b":".join((prev_hash, seq, desk, hexlify(sha256(content).digest())))
                if hexlify(sha256(link).digest()) == stored_hash:
                    append((seq_number, prev_hash, stored_hash, 2, int(event_id), txid_number, True))
                    continue
                if details == b"{}":
                    append(_reference_link(fields))
                    continue
            try:
                canonical = b"{}" if details == b"{}" else details_of(details)
            except (ValueError, RecursionError):  # not JSON, a key twice, nested too deep
                append(_reference_link(fields))
                continue
            content = quoted % (a, b, c, d, canonical, e, f, g, h, i, j)
            if nulls:
                content = content.replace(quoted_null, b"null")
            link = b":".join((prev_hash, seq, desk, hexlify(sha256(content).digest())))
            if hexlify(sha256(link).digest()) == stored_hash:
                append((seq_number, prev_hash, stored_hash, 2, int(event_id), txid_number, True))
            else:
                append(_reference_link(fields))
        return out


async def pg_copy(conn: AsyncConnection, walk: Walker, signed_through: int = 0) -> None:
    """Stream every link with its event through ``COPY`` into ``walk`` (every link: the walk goes
    on past a fault); ``signed_through`` as :class:`CopyLines` takes it.

    Run it in a transaction: ``enable_sort`` and ``jit`` are off for the COPY (``set_config(…,
    true)``: PostgreSQL documentation, "Configuration Settings Functions") and as they were after
    it; a COPY that raises leaves them to the transaction's rollback."""
    driver = (await conn.get_raw_connection()).driver_connection
    assert driver is not None
    lines = CopyLines(signed_through)
    rest = b""
    error: Exception | None = None

    async def received(data: bytes) -> None:
        nonlocal rest, error
        if error is not None:  # the rest of the stream is read and dropped
            return
        try:
            end = data.rfind(b"\n")
            if end < 0:
                rest += data
                return
            block = rest + data[:end]
            rest = bytes(data[end + 1 :])
            walk.links(lines.links(block.split(b"\n"), spaced=_spaced(block), controls=_controls(block)))
        except Exception as exc:  # raised below, once the COPY has ended: asyncpg hangs on a broken one
            error = exc

    sort, jit, *_ = (await conn.execute(_STREAMING)).one()  # through SQLAlchemy: in its transaction
    await driver.copy_from_query(PG_COPY, output=received)
    # not when the COPY raised: its transaction is rolled back, and the settings with it
    await conn.execute(_RESTORE, {"sort": sort, "jit": jit})
    if error is not None:
        raise error
    if rest:
        walk.links(lines.links(rest.split(b"\n"), spaced=_spaced(rest), controls=_controls(rest)))


def _spaced(block: bytes) -> bool:
    """Whether the details in ``block`` (lines of the COPY) are likely written with spaces, as
    versions before canonical storage wrote them (``json.dumps``'s ``": "``): see
    :meth:`CopyLines.links`. Only the block's first :data:`_SPACED_SAMPLE` bytes are looked at, a
    few lines: a log's events were written by one version after another, so a block of them is
    mostly one or the other. The answer only decides which hash is tried first, never whether a
    line verifies: a wrong guess costs one hash, less than scanning every block twice."""
    return block.find(b'": ', 0, _SPACED_SAMPLE) >= 0 or block.find(b'" :', 0, _SPACED_SAMPLE) >= 0


def _controls(block: bytes) -> bool:
    """Whether ``block`` (lines of the COPY) holds a raw control character other than the tabs and
    newlines between fields and lines (one C pass over the block)."""
    return len(block.translate(None, _CONTROLS)) != len(block)


def hash_matches(
    row_hash: Any, version: int | None, prev_hash: str, seq: int, content: list[Any], stored: str
) -> Match:
    """Whether the event's ``content`` hashes to ``stored`` by link formula ``version``: False for
    an unknown version (the walk names it first) and for content that cannot be hashed (a NULL or
    a value of another type where the application never writes one, details that are not JSON or
    nested past Python's recursion limit); the reason, for details holding a key twice."""
    try:
        return bool(row_hash(version, prev_hash, seq, *content) == stored)
    except strict_json.DuplicateKey as exc:
        return f"details hold the key {exc.quoted} twice"
    except (ValueError, TypeError, AttributeError, RecursionError):
        return False
