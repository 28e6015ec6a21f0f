"""Mapping one register row to a registrant: what is kept, dropped with a warning, or rejected."""

import datetime as dt
import hashlib

import pytest

from app.imports.reading import read_register
from app.imports.rows import PreparedRow, prepare_row, row_fingerprint
from tests.imports.conftest import csv_file

TODAY = dt.date(2026, 11, 29)


def row(line: str) -> PreparedRow:
    source = read_register(csv_file(line)).rows[0]
    return prepare_row(source, desk_country="MA", filename="r.csv", today=TODAY)


GOOD = (
    "3;2019-06-02;Adama;KANE;F;06/04/1968;Dakar;Saint-Louis;A44754150;1390197851346;00212784160076;"
    "adama.kane@example.org;Rabat;Étudiant;Cuisinier;22/04/2004;Stage au Sénégal;Revenir avec copie du passeport"
)


def test_a_complete_row_maps_every_column() -> None:
    prepared = row(GOOD)
    assert prepared.rejection is None
    assert prepared.warnings == []
    assert (prepared.line, prepared.number, prepared.name) == (2, "3", "Adama Kane")
    assert prepared.data == {
        "given_names": "Adama",
        "family_name": "Kane",
        "date_of_birth": "1968-04-06",
        "sex": "female",
        "place_of_birth": "Dakar",
        "origin_region": "Saint-Louis",
        "host_city": "Rabat",
        "occupation": "Cuisinier",
        "phones": [{"number": "+212784160076", "whatsapp": False, "label": None}],
        "documents": [
            {"doc_type": "passport", "number": "A44754150", "issuing_country": "SN"},
            {"doc_type": "cni_ecowas", "number": "1390197851346", "issuing_country": "SN"},
        ],
        "email": "adama.kane@example.org",
        "status_category": "student",
        "arrival_date": "2004-04-22",
        "notes": "Import du registre « r.csv » : N° 3, ligne 2. | "
        "Demande : Stage au Sénégal | "
        "Observations : Revenir avec copie du passeport",
    }
    assert prepared.registered_on == "2019-06-02"


def test_fingerprint_ignores_the_register_number_but_not_the_content() -> None:
    same = row("999" + GOOD[1:])
    other = row(GOOD.replace("Adama;KANE", "Adama;KANÉ"))
    assert same.fingerprint == row(GOOD).fingerprint
    assert other.fingerprint != row(GOOD).fingerprint


def test_row_without_given_names_is_rejected() -> None:
    assert row("4;02/06/2019;  ;Ka;M;;;;;;;;;;;;;").rejection == "no given names"


def test_row_without_family_name_is_rejected() -> None:
    assert row("4;02/06/2019;Saliou;;M;;;;;;;;;;;;;").rejection == "no family name"


def test_impossible_date_of_birth_rejects_the_row() -> None:
    assert row("4;02/06/2019;Saliou;Ka;M;31/02/1990;;;;;;;;;;;;").rejection == (
        "date of birth: impossible date '31/02/1990'"
    )


def test_date_of_birth_after_the_registration_rejects_the_row_naming_both() -> None:
    assert row("4;02/06/2019;Saliou;Ka;M;03/07/2019;;;;;;;;;;;;").rejection == (
        "date of birth '03/07/2019' is after the registration date '02/06/2019'"
    )


def test_unreadable_registration_date_rejects_the_row() -> None:
    assert row("4;bientôt;Saliou;Ka;M;;;;;;;;;;;;;").rejection == "registration date: unrecognised date 'bientôt'"


def test_registration_date_in_the_future_rejects_the_row() -> None:
    assert row("4;02/06/2031;Saliou;Ka;M;;;;;;;;;;;;;").rejection == ("registration date '02/06/2031' is in the future")


def test_partial_and_unknown_birth_dates_are_kept_partial() -> None:
    assert row("4;02/06/2019;Saliou;Ka;M;vers 1985;;;;;;;;;;;;").data["date_of_birth"] == "1985"  # type: ignore[index]
    assert row("4;02/06/2019;Saliou;Ka;M;00/00/1979;;;;;;;;;;;;").data["date_of_birth"] == "1979"  # type: ignore[index]


