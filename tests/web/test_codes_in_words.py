"""Every code the API can send to a screen has words in both languages in the client's tables.

``code()`` shows an unknown code humanised (``same_origin_region`` → "same origin region"), which
is English on a French screen: this reads the client's word tables (``i18n*.js``) and checks them
against the API's own lists of codes, so a code added to the API without words fails here.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from app.cases import workflow
from app.cases.catalogue_data import SEED_SERVICE_TYPES
from app.documents.models import KINDS
from app.registrants.linkage import MERGED_FILE, REASONS
from app.registrants.normalize import LIKELY_SENEGALESE, UNVERIFIED
from app.registrants.schemas import DOCUMENT_TYPES

STATIC = Path(__file__).resolve().parents[2] / "app" / "web" / "static"


def _words(lang: str) -> set[str]:
    """Keys defined in the ``lang`` block of every ``i18n*.js`` table (``fr: { key: "…" }``)."""
    found: set[str] = set()
    for path in STATIC.glob("i18n*.js"):
        text = path.read_text(encoding="utf-8")
        for block in re.finditer(rf"\b{lang}: \{{(.*?)\n  \}}", text, re.S):
            found |= set(re.findall(r"\b([a-z][a-z_0-9]*):\s*\"", block.group(1)))
    return found


CODES = {
    "match reasons": sorted({*REASONS.values(), MERGED_FILE}),
    "case statuses": list(workflow.STATUSES),
    "outcome categories": list(workflow.OUTCOME_CATEGORIES),
    "uploaded document kinds": list(KINDS),
    "identity document types": sorted(DOCUMENT_TYPES),
    "documents the catalogue's service types require": sorted(
        {d for s in SEED_SERVICE_TYPES for d in s["documents_required"]}
    ),
    "phone flags": [LIKELY_SENEGALESE, UNVERIFIED],
}


@pytest.mark.parametrize("lang", ["fr", "en"])
@pytest.mark.parametrize("family", sorted(CODES))
def test_every_code_of_the_api_has_words(family: str, lang: str) -> None:
    words = _words(lang)
    assert len(words) > 100  # the tables were read
    missing = [c for c in CODES[family] if c not in words]
    assert missing == [], f"{family} without {lang} words: {missing}"
