"""In English, the merge and message screens leave no word of the French catalogue: the
comparison before a merge and its refusal next to the fields, the merged file, the supervisors'
merges to approve and messages in doubt, the file's messages and preferences."""

from __future__ import annotations

import pytest
from playwright.async_api import Page, expect

from app.notifications.doubt import IN_DOUBT_REASON
from tests.web.conftest import LiveServer
from tests.web.helpers import register_via_api, sign_in
from tests.web.test_language import no_french
from tests.web.test_merge_files import merge_via_api, open_by_address
from tests.web.test_merge_refusals import require_approval
from tests.web.test_person_messages import add_message

pytestmark = pytest.mark.asyncio(loop_scope="session")


async def test_the_merge_and_message_screens_speak_english(page: Page, server: LiveServer) -> None:
    agent, supervisor = server.make_agent(), server.make_agent("supervisor")
    born = {"date_of_birth": "1994-03-12"}
    first = register_via_api(server, agent, occupation="couturière", **born)
    second = register_via_api(server, agent, occupation="commerçante", **born)
    add_message(server, first, "appointment_reminder", "email", "awa@example.org", "in_doubt", IN_DOUBT_REASON)
    add_message(
        server,
        first,
        "case_received",
        "sms",
        "+212612345678",
        "withheld",
        "no consent in force for contact_sms_whatsapp",
    )
    await sign_in(page, server, supervisor)
    await page.get_by_role("button", name="English").click()
    await open_by_address(page, server, first["id"])
    await expect(page.get_by_role("heading", name="Messages to the person")).to_be_visible()
    section = page.locator("#person-merge")
    await section.get_by_role("button", name="Same person as another file…").click()
    await section.get_by_label("Find the other file").fill(second["registration_number"])
    await section.get_by_role("button", name="Find the other file").click()
    await section.get_by_role(
        "button", name=f"Compare with the file of Awa Diop ({second['registration_number']})"
    ).click()
    await section.get_by_role("button", name="Merge the two files").click()
    await expect(section.get_by_role("alert")).to_have_text("Choose the value to keep for each field marked.")
    await no_french(page, "merge comparison")

    merge_via_api(server, agent, first, second)
    await open_by_address(page, server, second["id"])
    await expect(page.get_by_role("heading", name="Merged file")).to_be_visible()
    await no_french(page, "merged file")

    require_approval(server)
    third = register_via_api(server, agent, occupation="vendeuse", **born)
    merge_via_api(server, agent, first, third)
    await page.get_by_role("button", name="Case queues").click()
    await page.locator("#merge-reviews").get_by_role("button", name="Review").click()
    await expect(page.locator("#merge-reviews dl")).to_contain_text("kept:")
    await expect(page.locator("#in-doubt-list > li")).to_have_count(1)
    await no_french(page, "merges to approve and messages in doubt")
