"""The ``diaspora-desk`` command: serve, migrate, seed, create users, import, verify the audit log."""

from __future__ import annotations

import asyncio
import os
import re
import stat
from collections.abc import Awaitable, Callable, Mapping
from pathlib import Path
from typing import Annotated, Any, TypeVar

import typer
from sqlalchemy.ext.asyncio import AsyncSession
from typer.core import TyperGroup
from typer.exceptions import TyperException

from app.core.config import Settings
from app.core.db import INTEGER_MAX, create_engine, create_sessionmaker, run_after_commit

ROOT = Path(__file__).resolve().parent.parent
T = TypeVar("T")

DATABASE_DRIVERS = ("sqlite+aiosqlite", "postgresql+asyncpg")
"""The ``scheme+driver`` of a ``DATABASE_URL`` (and ``DATABASE_OWNER_URL``) the service runs on."""
DATABASE_UNREACHABLE = 3
"""Every command's exit code when the database cannot be reached or read (README, "Command line")."""


class _Commands(TyperGroup):
    """The commands, a database that cannot be reached or read (:func:`_database_unreachable`)
    said on one line and exit 3 whichever command met it, rather than a traceback."""

    def invoke(self, ctx: Any) -> Any:  # typer's click Context (typer keeps its own click)
        try:
            return super().invoke(ctx)
        except (typer.Exit, typer.Abort, TyperException):  # the command's own exit, or click's refusal
            raise
        except Exception as exc:
            if (schema := schema_not_this_versions(exc)) is not None:
                raise refused(schema, DATABASE_UNREACHABLE) from exc
            if not _database_unreachable(exc):
                raise
            from app.core.db_errors import pgbouncer_not_configured

            reason = f"{type(exc).__name__}: {(str(exc).splitlines() or [''])[0]}"
            named = databases_named(ctx.invoked_subcommand)
            said = pgbouncer_not_configured(exc) or (
                f"the database cannot be reached or refused this role: {named} ({without_passwords(reason)})"
            )
            raise refused(said, DATABASE_UNREACHABLE) from exc


def schema_not_this_versions(exc: BaseException) -> str | None:
    """When ``exc`` is a table or column missing (SQLite's "no such table/column", PostgreSQL's
    undefined table or column) because the database of ``DATABASE_URL`` was never migrated, or not
    to this version's migrations: the line saying so and what to run
    (:func:`app.startup.schema_refusal`); else None."""
    import sqlite3

    import asyncpg  # type: ignore[import-untyped]

    from app.startup import CannotStart, check_database

    seen: BaseException | None = exc
    while seen is not None:
        missing = isinstance(seen, asyncpg.UndefinedTableError | asyncpg.UndefinedColumnError) or (
            isinstance(seen, sqlite3.OperationalError) and str(seen).startswith(("no such table", "no such column"))
        )
        if missing:
            try:
                check_database(Settings())
            except CannotStart as refusal:
                return "; ".join(refusal.lines).removeprefix("cannot start: ")
            return None
        seen = seen.__cause__ or seen.__context__ or getattr(seen, "orig", None)
    return None


def databases_named(command: str | None) -> str:
    """The setting(s) a command's database connections come from, each with where it leads and
    never its password (:func:`app.core.db_errors.database_described`): ``DATABASE_URL (PostgreSQL
    at 127.0.0.1:5432, database desk, role desk_app)``; for ``migrate`` with ``DATABASE_OWNER_URL``
    set, that one or ``DATABASE_URL`` (it connects as both)."""
    from app.core.db_errors import database_described

    settings = Settings()  # read and checked before any command (_settings_readable)
    named = f"DATABASE_URL ({database_described(settings.effective_database_url)})"
    if command == "migrate" and settings.database_owner_url:
        return f"DATABASE_OWNER_URL ({database_described(settings.effective_owner_database_url)}) or {named}"
    return named


def without_passwords(text: str) -> str:
    """``text`` with the passwords of ``DATABASE_URL`` and ``DATABASE_OWNER_URL`` masked, should a
    driver's message ever quote them."""
    from sqlalchemy.engine import make_url

    settings = Settings()
    for url in (settings.effective_database_url, settings.database_owner_url):
        password = make_url(url).password if url and "://" in url else None
        if password:
            text = text.replace(str(password), "***")
    return text


def _database_unreachable(exc: BaseException) -> bool:
    """:func:`app.core.db_errors.database_unreadable`, but for a file's own ``OSError`` (one with a
    ``filename``: a register, a stored document), which is no fault of the database."""
    from app.core.db_errors import database_unreadable

    seen: BaseException | None = exc
    while seen is not None:
        if isinstance(seen, OSError) and seen.filename is not None:
            return False
        seen = seen.__cause__ or seen.__context__
    return database_unreadable(exc)


cli = typer.Typer(
    cls=_Commands, help="Diaspora Desk: run and administer a desk's case-management service.", no_args_is_help=True
)


_SERVICE_COMMANDS = frozenset({"serve", "worker"})
_DATABASE_COMMANDS = frozenset({"migrate", "seed"})


