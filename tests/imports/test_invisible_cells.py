"""A text cell holding invisible characters (zero-width, direction controls pasted with it): the
characters removed, the value kept, a warning naming them, in French only in French."""

from __future__ import annotations

from sqlalchemy import select

from app.imports.reading import read_register
from app.imports.rows import prepare_row
from app.imports.wording import refusal_fr
from app.registrants.models import Registrant

REGISTER = "N°;Prénom(s);Nom;Profession;Ville;Observations\n1;Awa;Faye;{job};{city};{notes}\n"


def test_invisible_characters_are_removed_from_a_text_cell_and_its_value_kept() -> None:
    text = REGISTER.format(job="\u200bCouturière\u202e", city="\u0627\u0644\u0631\u0628\u0627\u0637\u200f", notes="")
    prepared = prepare_row(read_register(text.encode()).rows[0], desk_country="MA", filename="r.csv")
    assert prepared.data is not None, prepared.rejection
    assert prepared.data["occupation"] == "Couturière"
    assert prepared.data["host_city"].endswith("\u200f")  # a direction mark Arabic text carries stays
    assert prepared.warnings == [
        {
            "field": "occupation",
            "message": "occupation: invisible characters U+200B, U+202E removed (pasted with the text, such as a "
            "direction control); the value is kept as 'Couturière'",
            "message_fr": "profession : caractères invisibles U+200B, U+202E retirés (collés avec le texte, comme une "
            "commande de direction) ; valeur gardée « Couturière »",
        }
    ]
    assert prepared.raw["occupation"] == "\u200bCouturière\u202e"  # the batch keeps the cell as typed


def test_the_registrys_refusals_are_said_in_french_only() -> None:
    bidi = {
        "type": "text_bidi_control",
        "msg": "character U+202E RIGHT-TO-LEFT OVERRIDE at position 3 is not accepted: … are accepted",
        "ctx": {"code": "U+202E", "name": "RIGHT-TO-LEFT OVERRIDE", "position": 3},
    }
    assert refusal_fr(bidi) == (
        "commande de direction invisible U+202E en position 3, qui change l'ordre du texte affiché"
    )
    unknown = {"type": "some_new_check", "msg": "Value error, something in English"}
    assert refusal_fr(unknown) == "valeur refusée par le registre"
    plain = {"type": "value_error", "msg": "Value error, no French", "ctx": {"error": ValueError("no French")}}
    assert refusal_fr(plain) == "valeur refusée par le registre"


async def test_an_imported_occupation_with_a_direction_control_is_kept(upload, sessionmaker) -> None:  # type: ignore[no-untyped-def]
    text = REGISTER.format(job="\u200bCouturière\u202e", city="Rabat", notes="Demande\u202e urgente")
    report = (await upload(text.encode())).json()
    (row,) = report["rows"]
    assert row["outcome"] == "imported", row
    assert [w["field"] for w in row["warnings"]] == ["occupation", "observations"]
    for warning in row["warnings"]:
        assert "character" not in warning["message_fr"] and "accepted" not in warning["message_fr"]
    async with sessionmaker() as session:
        person = (await session.execute(select(Registrant))).scalar_one()
    assert person.occupation == "Couturière"
    assert "Observations : Demande urgente" in (person.notes or "")
