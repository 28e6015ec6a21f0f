"""A name keeps the joiners that join (U+200D ZERO WIDTH JOINER in an emoji sequence, U+200C/U+200D
between letters of scripts that write with them) and the emoji presentation selectors that follow
a symbol: a value the person typed is not silently changed. Joiners and other invisible
characters at the edges or beside a space are still removed, and the search and matching keys
ignore them all."""

from __future__ import annotations

import pytest

from app.registrants import matching
from app.registrants.normalize import clean_name, name_keys

ZWJ, ZWNJ, VS16 = "\u200d", "\u200c", "\ufe0f"
CODER = f"\U0001f469\U0001f3fe{ZWJ}\U0001f4bb"  # woman technologist, medium-dark skin tone
RAINBOW = f"\U0001f3f3{VS16}{ZWJ}\U0001f308"  # rainbow flag


@pytest.mark.parametrize(
    ("typed", "kept"),
    [
        (f"محمد {CODER}", f"محمد {CODER}"),
        (f"Awa {RAINBOW}", f"Awa {RAINBOW}"),
        (f"مح{ZWNJ}مد", f"مح{ZWNJ}مد"),  # a non-joiner between Arabic-script letters
        (f"ل{ZWJ}ا", f"ل{ZWJ}ا"),
        (f"{ZWJ}Awa{ZWNJ}", "Awa"),  # at the edges: junk
        (f"Awa {ZWJ} Diop", "Awa Diop"),  # beside a space: joins nothing
        (f"Awa{ZWJ}{ZWJ}Diop", "AwaDiop"),  # two in a row join nothing
        ("\u200fFatou\u2066", "Fatou"),  # direction marks and isolates: still removed
        (f"{VS16}Awa", "Awa"),  # a presentation selector selects the form of the symbol before it
        (f"Awa{VS16}", "Awa"),  # after a letter: selects nothing
        ("Fatou\u3164", "Fatou"),
    ],
)
def test_joiners_that_join_are_kept_and_junk_is_removed(typed: str, kept: str) -> None:
    assert clean_name(typed) == kept


def test_the_keys_ignore_joiners_and_variation_selectors() -> None:
    assert name_keys(f"محمد {CODER}", f"N{ZWJ}diaye") == name_keys("محمد 👩🏾💻", "Ndiaye")
    assert matching.tokens(f"مح{ZWNJ}مد") == matching.tokens("محمد")
    assert name_keys(f"Awa {RAINBOW}", "Diop") == name_keys("Awa", "Diop")


async def test_a_name_with_an_emoji_sequence_is_stored_as_typed(client, make_staff) -> None:  # type: ignore[no-untyped-def]
    agent = await make_staff("agent", ["CASA-BASE"])
    body = {"given_names": f"محمد {CODER}", "family_name": "Diop", "sex": "male", "date_of_birth": "1990-01-01"}
    r = await client.post("/api/v1/registrants?confirm_duplicates=true", json=body, headers=agent.headers)
    assert r.status_code == 201, r.text
    assert r.json()["given_names"] == f"محمد {CODER}"
