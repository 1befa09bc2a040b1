"""Team meetings: recurring series, the agenda, outcomes on the case timeline."""

from datetime import UTC, date, datetime, time

from flask import current_app
from sqlalchemy import func, select

from lotsen.cases.models import CaseEvent
from lotsen.extensions import db
from lotsen.team import meetings
from lotsen.team.models import AgendaItem, Meeting, MeetingSeries
from lotsen.timekeeping.calendar import local_today
from lotsen.timekeeping.queries import current_calendar
from tests.team.helpers import ask, led_case, make_team, outbox_to


def series(team, first_on=date(2026, 10, 15), interval_weeks=2, **values) -> MeetingSeries:
    """Every other Thursday 14–16 from 15 October 2026 (the series is made without generating)."""
    made = MeetingSeries(
        name="Lotsmöte",
        first_on=first_on,
        interval_weeks=interval_weeks,
        start_time=time(14),
        end_time=time(16),
        place="Kommunhuset, rum Aspen",
        created_by_id=team.coordinator.id,
        **values,
    )
    db.session.add(made)
    db.session.commit()
    return made


def generate(today: date) -> list[Meeting]:
    created = meetings.generate_meetings(today, current_calendar())
    db.session.commit()
    return created


def meeting_dates() -> list[date]:
    return db.session.scalars(select(Meeting.on_date).order_by(Meeting.on_date)).all()


def test_every_other_thursday_keeps_local_time_across_the_autumn_dst_change(app):
    series(make_team())
    [first] = generate(date(2026, 10, 1))
    [second] = generate(date(2026, 10, 16))

    assert (first.on_date, second.on_date) == (date(2026, 10, 15), date(2026, 10, 29))
    # 14:00 in Stockholm is 12:00 UTC in summer time and 13:00 UTC after 25 October.
    assert first.starts_at.astimezone(UTC) == datetime(2026, 10, 15, 12, tzinfo=UTC)
    assert second.starts_at.astimezone(UTC) == datetime(2026, 10, 29, 13, tzinfo=UTC)
    assert second.ends_at.astimezone(UTC) == datetime(2026, 10, 29, 15, tzinfo=UTC)


def test_the_spring_dst_change_too(app):
    series(make_team())
    [before] = generate(date(2027, 3, 12))
    [after] = generate(date(2027, 3, 19))
    assert before.starts_at.astimezone(UTC) == datetime(2027, 3, 18, 13, tzinfo=UTC)
    assert after.on_date == date(2027, 4, 1)
    assert after.starts_at.astimezone(UTC) == datetime(2027, 4, 1, 12, tzinfo=UTC)


def test_across_the_year_end_julafton_is_skipped(app):
    series(make_team())
    [meeting] = generate(date(2026, 12, 11))
    # 24 December 2026 is a Thursday but julafton: the next meeting is 7 January 2027.
    assert meeting.on_date == date(2027, 1, 7)
    assert meeting.on_date.weekday() == 3


def test_a_weekly_series_skips_ascension_day(app):
    series(make_team(), first_on=date(2027, 4, 29), interval_weeks=1)
    [meeting] = generate(date(2027, 4, 30))
    assert meeting.on_date == date(2027, 5, 13)  # 6 May 2027 is Kristi himmelsfärdsdag


def test_generating_is_idempotent_from_the_service_and_the_command(app, runner):
    team = make_team()
    series(team)
    assert len(generate(date(2026, 10, 16))) == 1
    assert generate(date(2026, 10, 16)) == []
    assert generate(date(2026, 10, 20)) == []  # still the same next meeting
    assert meeting_dates() == [date(2026, 10, 29)]

    result = runner.invoke(args=["lotsen", "generate-meetings"])
    assert result.exit_code == 0, result.output
    again = runner.invoke(args=["lotsen", "generate-meetings"])
    assert "0 meeting(s) created." in again.output
    db.session.expire_all()
    per_day = db.session.execute(
        select(Meeting.on_date, func.count()).group_by(Meeting.on_date)
    ).all()
    assert all(count == 1 for _day, count in per_day)


def test_a_coordinator_creates_a_series_in_the_browser_form(app, client, login):
    team = make_team()
    login(user=team.coordinator)
    bad = client.submit(
        "/lotsmoten/serier/ny",
        {
            "name": "Lotsmöte",
            "first_on": "2099-01-01",
            "interval_weeks": "två",
            "start_time": "16:00",
            "end_time": "14:00",
            "place": "Aspen",
        },
    )
    assert bad.status_code == 400
    html = bad.get_data(as_text=True)
    assert "Skriv ett heltal" in html and 'value="Aspen"' in html
    good = client.submit(
        "/lotsmoten/serier/ny",
        {
            "name": "Lotsmöte",
            "first_on": "2099-01-01",
            "interval_weeks": "2",
            "start_time": "14:00",
            "end_time": "16:00",
            "place": "Aspen",
        },
    )
    assert good.status_code == 302
    assert db.session.scalar(select(Meeting.on_date)) >= date(2099, 1, 1)
    assert "Lotsmöte" in client.get("/lotsmoten/").get_data(as_text=True)


