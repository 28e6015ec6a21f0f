"""Wolof, Pulaar and Gambian spellings of names the variant table knows, and the re-keying of the
registrants stored before the table learnt them (revision 1901)."""

from __future__ import annotations

import asyncio
import uuid
from typing import Any

import pytest
from alembic import command
from sqlalchemy import text

from app.cli import ROOT
from app.registrants.matching import phonetic
from app.registrants.spellings import VARIANT_GROUPS
from tests.alembic_config import alembic_config
from tests.registrants.conftest import person

# (spelling as written on the person's papers, the spelling the desk already has), each pair the
# same name: Wolof (CLAD orthography), Pulaar, and the English-based spellings used in The Gambia.
PAIRS = [
    ("Seex", "Cheikh"),
    ("Njie", "Ndiaye"),
    ("Jallow", "Diallo"),
    ("Mbye", "Mbaye"),
    ("Ceesay", "Cissé"),
    ("Touray", "Touré"),
    ("Sëriñ", "Serigne"),
    ("Sering", "Serigne"),
    ("Ceerno", "Thierno"),
    ("Xaadim", "Khadim"),
    ("Ablaay", "Abdoulaye"),
    ("Shérif", "Chérif"),
    ("Mostafa", "Moustapha"),
    ("Sheikh", "Cheikh"),
    ("Ablaye", "Abdoulaye"),
    ("Cerno", "Thierno"),
    ("Xadim", "Khadim"),
    ("Sharif", "Chérif"),
    ("Chrif", "Chérif"),  # the skeleton of شريف
    ("Sesay", "Cissé"),
    # the neighbours of a listed spelling, which met it by the rules before it joined the table
    ("Mostapha", "Mostafa"),
    ("Sheik", "Sheikh"),
    ("Sheick", "Sheikh"),
    ("Turay", "Touray"),
    ("Tourai", "Touray"),
    ("Sessay", "Sesay"),
    ("Cesay", "Ceesay"),
    ("Cessay", "Ceesay"),
    ("Seesay", "Ceesay"),
    ("Jalow", "Jallow"),
    ("Djallow", "Jallow"),
    ("Diallow", "Jallow"),
    ("Ablay", "Ablaye"),
    ("Ablaaye", "Ablaay"),
    ("Shariff", "Sharif"),
    ("Sharife", "Sharif"),
    ("Sherriff", "Sherif"),
    ("Sherrif", "Sherif"),
    ("Ndjie", "Njie"),
    # revision 2201: Gambian, Pulaar and Wolof forms, and standard transcriptions of Arabic names
    ("Ebrima", "Ibrahima"),
    ("Ebrahim", "Ibrahima"),
    ("Alieu", "Aliou"),
    ("Aly", "Aliou"),
    ("Ali", "Aliou"),
    ("Cheikhou", "Cheikh"),
    ("Xadi", "Khady"),
    ("Zeynab", "Seynabou"),
    ("Zeinab", "Seynabou"),
    ("Zainab", "Seynabou"),
    ("Zeynabou", "Seynabou"),
    ("Jaañ", "Diagne"),
    ("Ñaŋ", "Niang"),
    ("Gniang", "Niang"),
    ("Caw", "Thiaw"),
    # revision 2301: the Gambian spellings of given and family names
    ("Momodou", "Mamadou"),
    ("Momodu", "Mamadou"),
    ("Isatou", "Aïssatou"),
    ("Isatu", "Aïssatou"),
    ("Sainabou", "Seynabou"),
    ("Abdoulie", "Abdoulaye"),
    ("Ousainou", "Ousseynou"),
    ("Babucarr", "Babacar"),
    ("Alhagie", "Elhadji"),
    ("Pa", "Pape"),
    ("Yusupha", "Youssoupha"),
    ("Jobe", "Diop"),
    ("Joof", "Diouf"),
    ("Cham", "Thiam"),
    ("Secka", "Seck"),
    # ... the transcriptions of Moroccan and Mauritanian papers
    ("Hussein", "Ousseynou"),
    ("Houssein", "Ousseynou"),
    ("Hussain", "Ousseynou"),
    ("Houcine", "Ousseynou"),
    ("Housseyni", "Ousseynou"),
    ("Mariem", "Mariama"),
    ("Meriem", "Mariama"),
    ("Bachir", "Bassirou"),
    ("Bashir", "Bassirou"),
    ("Yusuf", "Youssou"),
    ("Youssouf", "Youssou"),
    ("Driss", "Idrissa"),
    ("Idriss", "Idrissa"),
    ("Smail", "Ismaïla"),
    ("Ismaël", "Ismaïla"),
    ("Abderrahmane", "Abdourahmane"),
    ("Abdelaziz", "Abdoulaziz"),
    ("Salih", "Saliou"),
    ("Saleh", "Saliou"),
    ("Mukhtar", "Moctar"),
    ("Osmane", "Ousmane"),
    # ... and Senegalese, Pulaar and Wolof spellings of names desks meet
    ("Mouhamad", "Mamadou"),
    ("Muhamad", "Mohamed"),
    ("Mouhammad", "Mouhamed"),
    ("Mouhamet", "Mouhamed"),
    ("Mahamadou", "Mamadou"),
    ("Maamadu", "Mamadou"),
    ("Moodu", "Modou"),
    ("Aichatou", "Aïssatou"),
    ("Aysha", "Aïcha"),
    ("Alamine", "Lamine"),
    ("Papa", "Pape"),
    ("Pap", "Pape"),
    ("Binta", "Bineta"),
    ("Binetou", "Bineta"),
    ("Roughaya", "Rokhaya"),
    ("Roukhaya", "Rokhaya"),
    ("Ruqayya", "Rokhaya"),
    ("Dienaba", "Dieynaba"),
    ("Djénaba", "Dieynaba"),
    ("Aboubakar", "Babacar"),
    ("Mouctar", "Moctar"),
    ("Umaru", "Oumar"),
    ("Oumarou", "Oumar"),
    ("Habibou", "Habib"),
    ("Soxna", "Sokhna"),  # the rule: Wolof x is French kh
    # revision 2701: the spellings of The Gambia, Sierra Leone and Guinea, the Wolof c, Sékou
    ("Ndow", "Ndao"),
    ("Sisay", "Cissé"),
    ("Jainaba", "Dieynaba"),
    ("Alagie", "Elhadji"),
    ("Mboge", "Mbodj"),
    ("Mbooj", "Mbodj"),
    ("Colley", "Coly"),
    ("Jobarteh", "Diabaté"),
    ("Koroma", "Kourouma"),
    ("Cuun", "Thioune"),
    ("Cuub", "Thioub"),
    ("Sékou", "Cheikh"),
    ("Seeku", "Cheikhou"),
    ("Saikou", "Cheikhou"),
    ("Seckou", "Sékou"),
    ("Cheikou", "Cheikh"),
    # ... and the Wolof ñ, read as the gn French writes (a word-initial gn as ni)
    ("Ñaña", "Gnagna"),
    ("Gnagna", "Niagna"),
    ("Saña", "Sagna"),
    ("Jaañ", "Diagne"),
    ("Sëriñ", "Serigne"),
    ("Ñaŋ", "Niang"),
    # already alike by the rules (checked before revision 2701 added anything)
    ("Jalloh", "Diallo"),
    ("Kamara", "Camara"),
    ("Jammeh", "Diamé"),
    ("Jagne", "Diagne"),
    ("Jeng", "Dieng"),
    ("Nyang", "Niang"),
    ("Njai", "Ndiaye"),
    ("Sanneh", "Sané"),
    ("Manneh", "Mané"),
    ("Jatta", "Diatta"),
    ("Drammeh", "Dramé"),
    ("Conteh", "Conté"),
    ("Fofanah", "Fofana"),
    ("Sidibeh", "Sidibé"),
    ("Kebbeh", "Kébé"),
    ("Jawara", "Diawara"),
    ("Kuyateh", "Kouyaté"),
    ("Barrie", "Barry"),
    ("Dumbuya", "Doumbouya"),
    ("Tunkara", "Tounkara"),
    ("Sillah", "Sylla"),
    ("Senghore", "Senghor"),
    ("Taal", "Tall"),
    ("Sowe", "Sow"),
    ("Sey", "Seye"),
    ("Kah", "Ka"),
    ("Lamin", "Lamine"),
    ("Ousman", "Ousmane"),
    ("Kaddy", "Khady"),
    ("Kumba", "Coumba"),
    ("Fatoumatta", "Fatoumata"),
    ("Fatima", "Fatimata"),
]

