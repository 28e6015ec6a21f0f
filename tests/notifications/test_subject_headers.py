"""E-mail subjects with accents, dashes and Arabic decode to exactly the text of the message
(RFC 2047 readers drop the white space between two encoded words), in the SMTP server's copy and
in the message the sender builds."""

from __future__ import annotations

import email
import email.policy
from collections.abc import Iterator
from email.header import decode_header, make_header

import pytest

from app.core.config import Settings
from app.notifications.channels import Outgoing, SmtpSender
from app.notifications.worker import deliver_due
from tests.notifications.servers import SmtpSink, smtp_server

SUBJECTS = [
    "Votre inscription : Guichet unique mobilité — Dakar",
    "Your registration: Bureau d'accueil des Sénégalais de l'extérieur — Casablanca",
    "Rendez-vous déplacé au jeudi 3 décembre 2026 10:30",
    "Rappel : rendez-vous demain, Alxamis 3 Desàmbar 2026 09:30",
    "موعدك في مكتب الاستقبال — الدار البيضاء يوم الخميس 3 ديسمبر 2026 10:30",
    "Demande CASA-2026-C-000001 : close (sans réponse de votre part) — « à voir »",
    "Guichet  é  —  deux espaces, et un en fin ",
    "Plain ASCII subject - with a dash",
]


@pytest.fixture
def smtp() -> Iterator[SmtpSink]:
    yield from smtp_server()


def _decoded(raw: bytes) -> tuple[str, str]:
    """The subject of ``raw`` as the policy's parser reads it, and as ``decode_header`` does."""
    parsed = email.message_from_bytes(raw, policy=email.policy.default)
    legacy = email.message_from_bytes(raw, policy=email.policy.compat32)
    return str(parsed["Subject"]), str(make_header(decode_header(legacy["Subject"])))


@pytest.mark.parametrize("subject", SUBJECTS)
def test_a_built_subject_decodes_to_exactly_the_text(settings: Settings, subject: str) -> None:
    outgoing = Outgoing("n", "<n@x.invalid>", "email", "awa@example.org", "fr", subject, "Corps.")
    raw = SmtpSender(settings).build(outgoing).as_bytes(policy=email.policy.SMTP)

    assert _decoded(raw) == (subject, subject)
    assert max(len(line) for line in raw.split(b"\r\n")) <= 78  # RFC 5322 §2.1.1


def test_a_line_break_in_a_subject_is_refused(settings: Settings) -> None:
    outgoing = Outgoing("n", "<n@x.invalid>", "email", "awa@example.org", "fr", "Réunion\r\nBcc: x@y.z", "Corps.")
    with pytest.raises(ValueError):
        SmtpSender(settings).build(outgoing)


async def test_the_dakar_receipt_reaches_the_smtp_server_with_its_spaces(
    client, make_staff, sessionmaker, settings, smtp
) -> None:
    agent = await make_staff("agent", ["DKR-MOB"])
    sender = "Guichet unique mobilité — Dakar <guichet@desk.example>"
    body = {
        "given_names": "Awa",
        "family_name": "Ndiaye",
        "sex": "female",
        "email": "awa.ndiaye@example.org",
        "languages": ["fr"],
        "consents": [
            {
                "purpose": "contact_email",
                "granted": True,
                "channel": "in_person",
                "notice_version": "2026-01",
                "language": "fr",
            }
        ],
    }
    assert (await client.post("/api/v1/registrants", json=body, headers=agent.headers)).status_code == 201

    await deliver_due(sessionmaker, settings.model_copy(update={"smtp_port": smtp.port, "smtp_from": sender}))

    [mail] = smtp.messages
    assert _decoded(mail.as_bytes()) == (SUBJECTS[0], SUBJECTS[0])
    assert str(mail["From"]) == sender