@cli.callback()
def _settings_readable(context: typer.Context) -> None:
    """Before any command: the settings, read as every command reads them. One refused (a value out
    of its range, ``SECRET_KEY`` missing in production) is one line on stderr per setting, naming
    it, and exit 2, not a traceback (:mod:`app.startup`). Before ``serve`` and ``worker``, what the
    service needs (directories, time-zone data, notification templates), before ``migrate`` and
    ``seed`` what they need (time-zone data, the SQLite file): one line per problem, exit 1.
    Before every command, ``DATABASE_URL`` and ``DATABASE_OWNER_URL`` of a driver the service
    runs on (:data:`DATABASE_DRIVERS`): a refused setting, exit 2."""
    from app.startup import CannotStart, check_command, check_service, read_settings

    try:
        settings = read_settings()
        _refuse_drivers(settings)
        if context.invoked_subcommand in _SERVICE_COMMANDS:
            check_service(settings)
        elif context.invoked_subcommand in _DATABASE_COMMANDS:
            check_command(settings)
    except CannotStart as refused:
        refused.exit()


def _refuse_drivers(settings: Settings) -> None:
    """:class:`app.startup.CannotStart` (exit 2, ``setting refused: DATABASE_URL: …``) naming each
    database URL that is not one of :data:`DATABASE_DRIVERS`' (``postgres://``, ``mysql://``, not a
    URL): the engine would fail on it with a traceback. Never says the value (it holds a password)."""
    from sqlalchemy.engine import make_url
    from sqlalchemy.exc import ArgumentError

    from app.startup import CannotStart

    give = " or ".join(f"{driver}://…" for driver in DATABASE_DRIVERS)
    lines = []
    for name, url in (
        ("DATABASE_URL", settings.effective_database_url),
        ("DATABASE_OWNER_URL", settings.database_owner_url),
    ):
        if not url:
            continue
        try:
            driver = make_url(url).drivername
        except ArgumentError:
            lines.append(f"setting refused: {name}: not a database URL; give {give}")
            continue
        if driver not in DATABASE_DRIVERS:
            lines.append(
                f"setting refused: {name}: {driver!r} is not a database driver this service runs on; give {give}"
            )
    if lines:
        raise CannotStart(lines, 2)


def refuse_unstorable(**arguments: str | list[str] | None) -> None:
    """Exit 2 naming the first argument the text rule of :mod:`app.core.text` refuses.

    Command-line arguments reach the database like request fields do (an undecodable byte in
    ``argv`` becomes a lone surrogate under Python's ``surrogateescape``).
    """
    from app.core.text import describe_disallowed

    for name, value in arguments.items():
        for item in [value] if isinstance(value, str) else value or []:
            reason = describe_disallowed(item)
            if reason:
                typer.secho(f"--{name.replace('_', '-')}: {reason}", fg=typer.colors.RED, err=True)
                raise typer.Exit(2)


def in_option_words(detail: str, options: Mapping[str, str]) -> str:
    """A problem's English ``detail`` with the API's names of what the command line took as
    options (``options``: the API's field → the option, ``{"desk_code": "--desk"}``) said as those
    options: "Body field desk_code: …" → "--desk: …", "in `purpose`" → "in --purpose",
    "purpose does not apply: … (named=true)" → "--purpose does not apply: … (--named)",
    "desk_codes: give at least one" → "--desk: give at least one"."""
    for field, option in options.items():
        name = re.escape(field)
        detail = re.sub(rf"(?i:body field|query parameter) {name}\b", option, detail)
        detail = re.sub(rf"`{name}`|\b{name}=(?:true|csv)\b", option, detail)
        detail = re.sub(rf"\b{name}=(?=\S)", f"{option} ", detail)
        detail = re.sub(rf"^(?:The )?{name}(?= ')", option, detail, flags=re.IGNORECASE)
        detail = re.sub(rf"^{name}(?= (?:does|do) not apply)", option, detail)
        detail = re.sub(rf"^{name}(?=: )", option, detail)
        detail = re.sub(rf"(?<=, ){name}(?=(?:, [a-z_]+)* do not apply)", option, detail)
    return detail


def _run_or_exit(
    settings: Settings,
    work: Callable[[AsyncSession], Awaitable[T]],
    *,
    label: str,
    refused_exit: int,
    options: Mapping[str, str] | None = None,
) -> T:
    """:func:`run_in_session`, a refused command line exiting 2 and a refusal by the product
    (a problem: ``label: title: detail`` on stderr, the API's names of ``options`` said as the
    command's options, :func:`in_option_words`) exiting ``refused_exit``, or 2 when it refuses
    what an option gave (a 422 naming it)."""
    from app.core.errors import Problem

    try:
        return run_in_session(settings, work)
    except _CliRefusal as exc:
        typer.secho(str(exc), fg=typer.colors.RED, err=True)
        raise typer.Exit(2) from exc
    except Problem as exc:
        detail = in_option_words(exc.detail_en or "", options or {})
        typer.secho(f"{label}: {exc.title_en}: {detail}", fg=typer.colors.RED, err=True)
        raise typer.Exit(2 if detail != exc.detail_en else refused_exit) from exc


def run_in_session(
    settings: Settings,
    work: Callable[[AsyncSession], Awaitable[T]],
    *,
    server_settings: Mapping[str, str] | None = None,
) -> T:
    """Run ``work`` in one transaction on the configured database, committing if it succeeds (then
    the work queued with ``db.after_commit`` runs); ``server_settings``: as :func:`create_engine`."""

    async def main() -> T:
        engine = create_engine(settings.effective_database_url, server_settings=server_settings)
        try:
            async with create_sessionmaker(engine)() as session:
                result = await work(session)
                await session.commit()
                await run_after_commit(session)
                return result
        finally:
            await engine.dispose()

    return asyncio.run(main())


