"""The ``diaspora-desk`` command: serve, migrate, seed, create users, import, verify the audit log."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Annotated, TypeVar

import typer
from sqlalchemy.ext.asyncio import AsyncSession

from app.core.config import Settings
from app.core.db import create_engine, create_sessionmaker

ROOT = Path(__file__).resolve().parent.parent
T = TypeVar("T")

cli = typer.Typer(help="Diaspora Desk: run and administer a desk's case-management service.", no_args_is_help=True)


def run_in_session(settings: Settings, work: Callable[[AsyncSession], Awaitable[T]]) -> T:
    """Run ``work`` in one transaction on the configured database, committing if it succeeds."""

    async def main() -> T:
        engine = create_engine(settings.effective_database_url)
        try:
            async with create_sessionmaker(engine)() as session:
                result = await work(session)
                await session.commit()
                return result
        finally:
            await engine.dispose()

    return asyncio.run(main())


def migrate_database(settings: Settings) -> None:
    """``alembic upgrade heads`` on the configured database (creating a SQLite file's folder)."""
    from alembic import command
    from alembic.config import Config

    config = Config(str(ROOT / "alembic.ini"))
    config.attributes["url"] = settings.effective_database_url
    config.attributes["configure_logger"] = False
    command.upgrade(config, "heads")


@cli.command()
def migrate() -> None:
    """Apply every database migration (alembic upgrade head)."""
    migrate_database(Settings())
    typer.echo("database is up to date")


@cli.command()
def seed() -> None:
    """Seed reference data (areas, desks, service catalogue) and the first administrator.

    Safe to re-run. Without DESK_ADMIN_PASSWORD, a generated password is printed once.
    """
    from app.seed import seed_all

    settings = Settings()
    report = run_in_session(settings, lambda s: seed_all(s, settings))
    typer.echo(f"seeded: {report.areas} areas, {report.desks} desks, {report.service_types} service types")
    if report.admin_email:
        typer.echo(f"administrator: {report.admin_email}")
        if report.admin_password:
            typer.secho(f"generated password (shown once): {report.admin_password}", fg=typer.colors.YELLOW)


@cli.command()
def serve(
    host: Annotated[str, typer.Option(help="Address to bind.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="TCP port.")] = 8000,
    workers: Annotated[int, typer.Option(help="Worker processes (keep 1 with SQLite).")] = 1,
) -> None:
    """Serve the API (and web client) with uvicorn."""
    import uvicorn

    from app.core.logging import configure

    settings = Settings()
    configure(settings.log_level, settings.log_format)
    uvicorn.run("app.asgi:app", host=host, port=port, workers=workers, proxy_headers=True, log_config=None)


@cli.command("create-user")
def create_user(
    email: Annotated[str, typer.Argument(help="Login e-mail (case-insensitive).")],
    role: Annotated[str, typer.Option(help="agent, supervisor, admin or auditor.")] = "agent",
    full_name: Annotated[str, typer.Option(help="Name shown to colleagues.")] = "",
    desk: Annotated[list[str] | None, typer.Option(help="Desk code; repeat for several desks.")] = None,
    password: Annotated[
        str, typer.Option(prompt=True, hide_input=True, confirmation_prompt=True, help="At least 10 characters.")
    ] = "",
) -> None:
    """Create a staff account (audited as done by the system)."""
    from app.core.context import SYSTEM_ACTOR
    from app.core.errors import Problem
    from app.users import service as users
    from app.users.schemas import UserCreate

    try:
        body = UserCreate(
            email=email,
            full_name=full_name or email,
            role=role,  # type: ignore[arg-type]
            password=password,
            desk_codes=desk or [],
        )
    except ValueError as exc:
        typer.secho(str(exc), fg=typer.colors.RED, err=True)
        raise typer.Exit(2) from exc
    try:
        user = run_in_session(Settings(), lambda s: users.create(s, actor=SYSTEM_ACTOR, **body.model_dump()))
    except Problem as exc:
        typer.secho(f"{exc.title_en}: {exc.detail_en}", fg=typer.colors.RED, err=True)
        raise typer.Exit(1) from exc
    typer.echo(f"created {user.role} {user.email} ({user.id})")


@cli.command("verify-audit")
def verify_audit() -> None:
    """Verify the audit log's hash chain; exit 1 naming the first broken event."""
    from app.audit.service import verify_chain

    result = run_in_session(Settings(), verify_chain)
    if result.ok:
        typer.echo(f"audit chain valid: {result.checked} events")
        return
    typer.secho(
        f"audit chain BROKEN at event seq={result.broken_seq} id={result.broken_id}: {result.reason} "
        f"({result.checked} events valid before it)",
        fg=typer.colors.RED,
        err=True,
    )
    raise typer.Exit(1)


from app.reports.cli import export as _export  # noqa: E402

cli.command("export")(_export)

app = cli

if __name__ == "__main__":
    cli()
