"""A date is written, never counted: a JSON number (``0``, ``1767225600``: Unix time), a flag or
digits as text (``"1767225600"``, ``"20260101"``) given for a date or a date and time is refused,
422 naming the field, in a request body, a query parameter or a path alike.

Before: pydantic's lax mode read a body's ``0`` as 1970-01-01 (an identity document's
``expires_on``, a registrant's ``arrival_date``) and any midnight-UTC timestamp as its date (a
case's ``due_date``, a holiday, a referral's dates: ``1767225600`` was 2026-01-01); a date and
time took any number, and the text ``"20260101"`` as the 20,260,101st second (1970-08-23).
``DELETE …/holidays/1767225600`` reopened the desk on 2026-01-01; ``?day=1767225600`` listed it.
"""

from __future__ import annotations

import typing
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from fastapi.routing import APIRoute
from pydantic import BaseModel, TypeAdapter, ValidationError

from tests.core.request_bodies import date_fields, date_kind
from tests.registrants.conftest import URL, person

MIDNIGHT_2026 = 1767225600
"""2026-01-01T00:00:00Z as Unix time: within every bound, so only its being a number refuses it."""
NUMBERS: tuple[Any, ...] = (0, MIDNIGHT_2026, float(MIDNIGHT_2026), True, False)
DIGITS = (str(MIDNIGHT_2026), "20260101", "0")
"""Text a lax parser reads as a timestamp (a date and time takes ``"20260101"`` as seconds)."""


def _nests_model(annotation: Any) -> bool:
    """Whether ``annotation`` holds a model (``list[DocumentIn]``): its dates are walked as its own."""
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return True
    return any(_nests_model(a) for a in typing.get_args(annotation))


def _dates_of_request_bodies(app: FastAPI) -> list[tuple[str, Any]]:
    """``(model.field, validator)`` for every date or date-and-time field of every request body
    (nested models included); a list of documents is walked through its own model."""
    return [
        (date.where, date.validator)
        for date in date_fields(app)
        if not date.as_text and not _nests_model(date.model.model_fields[date.name].annotation)
    ]


def test_no_date_of_a_request_body_takes_a_number_or_digits(app: FastAPI) -> None:
    """A new date field (plain ``dt.date``, ``AwareDatetime``…) fails here until it is written text
    only (``app.core.dates``: ``DateText``, ``DeskDate``, ``PapersDate``, ``InstantText``)."""
    dates = _dates_of_request_bodies(app)
    names = [name for name, _ in dates]
    assert {"DocumentIn.expires_on", "RegistrantCreate.arrival_date", "AppointmentCreate.starts_at"} <= set(names)
    assert len(names) > 15  # the walk reached the dates (17 fields)
    taken = []
    for name, validator in dates:
        for value in (*NUMBERS, *DIGITS):
            try:
                kept = validator.validate_python(value)
            except ValidationError:
                continue
            taken.append(f"{name} = {value!r} -> {kept}")
    assert sorted(taken) == []


def _parameters(dependant: Any) -> list[Any]:
    found = [*dependant.query_params, *dependant.path_params]
    for sub in dependant.dependencies:
        found += _parameters(sub)
    return found


def test_no_date_parameter_takes_digits(app: FastAPI) -> None:
    """Query and path parameters are text: ``?day=20260101`` or ``?since=1700000000`` is refused
    (422 naming the parameter), never read as a date or a timestamp."""
    taken, checked = [], []
    for route in app.routes:
        if not isinstance(route, APIRoute):
            continue
        for param in _parameters(route.dependant):
            metadata = param.field_info.metadata
            annotation = param.field_info.annotation
            adapter = TypeAdapter(typing.Annotated[(annotation, *metadata)] if metadata else annotation)
            if date_kind(adapter.core_schema) is None:
                continue
            checked.append(f"{route.path} {param.alias}")
            for text in DIGITS:
                try:
                    kept = adapter.validate_python(text)
                except ValidationError:
                    continue
                taken.append(f"{sorted(route.methods)} {route.path} {param.alias}={text} -> {kept}")
    assert len(checked) > 25  # the walk reached the parameters (31)
    assert sorted(taken) == []


def _errors(response: httpx.Response) -> list[tuple[list[Any], str]]:
    assert response.status_code == 422, response.text
    return [(e["loc"], e["type"]) for e in response.json()["errors"]]


