"""JSON text read strictly: an object holding one key twice is refused (the audit log's texts, and
the API's request bodies: :class:`app.core.routing.StrictJSONRoute`).

:mod:`json` keeps the last of two values of one key, and so do PostgreSQL's ``json`` functions;
other readers keep the first (RFC 8259 §4 leaves it open). A details text ``{"amount": 5,
"amount": 1000}`` written behind the application's back would hash as ``{"amount": 1000}`` and
verify, while a reader keeping the first value reads 5: the chain would vouch for a value some
readers never see. The application never writes such a text (it serialises dicts), so verification
reads the texts it vouches for with :func:`loads`, at any depth, and names the key.

Reading every text with a hook on each object (``object_pairs_hook``) costs more than the plain
reading of it, so verification first proves the text free of duplicates by counting
(:func:`check_unique`), and reads it with :func:`loads` only when the count cannot prove it.
"""

from __future__ import annotations

import itertools
import json
import re
from typing import Any


class DuplicateKey(ValueError):
    """A JSON object holds the key :attr:`key` twice (or more)."""

    def __init__(self, key: str) -> None:
        super().__init__(f"the key {json.dumps(key, ensure_ascii=False)} appears twice in one object")
        self.key = key

    @property
    def quoted(self) -> str:
        """The key as a JSON string (``"amount"``), for a reason naming it."""
        return json.dumps(self.key, ensure_ascii=False)


def _unique_keys(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    value = dict(pairs)
    if len(value) != len(pairs):
        seen: set[str] = set()
        for key, _ in pairs:
            if key in seen:
                raise DuplicateKey(key)
            seen.add(key)
    return value


class TooDeep(ValueError):
    """A JSON text nests arrays or objects deeper than :attr:`limit` levels (``[[1]]`` is two)."""

    def __init__(self, limit: int) -> None:
        super().__init__(f"arrays and objects are nested deeper than {limit} levels")
        self.limit = limit


# Strings hold brackets that nest nothing: they are dropped before the brackets are counted.
_STRING = re.compile(rb'"[^"\\]*(?:\\.[^"\\]*)*"', re.DOTALL)
_NOT_BRACKETS = bytes(b for b in range(256) if b not in b"[]{}")
_DEPTH_STEP = bytes.maketrans(b"[{]}", b"\x01\x01\xff\xff")


def check_depth(text: bytes, limit: int) -> None:
    """Raise :class:`TooDeep` when the JSON ``text`` (UTF-8) nests arrays or objects more than
    ``limit`` levels deep. Checked before reading it: :mod:`json` reads nested values by
    recursion and fails with ``RecursionError`` somewhere past a thousand levels, a depth that
    depends on the stack the reader is called from. Text that is not JSON is left to the reader
    (an unclosed string, say, counts its brackets: it is refused anyway). Linear in the length:
    a text with no more than ``limit`` brackets is not scanned."""
    if text.count(b"[") + text.count(b"{") <= limit:
        return
    steps = _STRING.sub(b"", text).translate(_DEPTH_STEP, _NOT_BRACKETS)
    # +1 per opening bracket, -1 per closing one (bytes 0x01 and 0xff read as signed): the running
    # sum is the depth, summed in C.
    if steps and max(itertools.accumulate(memoryview(steps).cast("b"))) > limit:
        raise TooDeep(limit)


DECODER = json.JSONDecoder(object_pairs_hook=_unique_keys)
"""The decoder :func:`loads` uses."""


def check_unique(text: str, canonical: str) -> None:
    """Raise :class:`DuplicateKey` when an object of the JSON ``text`` holds a key twice, given
    ``canonical``: the canonical JSON (``app.audit.chain``) of the value :mod:`json` read from it,
    which keeps one member per key (the last).

    Outside strings, a JSON text holds one ``:`` per object member; inside strings, the colons of
    their decoded text, raw, unless escaped as ``\\u003a``, the only escape that decodes to one.
    The canonical JSON writes every colon raw. So when ``text`` holds no ``\\u003`` escape, its
    count of ``:`` is that of ``canonical`` when every member was kept, and larger when one was
    dropped (a member less, and its strings' colons with it). A count that differs, or such an
    escape, and only then, the text is read again, strictly (:func:`loads`)."""
    if text.count(":") != canonical.count(":") or "\\u003" in text:
        loads(text)


def loads(text: str | bytes) -> Any:
    """``json.loads(text)``, but :class:`DuplicateKey` (a ``ValueError``) for an object, at any
    depth, that holds a key twice; ``json.JSONDecodeError`` for text that is not JSON,
    ``RecursionError`` for arrays or objects nested past Python's limit. Bytes are decoded as
    :func:`json.loads` decodes them (UTF-8, -16 or -32, RFC 8259 §8.1); ``UnicodeDecodeError``
    when they are none of them."""
    if isinstance(text, bytes | bytearray):
        return json.loads(text, object_pairs_hook=_unique_keys)
    return DECODER.decode(text)
