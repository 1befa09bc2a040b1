"""The figures of one case from its status history, against hand-computed values.

Office hours 08–17 (540 minutes a day); targets: first response within 8 working hours (480
minutes), resolved within 2 working days unless a test says otherwise.
"""

from datetime import datetime

from lotsen.cases.models import CaseStatus as S
from lotsen.timekeeping.calendar import STOCKHOLM, WorkingCalendar
from lotsen.timekeeping.figures import CaseClockInput, StatusChange, compute_figures
from lotsen.timekeeping.services import status_changes

CALENDAR = WorkingCalendar.from_config()


def local(*args) -> datetime:
    return datetime(*args, tzinfo=STOCKHOLM)


def figures(received, changes, now, first_response=None, hours=8, days=2):
    data = CaseClockInput(
        received_at=received,
        first_response_at=first_response,
        changes=[StatusChange(at, status) for at, status in changes],
        first_response_target_hours=hours,
        resolution_target_days=days,
    )
    return compute_figures(data, CALENDAR, now)


def test_case_answered_after_midsommar_has_two_working_hours():
    reply = local(2026, 6, 22, 9)
    result = figures(
        local(2026, 6, 18, 16), [(reply, S.ANSWERED)], now=local(2026, 11, 1), first_response=reply
    )
    assert result.clock == "stopped"
    assert result.first_response_minutes == 120
    assert result.handling_minutes == 120
    assert result.paused_minutes == 0
    assert result.calendar_days == 4
    # First response due 8 h after Thursday 16:00: Thursday 60 + Monday 08:00–15:00.
    assert result.first_response_target_minutes == 480
    assert result.first_response_due_at == local(2026, 6, 22, 15)
    assert result.first_response_margin_minutes == 360
    # Resolved within 2 working days: Monday 22 and Tuesday 23 June (Friday is closed), so due
    # Tuesday 17:00; budget Thursday 60 + Monday 540 + Tuesday 540.
    assert result.resolution_target_minutes == 1140
    assert result.resolution_due_at == local(2026, 6, 23, 17)
    assert result.resolution_margin_minutes == 1020


def test_waiting_for_the_company_over_a_weekend_pauses_the_clock():
    # Received Friday 11 Sept 10:00; at 11:00 the lead replies asking for drawings and sets
    # "waiting"; the company answers Monday 10:00; answered Monday 14:00.
    result = figures(
        local(2026, 9, 11, 10),
        [
            (local(2026, 9, 11, 11), S.IN_PROGRESS),
            (local(2026, 9, 11, 11), S.WAITING),
            (local(2026, 9, 14, 10), S.IN_PROGRESS),
            (local(2026, 9, 14, 14), S.ANSWERED),
        ],
        now=local(2026, 11, 1),
        first_response=local(2026, 9, 11, 11),
    )
    assert result.first_response_minutes == 60
    assert result.paused_minutes == 360 + 120  # Friday 11–17, Monday 08–10
    assert result.handling_minutes == 60 + 240  # Friday 10–11, Monday 10–14
    assert result.calendar_days == 3
    # Budget: Friday 10–17 (420) + Monday (540) + Tuesday (540) = 1500, due Tuesday 17:00
    # without the pause; the 480 paused minutes push it to Wednesday 16:00.
    assert result.resolution_target_minutes == 1500
    assert result.resolution_margin_minutes == 1200
    assert result.resolution_due_at == local(2026, 9, 16, 16)
    assert result.first_response_due_at == local(2026, 9, 14, 9)