# Not one name, though their spellings are near: kept apart by the table and the rules.
DIFFERENT = [
    ("Hussein", "Hassan"),  # Ḥusayn and Ḥasan
    ("Ousseynou", "Assane"),
    ("Lamine", "Amine"),
    ("Pape", "Pathé"),
    ("Binta", "Bintou"),
    ("Saliou", "Salif"),
    ("Isatou", "Issa"),
    ("Seynabou", "Dieynaba"),
    ("Jobe", "Diouf"),
    ("Cham", "Kane"),
    # Gaye (Wolof Gaay) and Guèye (Géy) are two lineages, both in Senegal's registers; a Gambian
    # "Gaye" may be either, so neither is taken for the other
    ("Gaye", "Gueye"),
    ("Sy", "Sylla"),
    ("Ceesay", "Sy"),  # Ceesay is Cissé (Sisay), not Sy
    ("Sey", "Sy"),  # Sey is the Gambian Seye
    # Haddy: the Gambian short form of Khadija (Hadija) or the pilgrim's title Hadja: not Khady alone
    ("Haddy", "Khady"),
    # Fatim: a Senegalese name of its own, like Fatou (both from Fatima), kept apart as Fatou is
    ("Fatim", "Fatima"),
    ("Fatim", "Fatou"),
    ("Ñaña", "Nana"),  # a ñ is no n: Saña is Sagna, not Sana
]

