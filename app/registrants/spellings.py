"""The variant table: spellings of one name that no phonetic rule brings together.

Each group lists the spellings desks meet of one name, its first spelling the canonical form
(:func:`app.registrants.matching.canonical`); every spelling of a group has the group's phonetic
key (:func:`app.registrants.matching.phonetic`). The sources of each addition are in its comment
and in ``docs/identity-resolution.md``; pairs decided *not* to be one name are listed, with why, in
``tests/registrants/test_spellings.py`` (``DIFFERENT``).

A spelling added here changes the stored keys of the registrants carrying it: the same change adds a
migration that re-keys them (revisions 1901, 2101, 2201, 2301, 2701 and 2901, through
:mod:`app.registrants.rekey`), listing it in its ``SPELLINGS``, each checked to have had another
key before (``KEYS_BEFORE_*`` in the tests).
"""

from __future__ import annotations

# Curated spelling variants (DOMAIN.md). The first spelling of each group is its canonical form.
# Family names: French colonial and Wolof (CLAD orthography, decree 2005-992) spellings of the
# same name. Given names: Latin transcriptions of one Arabic name, as written in Senegal, Morocco
# and Mauritania (Mouhamadou/Mamadou/Modou are Senegalese forms of Muhammad). The Gambian
# (English-based) spellings of the same names are listed too (Njie, Jallow, Mbye, Ceesay, Touray,
# Sering): families straddle the border and their papers use them. Arabic script reaches every
# group through the letters its Latin spellings would be written with (``محمد`` writes Mohamed:
# :func:`table_readings`); a spelling in Arabic script is listed only where no rule reaches (the
# last groups, and ``عبده``: its final h reads as an a). A spelling added here changes the stored
# keys of the registrants carrying it: a migration re-keys them (see revisions 1901, 2101, 2201, 2301,
# 2701 and 2901).
VARIANT_GROUPS: tuple[tuple[str, ...], ...] = (
    ("ndiaye", "njaay", "ndiay", "njaye", "ndyay", "njay", "njie", "ndjie"),
    # "dioub": the French-style transcription of ديوب used on Moroccan and Mauritanian papers
    # (Arabic و written "ou"), the form an agent types from such a document
    # Jobe: the Gambian spelling
    ("diop", "joob", "djop", "dyop", "diob", "dioub", "jobe"),
    ("ndao", "ndaw", "ndow"),  # Ndow: The Gambia
    ("diouf", "juuf", "dyuf", "joof"),  # Joof: The Gambia
    ("thiam", "caam", "tiam", "cham"),  # Cham: The Gambia (Wolof Caam)
    ("seck", "sek", "secka"),  # Secka: The Gambia
    ("mbaye", "mbay", "mbaay", "mbye"),
    ("fall", "faal", "fal"),
    ("sarr", "saar"),
    ("ba", "bah"),
    ("diallo", "jallo", "djallo", "jalo", "jallow", "jalow", "djallow", "diallow"),
    ("gueye", "gey", "guey"),
    ("diagne", "jaan"),  # Jaañ (Wolof)
    ("niang", "nang", "gniang"),  # Ñaŋ (Wolof), Gniang (French)
    ("thiaw", "caw"),  # Caw (Wolof)
    (
        "mouhamadou",
        "mamadou",
        "mohamadou",
        "modou",
        "muhammad",
        "mouhammadou",
        "mohamed",
        "muhamadu",
        "mouhamed",
        "mohammed",
        "mohamad",
        "mohammad",
        "muhamed",
        "mouhammed",
        "mamadu",
        # more transcriptions clerks write in Senegal and Mauritania (Mouhamad, Mouhamet), the
        # Gambian Momodou, the Soninke and Malian Mahamadou, and the Wolof (CLAD) Maamadu, Moodu
        "muhamad",
        "mouhamad",
        "mouhammad",
        "mohamet",
        "mouhamet",
        "momodou",
        "momodu",
        "mahamadou",
        "maamadu",
        "moodu",
    ),
    ("amadou", "ahmadou", "amadu", "ahmed", "ahmad", "hamadou"),
    ("abdou", "abdoul", "abdul", "abdu", "عبده"),  # عبده: the standard Arabic spelling (ʿAbduh)
    # Abdoulie: The Gambia
    ("abdoulaye", "abdallah", "abdullah", "abdoulahi", "abdullahi", "ablaay", "ablaye", "ablay", "ablaaye", "abdoulie"),
    ("ibrahima", "ibrahim", "brahim", "ibrahym", "ebrima", "ebrahima", "ebrahim"),  # Ebrima: The Gambia
    ("oumar", "omar", "umar", "omer", "umaru", "oumarou"),  # Umaru, Oumarou: Pulaar
    ("ousmane", "usman", "othmane", "outhmane", "osman", "osmane"),
    # Seex: Wolof; Cheikhou: the Pulaar and Mandinka form; Sékou (Pulaar Seeku, the Gambian Saikou):
    # the same title, Seku Amadu of Maasina being Cheikhou Amadou (Cheikou) in French sources
    (
        "cheikh",
        "cheick",
        "shaykh",
        "cheik",
        "chaikh",
        "sheikh",
        "sheik",
        "sheick",
        "seex",
        "cheikhou",
        "cheikou",
        "sekou",
        "seckou",
        "seeku",
        "saikou",
    ),
    ("souleymane", "suleymane", "soulaymane", "sulayman"),
    ("daouda", "dawda", "daoud", "dawud"),
    # Babucarr: The Gambia
    ("babacar", "boubacar", "aboubacar", "abubakar", "aboubakr", "aboubakar", "boubakar", "babucarr", "babucar"),
    # Isatou: The Gambia; Aïchatou: Niger and Mali
    ("aissatou", "astou", "aissata", "aicha", "aisha", "aysha", "aichatou", "isatou", "isatu"),
    ("fatou", "fatu", "فاطمة"),  # Fatou is the Wolof form of Fatima
    ("fatoumata", "fatimata", "fatumata", "fatima"),
    ("mariama", "mariam", "maryam", "mariem", "meriem", "meryem"),  # Mariem: Mauritania; Meriem: Morocco
    ("aminata", "aminatou", "amina"),
    # Khady (Wolof Xadi) is the name Khadija (Khadîdja, the Pulaar Khadidiatou) is called by in
    # Senegal: a woman whose passport says Khadidiatou gives Khady at the counter (one group since
    # revision 2901; Khady, by far the more common in registers, stays the canonical spelling)
    ("khady", "xadi", "خديجة", "khadidiatou", "khadija", "khadidja", "kadidiatou"),
    ("ndeye", "ndey"),
    ("hadji", "hadj", "haj", "hajj"),
    (
        "elhadji",
        "elhadj",
        "elhaj",
        "alhaji",
        "alhadji",
        "alhagie",
        "alhagi",
        "alagie",
        "alagi",
    ),  # Alhagie, Alagie: The Gambia
    (
        "cisse",
        "cise",
        "ceesay",
        "sesay",
        "sessay",
        "cesay",
        "cessay",
        "seesay",
        "sisay",
    ),  # Ceesay, Sesay: The Gambia, Sierra Leone; Sisay: Sierra Leone
    ("toure", "touray", "turay", "tourai"),
    ("serigne", "serin", "sering"),  # Sëriñ (Wolof), Sering (Gambian)
    ("thierno", "tierno", "ceerno", "cerno"),  # Ceerno (Pulaar)
    ("khadim", "xaadim", "xadim"),  # Xaadim (Wolof)
    ("cherif", "sherif", "sharif", "chrif", "shariff", "sharife", "sherriff", "sherrif"),
    ("moustapha", "mustapha", "mustafa", "mostafa", "moustafa", "mostapha"),
    # Standard Arabic spellings of names whose Senegalese form no letter rule reaches (a Wolof short
    # form, another consonant): they read as the Latin group too, besides what the rules derive.
    ("aliou", "ali", "aly", "alieu", "علي"),  # Ali; Alieu: The Gambia
    # Zaynab, and its standard Latin transcriptions as Moroccan and Mauritanian papers write it
    # Sainabou: The Gambia
    ("seynabou", "zeynab", "zaynab", "zeinab", "zainab", "zeynabou", "zeinabou", "seynab", "sainabou", "زينب"),
    (
        "dieynaba",
        "dienaba",
        "djenaba",
        "jainaba",
        "زينب",
    ),  # Zaynab (Pulaar, Wolof); Djénaba: Guinea; Jainaba: The Gambia
    # Yusuf: Youssou is the Wolof form of Youssoupha (Gambian Yusupha)
    ("youssou", "youssouf", "yusuf", "yousouf", "youssoupha", "yusupha", "يوسف"),
    ("rokhaya", "roughaya", "roukhaya", "roukaya", "ruqayya", "ruqaya", "رقية"),  # Ruqayya
    ("bassirou", "bachir", "bashir", "بشير"),  # Bashir (Moroccan, Mauritanian papers: Bachir)
    ("moctar", "mokhtar", "mouctar", "mukhtar"),  # Mukhtar (مختار): French "ct" for kh; Mouctar: Pulaar
    # Husayn: the Senegalese Ousseynou, the Gambian Ousainou, the Arabic transcriptions of Moroccan
    # (Houcine) and Mauritanian papers
    (
        "ousseynou",
        "ousseini",
        "housseini",
        "housseyni",
        "hussein",
        "houssein",
        "husseyn",
        "hussain",
        "houcine",
        "ousainou",
    ),
    ("lamine", "alamine", "alamin"),  # al-Amīn, written as one word (Mouhamed Alamine)
    ("saliou", "salih", "saleh"),  # Ṣāliḥ
    ("ismaila", "ismail", "ismael", "smail"),  # Ismāʿīl; Smail: Morocco
    ("idrissa", "idriss", "idris", "driss"),  # Idrīs; Driss: Morocco
    ("abdourahmane", "abderrahmane", "abderahmane", "abdelrahmane"),  # ʿAbd al-Raḥmān: Moroccan papers
    ("abdoulaziz", "abdelaziz", "abdulaziz", "abdouaziz"),  # ʿAbd al-ʿAzīz, in one word or two (Abdoul Aziz)
    ("pape", "papa", "pap", "pa"),  # Pape and Papa are one name; Pa: The Gambia (Pa Modou)
    ("bineta", "binta", "binetou"),  # Binta (Pulaar, Mandinka), Binetou
    ("habib", "habibou"),
    # English-based spellings of The Gambia and Sierra Leone, French-based ones of Guinea, of the
    # family names desks meet on both sides of a border (Mboge: Wolof Mbooj; Jobarteh: the
    # Mandinka griots' Diabaté; Koroma: the Kourouma of Guinea and Côte d'Ivoire)
    ("mbodj", "mbooj", "mboge"),
    ("coly", "colley"),  # Colley: The Gambia (Jola)
    ("diabate", "jobarteh"),
    ("kourouma", "koroma"),  # Koroma: Sierra Leone
    # Wolof (CLAD) c, the French thi/tch: the rules read c as k or s, as French does
    ("thioune", "cuun"),
    ("thioub", "cuub"),
)
