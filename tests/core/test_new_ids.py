"""New ids and salts come from :mod:`app.core.ids`: random version-4 UUIDs and hex texts drawn
from OpenSSL's generator without a system call each (the standard library's ``uuid4`` and
``secrets.token_hex`` let go of the interpreter's lock for every value, which costs an import
matching rows in a worker thread 80–330 µs per value; ``bench/imports.py``)."""

from __future__ import annotations

import ast
import uuid
from pathlib import Path

from app.core.ids import new_id, random_hex

APP = Path(__file__).resolve().parents[2] / "app"


def test_new_ids_are_random_version_4_uuids_of_the_standard_type() -> None:
    ids = [new_id() for _ in range(10_000)]
    assert all(type(i) is uuid.UUID for i in ids)
    assert {(i.version, i.variant) for i in ids} == {(4, uuid.RFC_4122)}
    assert len(set(ids)) == len(ids)
    # 122 random bits: every hex position after the fixed ones takes many values
    assert all(len({i.hex[pos] for i in ids}) == 16 for pos in range(32) if pos not in (12, 16))


def test_random_hex_texts_are_the_asked_length_and_all_differ() -> None:
    salts = [random_hex(16) for _ in range(10_000)]
    assert {len(s) for s in salts} == {32}
    assert all(int(s, 16) >= 0 and s == s.lower() for s in salts)
    assert len(set(salts)) == len(salts)
    assert len({s[0] for s in salts}) == 16


def test_the_app_makes_no_id_with_the_standard_librarys_uuid4() -> None:
    found = []
    for path in APP.rglob("*.py"):
        if path.name == "ids.py" and path.parent.name == "core":
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            named = (isinstance(node, ast.Attribute) and node.attr == "uuid4") or (
                isinstance(node, ast.Name) and node.id == "uuid4"
            )
            if named:
                found.append(f"{path.relative_to(APP.parent)}:{node.lineno}")
    assert found == [], "use app.core.ids.new_id: " + ", ".join(found)