def alembic_config() -> Any:
    """Alembic's configuration of the migrations (``alembic.config.Config``): the source tree's
    ``alembic.ini``, or the working directory's (installed image)."""
    from alembic.config import Config

    ini = ROOT / "alembic.ini" if (ROOT / "alembic.ini").exists() else Path.cwd() / "alembic.ini"
    return Config(str(ini))


def migrate_database(settings: Settings, applied: list[str] | None = None) -> str | None:
    """``alembic upgrade head`` as the owner (``DATABASE_OWNER_URL``, else ``DATABASE_URL``), then,
    on PostgreSQL with two roles, grant the application's role (:func:`app.core.roles.grant_app_role`).
    Returns the role granted, if any; ``applied`` gets the revisions applied, in order. Raises
    :class:`app.core.roles.SuperuserAppRole` before migrating when that role is a superuser, and
    :class:`app.core.roles.AppRoleRefused` after migrating when it is refused otherwise."""
    from alembic import command

    config = alembic_config()
    config.attributes["url"] = settings.effective_owner_database_url
    config.attributes["configure_logger"] = False
    config.attributes["applied"] = applied if applied is not None else []
    from app.core.roles import grant_app_role, refuse_superuser_app_role

    if settings.database_owner_url:
        owner_url, app_url = settings.effective_owner_database_url, settings.effective_database_url
        asyncio.run(refuse_superuser_app_role(owner_url, app_url))  # before migrating: nothing applied
    command.upgrade(config, "head")
    if not settings.database_owner_url:
        return None

    return asyncio.run(grant_app_role(settings.effective_owner_database_url, settings.effective_database_url))


@cli.command()
def migrate() -> None:
    """Apply every database migration (alembic upgrade head) as the owner role.

    With DATABASE_OWNER_URL set (PostgreSQL), the role of DATABASE_URL is then created if missing
    and granted what the application needs: no UPDATE, DELETE or TRUNCATE on the audit log, no
    CREATE in any schema. Exits 1 before migrating if that role is a superuser (connect the
    application as another role); after migrating (said on stdout first) if it could rewrite the
    audit log anyway (CREATEROLE, owner of something in schema public, CREATE on a schema, a member
    of the owner…), owns schema number_series, or a grant is refused (another role owns what it
    names), naming how to remove the cause; warns on stderr when one role is both owner and
    application.
    """
    import asyncpg
    from alembic.util import CommandError
    from sqlalchemy.engine import make_url
    from sqlalchemy.exc import DBAPIError

    from app.core.roles import AppRoleRefused, SuperuserAppRole, one_role_warning

    settings = Settings()
    applied: list[str] = []
    try:
        role = migrate_database(settings, applied)
    except CommandError as exc:  # the database's revision is none of this version's: nothing applied
        said = f"the database's migration is not one of this version's ({exc}): a newer version migrated it"
        raise refused(f"error: nothing applied: {said}; run that version", 1) from exc
    except DBAPIError as exc:  # the application's role, without DATABASE_OWNER_URL: it may create nothing
        denied = next((e for e in _chain(exc) if isinstance(e, asyncpg.InsufficientPrivilegeError)), None)
        if denied is None:
            raise
        if applied:
            typer.echo(_migrated(applied))
        role_name = make_url(settings.effective_owner_database_url).username
        raise refused(
            f"error: the role {role_name} may not change the database's schema ({denied}): run migrate as the owner "
            'role, with DATABASE_OWNER_URL set to it (README, "Running on PostgreSQL")',
            1,
        ) from exc
    except AppRoleRefused as exc:
        if not isinstance(exc, SuperuserAppRole):  # refused after migrating: say what was applied
            typer.echo(_migrated(applied))
        typer.secho(f"error: {exc}", err=True, fg=typer.colors.RED)
        raise typer.Exit(1) from exc
    typer.echo(_migrated(applied))
    if role:
        typer.echo(f"application role {role}: granted (audit tables: SELECT and INSERT only)")
        return
    warning = asyncio.run(
        one_role_warning(settings.effective_database_url, owner_url_set=bool(settings.database_owner_url))
    )
    if warning:
        typer.secho(warning, err=True, fg=typer.colors.YELLOW)


def _chain(exc: BaseException) -> list[BaseException]:
    """``exc`` and what it wraps (causes, contexts, a DBAPI error's ``orig``), outermost first."""
    seen: list[BaseException] = []
    current: BaseException | None = exc
    while current is not None and current not in seen:
        seen.append(current)
        current = current.__cause__ or current.__context__ or getattr(current, "orig", None)
    return seen


