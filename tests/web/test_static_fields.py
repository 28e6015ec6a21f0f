"""The web client's fields take whatever is typed or pasted: lengths are the API's to check, and it
says in words which field is too long (``string_too_long``). A ``maxlength`` attribute cuts a
pasted text silently (a 20,000-character note was saved as its first 10,000)."""

from __future__ import annotations

from pathlib import Path

STATIC = Path(__file__).resolve().parents[2] / "app" / "web" / "static"


def test_no_field_of_the_web_client_cuts_what_is_typed_or_pasted() -> None:
    cutting = [p.name for p in sorted(STATIC.glob("*.[jh]*")) if "maxlength" in p.read_text("utf-8").casefold()]
    assert cutting == []
