"""app.core.json_text writes the text json.dumps writes, with each set of options it is used with."""

from __future__ import annotations

import itertools
import json
from typing import Any

import pytest

from app.core.json_text import writer


class Text(str):
    pass


VALUES: list[Any] = [
    None, True, 0, -0.0, 1.5, 1e-7, 1e400, float("nan"), float("-inf"), 10**30, "", "é\u2028\"\\\n\x00\U0001f600",
    Text("a str subclass"), [], {}, (1, "tuple"), {"b": [1, {"z": None, "a": "Sène"}], "a": (1, 2.5)},
    {2: "int keys", 1: [True, False]}, {"nested": {"deeper": [[{"é": "ü"}]]}},
]  # fmt: skip


@pytest.mark.parametrize(("sort_keys", "compact", "ensure_ascii"), list(itertools.product((False, True), repeat=3)))
def test_the_same_text_as_json_dumps(sort_keys: bool, compact: bool, ensure_ascii: bool) -> None:
    write = writer(sort_keys=sort_keys, compact=compact, ensure_ascii=ensure_ascii)
    separators = (",", ":") if compact else None
    for value in VALUES:
        assert write(value) == json.dumps(value, sort_keys=sort_keys, separators=separators, ensure_ascii=ensure_ascii)


@pytest.mark.parametrize("value", [{1, 2}, {"a": object()}, {(1, 2): "tuple key"}, {1: "a", "b": 2}])
def test_what_json_dumps_refuses_is_refused(value: Any) -> None:
    with pytest.raises(TypeError):
        json.dumps(value, sort_keys=True)
    with pytest.raises(TypeError):
        writer(sort_keys=True)(value)


def test_canonical_json_text_is_the_text_the_audit_chain_hashes() -> None:
    """Keys sorted at every depth, no white space, UTF-8 as it is: pinned, so that no change of
    writer or option changes what stored events and payloads hold."""
    from app.core.db import CanonicalJSON

    value = {"b": [1, 2.5, None, float("inf")], "a": {"é": True, "A": "Sène"}}
    assert CanonicalJSON.text(value) == '{"a":{"A":"Sène","é":true},"b":[1,2.5,null,Infinity]}'