def _migrated(applied: list[str]) -> str:
    """What ``migrate`` did: nothing (up to date), or how many migrations it applied, up to which."""
    if not applied:
        return "database is up to date"
    return f"database migrated: {counted(len(applied), 'migration')} applied, now at revision {applied[-1]}"


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
    """Serve the API (and web client) with uvicorn.

    Exits 0 once stopped (SIGTERM, Ctrl-C); 2 when a setting or an option is refused (--workers
    below 1, --port out of range); 1 with one line, before listening, when the audit signing key
    cannot be used (missing in production or where AUDIT_SIGNING_KEY_FILE names it, unreadable,
    not Ed25519) or HOST:PORT cannot be listened on (in use, a port this user may not bind);
    3 with one line when the database of DATABASE_URL cannot be reached or refuses the role
    (checked once, before listening; an outage later answers 503 until it is back), or when
    uvicorn's own start fails after that (the port taken meanwhile, the application's start-up
    failing: its log says why). ``PUBLIC_BASE_URL`` unset: the address served on
    (:func:`_served_at`), so the OAuth 2.0 metadata names the port given here."""
    import uvicorn

    from app.core.logging import configure
    from app.startup import CannotStart, load_audit_signer

    if workers < 1:
        raise refused(f"--workers: give at least 1 worker process ({workers} given)")
    if not 0 < port < 65536:
        raise refused(f"--port: give a TCP port from 1 to 65535 ({port} given)")
    settings = Settings()
    try:  # as create_app() will (outside production, the key in DATA_DIR is made once)
        load_audit_signer(settings)
    except CannotStart as refusal:
        refusal.exit()
    if (cannot := _cannot_listen(host, port)) is not None:
        raise refused(f"cannot start: {cannot}", 1)
    _database_usable(settings)
    configure(settings.log_level, settings.log_format)
    if "public_base_url" not in settings.model_fields_set:  # the worker processes read it too
        os.environ["PUBLIC_BASE_URL"] = _served_at(host, port)
    uvicorn.run(
        "app.asgi:app",
        host=host,
        port=port,
        workers=workers,
        proxy_headers=bool(settings.forwarded_allow_ips),
        forwarded_allow_ips=settings.forwarded_allow_ips or None,
        log_config=None,
    )


def _database_usable(settings: Settings) -> None:
    """``serve`` and ``worker`` before they start: exit 3 in one line naming ``DATABASE_URL`` (where
    it leads, never its password) when the database cannot be reached or refuses the role
    (:func:`app.startup.check_database`); once running, they ride out an outage instead."""
    from app.startup import CannotStart, check_database

    try:
        check_database(settings)
    except CannotStart as refusal:
        refusal.exit()


def _served_at(host: str, port: int) -> str:
    """The address clients reach ``serve --host HOST --port PORT`` at when ``PUBLIC_BASE_URL`` is
    unset (``http://127.0.0.1:8765``): the loopback address for a wildcard bind (``0.0.0.0``,
    ``::``), an IPv6 address in brackets (RFC 3986 §3.2.2). Behind a reverse proxy, set
    ``PUBLIC_BASE_URL`` itself."""
    shown = {"0.0.0.0": "127.0.0.1", "": "127.0.0.1", "::": "[::1]"}.get(host)  # noqa: S104 (a bind address read, not bound)
    if shown is None:
        shown = f"[{host}]" if ":" in host else host
    return f"http://{shown}:{port}"


def _cannot_listen(host: str, port: int) -> str | None:
    """Why uvicorn could not listen on ``host``:``port`` (None: it can), found by binding a socket
    there as uvicorn will (``SO_REUSEADDR``, IPv6 for an address with a colon) and closing it, so
    that a port in use is one line before the application starts, not uvicorn's exit 3 after."""
    import errno
    import socket

    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    with socket.socket(family, socket.SOCK_STREAM) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind((host, port))
        except OSError as exc:
            if exc.errno == errno.EADDRINUSE:
                return f"port {port} is in use on {host}; stop what listens there or give another --port"
            return f"cannot listen on {host} port {port}: {exc.strerror or exc}; give another --host or --port"
    return None


@cli.command()
def worker() -> None:
    """Deliver notifications and run the periodic jobs (reminders…) until stopped (SIGTERM, Ctrl-C).

    For production, next to servers started with JOBS_IN_PROCESS=false; several workers may run
    against PostgreSQL (rows are claimed with FOR UPDATE SKIP LOCKED). See docs/notifications.md.
    Exit 3 with one line when the database cannot be reached or refuses the role at start; an
    outage later is logged once and ridden out, backing off, until the database is back.
    """
    import signal

    from app.core.logging import configure
    from app.notifications import templates
    from app.notifications.worker import Worker

    settings = Settings()
    configure(settings.log_level, settings.log_format)
    templates.configure(settings.notify_templates_dir)  # checked before (_settings_readable): loads
    _database_usable(settings)

    async def main() -> None:
        engine = create_engine(settings.effective_database_url, pool_size=2)
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for signum in (signal.SIGTERM, signal.SIGINT):
            loop.add_signal_handler(signum, stop.set)
        try:
            await Worker(create_sessionmaker(engine), settings).run(stop)
        finally:
            await engine.dispose()

    asyncio.run(main())


_USER_OPTIONS = {
    "email": "EMAIL",
    "full_name": "--full-name",
    "role": "--role",
    "password": "--password",
    "desk_codes": "--desk",
}
"""create-user's argument and options by the names of the account's fields."""


