"""The migrations produce exactly the schema the models describe."""

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import text

from app.models import Base

# Indexes the migrations create on PostgreSQL only, over an expression Alembic cannot compare.
EXPRESSION_INDEXES = {"ix_registrants_name_terms", "ix_registrants_merged_name_terms"}


def _compared(obj, name, type_, reflected, compare_to) -> bool:  # type: ignore[no-untyped-def]
    return not (type_ == "index" and name in EXPRESSION_INDEXES)


async def test_models_and_migrations_agree(app) -> None:
    options = {"compare_type": True, "include_object": _compared}
    async with app.state.engine.connect() as conn:
        diffs = await conn.run_sync(
            lambda sync: compare_metadata(MigrationContext.configure(sync, opts=options), Base.metadata)
        )
    assert diffs == []


async def test_timestamps_come_back_timezone_aware_in_utc(app, make_staff) -> None:
    await make_staff("agent")
    async with app.state.sessionmaker() as session:
        from sqlalchemy import select

        from app.auth.models import StaffUser

        user = (await session.execute(select(StaffUser))).scalars().first()
        assert user.created_at.utcoffset().total_seconds() == 0
        dialect = session.bind.dialect.name
        if dialect == "postgresql":
            kind = (
                await session.execute(
                    text(
                        "SELECT data_type FROM information_schema.columns "
                        "WHERE table_name='staff_users' AND column_name='created_at'"
                    )
                )
            ).scalar_one()
            assert kind == "timestamp with time zone"


def test_migrations_form_one_linear_history() -> None:
    from pathlib import Path

    from alembic.config import Config
    from alembic.script import ScriptDirectory

    root = Path(__file__).resolve().parents[2]
    script = ScriptDirectory.from_config(Config(str(root / "alembic.ini")))
    assert script.get_heads() == ["4001"]
    assert [rev.revision for rev in script.walk_revisions()] == [
        "4001", "3901", "3801", "3701", "3601", "3501", "3401", "3301", "3201", "3101", "3001", "2901", "2801", "2601",
        "2701", "2402", "2401", "2301", "2201", "2101", "2002", "2001", "1901", "1801", "1401", "1301", "1201", "1001",
        "1101", "0901", "0801", "0601", "0401", "0301", "0101", "0501", "0006", "0005", "0004", "0003", "0002", "0001",
    ]  # fmt: skip
