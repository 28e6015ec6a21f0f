"""SQLite migrations that recreate a table (Alembic batch mode) keep the rows of its children.

Batch mode copies the table, drops the old one and renames the copy; with foreign keys enforced the
DROP deletes the children through ``ON DELETE CASCADE`` (https://www.sqlite.org/lang_altertable.html
#otheralter; https://www.sqlite.org/foreignkeys.html §4.3). ``migrations/env.py`` turns foreign keys
off for the migration and runs ``PRAGMA foreign_key_check`` before committing. These tests add a
test-only revision (in a temporary version directory, on top of the real head) that recreates
``import_batches``, the parent of ``import_rows``, and run it through the real ``env.py``.
"""

from __future__ import annotations

import asyncio
import os
import sqlite3
import uuid
from pathlib import Path

import pytest
from alembic import command
from alembic.config import Config
from alembic.script import ScriptDirectory

from app.core.db import create_engine, create_sessionmaker
from app.desks.models import Desk
from app.imports.models import ImportBatch, ImportRow

ROOT = Path(__file__).resolve().parents[2]

PROBE = '''"""test-only: recreate import_batches (a parent table) in batch mode"""
import sqlalchemy as sa
from alembic import op

revision = "probe_batch"
down_revision = "{head}"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("import_batches", recreate="always") as batch_op:
        batch_op.add_column(sa.Column("probe", sa.String(10), nullable=True))
{extra}

def downgrade() -> None:
    with op.batch_alter_table("import_batches", recreate="always") as batch_op:
        batch_op.drop_column("probe")
'''


def _config(tmp_path: Path, extra: str = "") -> tuple[Config, str, Path]:
    database = tmp_path / "batch.sqlite3"
    config = Config(str(ROOT / "alembic.ini"))
    config.attributes["url"] = f"sqlite+aiosqlite:///{database}"
    config.attributes["configure_logger"] = False
    head = ScriptDirectory.from_config(config).get_current_head()
    versions = tmp_path / "versions"
    versions.mkdir()
    (versions / "probe_batch.py").write_text(PROBE.format(head=head, extra=extra))
    config.set_main_option("version_locations", os.pathsep.join([str(ROOT / "migrations" / "versions"), str(versions)]))
    assert head is not None
    return config, head, database


async def _fill(url: str) -> None:
    engine = create_engine(url)
    async with create_sessionmaker(engine)() as session:
        desk = Desk(code="T-ONE", name="T", country="MA", city="T", time_zone="Africa/Casablanca")
        session.add(desk)
        await session.flush()
        batch = ImportBatch(desk_id=desk.id, actor_label="t", file_sha256="0" * 64, file_size=1, file_format="csv")
        session.add(batch)
        await session.flush()
        session.add_all(
            ImportRow(batch_id=batch.id, desk_id=desk.id, line=n, outcome="imported", row_fingerprint=str(n))
            for n in (2, 3, 4)
        )
        await session.commit()
    await engine.dispose()


def _query(database: Path, sql: str) -> list[tuple[object, ...]]:
    with sqlite3.connect(database) as conn:
        return conn.execute(sql).fetchall()


def test_recreating_a_parent_table_keeps_its_children(tmp_path: Path) -> None:
    config, head, database = _config(tmp_path)
    command.upgrade(config, head)
    asyncio.run(_fill(config.attributes["url"]))
    command.upgrade(config, "probe_batch")
    assert [c[1] for c in _query(database, "PRAGMA table_info(import_batches)")][-1] == "probe"
    assert _query(database, "SELECT line FROM import_rows ORDER BY line") == [(2,), (3,), (4,)]
    assert _query(database, "SELECT count(*) FROM import_rows r JOIN import_batches b ON b.id = r.batch_id") == [(3,)]
    command.downgrade(config, head)
    assert _query(database, "SELECT count(*) FROM import_rows") == [(3,)]


def test_foreign_keys_are_on_again_for_the_application_after_migrating(tmp_path: Path) -> None:
    config, head, _ = _config(tmp_path)
    command.upgrade(config, head)

    async def pragma() -> int:
        engine = create_engine(config.attributes["url"])
        async with engine.connect() as conn:
            value = (await conn.exec_driver_sql("PRAGMA foreign_keys")).scalar_one()
        await engine.dispose()
        return int(value)

    assert asyncio.run(pragma()) == 1


def test_a_migration_leaving_dangling_references_fails_and_is_rolled_back(tmp_path: Path) -> None:
    orphan = uuid.UUID(int=7).hex
    extra = f"    op.execute(\"UPDATE import_rows SET batch_id = '{orphan}' WHERE line = 3\")\n"
    config, head, database = _config(tmp_path, extra=extra)
    command.upgrade(config, head)
    asyncio.run(_fill(config.attributes["url"]))
    with pytest.raises(
        RuntimeError, match=r"broke 1 foreign key reference\(s\): import_rows rowid \d+ → import_batches"
    ):
        command.upgrade(config, "probe_batch")
    assert _query(database, "SELECT version_num FROM alembic_version") == [(head,)]
    assert "probe" not in [c[1] for c in _query(database, "PRAGMA table_info(import_batches)")]
    assert _query(database, "SELECT count(*) FROM import_rows r JOIN import_batches b ON b.id = r.batch_id") == [(3,)]
