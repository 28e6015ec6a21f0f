"""The ``documents`` migration creates exactly what the model declares (SQLite and PostgreSQL)."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from app.models import Base


def _touches_documents(op: object) -> bool:
    text = repr(op)
    return "'documents'" in text or "ix_documents" in text or "uq_documents" in text


async def test_documents_table_matches_the_model(app):
    async with app.state.engine.connect() as conn:
        diff = await conn.run_sync(lambda sync: compare_metadata(MigrationContext.configure(sync), Base.metadata))
    assert [op for op in diff if _touches_documents(op)] == []