# Each spelling revision 1901 re-keys, with its key before: the French/Wolof rules alone, worked
# out by hand (``njie``: n, j, i, final e dropped; ``seex``: s, ee → e, x; ``ceesay``: c before e
# → s, ee → e, s, a, y → i; ``chrif``: c before h → k, h silent).
KEYS_BEFORE_1901 = {
    "njie": "nji", "ndjie": "nji", "mbye": "mbi", "jallow": "jalow", "jalow": "jalow", "djallow": "jalow",
    "diallow": "jalow", "ablaay": "ablai", "ablaye": "ablai", "ablay": "ablai", "ablaaye": "ablai",
    "sheikh": "seik", "sheik": "seik", "sheick": "seik", "seex": "sex", "ceesay": "sesai", "sesay": "sesai",
    "sessay": "sesai", "cesay": "sesai", "cessay": "sesai", "seesay": "sesai", "touray": "turai",
    "turay": "turai", "tourai": "turai", "serin": "serin", "sering": "sering", "ceerno": "serno",
    "cerno": "serno", "xaadim": "xadim", "xadim": "xadim", "sherif": "serif", "sharif": "sarif",
    "chrif": "krif", "shariff": "sarif", "sharife": "sarif", "sherriff": "serif", "sherrif": "serif",
    "mostafa": "mostafa", "mostapha": "mostafa",
}  # fmt: skip
# and revision 2201's (``ebrima``: no rule turns e into i; ``cheikhou``: ou → u; ``caw``: c before a
# → k; ``jaan``: doubled a once, final n; ``zeynab``: y → i, z kept)
KEYS_BEFORE_2201 = {
    "ebrima": "ebrima", "ebrahima": "ebraima", "ebrahim": "ebraim", "cheikhou": "keiku", "ali": "ali", "aly": "ali",
    "alieu": "alieu", "xadi": "xadi", "zeynab": "zeinab", "zaynab": "zainab", "zeinab": "zeinab", "zainab": "zainab",
    "zeynabou": "zeinabu", "zeinabou": "zeinabu", "seynab": "seinab", "jaan": "jan", "nang": "nang",
    "gniang": "gniang", "caw": "kaw",
}  # fmt: skip
# and revision 2301's, as revision 2201's code keyed them (the rules alone: ``momodou``: m, o, m, o,
# d, ou → u; ``hussein``: h silent, ss → s, e, i, n; ``jobe``: j, o, b, final e dropped; ``papa``:
# no final e to drop, where Pape's key is ``pap``)
KEYS_BEFORE_2301 = {
    "abdelaziz": "abdelaziz", "abdelrahmane": "abdelraman", "abderahmane": "abderaman", "abderrahmane": "abderaman",
    "abdouaziz": "abduaziz", "abdoulie": "abduli", "aboubakar": "abubakar", "aichatou": "aikatu", "alamin": "alamin",
    "alamine": "alamin", "alhagi": "alagi", "alhagie": "alagi", "aysha": "aisa", "babucar": "babukar",
    "babucarr": "babukar", "bachir": "bakir", "bashir": "basir", "binetou": "binetu", "binta": "binta",
    "boubakar": "bubakar", "cham": "kam", "dienaba": "jenaba", "djenaba": "jenaba", "driss": "dris",
    "habibou": "abibu", "houcine": "usin", "houssein": "usein", "housseini": "useini", "housseyni": "useini",
    "hussain": "usain", "hussein": "usein", "husseyn": "usein", "idris": "idris", "idriss": "idris",
    "isatou": "isatu", "isatu": "isatu", "ismael": "ismael", "ismail": "ismail", "jobe": "job", "joof": "jof",
    "maamadu": "mamadu", "mahamadou": "mamadu", "mariem": "mariem", "meriem": "meriem", "meryem": "meriem",
    "mohamet": "moamet", "momodou": "momodu", "momodu": "momodu", "moodu": "modu", "mouctar": "muktar",
    "mouhamad": "muamad", "mouhamet": "muamet", "mouhammad": "muamad", "muhamad": "muamad", "mukhtar": "muktar",
    "osmane": "osman", "oumarou": "umaru", "ousainou": "usainu", "ousseini": "useini", "pa": "pa", "papa": "papa",
    "roughaya": "rugaia", "roukaya": "rukaia", "roukhaya": "rukaia", "ruqaya": "rukaia", "ruqayya": "rukaia",
    "sainabou": "sainabu", "saleh": "sal", "salih": "sali", "secka": "seka", "smail": "smail", "umaru": "umaru",
    "yousouf": "iusuf", "youssouf": "iusuf", "youssoupha": "iusufa", "yusuf": "iusuf", "yusupha": "iusufa",
}  # fmt: skip