@cli.command("create-user")
def create_user(
    email: Annotated[str, typer.Argument(help="Login e-mail (case-insensitive).")],
    role: Annotated[str, typer.Option(help="agent, supervisor, admin or auditor.")] = "agent",
    full_name: Annotated[str, typer.Option(help="Name shown to colleagues.")] = "",
    desk: Annotated[list[str] | None, typer.Option(help="Desk code; repeat for several desks.")] = None,
    password: Annotated[
        str | None,
        typer.Option(
            help="10 to 128 characters, not easy to guess. Better left out (other users may see a "
            "command line): asked for on a terminal, else read as one line of standard input."
        ),
    ] = None,
) -> None:
    """Create a staff account (audited as done by the system).

    The e-mail, the role and the desks are checked before the password is asked for (hidden, twice,
    on a terminal; one line of standard input otherwise, e.g. piped from a secret store). Exit 0:
    created; 2: what was given is refused (one line); 3: the database cannot be reached."""
    from app.core.context import SYSTEM_ACTOR
    from app.core.text import describe_disallowed
    from app.users import service as users

    refuse_unstorable(email=email, full_name=full_name, desk=desk, password=password)
    _account(email, full_name, role, password or "", desk or [], with_password=password is not None)
    settings = Settings()
    _run_user_work(settings, lambda s: users.check_create(s, email=email, role=role, desk_codes=desk or []))
    said_as = "--password" if password is not None else "password"
    if password is None:
        password = _ask_password()
        if reason := describe_disallowed(password):
            raise refused(f"password: {reason}")
    body = _account(email, full_name, role, password, desk or [], with_password=True, said_as=said_as)
    user = _run_user_work(settings, lambda s: users.create(s, actor=SYSTEM_ACTOR, **body))
    typer.echo(f"created {user.role} {user.email} ({user.id})")


def _account(
    email: str,
    full_name: str,
    role: str,
    password: str,
    desks: list[str],
    *,
    with_password: bool,
    said_as: str = "--password",
) -> dict[str, Any]:
    """The account as :class:`app.users.schemas.UserCreate` takes it, or exit 2 with one line per
    refused field in the command's words; the password's own refusals only ``with_password``,
    said of ``said_as`` (``password`` when asked for) and in words (:func:`_password_words`)."""
    from pydantic import ValidationError

    from app.users.schemas import UserCreate

    try:
        body = UserCreate(email=email, full_name=full_name or email, role=role, password=password, desk_codes=desks)
    except ValidationError as exc:
        errors = [e for e in exc.errors() if with_password or e.get("loc", ("",))[0] != "password"]
        said = [
            _password_words(e, said_as)
            if e.get("loc", ("",))[0] == "password"
            else option_words(e, _USER_OPTIONS, whole="the account")
            for e in errors
        ]
        if said:
            raise refused("\n".join(said)) from exc
        return {}
    return body.model_dump()


def _password_words(error: Mapping[str, Any], said_as: str) -> str:
    """A refused password said of ``said_as`` as a person would: how many characters are wanted
    and given, or the product's reason (:mod:`app.users.passwords`), not pydantic's sentence."""
    ctx, given = error.get("ctx") or {}, len(str(error.get("input", "")))
    if error.get("type") == "string_too_short":
        return f"{said_as}: give at least {ctx.get('min_length')} characters ({given} given)"
    if error.get("type") == "string_too_long":
        return f"{said_as}: give at most {ctx.get('max_length')} characters ({given} given)"
    return f"{said_as}: {str(error.get('msg', '')).removeprefix('Value error, ')}"


def _ask_password() -> str:
    """The new account's password: asked for twice, hidden, on a terminal; otherwise the first line
    of standard input (no prompt, and none of ``getpass``'s warning that it would be echoed), or
    exit 2 when standard input ends before one."""
    import sys

    if sys.stdin.isatty():
        return str(typer.prompt("Password", hide_input=True, confirmation_prompt=True))
    line = sys.stdin.readline()
    if not line:
        raise refused("password: standard input ended before a line; give the password as one line on standard input")
    return line.removesuffix("\n").removesuffix("\r")


def _run_user_work(settings: Settings, work: Callable[[AsyncSession], Awaitable[T]]) -> T:
    """:func:`run_in_session`, a refusal by the product (``title: detail``) exiting 2 when it
    names what an option gave, 1 otherwise."""
    from app.core.errors import Problem

    try:
        return run_in_session(settings, work)
    except Problem as exc:
        detail = in_option_words(exc.detail_en or "", _USER_OPTIONS)
        raise refused(f"{exc.title_en}: {detail}", 2 if detail != exc.detail_en else 1) from exc


