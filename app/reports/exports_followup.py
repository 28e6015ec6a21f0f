"""Exports of the follow-up: cases, referrals and appointments (see :mod:`app.reports.exports`)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from app.appointments.models import Appointment
from app.auth.models import StaffUser
from app.cases.models import Case, Partner, Referral, ServiceType
from app.desks.models import Desk
from app.registrants.models import Registrant
from app.reports.export_base import NOT_NAMED_BECAUSE, ExportContext, ExportSpec, count_of, map_batches
from app.reports.writers import Column

# --- cases ---------------------------------------------------------------------------------------

CASES_PSEUDONYMISED = [
    Column("case_id", width=24),
    Column("person_id", width=24),
    Column("desk", width=12),
    Column("service_type", width=20),
    Column("channel", width=14),
    Column("priority", width=8),
    Column("status", width=16),
    Column("outcome_category", width=14),
    Column("opened_on", "date", 12),
    Column("due_date", "date", 12),
    Column("closed_on", "date", 12),
    Column("days_to_close", "int", 8),
    Column("sex", width=8),
    Column("age_band_at_opening", width=12),
    Column("transferred_from", width=24),
]
CASES_NAMED = [
    Column("case_number", width=20),
    Column("registration_number", width=20),
    Column("family_name", width=20),
    Column("given_names", width=24),
]


def cases_export(ctx: ExportContext) -> ExportSpec:
    """Cases opened in the period at the desks in scope, by opening date.

    A transferred request is two rows, one per desk: the sending desk's trace (status
    ``transferred``) and the case the receiving desk opened, whose ``transferred_from`` is the
    trace's ``case_id`` (leave those rows out to count cases opened once); ``person_id`` is the
    same on both (:meth:`ExportContext.person`)."""
    scope = ctx.scope
    stmt = (
        select(
            Case.id,
            Registrant.id,
            Desk.code,
            ServiceType.code,
            Case.channel,
            Case.priority,
            Case.status,
            Case.outcome_category,
            Case.opened_on,
            Case.due_date,
            Case.closed_at,
            Registrant.sex,
            Registrant.date_of_birth,
            Case.case_number,
            Registrant.registration_number,
            Registrant.family_name,
            Registrant.given_names,
            Case.transferred_from_case_id,
        )
        .join(Registrant, Registrant.id == Case.registrant_id)
        .join(ServiceType, ServiceType.id == Case.service_type_id)
        .join(Desk, Desk.id == Case.desk_id)
        .where(scope.date_filter(Case.desk_id, Case.opened_on))
        .order_by(Case.opened_on, Case.id)
    )

    pseudonym, person_id, band, named = ctx.pseudonym, ctx.person, ctx.bands.band, ctx.named
    zones = {d.code: d.zone for d in scope.desks}  # by code: the rows' ids may come as text

    def convert(row: Any) -> tuple[Any, ...]:
        # A tuple of plain values, not a list: the cycle collector stops tracking it the first time
        # it meets it, so the rows waiting for the writer are not walked again and again.
        (case_id, rid, code, service, channel, priority, status, outcome, opened, due, closed_at, sex, dob) = row[:13]
        closed_on = closed_at.astimezone(zones[code]).date() if closed_at else None  # a date as the desk lives it
        cells = (
            pseudonym("case", case_id),
            person_id(rid),
            code,
            service,
            channel,
            priority,
            status,
            outcome,
            opened,
            due,
            closed_on,
            (closed_on - opened).days if closed_on else None,
            sex,
            band(dob, opened),
            pseudonym("case", row[17]),
        )
        return (*cells, row[13], row[14], row[15], row[16]) if named else cells

    columns = CASES_PSEUDONYMISED + (CASES_NAMED if ctx.named else []) + ([NOT_NAMED_BECAUSE] if ctx.gate else [])
    named_width = len(CASES_NAMED)
    person = 1  # the registrant id's column
    source = map_batches(stmt, convert, gate=ctx.gate, person=person, named_width=named_width, by_position=True)
    unnamed = ctx.gate.unnamed_count(stmt, person) if ctx.gate else None
    return ExportSpec("cases", ctx.named, columns, count_of(stmt), source, unnamed)


# --- referrals -----------------------------------------------------------------------------------

REFERRALS_PSEUDONYMISED = [
    Column("referral_id", width=24),
    Column("case_id", width=24),
    Column("person_id", width=24),
    Column("desk", width=12),
    Column("service_type", width=20),
    Column("partner", width=28),
    Column("status", width=14),
    Column("referred_on", "date", 12),
    Column("expected_answer_on", "date", 12),
    Column("answered_on", "date", 12),
    Column("answered_on_time", "bool", 8),
]
REFERRALS_NAMED = [
    Column("case_number", width=20),
    Column("registration_number", width=20),
    Column("family_name", width=20),
    Column("given_names", width=24),
    Column("partner_reference", "document", 20),
]


def referrals_export(ctx: ExportContext) -> ExportSpec:
    """Referrals made in the period by the desks in scope, by referral date."""
    scope = ctx.scope
    stmt = (
        select(
            Referral.id,
            Case.id,
            Registrant.id,
            Desk.code,
            ServiceType.code,
            Partner.name,
            Referral.status,
            Referral.referred_on,
            Referral.expected_answer_on,
            Referral.answered_on,
            Case.case_number,
            Registrant.registration_number,
            Registrant.family_name,
            Registrant.given_names,
            Referral.partner_reference,
        )
        .join(Case, Case.id == Referral.case_id)
        .join(Registrant, Registrant.id == Case.registrant_id)
        .join(ServiceType, ServiceType.id == Case.service_type_id)
        .join(Partner, Partner.id == Referral.partner_id)
        .join(Desk, Desk.id == Case.desk_id)
        .where(scope.date_filter(Case.desk_id, Referral.referred_on))
        .order_by(Referral.referred_on, Referral.id)
    )

    def convert(row: Any) -> list[Any]:
        ref_id, case_id, rid, code, service, partner, status, referred, expected, answered = row[:10]
        out = [
            ctx.pseudonym("referral", ref_id),
            ctx.pseudonym("case", case_id),
            ctx.person(rid),
            code,
            service,
            partner,
            status,
            referred,
            expected,
            answered,
            (answered <= expected) if answered else None,
        ]
        if ctx.named:
            out += list(row[10:15])
        return out

    columns = (
        REFERRALS_PSEUDONYMISED + (REFERRALS_NAMED if ctx.named else []) + ([NOT_NAMED_BECAUSE] if ctx.gate else [])
    )
    named_width = len(REFERRALS_NAMED)
    person = 2  # the registrant id's column
    source = map_batches(stmt, convert, gate=ctx.gate, person=person, named_width=named_width, by_position=True)
    unnamed = ctx.gate.unnamed_count(stmt, person) if ctx.gate else None
    return ExportSpec("referrals", ctx.named, columns, count_of(stmt), source, unnamed)


# --- appointments --------------------------------------------------------------------------------

APPOINTMENTS_PSEUDONYMISED = [
    Column("appointment_id", width=24),
    Column("person_id", width=24),
    Column("case_id", width=24),
    Column("desk", width=12),
    Column("local_date", "date", 12),
    Column("local_time", width=8),
    Column("starts_at_utc", "datetime", 20),
    Column("duration_minutes", "int", 8),
    Column("status", width=10),
]
APPOINTMENTS_NAMED = [
    Column("registration_number", width=20),
    Column("family_name", width=20),
    Column("given_names", width=24),
    Column("agent", width=28),
]


def appointments_export(ctx: ExportContext) -> ExportSpec:
    """Appointments starting in the period (local dates of their desk), by start time.

    The appointment's free-text purpose and status reason are never exported.
    """
    scope = ctx.scope
    stmt = (
        select(
            Appointment.id,
            Appointment.registrant_id,
            Appointment.case_id,
            Desk.code,
            Appointment.starts_at,
            Appointment.ends_at,
            Appointment.status,
            Registrant.registration_number,
            Registrant.family_name,
            Registrant.given_names,
            StaffUser.email,
        )
        .join(Registrant, Registrant.id == Appointment.registrant_id)
        .join(Desk, Desk.id == Appointment.desk_id)
        .join(StaffUser, StaffUser.id == Appointment.agent_id)
        .where(scope.instant_filter(Appointment.desk_id, Appointment.starts_at))
        .order_by(Appointment.starts_at, Appointment.id)
    )
    zones = {d.code: d.zone for d in scope.desks}  # by code: the rows' ids may come as text

    def convert(row: Any) -> list[Any]:
        appointment_id, rid, case_id, code, starts_at, ends_at, status = row[:7]
        local = starts_at.astimezone(zones[code])
        out = [
            ctx.pseudonym("appointment", appointment_id),
            ctx.person(rid),
            ctx.pseudonym("case", case_id),
            code,
            local.date(),
            f"{local:%H:%M}",
            starts_at,
            int((ends_at - starts_at).total_seconds() // 60),
            status,
        ]
        if ctx.named:
            out += list(row[7:11])
        return out

    columns = (
        APPOINTMENTS_PSEUDONYMISED
        + (APPOINTMENTS_NAMED if ctx.named else [])
        + ([NOT_NAMED_BECAUSE] if ctx.gate else [])
    )
    named_width = len(APPOINTMENTS_NAMED)
    person = 1  # the registrant id's column
    source = map_batches(stmt, convert, gate=ctx.gate, person=person, named_width=named_width, by_position=True)
    unnamed = ctx.gate.unnamed_count(stmt, person) if ctx.gate else None
    return ExportSpec("appointments", ctx.named, columns, count_of(stmt), source, unnamed)
