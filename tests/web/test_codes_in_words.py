"""Every code the API can send to a screen has words in both languages in the client's tables.

``code()`` shows an unknown code humanised (``same_origin_region`` → "same origin region"), which
is English on a French screen: this reads the client's word tables (``i18n*.js``, and the document
words it takes from the API: ``DOCUMENT_LABELS``) and checks them against the API's own lists of
codes, so a code added to the API without words fails here.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import get_args

import pytest

from app.cases import workflow
from app.cases.catalogue_data import DOCUMENT_LABELS, SEED_SERVICE_TYPES
from app.cases.referrals import REFERRAL_FIELDS_SENT
from app.cases.transfer_copy import REGISTRANT_FIELDS_LISTED
from app.cases.transfers import CASE_FIELDS_SENSITIVE, CASE_FIELDS_SENT
from app.documents.models import KINDS
from app.merges import models as merge_records
from app.merges.moves import KINDS as MOVED_KINDS
from app.merges.schemas import MERGEABLE
from app.notifications import models as messages
from app.notifications.templates import EVENTS, PLACEHOLDERS
from app.privacy.purposes import LEGAL_BASES
from app.privacy.router import Kind as DisclosureKind
from app.privacy.schemas import SubjectRequestIn
from app.registrants.linkage import MERGED_FILE, REASONS
from app.registrants.normalize import LIKELY_SENEGALESE, UNVERIFIED
from app.registrants.schemas import DOCUMENT_TYPES

STATIC = Path(__file__).resolve().parents[2] / "app" / "web" / "static"


def _words(lang: str) -> set[str]:
    """Keys defined in the ``lang`` block of every ``i18n*.js`` table (``fr: { key: "…" }``), and
    the document codes the client's tables get from the API (``document_labels.js``)."""
    found: set[str] = set(DOCUMENT_LABELS[lang])
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
    # the data-protection screens' words are keyed by family (``sr_kind_access``, ``df_phones``…)
    "subject request kinds": [f"sr_kind_{k}" for k in get_args(SubjectRequestIn.model_fields["kind"].annotation)],
    "subject request channels": [
        f"sr_ch_{c}" for c in (*get_args(SubjectRequestIn.model_fields["channel"].annotation), "self_service")
    ],
    "legal bases of a disclosure": [f"lb_{b}" for b in LEGAL_BASES],
    "kinds of disclosure": [f"dk_{k}" for k in get_args(DisclosureKind)],
    "data a disclosure lists": sorted(
        "df_" + re.sub("[.:]", "_", f)
        for f in {
            *REFERRAL_FIELDS_SENT,
            *REGISTRANT_FIELDS_LISTED,
            *(f"case.{c}" for c in (*CASE_FIELDS_SENT, *CASE_FIELDS_SENSITIVE)),
            *(p for placeholders in PLACEHOLDERS.values() for p in placeholders if p != "status_label"),
            "phone",
            "service_type_neutral",
            "message:sms",
            "message:whatsapp",
        }
    ),
    # said with a prefix (their screens' own words, never another screen's for the same code)
    "mergeable fields": [f"mf_{f}" for f in MERGEABLE],
    "kinds of records a merge moves": [f"mv_{k}" for k in MOVED_KINDS],
    "merge statuses": [f"ms_{s}" for s in merge_records.STATUSES],
    "unmerge refusal reasons": [
        f"um_{r}" for r in ("erased", "survivor_merged", "field_changed", "record_gone", "case_transferred")
    ],
    "message statuses": [f"msg_st_{s}" for s in messages.STATUSES],
    "message events": sorted(f"msg_ev_{e}" for e in EVENTS),
    "message channels": [f"msg_ch_{c}" for c in messages.PREFERRED_CHANNELS],
}


@pytest.mark.parametrize("lang", ["fr", "en"])
@pytest.mark.parametrize("family", sorted(CODES))
def test_every_code_of_the_api_has_words(family: str, lang: str) -> None:
    words = _words(lang)
    assert len(words) > 100  # the tables were read
    missing = [c for c in CODES[family] if c not in words]
    assert missing == [], f"{family} without {lang} words: {missing}"