@cli.command("import-register")
def import_register(
    file: Annotated[
        Path,
        typer.Argument(help="The register: CSV (UTF-8, UTF-16 or a Western or Arabic code page; ; , tab or |), XLSX."),
    ],
    desk: Annotated[str, typer.Option(help="Code of the desk the register belongs to, e.g. CASA-BASE.")],
    as_email: Annotated[
        str, typer.Option("--as", help="E-mail of the administrator the import is done (and audited) as.")
    ],
    dry_run: Annotated[bool, typer.Option(help="Show what would happen; write nothing.")] = False,
    report: Annotated[
        Path | None, typer.Option(help="Also write the full JSON report to this file ('-' for standard output).")
    ] = None,
    delimiter: Annotated[
        str | None, typer.Option(help="CSV only: the column delimiter (';', ',', '|' or '\\t'); detected when absent.")
    ] = None,
) -> None:
    """Import a desk's legacy register: each row is imported, flagged (possible duplicate) or rejected.

    Runs as the named administrator (so the audit log says who imported 2,000 people). Re-running
    the same file imports nothing new. Exit 0 when the file was processed (even with rejected
    rows), 2 when the file or the arguments are refused (nothing is written then).
    """
    from sqlalchemy import select

    from app.auth.models import StaffUser
    from app.auth.service import actor_for
    from app.core.context import RequestContext
    from app.core.interpreter import short_switch_interval
    from app.core.text import require_storable
    from app.imports.service import read_limits, run_import

    refuse_unstorable(file=str(file), desk=desk, as_email=as_email, delimiter=delimiter)
    if report is not None and str(report) != "-" and (refusal := _unwritable(report)):
        typer.secho(f"--report {report}: {refusal}; nothing was imported", fg=typer.colors.RED, err=True)
        raise typer.Exit(2)
    settings = Settings()
    content = _read_bounded(file, settings.import_max_bytes)

    async def work(session: AsyncSession) -> object:
        email = require_storable(as_email, ["--as"]).strip().casefold()
        user = (await session.execute(select(StaffUser).where(StaffUser.email == email))).scalar_one_or_none()
        if user is None or not user.is_active or user.role != "admin":
            raise _CliRefusal(f"--as: {as_email} is not an active administrator; give the e-mail of one")
        actor = await actor_for(session, user, RequestContext(user_agent="diaspora-desk import-register"))
        return await run_import(
            session,
            actor=actor,
            desk_code=desk,
            content=content,
            filename=file.name,
            dry_run=dry_run,
            max_bytes=settings.import_max_bytes,
            document_patterns=settings.document_number_patterns,
            delimiter=delimiter,
            limits=read_limits(settings),
            lease_seconds=settings.import_lease_seconds,
        )

    with short_switch_interval():  # the run overlaps its worker thread with its stores, as the server's
        result = _run_or_exit(settings, work, label=str(file), refused_exit=2, options=_IMPORT_OPTIONS)
    from app.imports.schemas import ImportReport

    assert isinstance(result, ImportReport)
    _print_import_report(result)
    if report is not None and str(report) == "-":
        typer.echo(result.model_dump_json(indent=2))
    elif report is not None:
        try:
            report.write_text(result.model_dump_json(indent=2), encoding="utf-8")
        except OSError as exc:  # checked before the run: gone or made unwritable meanwhile
            done = "nothing was stored (dry run)"
            if not result.dry_run:
                done = f"the import itself is done (batch {result.batch_id})"
            typer.secho(
                f"--report {report}: not written ({exc.strerror or exc}); {done}", fg=typer.colors.RED, err=True
            )
            raise typer.Exit(1) from exc


def _unwritable(path: Path) -> str | None:
    """Why the report file ``path`` cannot be written (None: it can), checked before an import
    runs, so that a bad ``--report`` refuses the command before any row is stored."""
    if path.is_dir():
        return "is a directory, not a file"
    folder = path.parent
    if not folder.is_dir():
        return f"its folder {str(folder)!r} does not exist"
    if path.exists() and not os.access(path, os.W_OK):
        return "the file cannot be written (permission denied)"
    if not path.exists() and not os.access(folder, os.W_OK | os.X_OK):
        return f"its folder {str(folder)!r} cannot be written (permission denied)"
    return None


def _read_bounded(file: Path, limit: int) -> bytes:
    """The bytes of ``file``, or exit 2 once it holds more than ``limit`` (``IMPORT_MAX_BYTES``).

    A regular file is judged by its size before anything is read; whatever else the path names (a
    device such as ``/dev/zero``, a pipe, ``/dev/stdin``) is read up to ``limit`` bytes and one
    more, never further, so that an endless source is refused as soon as it passes the limit."""

    def over(size: str) -> typer.Exit:
        typer.secho(
            f"{file}: {size}, over the import limit of {limit} bytes (IMPORT_MAX_BYTES); "
            "give a register file of at most that size",
            fg=typer.colors.RED,
            err=True,
        )
        return typer.Exit(2)

    try:
        with file.open("rb") as source:
            status = os.fstat(source.fileno())
            if stat.S_ISREG(status.st_mode) and status.st_size > limit:
                raise over(f"{status.st_size} bytes")
            content = source.read(limit + 1)
    except OSError as exc:
        typer.secho(f"{file}: {exc.strerror or exc}", fg=typer.colors.RED, err=True)
        raise typer.Exit(2) from exc
    if len(content) > limit:
        raise over(f"more than {limit} bytes")
    return content


_IMPORT_OPTIONS = {"desk_code": "--desk", "delimiter": "--delimiter", "dry_run": "--dry-run"}
"""import-register's options by the names ``POST /api/v1/imports/registers`` gives their fields."""


def refused(message: str, code: int = 2) -> typer.Exit:
    """Say ``message`` in red on standard error; the exit to raise (2: the command line was wrong)."""
    typer.secho(message, fg=typer.colors.RED, err=True)
    return typer.Exit(code)


def counted(n: int, noun: str) -> str:
    """``"1 event"``, ``"3 events"``."""
    return f"{n} {noun}{'' if n == 1 else 's'}"


class _CliRefusal(Exception):
    pass


