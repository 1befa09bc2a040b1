from datetime import UTC, datetime

import pytest
from sqlalchemy import select

from lotsen.cases.models import CaseEvent, CaseStatus
from lotsen.cases.numbering import format_case_number, next_case_number
from lotsen.cases.workflow import TransitionError, allowed_transitions, change_status
from lotsen.extensions import db
from tests.cases.helpers import open_case_directly
from tests.factories import CategoryFactory, UserFactory


def test_case_numbers_count_up_per_year(app):
    assert [next_case_number(2026)[1] for _ in range(3)] == [
        "LOTS-2026-0001",
        "LOTS-2026-0002",
        "LOTS-2026-0003",
    ]
    assert next_case_number(2027) == (1, "LOTS-2027-0001")
    assert format_case_number(2026, 12345) == "LOTS-2026-12345"


def test_a_rolled_back_submission_gives_its_number_back(app):
    next_case_number(2026)
    db.session.commit()
    next_case_number(2026)
    db.session.rollback()
    assert next_case_number(2026)[1] == "LOTS-2026-0002"


def test_the_year_in_the_number_is_the_year_in_stockholm(app):
    category = CategoryFactory()
    late_on_new_years_eve = datetime(2026, 12, 31, 22, 30, tzinfo=UTC)  # 23:30 in Stockholm
    just_after_midnight = datetime(2026, 12, 31, 23, 30, tzinfo=UTC)  # 00:30 on 1 January
    assert open_case_directly(category, late_on_new_years_eve)[0].number == "LOTS-2026-0001"
    assert open_case_directly(category, just_after_midnight)[0].number == "LOTS-2027-0001"


def test_the_lifecycle_records_every_change(app):
    official = UserFactory()
    case, _token = open_case_directly(CategoryFactory())
    for status in (
        CaseStatus.ASSIGNED,
        CaseStatus.IN_PROGRESS,
        CaseStatus.WAITING,
        CaseStatus.IN_PROGRESS,
        CaseStatus.ANSWERED,
        CaseStatus.CLOSED,
    ):
        change_status(case, status, official)
    db.session.commit()
    assert case.closed_at is not None and case.answered_at is not None
    events = db.session.scalars(
        select(CaseEvent).where(CaseEvent.case_id == case.id, CaseEvent.kind == "status")
    ).all()
    assert [(e.from_status, e.to_status) for e in events] == [
        ("new", "assigned"),
        ("assigned", "in_progress"),
        ("in_progress", "waiting_for_company"),
        ("waiting_for_company", "in_progress"),
        ("in_progress", "answered"),
        ("answered", "closed"),
    ]
    assert all(e.actor_id == official.id for e in events)


def test_illegal_transitions_are_refused_with_a_clear_message(app):
    case, _token = open_case_directly(CategoryFactory())
    with pytest.raises(TransitionError, match="kan inte få status Avslutad"):
        change_status(case, CaseStatus.CLOSED)
    assert case.status == CaseStatus.NEW


def test_reopening_needs_a_reason_and_clears_the_finish_times(app):
    case, _token = open_case_directly(CategoryFactory())
    change_status(case, CaseStatus.ANSWERED)
    change_status(case, CaseStatus.CLOSED)
    with pytest.raises(TransitionError, match="varför"):
        change_status(case, CaseStatus.IN_PROGRESS)
    event = change_status(case, CaseStatus.IN_PROGRESS, reason="Företaget hörde av sig igen")
    assert event.kind == "reopened" and event.reason == "Företaget hörde av sig igen"
    assert case.closed_at is None and case.answered_at is None


def test_withdrawn_and_spam_are_end_states_that_can_be_undone(app):
    assert CaseStatus.SPAM in allowed_transitions(CaseStatus.NEW)
    assert allowed_transitions(CaseStatus.SPAM) == [CaseStatus.NEW]
    assert allowed_transitions(CaseStatus.WITHDRAWN) == [CaseStatus.IN_PROGRESS]