def test_two_digit_birth_year_pivots_on_the_registration_year_and_says_the_century() -> None:
    pupil = row("4;02/06/2019;Saliou;Ka;M;22/12/02;;;;;;;;;;;;")
    elder = row("4;02/06/2019;Saliou;Ka;M;22/12/68;;;;;;;;;;;;")
    assert (pupil.data["date_of_birth"], elder.data["date_of_birth"]) == ("2002-12-22", "1968-12-22")  # type: ignore[index]
    assert pupil.warnings == [
        {
            "field": "date_of_birth",
            "message": "date of birth '22/12/02': two-digit year, century assumed: read as 2002, not 1902",
            "message_fr": "date de naissance « 22/12/02 » : année à deux chiffres, "
            "siècle supposé : lue 2002, et non 1902",
        }
    ]
    assert elder.warnings == [
        {
            "field": "date_of_birth",
            "message": "date of birth '22/12/68': two-digit year, century assumed: read as 1968, not 2068",
            "message_fr": "date de naissance « 22/12/68 » : année à deux chiffres, "
            "siècle supposé : lue 1968, et non 2068",
        }
    ]


def test_unparseable_phone_is_dropped_with_a_warning_and_the_row_kept() -> None:
    prepared = row("4;02/06/2019;Saliou;Ka;M;;;;;;0612345678 / 12;;;;;;;")
    assert prepared.rejection is None
    assert prepared.data["phones"] == [{"number": "+212612345678", "whatsapp": False, "label": None}]  # type: ignore[index]
    message = "phone '12' dropped: '12' is not a phone number (wrong length)"
    message_fr = "téléphone « 12 » non repris : « 12 » n'est pas un numéro de téléphone (nombre de chiffres impossible)"
    assert prepared.warnings == [{"field": "phones", "message": message, "message_fr": message_fr}]
    assert "Téléphone (non repris) : 12" in prepared.data["notes"]  # type: ignore[index]


def test_phones_past_the_ten_a_person_holds_are_kept_in_the_notes_with_a_warning() -> None:
    """A file holds at most 10 phones: an eleventh number in the cell is not cut silently."""
    numbers = [f"06123456{i:02d}" for i in range(12)]
    prepared = row(f"4;02/06/2019;Saliou;Ka;M;;;;;;{' / '.join(numbers)};;;;;;;")
    assert prepared.rejection is None
    assert [p["number"] for p in prepared.data["phones"]] == [f"+2126123456{i:02d}" for i in range(10)]  # type: ignore[index]
    assert prepared.warnings == [
        {
            "field": "phones",
            "message": f"phone {n!r} dropped: a person holds at most 10 phones",
            "message_fr": f"téléphone « {n} » non repris : une personne a au plus 10 téléphones",
        }
        for n in numbers[10:]
    ]
    for n in numbers[10:]:
        assert f"Téléphone (non repris) : {n}" in prepared.data["notes"]  # type: ignore[index]


def test_no_phone_written_in_words_means_no_phone_and_no_warning() -> None:
    prepared = row("4;02/06/2019;Saliou;Ka;M;;;;;;pas de téléphone;;;;;;;")
    assert (prepared.data["phones"], prepared.warnings) == ([], [])  # type: ignore[index]


def test_bare_senegalese_mobile_at_a_moroccan_desk_is_read_as_senegalese_and_flagged() -> None:
    prepared = row("4;02/06/2019;Saliou;Ka;M;;;;;;76-301-38-80;;;;;;;")
    assert prepared.data["phones"] == [{"number": "+221763013880", "whatsapp": False, "label": None}]  # type: ignore[index]
    assert prepared.warnings == [
        {
            "field": "phones",
            "message": "phone '76-301-38-80' read as +221763013880 (likely_senegalese_without_prefix)",
            "message_fr": "téléphone « 76-301-38-80 » lu comme +221763013880 "
            "(sans doute un numéro sénégalais écrit sans son indicatif)",
        }
    ]


def test_invalid_email_is_dropped_with_a_warning() -> None:
    prepared = row("4;02/06/2019;Saliou;Ka;M;;;;;;;saliou.ka@;;;;;;")
    assert "email" not in prepared.data  # type: ignore[operator]
    assert prepared.warnings[0]["field"] == "email"
    # email-validator says why in English only: the French names the common faults itself
    assert prepared.warnings[0]["message_fr"] == (
        "e-mail « saliou.ka@ » non repris : adresse non valide (rien après le @)"
    )
    spaced = row("4;02/06/2019;Saliou;Ka;M;;;;;;;saliou ka@example.org;;;;;;")
    assert spaced.warnings[0]["message_fr"] == (
        "e-mail « saliou ka@example.org » non repris : adresse non valide (caractère non autorisé avant le @)"
    )


