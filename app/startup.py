"""Refusals to start that an operator can act on: one line each on stderr and an exit code, never
a traceback.

``diaspora-desk serve`` (and every command, for the settings) checks them before uvicorn starts;
``app.asgi``, which uvicorn imports however it was started (``uvicorn app.asgi:app`` directly, as
a process manager or a container may), says the same lines and exits with the same code:

====  ==========================================================================================
code  means
====  ==========================================================================================
2     a setting is refused: ``setting refused: AUDIT_SEAL_BATCH: Input should be greater than or
      equal to 1``, one line per setting, naming it, never the value given (it may be a secret),
      ``DATABASE_URL`` of a driver the service does not run on included
1     the audit signing key cannot be used: ``cannot start: audit signing key … does not exist
      (AUDIT_SIGNING_KEY_FILE)`` (missing where the setting names it, or in production; unreadable;
      not an Ed25519 private key); or what a setting names cannot be used here
      (:mod:`app.environment`): ``cannot start: DATA_DIR /srv/desk is not a directory: …``, the
      time-zone data missing or stale, a notification template file malformed; ``serve`` only:
      its host and port cannot be listened on (``cannot start: port 8000 is in use on …``)
3     the database cannot be used (:func:`check_database`, ``serve``, ``worker`` and ``app.asgi``
      after every check above): ``cannot start: the database of DATABASE_URL (PostgreSQL at
      127.0.0.1:5433, database desk, role desk_app) cannot be reached (…)``, or refused the role,
      its password or the database; never the password; or its schema is not this version's
      (:func:`schema_refusal`: never migrated, behind this version's migrations, or migrated by a
      newer version). Once running, an outage is no reason to
      stop: requests answer 503 and the worker backs off until the database is back.
====  ==========================================================================================

``migrate`` and ``seed`` check what they use (the time-zone data, the SQLite file) the same way.
"""

from __future__ import annotations

import asyncio
import logging
from concurrent.futures import ThreadPoolExecutor
from typing import NoReturn

import typer
from pydantic import ValidationError

from app.audit.sequencer import signer_for
from app.audit.signing import Signer
from app.core.config import Settings, refused_settings
from app.environment import command_problems, service_problems

logging.getLogger("alembic.runtime.plugins").setLevel(logging.WARNING)
"""Alembic's "setup plugin …" lines, logged as :func:`schema_refusal` loads the migrations: not the
service's news."""


class CannotStart(Exception):
    """The app cannot start, for reasons an operator can act on: :attr:`lines` to tell them (one
    per reason) and :attr:`exit_code` (module docstring)."""

    def __init__(self, lines: list[str], exit_code: int) -> None:
        super().__init__("; ".join(lines))
        self.lines = lines
        self.exit_code = exit_code

    def exit(self, exit_code: int | None = None) -> NoReturn:
        """Print :attr:`lines` on stderr (red on a terminal) and exit with :attr:`exit_code` (or
        ``exit_code``)."""
        for line in self.lines:
            typer.secho(line, fg=typer.colors.RED, err=True)
        raise SystemExit(self.exit_code if exit_code is None else exit_code)


def read_settings() -> Settings:
    """The settings, from the environment (and ``.env``); :class:`CannotStart` (exit 2) naming
    each setting refused."""
    try:
        return Settings()
    except ValidationError as exc:
        raise CannotStart([f"setting refused: {line}" for line in refused_settings(exc)], 2) from None


def load_audit_signer(settings: Settings) -> Signer:
    """The audit checkpoint signer the running app uses (:func:`app.audit.sequencer.signer_for`:
    outside production without ``AUDIT_SIGNING_KEY_FILE``, the key in ``DATA_DIR`` is made once);
    :class:`CannotStart` (exit 1) when the key cannot be used."""
    try:
        return signer_for(settings)
    except (OSError, ValueError) as exc:
        raise CannotStart([f"cannot start: {exc}"], 1) from exc


def _refuse(problems: list[str]) -> None:
    if problems:
        raise CannotStart([f"cannot start: {problem}" for problem in problems], 1)


def check_service(settings: Settings) -> None:
    """What the running service needs beyond its settings' values (:func:`app.environment.service_problems`):
    :class:`CannotStart` (exit 1), one line per problem; then the desk-supplied notification
    templates loaded (a malformed or unreadable file is one line too)."""
    from app.notifications import templates

    _refuse(service_problems(settings))
    try:
        templates.configure(settings.notify_templates_dir)
    except ValueError as exc:
        raise CannotStart([f"cannot start: NOTIFY_TEMPLATES_DIR: {exc}"], 1) from None


def check_command(settings: Settings) -> None:
    """What ``migrate`` and ``seed`` need (:func:`app.environment.command_problems`): :class:`CannotStart`
    (exit 1), one line per problem."""
    _refuse(command_problems(settings))


