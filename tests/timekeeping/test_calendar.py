"""Working-time arithmetic, checked against hand-computed figures (office hours 08–17)."""

import time as timer
from datetime import UTC, date, datetime, time

import pytest

from lotsen.timekeeping.calendar import (
    STOCKHOLM,
    WorkingCalendar,
    add_working_minutes,
    calendar_days,
    resolution_deadline,
    working_minutes,
)

STANDARD = WorkingCalendar.from_config()


def local(*args) -> datetime:
    return datetime(*args, tzinfo=STOCKHOLM)


def utc(*args) -> datetime:
    return datetime(*args, tzinfo=UTC)


def test_midsommarafton_is_closed():
    # Thursday 16–17 (60) + Friday 19 June midsommarafton (0) + weekend (0) + Monday 08–09 (60)
    received, answered = local(2026, 6, 18, 16), local(2026, 6, 22, 9)
    assert working_minutes(received, answered, STANDARD) == 120
    assert calendar_days(received, answered) == 4


def test_a_question_received_at_night_counts_from_the_next_opening():
    # Tuesday 22:30 → Wednesday 09:15: only Wednesday 08:00–09:15 counts
    assert working_minutes(local(2026, 9, 15, 22, 30), local(2026, 9, 16, 9, 15), STANDARD) == 75


def test_a_question_received_on_a_holiday_counts_from_the_next_working_day():
    # Kristi himmelsfärdsdag, Thursday 14 May 2026, 10:00 → Friday 10:00: Friday 08–10
    assert working_minutes(local(2026, 5, 14, 10), local(2026, 5, 15, 10), STANDARD) == 120


def test_weekend_and_time_outside_office_hours_do_not_count():
    # Friday 2026-09-11 16:30 → Monday 07:59: Friday 16:30–17:00 only
    assert working_minutes(local(2026, 9, 11, 16, 30), local(2026, 9, 14, 7, 59), STANDARD) == 30


def test_march_dst_switch_weekend():
    # Clocks go forward on Sunday 29 March 2026. Friday 16–17 (60) + Monday 08–09 (60).
    assert working_minutes(local(2026, 3, 27, 16), local(2026, 3, 30, 9), STANDARD) == 120


def test_october_dst_switch_weekend_with_utc_input():
    # Clocks go back on Sunday 25 October 2026. 13:00Z on Friday is 15:00 CEST; 09:00Z on
    # Monday is 10:00 CET. Friday 15–17 (120) + Monday 08–10 (120).
    assert working_minutes(utc(2026, 10, 23, 13), utc(2026, 10, 26, 9), STANDARD) == 240


def test_office_hours_on_the_dst_sundays_measure_real_time():
    # With Sunday hours 01:00–04:00 local: on 29 March 02:00–03:00 does not exist, so the
    # window is 2 hours; on 25 October 02:00–03:00 happens twice, so it is 4 hours.
    calendar = WorkingCalendar.from_config({6: [("01:00", "04:00")]})
    assert working_minutes(local(2026, 3, 29, 0), local(2026, 3, 29, 5), calendar) == 120
    assert working_minutes(local(2026, 10, 25, 0), local(2026, 10, 25, 5), calendar) == 240
    assert add_working_minutes(local(2026, 10, 25, 0), 240, calendar) == utc(2026, 10, 25, 3)


def test_year_end_with_nyarsafton_and_new_years_day():
    # Wednesday 30 Dec 16–17 (60); 31 Dec nyårsafton, 1 Jan, 2–3 Jan weekend closed; Monday
    # 4 Jan 2027 08–09 (60).
    assert working_minutes(local(2026, 12, 30, 16), local(2027, 1, 4, 9), STANDARD) == 120


