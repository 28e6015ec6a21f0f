"""Respell the repeated rows of a generated register as desks across a border write them.

``dedup_tools/make_register.py`` repeats a person with colonial-French variants and
``dedup_tools/harden_register.py`` with Wolof ones; this rewrites each repeated row (a row whose pid
appeared earlier in the truth file) with what the registers of The Gambia, Sierra Leone and Guinea,
and clerks joining or parting compound given names, do to one person's name (the spellings of
``docs/identity-resolution.md``, revision 2701 and before):

- a family name in its Gambian, Sierra Leonean or Guinean spelling (Diallo/Jalloh, Cissé/Sisay,
  Touré/Touray, Camara/Kamara, Ndao/Ndow, Coly/Colley, Diatta/Jatta, Niang/Nyang, Diagne/Jagne…);
- a given name in its Gambian spelling (Cheikh/Saikou, Ibrahima/Ebrima, Mamadou/Momodou…);
- a compound given name joined or parted (El Hadji/Elhadji/El-Hadji/Elhadj, Ndeye Fatou/Ndeyefatou).

The truth file is unchanged: the rows still describe the same people.

Usage: python bench/border_register.py IN.csv TRUTH.csv OUT.csv [--seed S]
"""

from __future__ import annotations

import random

from dedup_tools.harden_register import rewrite_repeated  # run as a script: bench/ is on sys.path

FAMILY = {
    "Diallo": ["Jalloh", "Jallow"], "Cissé": ["Sisay", "Ceesay", "Sesay"], "Touré": ["Touray", "Turay"],
    "Camara": ["Kamara"], "Ndao": ["Ndow"], "Coly": ["Colley"], "Diatta": ["Jatta"], "Sané": ["Sanneh"],
    "Mané": ["Manneh"], "Dramé": ["Drammeh"], "Kébé": ["Kebbeh"], "Ndiaye": ["Njie", "Njai"], "Diop": ["Jobe"],
    "Diouf": ["Joof"], "Thiam": ["Cham", "Caam"], "Seck": ["Secka"], "Mbaye": ["Mbye"], "Dieng": ["Jeng"],
    "Diagne": ["Jagne", "Jaañ"], "Niang": ["Nyang", "Ñang"], "Ba": ["Bah"], "Ka": ["Kah"], "Tall": ["Taal"],
    "Fall": ["Faal"], "Sarr": ["Saar"], "Sow": ["Sowe"],
}  # fmt: skip
GIVEN = {
    "Cheikh": ["Saikou", "Sékou", "Seeku"], "Ibrahima": ["Ebrima"], "Mamadou": ["Momodou"], "Modou": ["Momodou"],
    "Abdoulaye": ["Abdoulie"], "Babacar": ["Babucarr"], "Aïssatou": ["Isatou"], "Seynabou": ["Sainabou"],
    "Dieynaba": ["Jainaba"], "Lamine": ["Lamin"], "Ousmane": ["Ousman"], "Khady": ["Kaddy"], "Coumba": ["Kumba"],
    "Serigne": ["Sering", "Sëriñ"], "Omar": ["Oumar"], "Pape": ["Pa"],
}  # fmt: skip
COMPOUNDS = {
    "El Hadji": ["Elhadji", "El-Hadji", "Elhadj", "Alhaji", "Alagie"],
    "Ndeye Fatou": ["Ndeyefatou", "Ndeyfatou", "Ndèye-Fatou"],
}


def respell(rng: random.Random, given: str, family: str) -> tuple[str, str]:
    """One repeated row's given names and family name, as a desk across a border writes them."""
    if given in COMPOUNDS and rng.random() < 0.7:
        given = rng.choice(COMPOUNDS[given])
    else:
        given = " ".join(rng.choice(GIVEN[p]) if p in GIVEN and rng.random() < 0.5 else p for p in given.split())
    listed = family[:1].upper() + family[1:].lower()
    if listed in FAMILY and rng.random() < 0.6:
        family = rng.choice(FAMILY[listed])
    return given, family


def _respell_row(rng: random.Random, row: list[str]) -> None:
    row[2], row[3] = respell(rng, row[2].strip(), row[3].strip())


if __name__ == "__main__":
    rewrite_repeated(__doc__ or "", _respell_row)
