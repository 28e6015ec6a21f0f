"""human numbers: a stored unique number prefix per desk; counters keyed by the printed series

Before: case and transfer numbers were counted per desk code but printed with the code's first
segment, so ``CASA-ANFA`` and ``CASA-BASE`` printed the same ``CASA-2026-C-000001``. Now every desk
has a unique ``number_prefix`` and ``number_counters`` is keyed by what is printed (scope ``CASA``,
``CASA-C``, ``CASA-T`` and the year).

Upgrade: each desk (oldest first) gets the prefix its registration numbers already carry (the most
frequent), else its code up to the first dash, else the whole code without dashes, else that with
a digit; the counters are rebuilt from the highest number of every series found in
``registrants.registration_number`` and ``cases.case_number``. The column is added in place (no
table rebuild); on SQLite its ``''`` server default stays (removing it would rebuild ``desks``),
the application always supplies a value.

Revision ID: 0301
Revises: 0006
Create Date: 2026-11-30 03:20:00+00:00
"""

import re
from collections import Counter
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0301"
down_revision: str | Sequence[str] | None = "0101"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_NUMBER = re.compile(r"^(?P<prefix>.+)-(?P<year>\d{4})(?:-(?P<kind>[CT]))?-(?P<value>\d+)$")
_PREFIX = re.compile(r"^[A-Z][A-Z0-9]{1,11}$")


def _choose_prefixes(conn: sa.Connection) -> dict[str, str]:
    desks = conn.execute(sa.text("SELECT id, code FROM desks ORDER BY created_at, code")).all()
    rows = conn.execute(sa.text("SELECT desk_id, registration_number FROM registrants")).all()
    used: dict[str, Counter[str]] = {}
    for desk_id, number in rows:
        match = _NUMBER.match(number or "")
        if match and not match["kind"] and _PREFIX.match(match["prefix"]):
            used.setdefault(str(desk_id), Counter())[match["prefix"]] += 1
    chosen: dict[str, str] = {}
    taken: set[str] = set()
    for desk_id, code in desks:
        squeezed = re.sub(r"[^A-Z0-9]", "", code.upper())[:12] or "D"
        candidates = [p for p, _ in used.get(str(desk_id), Counter()).most_common()]
        candidates += [code.split("-")[0][:12], squeezed]
        candidates += [f"{squeezed[:10]}{n}" for n in range(2, 100)]
        prefix = next(p for p in candidates if p not in taken)
        taken.add(prefix)
        chosen[str(desk_id)] = prefix
    return chosen


def _series_maxima(conn: sa.Connection) -> dict[tuple[str, int], int]:
    numbers = [r[0] for r in conn.execute(sa.text("SELECT registration_number FROM registrants"))]
    numbers += [r[0] for r in conn.execute(sa.text("SELECT case_number FROM cases"))]
    maxima: dict[tuple[str, int], int] = {}
    for number in numbers:
        match = _NUMBER.match(number or "")
        if not match:
            continue
        scope = f"{match['prefix']}-{match['kind']}" if match["kind"] else match["prefix"]
        key = (scope[:64], int(match["year"]))
        maxima[key] = max(maxima.get(key, 0), int(match["value"]))
    return maxima


def upgrade() -> None:
    conn = op.get_bind()
    if conn.dialect.name == "postgresql":
        # The series' sequences live in their own schema, where the application's role may create
        # them (it may create nothing in ``public``: app/core/roles.py).
        conn.execute(sa.text("CREATE SCHEMA IF NOT EXISTS number_series"))
    op.add_column("desks", sa.Column("number_prefix", sa.String(length=12), server_default="", nullable=False))
    for desk_id, prefix in _choose_prefixes(conn).items():
        conn.execute(sa.text("UPDATE desks SET number_prefix = :p WHERE id = :i"), {"p": prefix, "i": desk_id})
    if conn.dialect.name != "sqlite":
        op.alter_column("desks", "number_prefix", server_default=None)
    op.create_index(op.f("ix_desks_number_prefix"), "desks", ["number_prefix"], unique=True)
    conn.execute(sa.text("DELETE FROM number_counters"))
    for (scope, year), value in sorted(_series_maxima(conn).items()):
        conn.execute(
            sa.text("INSERT INTO number_counters (scope, year, last_value) VALUES (:s, :y, :v)"),
            {"s": scope, "y": year, "v": value},
        )


def downgrade() -> None:
    conn = op.get_bind()
    if conn.dialect.name == "postgresql":
        conn.execute(sa.text("DROP SCHEMA IF EXISTS number_series CASCADE"))
    # The previous scheme (registrations per prefix, cases and transfers per desk code), counted
    # from the numbers stored, so it continues after every number issued.
    maxima = _series_maxima(conn)
    prefixes = dict(conn.execute(sa.text("SELECT number_prefix, code FROM desks")).all())
    conn.execute(sa.text("DELETE FROM number_counters"))
    old: dict[tuple[str, int], int] = {}
    for (scope, year), value in maxima.items():
        prefix, _, kind = scope.partition("-")
        code = prefixes.get(prefix)
        if not kind:
            key = f"registrant:{prefix}"
        elif code is None:
            continue
        else:
            key = f"{'case' if kind == 'C' else 'registrant-transfer'}:{code}"
        old[(key, year)] = max(old.get((key, year), 0), value)
    for (scope, year), value in sorted(old.items()):
        conn.execute(
            sa.text("INSERT INTO number_counters (scope, year, last_value) VALUES (:s, :y, :v)"),
            {"s": scope, "y": year, "v": value},
        )
    op.drop_index(op.f("ix_desks_number_prefix"), table_name="desks")
    if conn.dialect.name == "sqlite":  # SQLite ≥ 3.35 drops a column in place: no table rebuild
        op.execute("ALTER TABLE desks DROP COLUMN number_prefix")
    else:
        op.drop_column("desks", "number_prefix")
