"""JSON text written by the C encoder behind :func:`json.dumps`, built once.

``json.dumps`` (and ``JSONEncoder.encode``) builds its C encoder again on every call; for the small
values a bulk writer encodes by the hundred thousand (an import's rows, warnings, audit details),
building it cost about as much as encoding. :func:`writer` builds it once, with the options of one
``json.dumps`` call, and gives the same text.
"""

from __future__ import annotations

import functools
import json
from collections.abc import Callable
from typing import Any

_refuse = json.JSONEncoder().default  # TypeError: "Object of type … is not JSON serializable"


def writer(*, sort_keys: bool = False, compact: bool = False, ensure_ascii: bool = True) -> Callable[[Any], str]:
    """A function writing a value as ``json.dumps(value, sort_keys=sort_keys, separators=(",", ":")
    if compact else None, ensure_ascii=ensure_ascii)`` does: the same text (NaN and infinities
    written as ``json.dumps`` writes them). ``TypeError`` for a value :mod:`json` cannot write; a
    value that contains itself is not looked for (``RecursionError``, where ``json.dumps`` raises
    ``ValueError``)."""
    if json.encoder.c_make_encoder is None:  # type: ignore[attr-defined]  # an interpreter without _json
        separators = (",", ":") if compact else None
        return functools.partial(json.dumps, sort_keys=sort_keys, separators=separators, ensure_ascii=ensure_ascii)
    encode = json.encoder.c_make_encoder(  # type: ignore[attr-defined]
        None,
        _refuse,
        json.encoder.encode_basestring_ascii if ensure_ascii else json.encoder.encode_basestring,
        None,
        ":" if compact else ": ",
        "," if compact else ", ",
        sort_keys,
        False,
        True,
    )

    def write(value: Any) -> str:
        return "".join(encode(value, 0))

    return write
