"""The workflow's rule functions (``app/cases/workflow.py``) against the workflow as specified.

The table is the one written out in ``tests/cases/test_workflow.py`` (BRIEF "Case" and the
decisions recorded with it), not the code's; what each move asks for is the workflow's documented
rule: closing and a closure request need an outcome category, a reopen (closed → in_follow_up) and
a refused closure request (pending_closure → in_follow_up) need a reason, a transfer needs the
receiving desk and a consent.
"""

from __future__ import annotations

import pytest

from app.cases.workflow import allowed_from, fields_for, is_open, needs_reason
from tests.cases.test_workflow import SPEC, STATUSES

OPEN = ["received", "qualified", "oriented", "referred", "in_follow_up", "pending_closure"]
CLOSING = ["resolved", "closed_no_response", "closed_withdrawn"]


@pytest.mark.parametrize("status", STATUSES)
def test_allowed_moves_are_the_specified_ones_in_order(status: str) -> None:
    assert allowed_from(status) == tuple(SPEC[status])


def test_an_unknown_status_allows_no_move() -> None:
    assert allowed_from("archived") == ()


@pytest.mark.parametrize("status", STATUSES)
def test_a_case_is_open_until_closed_or_transferred(status: str) -> None:
    assert is_open(status) is (status in OPEN)


@pytest.mark.parametrize(("source", "target"), [(s, t) for s in STATUSES for t in STATUSES])
def test_a_reason_is_asked_for_a_reopen_and_a_refused_closure_only(source: str, target: str) -> None:
    expected = target == "in_follow_up" and source in (*CLOSING, "pending_closure")
    assert needs_reason(source, target) is expected


@pytest.mark.parametrize(
    ("source", "target", "fields"),
    [
        ("received", "qualified", ()),
        ("qualified", "referred", ()),
        ("oriented", "in_follow_up", ()),
        ("in_follow_up", "referred", ()),
        ("received", "resolved", ("outcome_category",)),
        ("in_follow_up", "closed_no_response", ("outcome_category",)),
        ("referred", "closed_withdrawn", ("outcome_category",)),
        ("in_follow_up", "pending_closure", ("outcome_category",)),
        ("pending_closure", "resolved", ("outcome_category",)),
        ("pending_closure", "in_follow_up", ("reason",)),
        ("resolved", "in_follow_up", ("reason",)),
        ("closed_no_response", "in_follow_up", ("reason",)),
        ("closed_withdrawn", "in_follow_up", ("reason",)),
        ("received", "transferred", ("to_desk", "consent_id")),
        ("in_follow_up", "transferred", ("to_desk", "consent_id")),
    ],
)
def test_each_move_asks_for_the_fields_its_rule_names(source: str, target: str, fields: tuple[str, ...]) -> None:
    assert fields_for(source, target) == fields