def _print_import_report(result: object) -> None:
    from app.imports.schemas import ImportReport

    assert isinstance(result, ImportReport)
    c = result.counts
    head = "DRY RUN (nothing written)" if result.dry_run else f"batch {result.batch_id}"
    read = [result.file_format, *([result.encoding] if result.encoding else [])]
    if result.delimiter is not None:  # a CSV's; an XLSX has none
        read.append(f"delimiter {result.delimiter!r}")
    typer.echo(f"{head}: {result.filename} ({', '.join(read)}) → desk {result.desk_code}")
    if result.ignored_columns:
        typer.secho(
            f"columns not read (their cells are not imported): {', '.join(map(repr, result.ignored_columns))}",
            fg=typer.colors.YELLOW,
        )
    if result.previous_batch_ids:
        typer.echo(f"this file was imported before: {', '.join(map(str, result.previous_batch_ids))}")
    typer.echo(
        f"{c.total} rows: {c.imported} imported, {c.flagged} flagged, {c.rejected} rejected, "
        f"{c.already_imported} already imported, {c.already_flagged} already flagged "
        f"({c.with_warnings} with warnings) in {result.duration_ms} ms"
    )
    for row in result.rows_with("rejected"):
        typer.echo(f"  rejected line {row.line} (N° {row.number}) {row.name}: {row.reason}")
    for row in result.rows_with("flagged"):
        best = row.candidates[0] if row.candidates else None
        target = ""
        if best:
            target = best.registration_number or f"line {best.line}"
            if best.line and best.registration_number:
                target += f" (line {best.line})"
            through = f" {best.through}" if best.through else ""  # after merged_file: the file that matched
            target = f" ~ {target} score {best.score} [{', '.join(best.reasons)}{through}]"
        typer.echo(f"  flagged  line {row.line} (N° {row.number}) {row.name}{target}")


@cli.command("resolve-import-row")
def resolve_import_row(
    batch: Annotated[str, typer.Argument(help="The import batch id (printed by import-register).")],
    line: Annotated[
        int, typer.Argument(min=2, max=INTEGER_MAX, help="The flagged row's line in the file (header = line 1).")
    ],
    as_email: Annotated[str, typer.Option("--as", help="E-mail of the staff member resolving (audited as).")],
    link: Annotated[str | None, typer.Option(help="The row is this candidate registrant (id).")] = None,
    create: Annotated[bool, typer.Option("--create", help="The row is a new person: register them.")] = False,
    discard: Annotated[bool, typer.Option("--discard", help="Discard the row.")] = False,
    update: Annotated[
        list[str] | None, typer.Option(help="With --link: a field to copy from the row onto the person (repeatable).")
    ] = None,
    note: Annotated[str | None, typer.Option(help="Why (kept in the audit log).")] = None,
) -> None:
    """Resolve one row an import flagged: --link ID, --create or --discard (exactly one).

    The same rules as ``POST /api/v1/imports/{batch}/rows/{line}/resolution``. Exit 0 when
    resolved, 1 when refused (already resolved, not a candidate…), 2 for bad arguments.
    """
    import uuid

    from pydantic import ValidationError
    from sqlalchemy import select

    from app.auth.models import StaffUser
    from app.auth.service import actor_for
    from app.core.context import RequestContext
    from app.imports.resolutions import resolve
    from app.imports.schemas import RowResolutionIn, RowResolutionOut

    refuse_unstorable(batch=batch, as_email=as_email, link=link, note=note, update=update)
    chosen = [name for name, on in (("link", link is not None), ("create", create), ("discard", discard)) if on]

    def refuse(message: str) -> typer.Exit:
        typer.secho(message, fg=typer.colors.RED, err=True)
        return typer.Exit(2)

    if len(chosen) != 1:
        raise refuse("give exactly one of --link ID, --create, --discard")
    try:
        batch_id = uuid.UUID(batch)
    except ValueError:
        raise refuse(f"BATCH: {batch!r} is not an import batch id; give the id import-register printed") from None
    try:
        registrant_id = uuid.UUID(link) if link else None
    except ValueError:
        raise refuse(f"--link: {link!r} is not a registrant id; give the id of one of the row's candidates") from None
    try:
        body = RowResolutionIn(decision=chosen[0], registrant_id=registrant_id, update_fields=update or [], note=note)
    except ValidationError as exc:
        whole = "--link, --create or --discard"
        raise refuse("\n".join(option_words(e, _RESOLUTION_OPTIONS, whole=whole) for e in exc.errors())) from exc
    settings = Settings()

    async def work(session: AsyncSession) -> object:
        email = as_email.strip().casefold()
        user = (await session.execute(select(StaffUser).where(StaffUser.email == email))).scalar_one_or_none()
        if user is None or not user.is_active or user.role not in ("agent", "supervisor", "admin"):
            raise _CliRefusal(
                f"--as: {as_email} is not an active agent, supervisor or administrator; give the e-mail of one"
            )
        actor = await actor_for(session, user, RequestContext(user_agent="diaspora-desk resolve-import-row"))
        return await resolve(
            session,
            actor=actor,
            batch_id=batch_id,
            line=line,
            data=body,
            document_patterns=settings.document_number_patterns,
        )

    result = _run_or_exit(settings, work, label=f"line {line}", refused_exit=1, options=_RESOLUTION_OPTIONS)
    assert isinstance(result, RowResolutionOut)
    who = f" → {result.registration_number} ({result.registrant_id})" if result.registrant_id else ""
    c = result.counts
    typer.echo(
        f"line {result.line}: {result.resolution}{who}; batch: {c.pending} pending, {c.linked} linked, "
        f"{c.created} created, {c.discarded} discarded"
    )


_RESOLUTION_OPTIONS = {"registrant_id": "--link", "update_fields": "--update", "note": "--note"}
"""resolve-import-row's options by the names of the resolution's fields over HTTP."""


