"""No date a request body takes is unbounded: year 1 and 9999 are refused at the field, whatever
the model. An identity document's ``expires_on`` lies between 1900 and 2100
(``app.core.dates.PapersDate``): an old document is recorded as written, a far date refused.

Before: ``documents[].expires_on`` took ``0001-01-01`` and ``9999-12-31`` (stored, exported, and
shown as an expiry), on create and update alike.
"""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from pydantic import ValidationError

from tests.core.request_bodies import date_fields
from tests.registrants.conftest import URL, person

FAR = {
    "date": ("0001-01-01", "9999-12-31", "1899-12-31"),
    "datetime": ("0001-01-01T00:00:00Z", "9999-12-31T00:00:00Z", "1899-12-31T10:00:00Z"),
}
"""The far values each kind of date field must refuse (1899: before any bound of the API)."""


def test_every_date_of_a_request_body_is_bounded(app: FastAPI) -> None:
    """A new date field of plain ``dt.date`` or ``datetime`` fails here until it says its bounds
    (``DeskDate``, ``AppointmentTime``, its own validator)."""
    unbounded, checked = [], []
    for date in date_fields(app):
        checked.append(date.where)
        for value in FAR[date.kind]:
            try:
                date.validator.validate_python(value)
            except ValidationError:
                continue
            unbounded.append(f"{date.where} = {value}")
    assert "DocumentIn.expires_on" in checked and "AppointmentCreate.starts_at" in checked
    assert len(checked) > 15  # the walk reached the dates (20 fields)
    assert unbounded == []


@pytest.mark.parametrize("expires_on", ["9999-12-31", "0001-01-01", "1899-12-31", "2101-01-01"])
async def test_a_document_s_far_expiry_is_refused_at_its_field(
    client: httpx.AsyncClient, make_staff: Any, expires_on: str
) -> None:
    agent = await make_staff("agent", ["CASA-BASE"])
    document = {"doc_type": "passport", "number": "A01234567", "expires_on": expires_on}
    created = await client.post(URL, json=person(documents=[document]), headers=agent.headers)
    assert (created.status_code, [(e["loc"], e["type"]) for e in created.json()["errors"]]) == (
        422,
        [(["body", "documents", "0", "expires_on"], "date_range")],
    )
    kept = await client.post(URL, json=person(), headers=agent.headers)
    assert kept.status_code == 201, kept.text
    changed = await client.patch(
        f"{URL}/{kept.json()['id']}",
        json={"documents": [document]},
        headers={**agent.headers, "If-Match": kept.headers["etag"]},
    )
    assert (changed.status_code, changed.json()["errors"][0]["type"]) == (422, "date_range")
    read = await client.get(f"{URL}/{kept.json()['id']}", headers=agent.headers)
    assert read.json()["documents"] == []


@pytest.mark.parametrize("expires_on", ["2034-05-31", "1998-06-30", "1900-01-01", "2100-12-31"])
async def test_a_document_expiring_within_the_bounds_is_stored(
    client: httpx.AsyncClient, make_staff: Any, expires_on: str
) -> None:
    """An old passport (expired 1998) is recorded as written: a file holding one stays editable."""
    agent = await make_staff("agent", ["CASA-BASE"])
    document = {"doc_type": "passport", "number": "A01234567", "expires_on": expires_on}
    created = await client.post(URL, json=person(documents=[document]), headers=agent.headers)
    assert created.status_code == 201, created.text
    assert created.json()["documents"][0]["expires_on"] == expires_on
