"""human-number series: their sequences are created by the owner's function, not by the application

The application's role had CREATE on schema ``number_series`` to create a series' sequence on its
first number. With it, it could create anything there: a view ``number_series.audit_events`` over
``public.audit_events`` with an ``INSTEAD OF INSERT`` trigger (dropping the events of reads,
rewriting what they record), found first once it gave itself ``ALTER ROLE … SET search_path =
number_series, public``. Now ``number_series.create_series_sequence(name, start)``, owned by the
owner role, ``SECURITY DEFINER`` with ``SET search_path = pg_catalog, pg_temp`` (PostgreSQL's advice
for such functions, https://www.postgresql.org/docs/current/sql-createfunction.html), creates a
series' sequence if missing and grants the connected role (``session_user``) USAGE, SELECT and
UPDATE on it. It accepts only the names ``app.core.numbering.sequence_name`` produces
(``number_series.human_number_casa_c_2026``, ``number_series.human_number_<20 hex digits>_2026``)
and a start of 1 or more; anything else raises ``invalid_parameter_value`` (22023). EXECUTE is
revoked from PUBLIC: ``migrate`` grants it to the application's role (``app/core/roles.py``), and
revokes that role's CREATE on ``number_series``.

Sequences the application's role created before stay its own: it draws from them as before, and a
sequence holds no view, function nor trigger. SQLite has no sequences (nothing to do).

Downgrade drops the function (``migrate`` of the previous version granted CREATE again).

Revision ID: 3801
Revises: 3701
Create Date: 2026-12-17 09:00:00+00:00
"""

from collections.abc import Sequence

from alembic import op

revision: str = "3801"
down_revision: str | Sequence[str] | None = "3701"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

FUNCTION = "number_series.create_series_sequence(pg_catalog.text, pg_catalog.int8)"

# The names app.core.numbering.sequence_name produces; the year on four digits.
_NAME = r"^number_series\.(human_number_(?:[a-z0-9]{1,24}_[rct]|[0-9a-f]{20})_[1-9][0-9]{3})$"


def upgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute(
        f"""
        CREATE FUNCTION number_series.create_series_sequence(series pg_catalog.text, start_value pg_catalog.int8)
        RETURNS void
        LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
        DECLARE
            relation pg_catalog.text := pg_catalog.substring(series, '{_NAME}');
        BEGIN
            IF relation IS NULL OR start_value IS NULL OR start_value OPERATOR(pg_catalog.<) 1 THEN
                RAISE EXCEPTION 'not a human-number series sequence: % (start %)', series, start_value
                    USING ERRCODE = 'invalid_parameter_value';
            END IF;
            EXECUTE pg_catalog.format(
                'CREATE SEQUENCE IF NOT EXISTS number_series.%I START WITH %s MINVALUE 1', relation, start_value
            );
            EXECUTE pg_catalog.format(
                'GRANT USAGE, SELECT, UPDATE ON SEQUENCE number_series.%I TO %I', relation, session_user
            );
        END $$
        """
    )
    op.execute(f"REVOKE ALL ON FUNCTION {FUNCTION} FROM PUBLIC")


def downgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute(f"DROP FUNCTION IF EXISTS {FUNCTION}")
