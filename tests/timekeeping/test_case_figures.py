"""Figures stored per case: kept current by real service calls, recomputed after a calendar or
target change (by the admin services and by `flask lotsen recompute-figures`)."""

from datetime import date, time

from sqlalchemy import delete, func, select

from lotsen.accounts.models import Role
from lotsen.cases import services as cases
from lotsen.cases.models import CaseStatus
from lotsen.cases.workflow import change_status
from lotsen.extensions import db
from lotsen.timekeeping import services
from lotsen.timekeeping.calendar import working_minutes
from lotsen.timekeeping.models import CaseFigures
from lotsen.timekeeping.queries import (
    current_calendar,
    is_open,
    is_working_day,
    next_opening,
    opening_spans,
)
from tests.cases.helpers import open_case_directly
from tests.factories import CategoryFactory, UserFactory
from tests.timekeeping.helpers import local, pin_status_events, stored_figures


def two_day_category(**overrides):
    values = {"target_first_response_hours": 8, "target_resolution_days": 2}
    values.update(overrides)
    return CategoryFactory(**values)


def answered_case(received, answered):
    """A case answered (status event pinned) at `answered`, figures recomputed at commit."""
    case, _token = open_case_directly(two_day_category(), received_at=received)
    change_status(case, CaseStatus.ANSWERED, UserFactory())
    db.session.flush()
    pin_status_events(case, answered)
    case.answered_at = answered
    db.session.commit()
    return case


def test_figures_follow_the_real_service_calls(app):
    lead = UserFactory()
    case, _token = open_case_directly(two_day_category(), received_at=local(2026, 9, 11, 10))

    figures = stored_figures(case)
    assert figures.clock == "running"
    assert figures.first_response_minutes is None
    assert figures.handling_minutes == working_minutes(
        case.received_at, figures.computed_at, current_calendar()
    )

    with app.test_request_context():
        cases.post_public_reply(
            case, lead, "Skicka gärna ritningarna.", then_status=CaseStatus.WAITING
        )
        db.session.commit()
    figures = stored_figures(case)
    assert figures.clock == "paused"
    assert figures.first_response_minutes is not None

    with app.test_request_context():
        cases.submitter_reply(case, "Här kommer ritningarna.")
        db.session.commit()
    assert stored_figures(case).clock == "running"

    with app.test_request_context():
        cases.post_public_reply(case, lead, "Ni behöver bygglov.", then_status=CaseStatus.ANSWERED)
        db.session.commit()
    assert stored_figures(case).clock == "stopped"

    # The same history at the times of a hand-computed scenario: received Friday 11 Sept
    # 10:00, asked for drawings 11:00 (waiting), the company answered Monday 10:00, answered
    # Monday 14:00. Changing the case is an event of its own: the figures follow at commit.
    pin_status_events(case, local(2026, 9, 11, 11), local(2026, 9, 14, 10), local(2026, 9, 14, 14))
    case.first_response_at = local(2026, 9, 11, 11)
    case.answered_at = local(2026, 9, 14, 14)
    db.session.commit()
    figures = stored_figures(case)
    assert figures.first_response_minutes == 60
    assert figures.handling_minutes == 300
    assert figures.paused_minutes == 480
    assert figures.calendar_days == 3
    assert figures.resolution_target_minutes == 1500
    assert figures.resolution_margin_minutes == 1200
    assert figures.resolution_due_at == local(2026, 9, 16, 16)
    assert figures.first_response_margin_minutes == 420
    assert figures.first_response_due_at == local(2026, 9, 14, 9)


def test_midsommar_case_through_the_services(app):
    case = answered_case(local(2026, 6, 18, 16), local(2026, 6, 22, 9))
    figures = stored_figures(case)
    assert figures.handling_minutes == 120
    assert figures.first_response_minutes == 120  # answered (by phone) without a written reply
    assert figures.calendar_days == 4
    assert figures.resolution_due_at == local(2026, 6, 23, 17)


def test_changing_the_category_recomputes_the_targets(app):
    case, _token = open_case_directly(two_day_category(), received_at=local(2026, 9, 14, 8))
    assert stored_figures(case).resolution_target_minutes == 3 * 540
    slower = two_day_category(target_resolution_days=5, target_first_response_hours=16)
    cases.update_case(case, UserFactory(), {"category_id": slower.id}, case.version)
    db.session.commit()
    figures = stored_figures(case)
    assert figures.resolution_target_minutes == 6 * 540
    assert figures.first_response_target_minutes == 16 * 60


def test_a_rolled_back_case_leaves_no_figures(app):
    category = two_day_category()
    with app.test_request_context():
        cases.open_case(
            cases.Submission(
                submitter_name="Johan Ek",
                subject="Skylt",
                description="Får vi sätta upp en skylt?",
                category_id=category.id,
            )
        )
        db.session.rollback()
    db.session.commit()
    assert db.session.scalar(select(func.count()).select_from(CaseFigures)) == 0