DATABASE_UNREACHABLE = 3
"""The exit code when the database cannot be used at start-up, as every command's
(``app.cli.DATABASE_UNREACHABLE``)."""


def check_database(settings: Settings) -> None:
    """Connect once to ``DATABASE_URL`` as the service will (its PgBouncer setting, giving up after
    ``DATABASE_CONNECT_TIMEOUT_SECONDS``) and run ``SELECT 1``; :class:`CannotStart` (exit 3) in one
    line naming the setting, where it leads and why (:func:`app.core.db_errors.database_refusal`)
    when that fails; when the connection's ``search_path`` is not the one sent as a start-up
    parameter (:data:`app.core.db.APP_SEARCH_PATH`: a pooler dropped it, PgBouncer's
    ``ignore_startup_parameters``, with ``DATABASE_PGBOUNCER`` unset); when its schema is not this
    version's (:func:`schema_refusal`). Runs in a thread of its own: uvicorn imports ``app.asgi``
    inside its event loop."""
    from sqlalchemy import inspect

    from app.core.db import APP_SEARCH_PATH, behind_pgbouncer, create_engine
    from app.core.db_errors import PGBOUNCER_SETTING, database_described, database_refusal

    url = settings.effective_database_url

    async def probe() -> tuple[str, ...]:
        engine = create_engine(
            url,
            pool_size=1,
            connect_timeout=settings.database_connect_timeout_seconds,
            pgbouncer=settings.database_pgbouncer,
        )
        try:
            async with engine.connect() as conn:
                await conn.exec_driver_sql("SELECT 1")
                if conn.dialect.name == "postgresql" and not behind_pgbouncer(engine):
                    shown = (await conn.exec_driver_sql("SHOW search_path")).scalar()
                    if shown != APP_SEARCH_PATH:  # the start-up parameters were dropped on the way
                        raise _ParametersDropped(str(shown))
                if not await conn.run_sync(lambda sync: inspect(sync).has_table("alembic_version")):
                    return ()  # never migrated
                return tuple((await conn.exec_driver_sql("SELECT version_num FROM alembic_version")).scalars())
        finally:
            await engine.dispose()

    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="database-check") as thread:
        try:
            migrated_to = thread.submit(asyncio.run, probe()).result()
        except _ParametersDropped as dropped:
            line = (
                f"the database of DATABASE_URL ({database_described(url)}) did not receive this app's start-up "
                f"parameters (search_path is {dropped}, not {APP_SEARCH_PATH}): PostgreSQL is most likely reached "
                f"through PgBouncer ignoring them (ignore_startup_parameters), where named prepared statements fail "
                f'at random; set {PGBOUNCER_SETTING} (or add ?pgbouncer=true to DATABASE_URL), see README "Database '
                f'outages and PgBouncer"'
            )
            raise CannotStart([f"cannot start: {line}"], DATABASE_UNREACHABLE) from None
        except Exception as exc:
            line = database_refusal(exc, setting="DATABASE_URL", url=url)
            raise CannotStart([f"cannot start: {line}"], DATABASE_UNREACHABLE) from None
    if (schema := schema_refusal(migrated_to, url)) is not None:
        raise CannotStart([f"cannot start: {schema}"], DATABASE_UNREACHABLE)


class _ParametersDropped(Exception):
    """The connection's ``search_path`` (the exception's text) is not the one the app sent as a
    start-up parameter: something between the app and PostgreSQL dropped it."""


def schema_refusal(migrated_to: tuple[str, ...], url: str) -> str | None:
    """One line saying why the database of ``DATABASE_URL`` (its value ``url``), whose Alembic
    ``alembic_version`` names ``migrated_to`` (empty: never migrated), is not the schema this
    version's migrations lead to, with what the operator runs; None when it is. Serving a schema of
    another version would answer 500 at the first table or column it lacks."""
    from alembic.script import ScriptDirectory
    from alembic.util import CommandError

    from app.cli import alembic_config
    from app.core.db_errors import database_described

    try:
        script = ScriptDirectory.from_config(alembic_config())
    except CommandError:  # no alembic.ini nor migrations here (a server run away from its sources): not known
        return None
    needed = tuple(sorted(script.get_heads()))
    if tuple(sorted(migrated_to)) == needed:
        return None
    where = f"the database of DATABASE_URL ({database_described(url)})"
    if not migrated_to:
        return f"{where} has not been migrated: run `diaspora-desk migrate` first"
    unknown = []
    for revision in migrated_to:
        try:
            script.get_revision(revision)
        except CommandError:
            unknown.append(revision)
    if unknown:
        return (
            f"{where} is at migration {', '.join(unknown)}, which this version does not know: a newer version "
            "migrated it; run that version"
        )
    return (
        f"{where} is at migration {', '.join(migrated_to)} and this version needs {', '.join(needed)}: "
        "run `diaspora-desk migrate` (after every upgrade)"
    )