def option_words(error: Mapping[str, Any], options: Mapping[str, str], *, whole: str) -> str:
    """One pydantic error of a command's input said as the command's option (``options``: the
    model's field → the option; ``whole`` for an error of no one field) and what to give instead,
    not pydantic's dump."""
    loc = [str(part) for part in error.get("loc", ())]
    option = options.get(loc[0], loc[0]) if loc else whole
    ctx = error.get("ctx") or {}
    if error.get("type") == "literal_error":
        expected = str(ctx.get("expected", "")).replace("'", "")
        return f"{option}: {error.get('input')!r} is not accepted; give one of {expected}"
    message = str(error.get("msg", "")).removeprefix("Value error, ")
    for field, named in options.items():
        if "_" in field:  # an identifier, never a word of the sentence ("email")
            message = re.sub(rf"\b{re.escape(field)}\b", named, message)
    return f"{option}: {message}"


@cli.command("gc-storage")
def gc_storage(
    dry_run: Annotated[bool, typer.Option("--dry-run", help="List what would be removed; remove nothing.")] = False,
) -> None:
    """Remove stored document objects that no row references, and stale upload spool files.

    Only those older than DOCUMENTS_GC_GRACE_SECONDS (default one day) are touched, so uploads in
    flight are never collected.
    """
    from app.documents.service import collect_garbage
    from app.documents.storage import create_storage

    settings = Settings()
    storage = create_storage(settings)
    report = run_in_session(
        settings,
        lambda s: collect_garbage(s, storage, grace_seconds=settings.documents_gc_grace_seconds, dry_run=dry_run),
    )
    verb = "would remove" if dry_run else "removed"
    for key in report.orphans:
        typer.echo(f"{verb} object {key}")
    for name in report.spool_files:
        typer.echo(f"{verb} spool file {name}")
    typer.echo(
        f"{verb} {len(report.orphans)} orphaned objects and {len(report.spool_files)} spool files; "
        f"{report.kept_recent} recent orphans kept until the grace period ends"
    )


@cli.command("purge-documents")
def purge_documents() -> None:
    """Delete documents soft-deleted more than DOCUMENTS_RETENTION_DAYS ago, rows then objects (audited)."""
    from app.core.context import SYSTEM_ACTOR
    from app.documents.service import purge
    from app.documents.storage import create_storage

    settings = Settings()
    storage = create_storage(settings)
    keys = run_in_session(
        settings, lambda s: purge(s, actor=SYSTEM_ACTOR, retention_days=settings.documents_retention_days)
    )

    async def delete_objects() -> None:
        for key in keys:
            await storage.delete(key)

    asyncio.run(delete_objects())
    typer.echo(f"purged; {len(keys)} objects removed")


@cli.command("refresh-frequencies")
def refresh_frequencies() -> None:
    """Count the common match keys and the registry's size again (term frequencies of the duplicate
    check; the worker does it every TERM_FREQUENCY_INTERVAL_SECONDS)."""
    from app.registrants.frequencies import refresh

    kept = run_in_session(Settings(), refresh)
    typer.echo(f"term frequencies counted: {counted(kept, 'frequent key')}")


@cli.command("retention")
def retention(
    apply: Annotated[
        bool, typer.Option("--apply/--dry-run", help="Anonymise (--apply) or only list (--dry-run, the default).")
    ] = False,
    now: Annotated[
        str | None, typer.Option(help="Run as of this UTC time (ISO 8601), e.g. to preview a future run.")
    ] = None,
) -> None:
    """List (--dry-run) or anonymise (--apply) what is past its retention period: closed cases'
    free text and documents, inactive registrants' files (RETENTION_* settings). Files under a
    legal hold are listed and left alone. The applied run is audited; safe to run daily."""
    import datetime as dt

    from app.core.db import utcnow
    from app.documents.storage import create_storage
    from app.privacy.retention import RetentionPolicy, run_retention

    refuse_unstorable(now=now)
    at = utcnow()
    if now is not None:
        try:
            at = dt.datetime.fromisoformat(now)
        except ValueError as exc:
            typer.secho(f"--now: not an ISO 8601 time: {now!r}", fg=typer.colors.RED, err=True)
            raise typer.Exit(2) from exc
        at = at.replace(tzinfo=dt.UTC) if at.tzinfo is None else at.astimezone(dt.UTC)
    settings = Settings()
    policy, storage = RetentionPolicy.of(settings), create_storage(settings)
    report = run_in_session(settings, lambda s: run_retention(s, now=at, apply=apply, policy=policy, storage=storage))
    verb = "anonymised" if apply else "would anonymise"
    for item in report.items:
        if item.legal_hold_id is not None:
            typer.echo(
                f"kept {item.category} {item.id}: {item.reason}; "
                f"legal hold {item.legal_hold_id} ({item.legal_hold_reason})"
            )
        else:
            typer.echo(f"{verb} {item.category} {item.id}: {item.reason}")
    mode = "applied" if apply else "DRY RUN (nothing written)"
    typer.echo(
        f"{mode} at {at.isoformat()}: {len(report.items) - len(report.held)} past retention, "
        f"{len(report.held)} under legal hold, {len(report.storage_keys)} stored files removed"
    )


from app.audit.cli import rotate_audit_key as _rotate_audit_key  # noqa: E402
from app.audit.cli import verify_audit as _verify_audit  # noqa: E402
from app.reports.cli import export as _export  # noqa: E402

cli.command("verify-audit")(_verify_audit)
cli.command("rotate-audit-key")(_rotate_audit_key)
cli.command("export")(_export)

app = cli

if __name__ == "__main__":  # python -m app.cli
    cli()