def test_reopened_case_counts_only_the_time_until_each_answer():
    # Received Monday 7 Sept 09:00, answered 11:00; the company writes back Wednesday 10:00
    # (reopened); answered again Wednesday 15:00. Time while answered does not count.
    result = figures(
        local(2026, 9, 7, 9),
        [
            (local(2026, 9, 7, 11), S.ANSWERED),
            (local(2026, 9, 9, 10), S.IN_PROGRESS),
            (local(2026, 9, 9, 15), S.ANSWERED),
        ],
        now=local(2026, 11, 1),
        first_response=local(2026, 9, 7, 11),
    )
    assert result.handling_minutes == 120 + 300
    assert result.first_response_minutes == 120
    assert result.paused_minutes == 0
    assert result.calendar_days == 2
    # Budget Monday 09–17 (480) + Tuesday + Wednesday (1080) = 1560; 1140 left after 420 used,
    # counted on from the last answer: Wednesday 15–17, Thursday, Friday 08–16.
    assert result.resolution_margin_minutes == 1140
    assert result.resolution_due_at == local(2026, 9, 11, 16)
    assert result.clock == "stopped"


def test_open_case_received_at_night_counts_so_far():
    result = figures(local(2026, 9, 15, 22, 30), [], now=local(2026, 9, 16, 10, 15))
    assert result.clock == "running"
    assert result.handling_minutes == 135
    assert result.first_response_minutes is None
    assert result.first_response_margin_minutes == 480 - 135
    assert result.first_response_due_at == local(2026, 9, 16, 16)
    assert result.calendar_days == 1
    assert result.computed_at == local(2026, 9, 16, 10, 15)


def test_case_waiting_now_has_its_due_time_pushed_by_the_pause_so_far():
    result = figures(
        local(2026, 9, 14, 8),
        [(local(2026, 9, 14, 10), S.WAITING)],
        now=local(2026, 9, 15, 12),
        first_response=local(2026, 9, 14, 10),
    )
    assert result.clock == "paused"
    assert result.handling_minutes == 120
    assert result.paused_minutes == 420 + 240
    # Due Wednesday 17:00 without the pause; 660 paused minutes later it is Friday 10:00.
    assert result.resolution_target_minutes == 1620
    assert result.resolution_margin_minutes == 1500
    assert result.resolution_due_at == local(2026, 9, 18, 10)


def test_late_first_response_has_a_negative_margin():
    reply = local(2026, 9, 8, 10)
    result = figures(
        local(2026, 9, 7, 8),
        [(reply, S.IN_PROGRESS)],
        now=local(2026, 9, 8, 12),
        first_response=reply,
    )
    assert result.first_response_minutes == 540 + 120
    assert result.first_response_margin_minutes == -180
    assert result.first_response_due_at == local(2026, 9, 7, 16)


def test_answered_without_a_written_reply_counts_the_answer_as_first_response():
    result = figures(
        local(2026, 9, 7, 9), [(local(2026, 9, 7, 10), S.ANSWERED)], now=local(2026, 9, 8, 12)
    )
    assert result.first_response_minutes == 60
    assert result.first_response_margin_minutes == 420


def test_withdrawn_case_has_no_margins():
    result = figures(
        local(2026, 9, 7, 9), [(local(2026, 9, 7, 10), S.WITHDRAWN)], now=local(2026, 9, 10, 12)
    )
    assert result.clock == "stopped"
    assert result.handling_minutes == 60
    assert result.first_response_minutes is None
    assert result.first_response_margin_minutes is None
    assert result.resolution_margin_minutes is None
    assert result.resolution_due_at is None
    assert result.calendar_days == 0


def test_changes_stamped_before_receipt_count_from_receipt():
    # An official registers a phone case afterwards with the time the call came in.
    result = figures(
        local(2026, 9, 7, 9), [(local(2026, 9, 7, 8), S.WAITING)], now=local(2026, 9, 7, 12)
    )
    assert result.handling_minutes == 0
    assert result.paused_minutes == 180


def test_status_missing_from_the_events_is_added_at_the_answer_time():
    answered = local(2026, 9, 7, 12)
    assert status_changes([], "answered", answered) == [StatusChange(answered, "answered")]
    events = [(local(2026, 9, 7, 10), S.IN_PROGRESS)]
    assert status_changes(events, "in_progress", answered) == [
        StatusChange(local(2026, 9, 7, 10), "in_progress")
    ]
