"""The possible duplicates listed when a person is registered: each "Comparer" button says whose
file it compares with (several candidates gave several buttons all named "Comparer" to a screen
reader), and stands apart from the reasons before it ("même mois de naissanceComparer")."""

from __future__ import annotations

import pytest
from playwright.async_api import Page, expect

from tests.web.conftest import LiveServer
from tests.web.helpers import fill_registration, register_via_api, sign_in

pytestmark = pytest.mark.asyncio(loop_scope="session")


async def test_each_compare_button_names_its_candidate_and_is_set_apart_from_the_reasons(
    page: Page, server: LiveServer
) -> None:
    agent = server.make_agent()
    first = register_via_api(server, agent, given_names="Awa", family_name="Diop", date_of_birth="1990-05-12")
    second = register_via_api(server, agent, given_names="Awa", family_name="Diop", date_of_birth="1990-05")
    await sign_in(page, server, agent)
    await fill_registration(page, given_names="Awa", family_name="Diop", date_of_birth="1990-05-12")
    candidates = page.locator("#candidates li")
    await expect(candidates).to_have_count(2)
    for person in (first, second):
        name = f"Comparer avec le dossier de Awa Diop ({person['registration_number']})"
        await expect(page.get_by_role("button", name=name, exact=True)).to_have_count(1)
    # the button's left edge is apart from the end of the words before it when on the same line
    gap = await candidates.first.evaluate(
        """li => {
            const button = li.querySelector("button");
            const words = button.previousElementSibling;
            const range = document.createRange();
            range.selectNodeContents(words);
            const rects = [...range.getClientRects()];
            const last = rects[rects.length - 1];
            const box = button.getBoundingClientRect();
            return box.top < last.bottom && box.bottom > last.top ? box.left - last.right : null;
        }"""
    )
    assert gap is None or gap >= 6, f"the button touches the reasons before it ({gap} px)"
