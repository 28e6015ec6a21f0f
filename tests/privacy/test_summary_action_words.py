"""The « Qui a consulté ou modifié votre dossier » table of the printable summary (``resume.html``)
says each action in French words (``registrant.read`` → « Consultation du dossier »), and every
action the API records has its words; an action without them is « Autre opération (its code) »,
never the bare code. The data a transfer, a referral or a message carried are said in words too."""

from __future__ import annotations

import datetime as dt
import html
import re
import uuid
from pathlib import Path
from typing import Any

import httpx

from app.cases.referrals import REFERRAL_FIELDS_SENT
from app.cases.transfer_copy import REGISTRANT_FIELDS_LISTED
from app.cases.transfers import CASE_FIELDS_SENSITIVE, CASE_FIELDS_SENT
from app.notifications.templates import PLACEHOLDERS
from app.privacy import action_words
from app.privacy.summary import render_summary
from app.privacy.summary_words import data_field
from app.registrants.prepare import AUDITED
from tests.cases.conftest import open_case, refer
from tests.conftest import Staff
from tests.privacy.conftest import summary_page

_CODE = re.compile(r"^[a-z_]+\.[a-z_]+$|_")
_ACTION = re.compile(r'(?:action=f?|ACTION: Final = |ACTION = )"([a-z_]+)\.')
_LITERAL = re.compile(r'"([a-z_]+\.[a-z_]+)"')
RECORD_KINDS = ("document", "case", "case_note", "referral", "appointment")  # app.privacy.tombstones
_FILE_NAMES = frozenset({"csv", "json", "html", "js", "css", "svg", "ini", "pem", "tab"})


def _trail(page: str) -> list[list[str]]:
    """The rows of the summary's last table (who consulted or changed the file), cell by cell."""
    table = page.rsplit("<h2>Qui a consulté ou modifié votre dossier</h2>", 1)[1]
    return [
        [html.unescape(c) for c in re.findall(r"<td>(.*?)</td>", row, flags=re.S)]
        for row in re.findall(r"<tr>(.*?)</tr>", table, flags=re.S)[1:]
    ]


async def test_the_summary_says_who_did_what_in_words_never_an_action_s_code(
    client: httpx.AsyncClient, supervisor: Staff, agent: Staff, partner: dict[str, Any], make_registrant
) -> None:  # type: ignore[no-untyped-def]
    rid = await make_registrant(family="Ndiaye")
    assert (await client.get(f"/api/v1/registrants/{rid}", headers=agent.headers)).status_code == 200
    case = await open_case(client, agent, rid)
    await refer(client, agent, case["id"], partner["id"])
    page = await summary_page(client, supervisor, rid)

    rows = _trail(page)
    actions = [row[1] for row in rows]
    assert {"Consultation du dossier", "Ouverture d'une demande", "Orientation vers un partenaire"} <= set(actions)
    assert [c for row in rows for c in (row[1], row[3]) if _CODE.search(c)] == []  # action, role
    assert [c for row in rows for c in row if c in {"supervisor", "system", "person", "self-service"}] == []


def test_an_action_without_words_is_said_as_another_operation_with_its_code() -> None:
    data = {
        "registrant": {"registration_number": "CASA-2026-000001"},
        "generated_at": dt.datetime(2026, 3, 1, tzinfo=dt.UTC),
        "subject_request_id": uuid.uuid4(),
        **{k: [] for k in ("phones", "identity_documents", "consents", "cases", "transfers", "appointments")},
        **{k: [] for k in ("documents", "disclosures")},
        "audit_trail": [
            {
                "occurred_at": dt.datetime(2026, 3, 1, 9, tzinfo=dt.UTC),
                "action": "registrant.teleport",
                "actor": "agent@desk.example",
                "actor_role": "agent",
            }
        ],
    }
    assert _trail(render_summary(data)) == [
        ["01/03/2026 09:00 UTC", "Autre opération (registrant.teleport)", "agent@desk.example", "agent"]
    ]


def test_every_action_the_api_records_has_its_words() -> None:
    root = Path(__file__).resolve().parents[2] / "app"
    words = {root / "privacy" / "summary_words.py", root / "privacy" / "action_words.py"}  # data fields
    sources = [p.read_text(encoding="utf-8") for p in root.rglob("*.py") if p not in words]
    kinds = {k for text in sources for k in _ACTION.findall(text)}
    recorded = {
        code
        for text in sources
        for code in _LITERAL.findall(text)
        if code.split(".")[0] in kinds and code.split(".")[1] not in _FILE_NAMES
    }
    recorded |= {f"appointment.{s}" for s in ("kept", "missed", "cancelled")}  # action=f"appointment.{status}"
    recorded |= {f"{kind}.{verb}" for kind in RECORD_KINDS for verb in ("erasure", "purge")}  # tombstones
    assert {"registrant.read", "case.transition", "audit.signing_key_rotated", "oauth.code_reused"} <= recorded
    assert sorted(recorded - set(action_words.ACTIONS)) == []


def test_every_data_field_a_disclosure_a_transfer_or_a_correction_lists_has_its_words() -> None:
    fields = {*REFERRAL_FIELDS_SENT, *REGISTRANT_FIELDS_LISTED, *AUDITED, "phone"}  # AUDITED: a correction's
    fields |= {f"case.{f}" for f in (*CASE_FIELDS_SENT, *CASE_FIELDS_SENSITIVE)}
    fields |= {f for placeholders in PLACEHOLDERS.values() for f in placeholders} - {"status_label"}
    fields |= {"service_type_neutral", "message:sms", "message:whatsapp", "message:email"}
    said = {f: data_field(f) for f in fields}
    assert {f: w for f, w in said.items() if w.startswith("autre donnée") or "_" in w or w == f} == {}
    assert data_field("shoe_size") == "autre donnée (shoe_size)"