# and revision 2701's, as revision 2402's code keyed them (the rules alone: ``ndow``: w kept;
# ``saikou``: ai, ou → u; ``jobarteh``: h silent, final e dropped; ``cuun``: c before u → k)
KEYS_BEFORE_2701 = {
    "alagi": "alagi", "alagie": "alagi", "cheikou": "keiku", "colley": "kolei", "cuub": "kub", "cuun": "kun",
    "jainaba": "jainaba", "jobarteh": "jobart", "koroma": "koroma", "mboge": "mbog", "ndow": "ndow",
    "saikou": "saiku", "seckou": "seku", "seeku": "seku", "sekou": "seku", "sisay": "sisai",
}  # fmt: skip
# and revision 2901's (the Khadija group's key before it joined Khady's)
KEYS_BEFORE_2901 = {"khadidiatou": "kadijatu", "khadija": "kadijatu", "khadidja": "kadijatu", "kadidiatou": "kadijatu"}
# Words whose key the ñ and word-initial gn rules of revision 2701 changed, with their key before
# (``Ñaña`` folded to ``nana``; ``gnagna``: g, n, a, g, n, a). ``Ñaŋ`` kept its key (``nang`` is
# listed with Niang) but not its word, ``gnang`` now: the ñ re-keys it too.
WORDS_BEFORE_2701 = {"Ñaña": "nana", "Gnagna": "gnagna", "Saña": "sana", "Gningue": "gning"}


@pytest.mark.parametrize(("spelling", "known"), PAIRS)
def test_each_spelling_has_the_phonetic_key_of_the_name_it_writes(spelling: str, known: str) -> None:
    from app.registrants.matching import tokens

    (a,) = tokens(spelling)
    (b,) = tokens(known)
    assert phonetic(a) == phonetic(b)


@pytest.mark.parametrize(
    ("token", "key"),
    [("njie", "njai"), ("seex", "keik"), ("ceesay", "sis"), ("ceerno", "tierno"), ("xaadim", "kadim")],
)
def test_keys_worked_out_by_hand(token: str, key: str) -> None:
    # Ndiaye: "di"+vowel is "j", "y" is "i", a final "e" drops; Cheikh: "ch" is "k", "h" silent;
    # Cissé: "c" before "i" is "s", doubled letters collapse; Thierno: "th" is "t"
    assert phonetic(token) == key