def test_a_flagged_case_waits_for_the_next_meeting_and_joins_it(app, client, login):
    team = make_team()
    case = led_case(team)
    login(user=team.lead)
    response = client.submit(
        f"/arenden/{case.id}/lotsmote",
        {"flag-note": "Vem tar markfrågan?"},
        page_url=f"/arenden/{case.id}",
    )
    assert response.status_code == 302
    item = db.session.scalar(select(AgendaItem))
    assert item.meeting_id is None and item.note == "Vem tar markfrågan?"
    page = client.get(f"/arenden/{case.id}").get_data(as_text=True)
    assert "Tas upp på nästa lotsmöte (inget möte är planerat ännu)." in page
    twice = client.submit(f"/arenden/{case.id}/lotsmote", {}, page_url=f"/arenden/{case.id}")
    assert twice.status_code == 302
    assert db.session.scalar(select(func.count()).select_from(AgendaItem)) == 1

    series(team, first_on=local_today())
    [meeting] = generate(local_today())
    db.session.expire_all()
    assert db.session.get(AgendaItem, item.id).meeting_id == meeting.id
    meeting_page = client.get(f"/lotsmoten/{meeting.id}").get_data(as_text=True)
    assert case.number in meeting_page and "Vem tar markfrågan?" in meeting_page


def test_the_meeting_page_lists_open_contributions_and_records_outcomes(app, client, login):
    team = make_team()
    case = led_case(team)
    ask(case, team.lead, team.builder, "Behövs bygglov för köket?")
    with current_app.test_request_context():
        meeting = meetings.create_team_meeting(
            team.coordinator,
            "Lotsmöte",
            meetings.MeetingTimes(local_today(), time(14), time(16), "Aspen"),
        )
        meetings.add_to_agenda(team.coordinator, case, meeting, "Samordna tillstånden")
        db.session.commit()
    login(user=team.coordinator)
    page = client.get(f"/lotsmoten/{meeting.id}").get_data(as_text=True)
    assert "Behövs bygglov för köket?" in page and "Erik Johansson" in page

    item = db.session.scalar(select(AgendaItem))
    prefix = f"item{item.id}-"
    empty = client.submit(
        f"/lotsmoten/punkter/{item.id}/utfall",
        {prefix + "decision": ""},
        page_url=f"/lotsmoten/{meeting.id}",
    )
    assert empty.status_code == 400 and "Skriv vad mötet beslutade." in empty.get_data(as_text=True)
    response = client.submit(
        f"/lotsmoten/punkter/{item.id}/utfall",
        {
            prefix + "decision": "Ledmöte med företaget och alla tre förvaltningarna.",
            prefix + "next_step": "Boka ledmöte inom två veckor.",
            prefix + "owner_id": str(team.lead.id),
        },
        page_url=f"/lotsmoten/{meeting.id}",
    )
    assert response.status_code == 302
    event_row = db.session.scalar(
        select(CaseEvent).where(CaseEvent.case_id == case.id, CaseEvent.kind == "meeting_outcome")
    )
    assert event_row.details["decision"] == "Ledmöte med företaget och alla tre förvaltningarna."
    assert event_row.details["owner"] == "Karin Lindqvist"
    assert len(outbox_to("karin@kommun.example")) == 1  # the owner is told
    timeline = client.get(f"/arenden/{case.id}").get_data(as_text=True)
    assert "beslutade: Ledmöte med företaget" in timeline
    assert "Nästa steg: Boka ledmöte inom två veckor." in timeline


def test_an_outsider_sees_the_agenda_without_the_case_content(app, client, login):
    team = make_team()
    case = led_case(team)
    ask(case, team.lead, team.builder, "Behövs bygglov för köket?")
    with current_app.test_request_context():
        meeting = meetings.create_team_meeting(
            team.coordinator,
            "Lotsmöte",
            meetings.MeetingTimes(local_today(), time(14), time(16), "Aspen"),
        )
        meetings.add_to_agenda(team.coordinator, case, meeting)
        db.session.commit()
    login(user=team.outsider)
    page = client.get(f"/lotsmoten/{meeting.id}").get_data(as_text=True)
    assert case.number in page
    assert "Behövs bygglov för köket?" not in page and "Skriv utfallet" not in page


def test_the_meeting_page_runs_the_same_number_of_queries_for_any_agenda(
    app, client, login, count_queries
):
    team = make_team()
    with current_app.test_request_context():
        meeting = meetings.create_team_meeting(
            team.coordinator,
            "Lotsmöte",
            meetings.MeetingTimes(local_today(), time(14), time(16), "Aspen"),
        )
        db.session.commit()
    login(user=team.outsider)  # the policy is checked per case, in one query for the page

    def queries_for_page():
        with count_queries() as queries:
            assert client.get(f"/lotsmoten/{meeting.id}").status_code == 200
        return len(queries)

    def add_cases(number):
        for n in range(number):
            case = led_case(team, subject=f"Ärende {n}")
            ask(case, team.lead, team.builder)
            meetings.add_to_agenda(team.coordinator, case, db.session.get(Meeting, meeting.id))
        db.session.commit()

    add_cases(1)
    with_one = queries_for_page()
    add_cases(5)
    assert queries_for_page() == with_one
