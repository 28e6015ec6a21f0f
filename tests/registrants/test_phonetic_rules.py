"""The phonetic rules of duplicate detection, one by one (DOMAIN.md "Names and duplicates").

Each rule of the French/Wolof phonetic key is checked on spellings desks meet that are *not* in
the variant table, so only the rule can make them equal: a French colonial spelling and its Wolof
(CLAD) or Gambian/Malian form, or two Latin transcriptions of one Arabic name. Pairs of different
names check that a rule does not reach further than it should.

The keys are stored in indexed columns: a changed key no longer finds existing rows. The exact
keys below were derived by hand from the rules documented in ``app.registrants.matching``, in
order: ``dj`` → ``j``; ``di`` + vowel → ``j``; ``ou`` → ``u``; ``th`` → ``t``, ``ph`` → ``f``;
``ck`` → ``k``; ``gu`` + ``e``/``i``/``y`` → ``g``; ``q`` and ``x`` → ``k``; ``c`` → ``s`` before
``e``/``i``/``y``, else ``k``; ``y`` → ``i``; ``h`` silent; then a run of one letter becomes one
letter, and a final ``e`` is dropped when more than two letters are left. A variant-table name
is keyed by its group's first spelling.
"""

import pytest

from app.registrants import matching


@pytest.mark.parametrize(
    ("french", "other"),
    [
        # dj → j
        ("Mbodj", "Mbooj"),  # Wolof CLAD
        ("Adja", "Ajaa"),  # the title of a woman back from the hajj, Wolof CLAD
        ("Djibril", "Jibril"),
        # di + vowel → j
        ("Diagne", "Jagne"),  # Gambian spelling
        ("Mame Diarra", "Maam Jaara"),  # Wolof CLAD
        ("Dia", "Jaa"),  # Wolof CLAD
        ("Ndiogou", "Njoogu"),  # Wolof CLAD; also ou → u, and "gu" at the very end
        # "di" before a consonant or at the end stays "di"
        ("Sidi", "Sidy"),
        # ou → u
        ("Touré", "Tuure"),  # Wolof CLAD
        ("Coulibaly", "Kulibali"),  # Bambara orthography (Mali)
        ("Kouyaté", "Kuyate"),
        # th → t, ph → f
        ("Thiaw", "Tiaw"),
        ("Raphaël", "Rafael"),
        # ck → k
        ("Mbacké", "Mbàkke"),  # Wolof CLAD
        ("Cheickna", "Cheikna"),
        # gu + e/i → g, and the final e
        ("Mbengue", "Mbeng"),  # Wolof CLAD
        ("Guissé", "Gise"),  # Wolof CLAD
        # q → k
        ("Tariq", "Tarik"),
        # c → s before e/i/y, k before anything else
        ("Cissokho", "Sissokho"),
        ("Ciré", "Siré"),  # a Pulaar given name (Ciré Ba)
        # h is silent
        ("Rokhaya", "Rokaya"),
        # x → k: the Wolof (CLAD) letter of French "kh" (revision 2301)
        ("Sokhna", "Soxna"),
        ("Diakhaté", "Jaxate"),
        ("Mbakhane", "Mbaxaan"),
    ],
)
def test_spellings_of_one_name_get_one_phonetic_key(french: str, other: str) -> None:
    assert matching.phonetic_key(french) == matching.phonetic_key(other)


@pytest.mark.parametrize(
    ("one", "other"),
    [
        ("Sy", "Sylla"),  # different lineages (DOMAIN.md)
        ("Gaye", "Gueye"),  # different families: "gu" before e becomes g, the e stays e
        ("Dia", "Diaw"),  # different families: "di" + vowel keeps what follows
        ("Ndao", "Ndiaye"),  # "d" before "a" stays "d"
    ],
)
def test_different_names_keep_different_phonetic_keys(one: str, other: str) -> None:
    assert matching.phonetic_key(one) != matching.phonetic_key(other)


@pytest.mark.parametrize(
    ("name", "key"),
    [
        # n, "di"+a → j, a, y → i, e dropped ("njaie" is longer than two letters)
        ("Ndiaye", "njai"),
        ("N'Diaye", "njai"),
        # n, d (followed by a, not i or j), a, o
        ("Ndao", "ndao"),
        # "di"+o → j, "ou" → u, f
        ("Diouf", "juf"),
        # f, a, t, "ou" → u even as the last two letters
        ("Fatou", "fatu"),
        # s, i, d (followed by the last letter, no vowel after it), i
        ("Sidi", "sidi"),
        # c before h → k, h silent, e, i, k, h silent
        ("Cheikh", "keik"),
        # c before i → s, i, ss → s, final e dropped
        ("Cissé", "sis"),
        # s, e, "ck" → k
        ("Seck", "sek"),
        # "gu" before e → g, e, y → i, final e dropped
        ("Gueye", "gei"),
        ("Guèye", "gei"),
        # a, "gu" before i → g, i, b, "ou" → u
        ("Aguibou", "agibu"),
        # n, g (followed by o, not u), o, m
        ("Ngom", "ngom"),
        # m, a, r, c before e → s, e, l
        ("Marcel", "marsel"),
        # "th" → t, i, a, w
        ("Thiaw", "tiaw"),
        # c before y → s, y → i, r, i, ll → l, final e dropped
        ("Cyrille", "siril"),
        # t, a, r, i, q → k
        ("Tariq", "tarik"),
        # s, o, x → k, n, a (Sokhna in Wolof letters)
        ("Soxna", "sokna"),
        # nn → n, then "ane" has three letters: final e dropped
        ("Anne", "an"),
        # ee → e, then "le" has only two letters: the e is kept
        ("Lee", "le"),
        # canonical "mouhamadou": m, "ou" → u, h silent, a, m, a, d, "ou" → u
        ("Mouhamed", "muamadu"),
        # one key per token, separated by one space: canonical "ndeye" → n, d, e, y → i, e
        # dropped; "fatou" → fatu
        ("Ndèye Fatou", "ndei fatu"),
    ],
)
def test_phonetic_keys_of_common_names_are_the_stored_ones(name: str, key: str) -> None:
    assert matching.phonetic_key(name) == key