def test_arrival_after_the_registration_is_dropped_and_kept_in_the_notes() -> None:
    prepared = row("6;03/06/2019;Saliou;Ka;M;22/12/2002;;;;;;;;;;09.02.2026;;")
    assert "arrival_date" not in prepared.data  # type: ignore[operator]
    assert prepared.warnings == [
        {
            "field": "arrival_date",
            "message": "arrival date '09.02.2026' dropped: after the registration date '03/06/2019'",
            "message_fr": "date d'arrivée « 09.02.2026 » non reprise : postérieure à la date d'enregistrement "
            "« 03/06/2019 »",
        }
    ]
    assert "Date d'arrivée au Maroc (non reprise) : 09.02.2026" in prepared.data["notes"]  # type: ignore[index]


def test_undocumented_status_goes_to_the_restricted_field_only() -> None:
    prepared = row("4;02/06/2019;Saliou;Ka;M;;;;;;;;;Sans papiers;;;;")
    assert (prepared.data["status_category"], prepared.data["residence_status"]) == (None, "undocumented")  # type: ignore[index]


def test_an_unrecognised_status_is_kept_in_the_restricted_field_only() -> None:
    """The "Statut" column mixes occupations and legal status: a value not recognised may say the
    person's residence status, so agents never read it (not in the notes or the warnings)."""
    prepared = row("4;02/06/2019;Saliou;Ka;M;;;;;;;;;En situation irrégulière;;;Besoin d'aide;")
    assert prepared.data["residence_status"] == "Statut (non reconnu) : En situation irrégulière"  # type: ignore[index]
    assert "status_category" not in prepared.data or prepared.data["status_category"] is None  # type: ignore[operator]
    assert "irrégulière" not in str(prepared.data.get("notes"))  # type: ignore[union-attr]
    assert prepared.warnings == [
        {
            "field": "status",
            "message": "unrecognised status: kept in the restricted residence status",
            "message_fr": "statut non reconnu : gardé dans le statut de séjour (accès restreint)",
        }
    ]


def test_unknown_sex_is_recorded_unknown_with_a_warning() -> None:
    prepared = row("4;02/06/2019;Saliou;Ka;X;;;;;;;;;;;;;")
    assert prepared.data["sex"] == "unknown"  # type: ignore[index]
    assert prepared.warnings == [
        {
            "field": "sex",
            "message": "unrecognised sex 'X'; recorded as unknown",
            "message_fr": "sexe non reconnu « X » ; enregistré comme inconnu",
        }
    ]


def test_formula_looking_cell_is_kept_as_text_with_a_warning() -> None:
    prepared = row('4;02/06/2019;Saliou;Ka;M;;;;;;;;;;;;;=HYPERLINK("http://example.com/x","cliquer ici")')
    assert prepared.raw["observations"] == '=HYPERLINK("http://example.com/x","cliquer ici")'
    assert prepared.data["notes"].endswith('Observations : =HYPERLINK("http://example.com/x","cliquer ici")')  # type: ignore[index]
    assert prepared.warnings == [
        {
            "field": "observations",
            "message": "formula-looking cell stored as plain text, never evaluated",
            "message_fr": "observations : cellule qui ressemble à une formule, gardée comme texte, jamais calculée",
        }
    ]


def test_malformed_row_is_rejected() -> None:
    assert row("4;02/06/2019;Saliou").rejection == "malformed row: 3 cells where the header has 18"