async def test_a_gambian_spelling_of_a_registered_family_name_is_a_candidate(casa_agent, create) -> None:
    awa = person(given_names="Awa", family_name="Ndiaye", date_of_birth="1988-02-01")
    first = (await create(casa_agent, awa)).json()
    # another day of the same month: only the names (and the birth year) can bring her in
    again = await create(casa_agent, {**awa, "family_name": "Njie", "date_of_birth": "1988-02-11"})
    assert again.status_code == 409
    (candidate,) = again.json()["candidates"]
    assert candidate["id"] == first["id"]
    assert {c["field"]: c["level"] for c in candidate["comparisons"]}["family_name"] == "variant"


async def _rows(sessionmaker: Any, sql: str, registrant_id: str) -> list[Any]:
    """The rows of ``sql`` with ``:r`` bound to ``registrant_id`` (stored as 32 hex digits on SQLite)."""
    async with sessionmaker() as session:
        rid: Any = uuid.UUID(registrant_id)
        if session.bind.dialect.name == "sqlite":
            rid = rid.hex
        return list((await session.execute(text(sql), {"r": rid})).all())


async def _keys(sessionmaker: Any, registrant_id: str) -> set[tuple[str, str]]:
    rows = await _rows(sessionmaker, "SELECT kind, value FROM registrant_keys WHERE registrant_id = :r", registrant_id)
    return {(k, v) for k, v in rows}


async def _phonetic_names(sessionmaker: Any, registrant_id: str) -> tuple[str, str]:
    sql = "SELECT given_names_phonetic, family_name_phonetic FROM registrants WHERE id = :r"
    ((given, family),) = await _rows(sessionmaker, sql, registrant_id)
    return given, family


async def test_upgrade_rekeys_the_registrants_written_with_the_old_keys(
    app, client, casa_agent, create, settings, sessionmaker
) -> None:
    # every kind of key: names, a verified and an unverified phone, full birth and arrival dates,
    # place of birth, region, city and occupation
    body = person(
        given_names="Seex Ablaye", family_name="Jallow Njie", date_of_birth="1979-11-02",
        phones=[{"number": "0612345678"}, {"number": "0500000000"}], place_of_birth="Serekunda",
        origin_region="SN-DK", host_city="Casablanca", occupation="Mécanicien", arrival_date="2015-09-01",
        documents=[{"doc_type": "passport", "number": "A01234567"}],
    )  # fmt: skip
    created = await create(casa_agent, body)
    assert created.status_code == 201, created.text
    njie = created.json()
    other = (await create(casa_agent, person(given_names="Awa", family_name="Sarr"))).json()
    ebrima = (await create(casa_agent, person(given_names="Ebrima", family_name="Jaañ", sex="male"))).json()
    isatou = (await create(casa_agent, person(given_names="Soxna Isatou", family_name="Jobe"))).json()
    isatou_keys = await _keys(sessionmaker, isatou["id"])
    assert {("g", "sokna aisatu"), ("f", "jop"), ("w", "soxna")} <= isatou_keys
    ebrima_keys = await _keys(sessionmaker, ebrima["id"])
    assert {("g", "ibraima"), ("f", "jagn")} <= ebrima_keys
    current = await _keys(sessionmaker, njie["id"])
    untouched = await _keys(sessionmaker, other["id"])
    kinds = {k for k, _ in current}
    assert {"g", "f", "n", "w", "gf", "gfy", "d", "dn", "gfa", "t", "b", "r", "c", "o"} <= kinds
    assert {("f", "jalo njai"), ("g", "keik abdulai"), ("gfy", "keik jalo njai 1979"), ("w", "seex")} <= current
    assert ("t", "0000000050") in current  # the unverified number, by its digits reversed
    assert await _phonetic_names(sessionmaker, njie["id"]) == ("keik abdulai", "jalo njai")
    await app.state.engine.dispose()

    config = alembic_config(settings.effective_database_url)
    await asyncio.to_thread(command.downgrade, config, "1801")
    async with sessionmaker() as session:  # the keys as the table before 1901 made them
        await session.execute(text("DELETE FROM registrant_keys WHERE kind <> 'w'"))
        await session.execute(text("UPDATE registrants SET given_names_phonetic = 'sex ablai'"))
        await session.commit()
    await app.state.engine.dispose()
    await asyncio.to_thread(command.upgrade, config, "head")
    await app.state.engine.dispose()

    assert await _keys(sessionmaker, njie["id"]) == current
    assert await _keys(sessionmaker, ebrima["id"]) == ebrima_keys  # revision 2201's spellings
    assert await _phonetic_names(sessionmaker, ebrima["id"]) == ("ibraima", "jagn")
    assert await _keys(sessionmaker, isatou["id"]) == isatou_keys  # revision 2301's spellings and x
    assert await _phonetic_names(sessionmaker, isatou["id"]) == ("sokna aisatu", "jop")
    # not re-keyed: its words only, and the "s" keys revision 2101 derives from them
    assert await _keys(sessionmaker, other["id"]) == {k for k in untouched if k[0] in ("w", "s")}
    assert await _phonetic_names(sessionmaker, njie["id"]) == ("keik abdulai", "jalo njai")
    # found again by the names: another birth date, no shared phone
    found = await create(
        casa_agent, person(given_names="Cheikh", family_name="Diallo Ndiaye", date_of_birth="1979-11-20")
    )
    assert found.status_code == 409
    assert [c["id"] for c in found.json()["candidates"]] == [njie["id"]]