@pytest.mark.parametrize("value", [0, MIDNIGHT_2026, True, str(MIDNIGHT_2026), "20340531"])
async def test_a_document_s_expiry_as_a_number_is_refused_and_nothing_stored(
    value: Any, client: httpx.AsyncClient, make_staff: Any
) -> None:
    agent = await make_staff("agent", ["CASA-BASE"])
    document = {"doc_type": "passport", "number": "A01234567", "expires_on": value}
    created = await client.post(URL, json=person(documents=[document]), headers=agent.headers)
    [(loc, kind)] = _errors(created)
    assert (loc, kind) == (
        ["body", "documents", "0", "expires_on"],
        "date_type" if not isinstance(value, str) else "date_only",
    )
    listed = await client.get(URL, headers=agent.headers)
    assert listed.json()["items"] == []


async def test_an_arrival_date_as_a_number_is_refused(client: httpx.AsyncClient, make_staff: Any) -> None:
    """``0`` was stored as an arrival in the host country on 1970-01-01."""
    agent = await make_staff("agent", ["CASA-BASE"])
    created = await client.post(URL, json=person(date_of_birth=None, arrival_date=0), headers=agent.headers)
    assert _errors(created) == [(["body", "arrival_date"], "date_type")]
    assert created.json()["errors"][0]["msg"] == "must be a date written YYYY-MM-DD (text), not a number"
    assert (await client.get(URL, headers=agent.headers)).json()["items"] == []


async def test_a_holiday_given_as_a_timestamp_is_neither_added_nor_removed(
    client: httpx.AsyncClient, make_staff: Any
) -> None:
    admin = await make_staff("admin", [])
    desk = (await client.get("/api/v1/desks", headers=admin.headers)).json()[0]
    url = f"/api/v1/desks/{desk['id']}/holidays"
    added = await client.post(url, json={"day": MIDNIGHT_2026, "name": "Nouvel an"}, headers=admin.headers)
    assert _errors(added) == [(["body", "day"], "date_type")]
    kept = await client.post(url, json={"day": "2026-01-01", "name": "Nouvel an"}, headers=admin.headers)
    assert kept.status_code == 201, kept.text
    removed = await client.delete(f"{url}/{MIDNIGHT_2026}", headers=admin.headers)
    assert _errors(removed) == [(["path", "day"], "date_only")]
    listed = await client.get(url, params={"year": "2026"}, headers=admin.headers)
    assert [h["day"] for h in listed.json()["items"]] == ["2026-01-01"]


@pytest.mark.parametrize("value", [MIDNIGHT_2026 + 36000, str(MIDNIGHT_2026 + 36000), "20260101"])
async def test_an_appointment_time_as_a_number_is_refused(
    value: Any, client: httpx.AsyncClient, make_staff: Any
) -> None:
    agent = await make_staff("agent", ["CASA-BASE"])
    registrant = (await client.post(URL, json=person(), headers=agent.headers)).json()
    body = {"desk_id": registrant["desk_id"], "agent_id": str(agent.id), "registrant_id": registrant["id"]}
    booked = await client.post(
        "/api/v1/appointments",
        json={**body, "starts_at": value, "ends_at": "2026-01-01T10:30:00Z"},
        headers=agent.headers,
    )
    assert _errors(booked) == [
        (["body", "starts_at"], "datetime_type" if not isinstance(value, str) else "datetime_parsing")
    ]
    listed = await client.get("/api/v1/appointments", headers=agent.headers)
    assert listed.json()["items"] == []


@pytest.mark.parametrize(
    ("url", "name", "kind"),
    [
        ("/api/v1/audit/events", "since", "datetime_parsing"),
        ("/api/v1/cases", "created_since", "datetime_parsing"),
        ("/api/v1/registrants", "created_from", "datetime_parsing"),
        ("/api/v1/appointments", "day", "date_only"),
        ("/api/v1/privacy/disclosures", "start", "date_only"),
    ],
)
@pytest.mark.parametrize("text", ["1700000000", "20260101"])
async def test_a_date_parameter_of_digits_is_refused_naming_it(
    url: str, name: str, kind: str, text: str, client: httpx.AsyncClient, make_staff: Any
) -> None:
    admin = await make_staff("admin", ["CASA-BASE"])
    auditor = await make_staff("auditor", ["CASA-BASE"])
    staff = auditor if "audit" in url else admin
    response = await client.get(url, params={name: text}, headers=staff.headers)
    assert _errors(response) == [(["query", name], kind)]
