"""The printable summary of an access archive (``resume.html``) as the person reads it: who received
their data named as they understand it (the channel and the organisation, never a provider's internal
id such as ``log``), an empty section said in words agreeing with its heading (« Aucune note. », not
« Aucun. » under « Notes »), and every date written JJ/MM/AAAA, a date of birth known in part too."""

from __future__ import annotations

import datetime as dt
import html
import re
import uuid

import httpx
from sqlalchemy import update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from app.desks.models import Desk
from app.privacy.models import Disclosure, RegistrantCorrection
from app.privacy.summary import day
from app.registrants.models import Registrant
from tests.cases.conftest import open_case
from tests.conftest import Staff
from tests.privacy.conftest import summary_page


def _section(page: str, heading: str) -> str:
    """What follows ``<h2>heading</h2>`` (or h3/h4) up to the next heading."""
    found = re.search(
        rf"<h[234]>{re.escape(html.escape(heading, quote=False))}</h[234]>\s*(.*?)\s*(?=<h[1234]>|</body>)", page, re.S
    )
    assert found, heading
    return html.unescape(found.group(1))


async def test_the_recipients_of_disclosures_are_named_in_words_a_person_understands(
    client: httpx.AsyncClient,
    supervisor: Staff,
    make_registrant,  # type: ignore[no-untyped-def]
    sessionmaker: async_sessionmaker[AsyncSession],
    desk_ids: dict[str, uuid.UUID],
) -> None:
    """Before: the table named the recipient « log », the delivery provider's internal name."""
    person = await make_registrant()
    at = dt.datetime(2026, 11, 3, 10, 0, tzinfo=dt.UTC)
    common = {"registrant_id": person, "desk_id": desk_ids["CASA-BASE"], "legal_basis": "consent", "disclosed_at": at}
    async with sessionmaker() as session:
        session.add_all(
            [
                Disclosure(
                    **common, kind="notification", purpose="contact_sms_whatsapp", recipient_type="provider",
                    recipient_name="log", fields=["phone", "message:sms", "case_number"],
                ),
                Disclosure(
                    **common, kind="notification", purpose="contact_sms_whatsapp", recipient_type="provider",
                    recipient_name="twilio", fields=["phone", "message:whatsapp"],
                ),
                Disclosure(
                    **common, kind="transfer", purpose="desk_transfer", recipient_type="desk",
                    recipient_id=str(desk_ids["DKR-MOB"]), recipient_name="DKR-MOB", fields=["given_names"],
                ),
            ]
        )  # fmt: skip
        await session.commit()
    page = await summary_page(client, supervisor, person)
    table = _section(page, "Communications à des tiers")
    recipients = [html.unescape(r) for r in re.findall(r"<tr><td>[^<]*</td><td>([^<]*)</td>", table)]
    async with sessionmaker() as session:
        dakar = (await session.get_one(Desk, desk_ids["DKR-MOB"])).name
    assert sorted(recipients) == sorted(
        [
            "Prestataire d'envoi de SMS",
            "Prestataire d'envoi de messages WhatsApp (Twilio)",
            f"{dakar} (guichet destinataire du transfert)",
        ]
    )
    assert "log" not in recipients and "DKR-MOB" not in table


async def test_an_empty_section_says_so_in_words_agreeing_with_its_heading(
    client: httpx.AsyncClient,
    supervisor: Staff,
    make_registrant,
    agent: Staff,  # type: ignore[no-untyped-def]
) -> None:
    """Before: « Aucun. » under every heading, the feminine ones too (Pièces d'identité, Notes,
    Orientations, Rectifications, Communications à des tiers)."""
    person = await make_registrant(consents=())
    await open_case(client, agent, person)
    page = await summary_page(client, supervisor, person)
    assert "<p>Aucun.</p>" not in page and "<p>Aucune.</p>" not in page
    said = {
        heading: _section(page, heading)
        for heading in (
            "Pièces d'identité",
            "Consentements",
            "Notes",
            "Orientations vers des partenaires",
            "Transferts entre guichets",
            "Vos dossiers dans d'autres guichets",
            "Rendez-vous",
            "Documents",
            "Communications à des tiers",
            "Rectifications de votre dossier",
        )
    }
    assert said == {
        "Pièces d'identité": "<p>Aucune pièce d'identité.</p>",
        "Consentements": "<p>Aucun consentement.</p>",
        "Notes": "<p>Aucune note.</p>",
        "Orientations vers des partenaires": "<p>Aucune orientation.</p>",
        "Transferts entre guichets": "<p>Aucun transfert.</p>",
        "Vos dossiers dans d'autres guichets": "<p>Aucun dossier dans un autre guichet.</p>",
        "Rendez-vous": "<p>Aucun rendez-vous.</p>",
        "Documents": "<p>Aucun document.</p>",
        "Communications à des tiers": "<p>Aucune communication à des tiers.</p>",
        "Rectifications de votre dossier": "<p>Aucune rectification.</p>",
    }


async def test_every_date_of_the_summary_is_written_the_french_way_a_partial_birth_date_too(
    client: httpx.AsyncClient,
    supervisor: Staff,
    make_registrant,  # type: ignore[no-untyped-def]
    sessionmaker: async_sessionmaker[AsyncSession],
) -> None:
    """Before: « Date de naissance » 1992-03-15 while every other date read 15/03/1992."""
    assert [day(v) for v in ("1992-03-15", "1992-03", "1992", None, "Casablanca")] == [
        "15/03/1992",
        "03/1992",
        "1992",
        None,
        "Casablanca",
    ]
    person = await make_registrant()
    async with sessionmaker() as session:
        await session.execute(update(Registrant).where(Registrant.id == person).values(date_of_birth="1992-03-15"))
        label = {"corrected_by_label": supervisor.email, "version": 2, "reason": "Pièce présentée"}
        session.add_all(
            [
                RegistrantCorrection(
                    registrant_id=person, field="date_of_birth", old_value="1992", new_value="1992-03-15", **label
                ),
                RegistrantCorrection(
                    registrant_id=person, field="arrival_date", old_value=None, new_value="2019-09-01", **label
                ),
                RegistrantCorrection(
                    registrant_id=person,
                    field="documents",
                    old_value=[],
                    new_value=[{"doc_type": "passport", "number": "A1234567", "expires_on": "2031-05-30"}],
                    **label,
                ),
            ]
        )
        await session.commit()
    page = await summary_page(client, supervisor, person)
    assert "<tr><td>Date de naissance</td><td>15/03/1992</td></tr>" in page
    corrections = _section(page, "Rectifications de votre dossier")
    assert "<td>1992</td><td>15/03/1992</td>" in corrections
    assert "<td>—</td><td>01/09/2019</td>" in corrections
    assert "30/05/2031" in corrections
    # no day written the ISO way anywhere a person reads (a notice's version, « 2026-01 », is a name)
    text = re.sub(r"<[^>]+>", " ", page.split("<body>", 1)[1])
    assert re.findall(r"\b\d{4}-\d{2}-\d{2}\b", text) == []
