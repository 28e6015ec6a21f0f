"""If-Match and If-None-Match as RFC 9110 §13.1 defines them, at the function and over HTTP."""

import httpx
import pytest

from app.core.errors import PreconditionFailed, PreconditionRequired
from app.core.http import none_match_fails, parse_entity_tags, require_if_match
from tests.registrants.conftest import URL, person


@pytest.mark.parametrize(
    "header",
    [
        '"v3"',
        '"v2", "v3"',
        '"v3","v9"',
        ' "v1" ,  "v3" ',
        'W/"v3", "v3"',
    ],
)
def test_if_match_naming_the_current_strong_tag_passes(header: str) -> None:
    require_if_match(header, 3)


@pytest.mark.parametrize("header", ["*", " * "])
def test_if_match_star_is_answered_as_missing(header: str) -> None:
    """``*`` matches any version (RFC 9110 §13.1.1): a write the client never read, refused."""
    with pytest.raises(PreconditionRequired) as star:
        require_if_match(header, 3)
    assert "*" in star.value.detail_en


@pytest.mark.parametrize(
    "header",
    [
        '"v2"',
        '"v1", "v2"',
        'W/"v3"',  # §13.1.1: If-Match uses the strong comparison; a weak tag never matches
        'W/"v2", W/"v3"',
        "v3",  # not an entity-tag: unquoted
        '"v3',
        '"*"',  # a quoted star is the entity-tag "*", not the wildcard
        '"v2", *',  # "*" is only valid alone
        '"v3" "v2"',  # no comma between list members
    ],
)
def test_if_match_without_the_current_strong_tag_is_412(header: str) -> None:
    with pytest.raises(PreconditionFailed):
        require_if_match(header, 3)


@pytest.mark.parametrize("header", [None, "", "   "])
def test_missing_if_match_is_428(header: str | None) -> None:
    with pytest.raises(PreconditionRequired):
        require_if_match(header, 3)


def test_entity_tag_lists_parse_per_rfc_9110() -> None:
    assert parse_entity_tags('"a", W/"b",""') == [(False, '"a"'), (True, '"b"'), (False, '""')]
    assert parse_entity_tags('"a,b"') == [(False, '"a,b"')]
    assert parse_entity_tags("a") is None


def test_empty_list_elements_are_ignored() -> None:
    # RFC 9110 §5.6.1.2: a recipient MUST parse and ignore a reasonable number of empty list
    # elements ("a, , b", a leading or trailing comma), which senders merging values produce.
    assert parse_entity_tags(', "a", ,W/"b" ,') == [(False, '"a"'), (True, '"b"')]
    require_if_match('"v2", , "v3"', 3)
    require_if_match(', "v3"', 3)
    assert none_match_fails('"y",, "x"', '"x"') is True
    with pytest.raises(PreconditionFailed):
        require_if_match(", ,", 3)  # no entity-tag at all matches nothing
    # the whitespace around elements is OWS: spaces and tabs (§5.6.3), nothing else
    assert parse_entity_tags(' \t"a",\t W/"b" ') == [(False, '"a"'), (True, '"b"')]
    for other in ("\x0b", "\x0c", "\x85", "\xa0", "\n"):
        assert parse_entity_tags(f'"a",{other}"b"') is None, repr(other)


@pytest.mark.parametrize(
    ("header", "fails"),
    [('"x"', True), ('W/"x"', True), ('"y", W/"x"', True), ("*", True), ('"y"', False), ("x", False)],
)
def test_if_none_match_uses_the_weak_comparison(header: str, fails: bool) -> None:
    assert none_match_fails(header, '"x"') is fails


async def test_a_patch_with_a_list_holding_the_current_tag_applies(client: httpx.AsyncClient, make_staff) -> None:
    agent = await make_staff("agent")
    created = await client.post(URL, json=person(), headers=agent.headers)
    url = f"{URL}/{created.json()['id']}"
    listed = await client.patch(
        url, json={"occupation": "Étudiante"}, headers={**agent.headers, "If-Match": '"v0", "v1"'}
    )
    assert (listed.status_code, listed.headers["etag"]) == (200, '"v2"')
    weak = await client.patch(url, json={"occupation": "Commerçante"}, headers={**agent.headers, "If-Match": 'W/"v2"'})
    assert (weak.status_code, weak.json()["type"]) == (412, "/problems/precondition-failed")
    # "*" (any version) would overwrite what the agent never read: refused as a missing If-Match
    star = await client.patch(url, json={"occupation": "Couturière"}, headers={**agent.headers, "If-Match": "*"})
    assert (star.status_code, star.json()["type"]) == (428, "/problems/precondition-required")
    assert (await client.get(url, headers=agent.headers)).json()["occupation"] == "Étudiante"


def test_the_problems_tell_the_agent_what_to_do_in_both_languages() -> None:
    with pytest.raises(PreconditionRequired) as missing:
        require_if_match(None, 3)
    assert (missing.value.detail_en, missing.value.detail_fr) == (
        "Send If-Match with the ETag of your last read.",
        "La modification ne dit pas quelle version de la fiche vous avez ouverte : rouvrez-la, puis refaites votre "
        "modification.",
    )
    with pytest.raises(PreconditionFailed) as stale:
        require_if_match('"v2"', 3)
    assert (stale.value.detail_en, stale.value.detail_fr, stale.value.extra) == (
        'The record is now at "v3"; read it again and reapply your change.',
        'L\'enregistrement est maintenant en "v3" ; relisez-le et refaites votre modification.',
        {"current_etag": '"v3"'},
    )