def test_a_whole_year_of_working_time():
    # 2026 has 261 weekdays; ten of the closed days fall on a weekday (1 Jan, 6 Jan, 3 Apr,
    # 6 Apr, 1 May, 14 May, 19 Jun, 24 Dec, 25 Dec, 31 Dec): 251 days × 540 minutes.
    assert working_minutes(local(2026, 1, 1), local(2027, 1, 1), STANDARD) == 251 * 540
    assert STANDARD.normal_day_minutes == 540


def test_lunch_break_is_not_working_time():
    calendar = WorkingCalendar.from_config({0: [("08:00", "12:00"), ("13:00", "17:00")]})
    assert working_minutes(local(2026, 9, 14, 11, 30), local(2026, 9, 14, 13, 30), calendar) == 60
    assert add_working_minutes(local(2026, 9, 14, 11, 30), 60, calendar) == local(
        2026, 9, 14, 13, 30
    )
    assert calendar.normal_day_minutes == 480


def test_extra_closed_day():
    # Friday 15 May 2026 (the day after Ascension) closed: Thursday is a holiday, so only
    # Monday 08–09 counts. Without it: Friday's 540 + 60.
    received, answered = local(2026, 5, 14, 10), local(2026, 5, 18, 9)
    assert working_minutes(received, answered, STANDARD) == 600
    closed = WorkingCalendar.from_config(closed_days=[date(2026, 5, 15)])
    assert working_minutes(received, answered, closed) == 60
    assert not closed.is_working_day(date(2026, 5, 15))


def test_shortened_day():
    # Valborgsmässoafton Thursday 30 April 2026 closes at 13:00: 12–13 (60), 1 May holiday,
    # weekend, Monday 4 May 08–09 (60). Without the shortening: 12–17 (300) + 60.
    received, answered = local(2026, 4, 30, 12), local(2026, 5, 4, 9)
    assert working_minutes(received, answered, STANDARD) == 360
    shortened = WorkingCalendar.from_config(shortened_days={date(2026, 4, 30): "13:00"})
    assert working_minutes(received, answered, shortened) == 120
    assert shortened.day_minutes(date(2026, 4, 30)) == 300


def test_add_working_minutes_for_due_times():
    # 8 working hours from Thursday 18 June 16:00: Thursday 60, Monday 08:00 + 420 = 15:00.
    assert add_working_minutes(local(2026, 6, 18, 16), 480, STANDARD) == local(2026, 6, 22, 15)
    # Time that runs out exactly at closing gives the closing time, not the next opening.
    assert add_working_minutes(local(2026, 9, 14, 9), 480, STANDARD) == local(2026, 9, 14, 17)
    # From Saturday night, one hour is Monday 09:00.
    assert add_working_minutes(local(2026, 9, 12, 23), 60, STANDARD) == local(2026, 9, 14, 9)
    # Across the March switch: Friday 16:00 + 2 h = Monday 09:00 CEST = 07:00Z.
    assert add_working_minutes(local(2026, 3, 27, 16), 120, STANDARD) == utc(2026, 3, 30, 7)
    # Across a year end, and over several months at once.
    assert add_working_minutes(local(2026, 12, 30, 16), 120, STANDARD) == local(2027, 1, 4, 9)
    assert add_working_minutes(local(2026, 1, 1), 251 * 540, STANDARD) == local(2026, 12, 30, 17)
    assert add_working_minutes(local(2026, 9, 14, 10), 0, STANDARD) == local(2026, 9, 14, 10)


def test_add_working_minutes_is_the_inverse_of_working_minutes():
    start = local(2026, 6, 17, 13, 17, 30)
    for minutes in (1, 59, 220, 221, 540, 1000, 5400, 30000, 200000):
        due = add_working_minutes(start, minutes, STANDARD)
        assert working_minutes(start, due, STANDARD) == minutes