def test_recompute_case_figures_works_before_the_commit(app):
    case, _token = open_case_directly(two_day_category(), received_at=local(2026, 9, 14, 8))
    change_status(case, CaseStatus.WAITING, UserFactory())
    db.session.flush()
    pin_status_events(case, local(2026, 9, 14, 10))
    figures = services.recompute_case_figures(case, now=local(2026, 9, 14, 12))
    assert figures.clock == "paused"
    assert (figures.handling_minutes, figures.paused_minutes) == (120, 120)
    db.session.rollback()


def test_adding_and_removing_a_closed_day_recomputes_the_cases_it_touches(app):
    admin = UserFactory(roles=[Role.ADMIN])
    # Monday 7 Sept 08:00 → Wednesday 9 Sept 12:00: 540 + 540 + 240.
    case = answered_case(local(2026, 9, 7, 8), local(2026, 9, 9, 12))
    assert stored_figures(case).handling_minutes == 1320

    closed, recomputed = services.add_closed_day(admin, date(2026, 9, 8), "Personaldag")
    db.session.commit()
    assert recomputed == (1, 0)
    assert stored_figures(case).handling_minutes == 780

    services.delete_exception(admin, db.session.merge(closed))
    db.session.commit()
    assert stored_figures(case).handling_minutes == 1320


def test_a_change_touching_many_cases_recomputes_only_the_open_ones_at_once(app):
    app.config["CALENDAR_RECOMPUTE_LIMIT"] = 2
    admin = UserFactory(roles=[Role.ADMIN])
    finished = [answered_case(local(2026, 9, 7, 8), local(2026, 9, 9, 12)) for _ in range(2)]
    still_open, _token = open_case_directly(two_day_category(), received_at=local(2026, 9, 7, 8))
    _closed, recomputed = services.add_closed_day(admin, date(2026, 9, 8), "Personaldag")
    db.session.commit()
    assert recomputed == (1, 2)
    assert [stored_figures(case).handling_minutes for case in finished] == [1320, 1320]
    assert stored_figures(still_open).resolution_due_at == local(2026, 9, 10, 17)


def test_a_shortened_day_recomputes_the_cases_it_touches(app):
    admin = UserFactory(roles=[Role.ADMIN])
    # Valborgsmässoafton Thursday 30 April 12:00 → Monday 4 May 09:00.
    case = answered_case(local(2026, 4, 30, 12), local(2026, 5, 4, 9))
    assert stored_figures(case).handling_minutes == 360
    services.add_shortened_day(admin, date(2026, 4, 30), time(13), "Dag före helgdag")
    db.session.commit()
    assert stored_figures(case).handling_minutes == 120


def test_open_cases_get_new_due_times_when_office_hours_change(app):
    admin = UserFactory(roles=[Role.ADMIN])
    case, _token = open_case_directly(two_day_category(), received_at=local(2026, 9, 14, 8))
    before = stored_figures(case).resolution_target_minutes
    services.save_office_hours(admin, {day: [(time(8), time(16))] for day in range(5)})
    db.session.commit()
    assert before == 3 * 540
    assert stored_figures(case).resolution_target_minutes == 3 * 480


def test_the_public_opening_helpers_honour_closed_days(app):
    admin = UserFactory(roles=[Role.ADMIN])
    assert not is_working_day(date(2026, 6, 19))  # midsommarafton
    assert opening_spans(date(2026, 9, 8)) == [(local(2026, 9, 8, 8), local(2026, 9, 8, 17))]
    services.add_closed_day(admin, date(2026, 9, 8), "Personaldag")
    db.session.commit()
    assert not is_working_day(date(2026, 9, 8))
    assert not is_open(local(2026, 9, 8, 10))
    assert is_open(local(2026, 9, 9, 10))
    assert next_opening(local(2026, 9, 7, 17, 30)) == local(2026, 9, 9, 8)


def test_the_command_recomputes_every_case_in_batches(app, runner):
    received = [local(2026, 9, 14, 8), local(2026, 9, 15, 8), local(2026, 9, 16, 8)]
    created = [answered_case(at, at.replace(hour=10)) for at in received]
    # As after the upgrade to 0004 (cases without figures) and a change of target.
    db.session.execute(delete(CaseFigures))
    created[0].category.target_resolution_days = 1
    db.session.commit()
    case_ids = [case.id for case in created]

    result = runner.invoke(args=["lotsen", "recompute-figures", "--batch", "2"])
    assert result.exit_code == 0, result.output
    assert "2/3" in result.output and "3/3" in result.output
    assert "Done: 3 cases recomputed." in result.output
    figures = [db.session.get(CaseFigures, case_id) for case_id in case_ids]
    assert [f.handling_minutes for f in figures] == [120, 120, 120]
    assert figures[0].resolution_target_minutes == 2 * 540
    assert figures[1].resolution_target_minutes == 3 * 540


def test_the_command_refuses_a_batch_size_of_zero(app, runner):
    result = runner.invoke(args=["lotsen", "recompute-figures", "--batch", "0"])
    assert result.exit_code != 0