@pytest.mark.parametrize(
    ("line", "reason_fr"),
    [
        ("4;02/06/2019;  ;Ka;M;;;;;;;;;;;;;", "pas de prénom"),
        ("4;02/06/2019;Saliou;;M;;;;;;;;;;;;;", "pas de nom"),
        ("4;02/06/2019;Saliou;Ka;M;31/02/1990;;;;;;;;;;;;", "date de naissance : date impossible « 31/02/1990 »"),
        ("4;02/06/2019;Saliou;Ka;M;12/1990;;;;;;;;;;;;", None),  # a partial birth date is kept
        ("4;02/06/2019;Saliou;Ka;M;13/1990;;;;;;;;;;;;", "date de naissance : mois impossible dans « 13/1990 »"),
        (
            "4;02/06/2019;Saliou;Ka;M;03/07/2019;;;;;;;;;;;;",
            "date de naissance « 03/07/2019 » postérieure à la date d'enregistrement « 02/06/2019 »",
        ),
        ("4;bientôt;Saliou;Ka;M;;;;;;;;;;;;;", "date d'enregistrement : date non reconnue « bientôt »"),
        ("4;06/2019;Saliou;Ka;M;;;;;;;;;;;;;", "date d'enregistrement : date incomplète « 06/2019 »"),
        ("4;02/06/2031;Saliou;Ka;M;;;;;;;;;;;;;", "date d'enregistrement « 02/06/2031 » postérieure à aujourd'hui"),
        ("4;02/06/2019;Saliou", "ligne mal formée : 3 cellules alors que l'en-tête en compte 18"),
        (
            "4;02/06/2019;Sal\x01iou;Ka;M;;;;;;;;;;;;;",
            "prénom(s) : caractère invisible non autorisé (U+0001) en position 4 ; corrigez la cellule dans le "
            "registre, puis importez-le à nouveau",
        ),
    ],
)
def test_every_rejection_is_said_in_french_too(line: str, reason_fr: str | None) -> None:
    """A desk's staff read the import report in French: each reason has its French wording."""
    prepared = row(line)
    assert prepared.rejection_fr == reason_fr
    assert (prepared.rejection is None) == (reason_fr is None)


def test_a_row_fingerprint_is_the_one_earlier_imports_stored() -> None:
    """Fingerprints are stored with each import's rows and compared with a later run's (an import
    sent again resumes): the hash of the trimmed cells by field name, without ``N°``, as
    ``json.dumps(…, ensure_ascii=False, sort_keys=True)`` writes them. Pinned to its value, so that
    no change of writer or option makes every stored fingerprint unknown."""
    raw = {"source_number": "12", "given_names": " Awa  Ndèye ", "family_name": "Diop", "email": "awa@example.sn"}
    content = '{"email": "awa@example.sn", "family_name": "Diop", "given_names": "Awa Ndèye"}'
    assert row_fingerprint(raw) == hashlib.sha256(content.encode()).hexdigest()


def test_a_rejected_row_s_warnings_say_its_cells_problems_not_what_would_have_been_recorded() -> None:
    """Nothing of a rejected row is recorded: its warnings tell the agent what else to correct in
    the register, never « enregistré comme inconnu », « gardé », « gardée comme texte »."""
    prepared = row("4;02/06/2019;  ;Ka;X;;;;;;0500000000;;;En situation irrégulière;;;;=1+1")
    assert prepared.rejection == "no given names"
    assert prepared.warnings == [
        {
            "field": "observations",
            "message": "formula-looking cell",
            "message_fr": "observations : cellule qui ressemble à une formule",
        },
        {"field": "sex", "message": "unrecognised sex 'X'", "message_fr": "sexe non reconnu « X »"},
        {
            "field": "phones",
            "message": "phone '0500000000' could not be verified",
            "message_fr": "téléphone « 0500000000 » : numéro non vérifié",
        },
        {"field": "status", "message": "unrecognised status", "message_fr": "statut non reconnu"},
    ]
    kept = row("4;02/06/2019;Saliou;Ka;X;;;;;;0500000000;;;En situation irrégulière;;;;=1+1")
    assert kept.rejection is None
    assert [w["message_fr"] for w in kept.warnings] == [
        "observations : cellule qui ressemble à une formule, gardée comme texte, jamais calculée",
        "sexe non reconnu « X » ; enregistré comme inconnu",
        "téléphone « 0500000000 » gardé tel qu'il est écrit : numéro non vérifié",
        "statut non reconnu : gardé dans le statut de séjour (accès restreint)",
    ]


def test_a_rejected_row_s_long_notes_are_said_too_long_not_cut() -> None:
    long_request = "x" * 4000
    prepared = row(f"4;02/06/2019;  ;Ka;M;;;;;;;;;;;;{long_request};{long_request}")
    assert prepared.rejection == "no given names"
    assert [w["message_fr"] for w in prepared.warnings] == [
        "notes (demande et observations) de plus de 2\u202f000 caractères"
    ]