@pytest.mark.parametrize(
    ("revision", "keys_before"),
    [
        ("registrant_keys_spellings", KEYS_BEFORE_1901),
        ("registrant_keys_more_spellings", KEYS_BEFORE_2201),
        ("registrant_keys_desk_spellings", KEYS_BEFORE_2301),
        ("registrant_keys_border_spellings", KEYS_BEFORE_2701),
        ("registrant_keys_symbols_khady", KEYS_BEFORE_2901),
    ],
)
def test_the_migration_rekeys_exactly_the_spellings_whose_key_changed(
    revision: str, keys_before: dict[str, str]
) -> None:
    import importlib.util

    path = next((ROOT / "migrations" / "versions").glob(f"*_{revision}.py"))
    spec = importlib.util.spec_from_file_location(revision, path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    assert sorted(module.SPELLINGS) == sorted(keys_before)
    listed = {variant for group in VARIANT_GROUPS for variant in group[1:]}
    for spelling, before in keys_before.items():
        assert spelling in listed
        assert phonetic(spelling) != before, spelling


@pytest.mark.parametrize(("word", "before"), WORDS_BEFORE_2701.items())
def test_the_rules_of_revision_2701_changed_the_key_of_a_word_with_a_palatal_n(word: str, before: str) -> None:
    from app.registrants.matching import phonetic_key

    assert phonetic_key(word) != before


@pytest.mark.parametrize(("one", "other"), DIFFERENT)
def test_names_near_in_spelling_keep_different_keys(one: str, other: str) -> None:
    from app.registrants.matching import tokens

    (a,) = tokens(one)
    (b,) = tokens(other)
    assert phonetic(a) != phonetic(b)


@pytest.mark.parametrize(
    ("joined", "parted"),
    [("Mamediarra", "Mame Diarra"), ("Abdoulaziz", "Abdoul Aziz"), ("Abdelaziz", "Abdoul Aziz"),
     ("Abdouaziz", "Abdoul Aziz"), ("Ndeyfatou", "Ndèye Fatou"), ("Elhadji", "El Hadji")],
)  # fmt: skip
def test_a_compound_given_name_written_as_one_word_is_a_variant(joined: str, parted: str) -> None:
    from app.registrants.linkage import Frequencies, compare
    from app.registrants.matching import PersonKeys

    one = PersonKeys.of(given_names=joined, family_name="Bousso", date_of_birth="1990-04-02")
    other = PersonKeys.of(given_names=parted, family_name="Bousso", date_of_birth="1990-04-02")
    for a, b in ((one, other), (other, one)):
        levels = {c.field: c.level for c in compare(a, b, Frequencies({}, 1000)).comparisons}
        assert levels["given_names"] == "variant"


# (on file, written again): one spelling of each kind revision 2301 taught, given and family names
SEEN_GIVEN = [
    ("Mamadou", "Momodou"), ("Aïssatou", "Isatou"), ("Ousseynou", "Hussein"), ("Mamadou", "Mouhamad"),
    ("Pape", "Papa"), ("Sokhna", "Soxna"), ("Bassirou", "Bachir"), ("Youssou", "Yusuf"), ("Lamine", "Alamine"),
    ("Abdoulaye", "Abdoulie"), ("Rokhaya", "Roughaya"), ("Mariama", "Mariem"), ("Abdou", "عبده"),
]  # fmt: skip
SEEN_FAMILY = [("Diop", "Jobe"), ("Diouf", "Joof"), ("Thiam", "Cham"), ("Seck", "Secka"), ("Diakhaté", "Jaxate")]


@pytest.mark.parametrize(("given", "family", "again"), [
    *((g, "Sagna", (a, "Sagna")) for g, a in SEEN_GIVEN),
    *(("Awa", f, ("Awa", a)) for f, a in SEEN_FAMILY),
])  # fmt: skip
async def test_a_spelling_taught_by_revision_2301_is_a_candidate_and_is_found(
    given: str, family: str, again: tuple[str, str], casa_agent: Any, create: Any, client: Any
) -> None:
    on_file = await create(casa_agent, person(given_names=given, family_name=family, date_of_birth="1983-07-04"))
    body = person(given_names=again[0], family_name=again[1], date_of_birth="1983-07-19")  # another day
    response = await create(casa_agent, body)
    assert response.status_code == 409, response.text
    (candidate,) = response.json()["candidates"]
    assert candidate["id"] == on_file.json()["id"]
    levels = {c["field"]: c["level"] for c in candidate["comparisons"]}
    assert {levels["given_names"], levels["family_name"]} <= {"exact", "variant"}
    found = await client.get("/api/v1/registrants", params={"q": " ".join(again)}, headers=casa_agent.headers)
    assert [r["id"] for r in found.json()["items"]] == [on_file.json()["id"]]


async def test_upgrade_to_2701_rekeys_the_border_spellings_the_palatal_n_and_an_initial_gn(
    app, client, casa_agent, create, settings, sessionmaker
) -> None:
    saikou = (await create(casa_agent, person(given_names="Saikou", family_name="Jobarteh", sex="male"))).json()
    nana = (await create(casa_agent, person(given_names="Ñaña", family_name="Sarr"), confirm=True)).json()
    gnagna = (await create(casa_agent, person(given_names="Awa", family_name="Gnagna"), confirm=True)).json()
    other = (await create(casa_agent, person(given_names="Awa", family_name="Sarr"), confirm=True)).json()
    current = {p["id"]: await _keys(sessionmaker, p["id"]) for p in (saikou, nana, gnagna, other)}
    names = {p["id"]: await _phonetic_names(sessionmaker, p["id"]) for p in (saikou, nana, gnagna)}
    assert names == {saikou["id"]: ("keik", "jabat"), nana["id"]: ("niagna", "sar"), gnagna["id"]: ("awa", "niagna")}
    assert ("w", "gnagna") in current[nana["id"]]
    await app.state.engine.dispose()

    config = alembic_config(settings.effective_database_url)
    await asyncio.to_thread(command.downgrade, config, "2402")
    async with sessionmaker() as session:  # the keys as revision 2402's code left them
        await session.execute(text("DELETE FROM registrant_keys WHERE kind <> 'w'"))
        rid: Any = uuid.UUID(nana["id"])  # Ñaña's word, folded to nana before
        rid = rid.hex if session.bind.dialect.name == "sqlite" else rid
        await session.execute(
            text(
                "UPDATE registrant_keys SET value = 'nana' WHERE registrant_id = :r AND kind = 'w' AND value = 'gnagna'"
            ),
            {"r": rid},
        )
        await session.execute(text("UPDATE registrants SET given_names_phonetic = 'old', family_name_phonetic = 'old'"))
        await session.commit()
    await app.state.engine.dispose()
    await asyncio.to_thread(command.upgrade, config, "head")
    await app.state.engine.dispose()

    for rekeyed in (saikou, nana, gnagna):
        assert await _keys(sessionmaker, rekeyed["id"]) == current[rekeyed["id"]]
        assert await _phonetic_names(sessionmaker, rekeyed["id"]) == names[rekeyed["id"]]
    assert await _keys(sessionmaker, other["id"]) == {k for k in current[other["id"]] if k[0] == "w"}  # untouched
    found = await client.get("/api/v1/registrants", params={"q": "Cheikh Diabaté"}, headers=casa_agent.headers)
    assert [r["id"] for r in found.json()["items"]] == [saikou["id"]]