def test_resolution_deadline_is_the_closing_time_of_the_nth_working_day_after_receipt():
    # Received Thursday 18 June: Friday is midsommarafton, so day 1 is Monday 22, day 2 Tuesday.
    assert resolution_deadline(local(2026, 6, 18, 16), 2, STANDARD) == local(2026, 6, 23, 17)
    # Received on Saturday: the first working day after it is Monday.
    assert resolution_deadline(local(2026, 6, 20, 11), 1, STANDARD) == local(2026, 6, 22, 17)
    # The hour of receipt does not matter: Monday 07:00 and Monday 16:59 give Tuesday 17:00.
    assert resolution_deadline(local(2026, 9, 14, 7), 1, STANDARD) == local(2026, 9, 15, 17)
    assert resolution_deadline(local(2026, 9, 14, 16, 59), 1, STANDARD) == local(2026, 9, 15, 17)


def test_calendar_days_use_local_dates():
    # 23:30 on Saturday 28 March to 00:30 on Sunday 29 March (the DST night) is one day.
    assert calendar_days(local(2026, 3, 28, 23, 30), local(2026, 3, 29, 0, 30)) == 1
    # 22:30Z on 18 June is already 19 June in Stockholm.
    assert calendar_days(utc(2026, 6, 18, 22, 30), local(2026, 6, 19, 9)) == 0
    assert calendar_days(local(2026, 6, 22), local(2026, 6, 18)) == 0


def test_end_before_start_is_zero_and_naive_datetimes_are_refused():
    assert working_minutes(local(2026, 9, 14, 12), local(2026, 9, 14, 10), STANDARD) == 0
    with pytest.raises(ValueError):
        working_minutes(datetime(2026, 9, 14, 10), local(2026, 9, 14, 12), STANDARD)
    with pytest.raises(ValueError):
        add_working_minutes(local(2026, 9, 14, 10), -1, STANDARD)


def test_a_calendar_without_office_hours_refuses_to_add_time():
    calendar = WorkingCalendar.from_config({0: [("08:00", "17:00")]}, closed_days=[])
    never = WorkingCalendar(office_hours={})
    assert add_working_minutes(local(2026, 9, 14, 10), 60, calendar) == local(2026, 9, 14, 11)
    with pytest.raises(ValueError):
        add_working_minutes(local(2026, 9, 14, 10), 60, never)


def test_invalid_office_hours_are_refused():
    with pytest.raises(ValueError):
        WorkingCalendar.from_config({0: [("17:00", "08:00")]})
    with pytest.raises(ValueError):
        WorkingCalendar.from_config({0: [("08:00", "12:30"), ("12:00", "17:00")]})
    with pytest.raises(ValueError):
        WorkingCalendar.from_config({7: [("08:00", "17:00")]})


def test_long_spans_are_computed_without_walking_every_day():
    # Ten years, 2 000 times: per-year prefix sums make each call a few dictionary lookups.
    calendar = WorkingCalendar.from_config()
    start, end = local(2020, 2, 3, 9, 30), local(2030, 11, 4, 15, 45)
    expected = working_minutes(start, end, calendar)
    began = timer.perf_counter()
    for _ in range(2000):
        assert working_minutes(start, end, calendar) == expected
        add_working_minutes(start, expected, calendar)
    assert timer.perf_counter() - began < 2.0


def test_is_working_day_and_spans():
    assert STANDARD.is_working_day(date(2026, 6, 18))
    assert not STANDARD.is_working_day(date(2026, 6, 19))  # midsommarafton
    assert not STANDARD.is_working_day(date(2026, 12, 24))  # julafton
    assert not STANDARD.is_working_day(date(2026, 6, 20))  # Saturday
    assert STANDARD.local_spans(date(2026, 6, 18)) == [
        (local(2026, 6, 18, 8), local(2026, 6, 18, 17))
    ]
    assert STANDARD.holiday_name(date(2026, 6, 19)) == "Midsommarafton"
    assert STANDARD.spans(date(2026, 6, 18))[0][0].tzinfo is UTC
    assert time(8) == STANDARD.office_hours[0][0][0]
