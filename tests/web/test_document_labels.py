"""The agent reads a document in the words the person's message uses: the client takes the words
of document codes from the API (``GET /api/v1/service-types/document-labels``, the one table in
``app/cases/catalogue_data.py``), not from a copy of its own."""

from __future__ import annotations

import pytest
from playwright.async_api import Page, expect

from app.cases.catalogue_data import DOCUMENT_LABELS, SEED_SERVICE_TYPES
from tests.web.conftest import LiveServer
from tests.web.helpers import open_file, register_via_api, sign_in

pytestmark = pytest.mark.asyncio(loop_scope="session")

CODES_OF_THE_CLIENT = """async () => {
  const script = document.querySelector("script[type=module]").src;
  const { CODES } = await import(new URL("i18n.js", script).href);
  return { fr: CODES.fr, en: CODES.en };
}"""
"""The client's live code tables: the module the screens use (under the page's versioned URL,
``/app/v/<version>/``, the same module instance)."""


async def test_the_documents_asked_of_the_person_are_in_the_words_of_the_message(
    page: Page, server: LiveServer
) -> None:
    agent = server.make_agent()
    person = register_via_api(server, agent, given_names="Aliou", family_name="Sarr")
    with server.api(agent) as http:
        case = http.post(
            "/api/v1/cases", json={"registrant_id": person["id"], "service_type": "RESIDENCE_MA", "channel": "walk_in"}
        ).json()
        served = http.get("/api/v1/service-types/document-labels")
    assert (served.status_code, served.json()) == (200, DOCUMENT_LABELS)
    await sign_in(page, server, agent)
    await open_file(page, "Aliou Sarr")
    await page.get_by_role("button", name=case["case_number"]).click()

    form = page.locator("#documents-missing-form")
    usual = next(s["documents_required"] for s in SEED_SERVICE_TYPES if s["code"] == "RESIDENCE_MA")
    for document in usual:  # "Carte de séjour ou récépissé", as the message says, and so on
        await expect(form.get_by_label(DOCUMENT_LABELS["fr"][document], exact=True)).to_be_checked()

    shown = await page.evaluate(CODES_OF_THE_CLIENT)
    for lang in ("fr", "en"):
        differ = {
            c: (shown[lang].get(c), words) for c, words in DOCUMENT_LABELS[lang].items() if shown[lang].get(c) != words
        }
        assert differ == {}, f"{lang}: the client's words differ from the messages' (client, message): {differ}"
