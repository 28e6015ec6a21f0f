"""consents.partner_id: a partner_referral consent designates one partner; partner names unique folded

A ``partner_referral`` consent named its partner by text only, and a referral was checked against
it by comparing names folded (case, accents, spacing), while partner names were unique only as
spelt: renaming a partner, or adding one whose name differs only by case or spacing, made a
consent cover a partner the person never agreed to. Now:

* ``partners.name_key`` is the name folded (``app.core.text.fold``), unique: no two partners'
  names differ only by case, accents or spacing;
* ``consents.partner_id`` is the partner the decision is about; ``partner_name`` stays, the name
  as shown when it was recorded.

Upgrade, in this order:

1. each ``partner_referral`` consent is bound to the partner whose folded name equals its
   ``partner_name`` folded, when exactly one partner's does (as the partners were before step 2);
   a consent whose name designates no partner, or several, stays unbound (``partner_id`` null)
   and from now on covers no referral: the agent records the person's decision again, choosing
   the partner from the list. How many were bound and left unbound is logged;
2. partners whose names fold alike keep them for the oldest (``created_at``, then ``id``); each
   other one gets `` (2)``, `` (3)``… after its name (logged: an administrator then gives it a
   better one);
3. ``name_key`` is filled and made unique.

Downgrade drops both columns (the bindings are lost; the renamed partners keep their new names).

Revision ID: 3601
Revises: 3501
Create Date: 2026-12-15 09:00:00+00:00
"""

import logging
from collections import defaultdict
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from app.core.text import fold

revision: str = "3601"
down_revision: str | Sequence[str] | None = "3501"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

log = logging.getLogger("alembic.runtime.migration")
NAME_MAX = 200


def _bind_consents(conn: sa.Connection, partners_by_key: dict[str, list[str]]) -> None:
    names = conn.execute(
        sa.text(
            "SELECT DISTINCT partner_name FROM consents "
            "WHERE purpose = 'partner_referral' AND partner_name IS NOT NULL"
        )
    ).scalars()
    bound = unbound = 0
    for name in list(names):
        ids = partners_by_key.get(fold(name), [])
        if len(ids) != 1:
            unbound += 1
            log.warning("consents naming %r designate %d partners: left unbound (they cover no referral)", name, len(ids))
            continue
        bound += 1
        conn.execute(
            sa.text(
                "UPDATE consents SET partner_id = :partner_id "
                "WHERE purpose = 'partner_referral' AND partner_name = :name"
            ),
            {"partner_id": ids[0], "name": name},
        )
    log.info("partner_referral consents: %d names bound to their partner, %d left unbound", bound, unbound)


def _free_name(name: str, taken: set[str]) -> str:
    for n in range(2, 10_000):
        suffix = f" ({n})"
        candidate = name[: NAME_MAX - len(suffix)] + suffix
        if fold(candidate) not in taken:
            return candidate
    raise RuntimeError(f"no free name for partner {name!r}")


def upgrade() -> None:
    with op.batch_alter_table("partners") as batch:
        batch.add_column(sa.Column("name_key", sa.String(length=200), nullable=True))
    with op.batch_alter_table("consents") as batch:
        batch.add_column(sa.Column("partner_id", sa.Uuid(), nullable=True))
        batch.create_foreign_key(op.f("fk_consents_partner_id_partners"), "partners", ["partner_id"], ["id"])
    conn = op.get_bind()
    partners = conn.execute(sa.text("SELECT id, name FROM partners ORDER BY created_at, id")).all()
    by_key: dict[str, list[str]] = defaultdict(list)
    for partner_id, name in partners:
        by_key[fold(name)].append(partner_id)
    _bind_consents(conn, by_key)
    taken = set(by_key)
    seen: set[str] = set()
    for partner_id, name in partners:
        key, new_name = fold(name), name
        if key in seen:
            new_name = _free_name(name, taken)
            key = fold(new_name)
            taken.add(key)
            log.warning("partner %s renamed %r → %r: its name folded as another's", partner_id, name, new_name)
        seen.add(key)
        conn.execute(
            sa.text("UPDATE partners SET name = :name, name_key = :key WHERE id = :id"),
            {"name": new_name, "key": key, "id": partner_id},
        )
    with op.batch_alter_table("partners") as batch:
        batch.alter_column("name_key", existing_type=sa.String(length=200), nullable=False)
        batch.create_unique_constraint(op.f("uq_partners_name_key"), ["name_key"])


def downgrade() -> None:
    with op.batch_alter_table("consents") as batch:
        batch.drop_constraint(op.f("fk_consents_partner_id_partners"), type_="foreignkey")
        batch.drop_column("partner_id")
    with op.batch_alter_table("partners") as batch:
        batch.drop_constraint(op.f("uq_partners_name_key"), type_="unique")
        batch.drop_column("name_key")
