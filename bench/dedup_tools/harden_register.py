"""Make a generated register harder: respell the rows that repeat an earlier person.

``make_register.py`` repeats a person with a few colonial-French spelling variants. Desks meet
more than that, so this rewrites each repeated row (a row whose pid appeared earlier in the truth
file) with what agents and legacy files do to one person's name and date of birth:

- given name and family name swapped (typed in each other's column);
- Arabic-origin given names in another transliteration (Mouhamadou/Mohamed/Muhammad,
  Abdoulaye/Abdoul/Abdou, Ousmane/Usman…) and family names in Wolof orthography (Diop/Joob,
  Ndiaye/Njaay, Fall/Faal…) — the groups of DOMAIN.md's spelling section;
- one typing slip in the family name (a letter dropped, doubled or two swapped);
- a compound given name cut to one part or its parts reordered;
- day and month of the date of birth swapped.

The truth file is unchanged: the rows still describe the same people.

Usage: python harden_register.py IN.csv TRUTH.csv OUT.csv [--seed S]
"""

from __future__ import annotations

import argparse
import csv
import random
from collections.abc import Callable

GIVEN = {
    "Mouhamadou": ["Mohamed", "Mouhamed", "Muhammad", "Mohammed", "Mamadou"],
    "Mamadou": ["Mouhamadou", "Mohamadou", "Mamadu"],
    "Abdoulaye": ["Abdoul", "Abdou", "Abdulaye", "Abdallah"],
    "Ousmane": ["Usman", "Ousman", "Othmane"],
    "Ibrahima": ["Ibrahim", "Ebrima", "Brahim"],
    "Cheikh": ["Cheikhou", "Sheikh", "Shaykh"],
    "Moussa": ["Musa", "Mousa"],
    "Souleymane": ["Souleimane", "Sulayman", "Soulèymane"],
    "Djibril": ["Jibril", "Djibrill"],
    "Aliou": ["Ali", "Aliyu", "Alioune"],
    "Khadim": ["Xadim", "Khadime"],
    "Serigne": ["Sëriñ", "Sérigne"],
    "Fatou": ["Fatu", "Fatoumata"],
    "Mariama": ["Maryam", "Mariam", "Maryama"],
    "Aminata": ["Aminta", "Amina"],
    "Awa": ["Hawa", "Awaa"],
    "Khady": ["Khadija", "Xadi"],
    "Coumba": ["Kumba", "Koumba"],
    "Ndèye": ["Ndeye", "Ndey", "Ndéye"],
    "Aïssatou": ["Aissatou", "Aïcha", "Aisha"],
    "Seynabou": ["Zeynab", "Zeinabou", "Seynab"],
}
FAMILY = {
    "Diop": ["Joob", "Djop"], "Ndiaye": ["Njaay", "N'Diaye", "Ndiay"], "Fall": ["Faal"],
    "Diallo": ["Jallo", "Djallo"], "Gueye": ["Géy", "Guèye", "Gaye"], "Sarr": ["Saar", "Sar"],
    "Thiam": ["Caam", "Tiam"], "Diouf": ["Juuf", "Diouff"], "Mbaye": ["Mbay", "M'Baye"],
    "Seck": ["Sekk", "Sek"], "Niang": ["Ñang", "Gniang"], "Cissé": ["Sisé", "Cisse"],
    "Touré": ["Ture", "Toure"], "Diagne": ["Jaañ", "Diane"], "Dieng": ["Jéeng", "Dieng"],
    "Mbengue": ["Mbeng", "Mbègue"], "Ndour": ["Nduur"], "Sène": ["Seen", "Sene"],
}  # fmt: skip


def slip(rng: random.Random, word: str) -> str:
    """One typing slip: a letter dropped, doubled, or two neighbours swapped."""
    if len(word) < 4:
        return word
    i = rng.randrange(1, len(word) - 1)
    kind = rng.choice(["drop", "double", "swap"])
    if kind == "drop":
        return word[:i] + word[i + 1 :]
    if kind == "double":
        return word[:i] + word[i] + word[i:]
    return word[:i] + word[i + 1] + word[i] + word[i + 2 :]


def respell(rng: random.Random, given: str, family: str, born: str) -> tuple[str, str, str]:
    """One repeated row's given name, family name and date of birth, made harder."""
    parts = given.split()
    if len(parts) > 1 and rng.random() < 0.5:
        parts = [rng.choice(parts)] if rng.random() < 0.5 else parts[::-1]
    parts = [rng.choice(GIVEN[p]) if p in GIVEN and rng.random() < 0.5 else p for p in parts]
    given = " ".join(parts)
    listed = family[:1].upper() + family[1:].lower()
    if listed in FAMILY and rng.random() < 0.4:
        family = rng.choice(FAMILY[listed])
    if rng.random() < 0.1:
        family = slip(rng, family)
    day, _, rest = born.partition("/")
    month, _, year = rest.partition("/")
    if year and day.isdigit() and int(day) <= 12 and rng.random() < 0.1:
        born = f"{month}/{day}/{year}"
    if rng.random() < 0.1:
        given, family = family, given
    return given, family, born


def rewrite_repeated(description: str, respell_row: Callable[[random.Random, list[str]], None]) -> None:
    """The command line of a respelling tool: ``IN.csv TRUTH.csv OUT.csv [--seed S]``; each row
    whose pid appeared on an earlier row (the truth file) goes through ``respell_row`` (which
    changes it in place), the others are copied as they are (cp1252, ``;``, as make_register.py
    writes them)."""
    parser = argparse.ArgumentParser(description=description, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("register")
    parser.add_argument("truth")
    parser.add_argument("out")
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    rng = random.Random(args.seed)
    with open(args.truth, newline="") as f:
        pids = {row["row"]: row["pid"] for row in csv.DictReader(f)}
    with open(args.register, newline="", encoding="cp1252") as f:
        rows = list(csv.reader(f, delimiter=";"))
    seen: set[str] = set()
    for row in rows[1:]:
        pid = pids[row[0]]
        if pid in seen:
            respell_row(rng, row)
        seen.add(pid)
    with open(args.out, "w", newline="", encoding="cp1252", errors="replace") as f:
        csv.writer(f, delimiter=";").writerows(rows)


def _respell_row(rng: random.Random, row: list[str]) -> None:
    row[2], row[3], row[5] = respell(rng, row[2].strip(), row[3].strip(), row[5])


if __name__ == "__main__":
    rewrite_repeated(__doc__ or "", _respell_row)
