"""Team meetings (lotsmöten): recurring series and one-off meetings, their agendas ("ta upp
på nästa lotsmöte") and the outcomes recorded on each case's timeline."""

from dataclasses import dataclass
from datetime import date, time, timedelta

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import select, update

from lotsen.accounts.models import Role, User
from lotsen.audit import services as audit
from lotsen.cases import services as cases
from lotsen.cases.access import may_view_case
from lotsen.cases.models import Case
from lotsen.db_types import utcnow
from lotsen.extensions import db
from lotsen.notifications.services import notify_official
from lotsen.team.invitations import send_invitations
from lotsen.team.models import AgendaItem, Meeting, MeetingKind, MeetingSeries
from lotsen.team.queries import next_team_meeting, waiting_agenda_item
from lotsen.team.rules import OFFICIAL, WORKING_ROLES, TeamError, is_team_member, require
from lotsen.timekeeping.calendar import WorkingCalendar, local_today
from lotsen.timekeeping.queries import current_calendar


@dataclass
class MeetingTimes:
    on_date: date
    start_time: time
    end_time: time
    place: str = ""
    video_link: str = ""


def check_times(times: MeetingTimes) -> None:
    if times.end_time <= times.start_time:
        raise TeamError(_("Mötet måste sluta efter att det börjar."), "end_time")
    if not (times.place or "").strip() and not (times.video_link or "").strip():
        raise TeamError(_("Fyll i en plats eller en videolänk."), "place")


def occurrences_from(series: MeetingSeries, first: date):
    """The series' dates on or after `first`, in order (an endless generator)."""
    step = timedelta(weeks=series.interval_weeks)
    if first <= series.first_on:
        day = series.first_on
    else:
        periods = -(-(first - series.first_on).days // step.days)  # ceiling division
        day = series.first_on + periods * step
    while True:
        yield day
        day += step


def next_occurrence(series: MeetingSeries, today: date, calendar: WorkingCalendar) -> date:
    """The series' next date on or after `today` that is not a public holiday or closed day
    (a meeting that would fall on Ascension Day or julafton is skipped, not moved)."""
    for number, day in enumerate(occurrences_from(series, today)):
        if calendar.is_regular_working_day(day) or number > 60:
            return day
    raise AssertionError("unreachable")


def series_title(series: MeetingSeries) -> str:
    return series.name


def generate_meetings(today: date | None = None, calendar: WorkingCalendar | None = None):
    """Make sure every active series has its next meeting; safe to run any number of times.

    Returns the meetings created now. Cases waiting for "the next team meeting" join the
    earliest upcoming one.
    """
    today = today or local_today()
    calendar = calendar or current_calendar()
    created = []
    series_list = db.session.scalars(
        select(MeetingSeries).where(MeetingSeries.active).order_by(MeetingSeries.id)
    ).all()
    for series in series_list:
        day = next_occurrence(series, today, calendar)
        exists = db.session.scalar(
            select(Meeting.id).where(Meeting.series_id == series.id, Meeting.on_date == day)
        )
        if exists is None:
            meeting = Meeting(
                kind=MeetingKind.TEAM,
                title=series_title(series),
                series_id=series.id,
                on_date=day,
                start_time=series.start_time,
                end_time=series.end_time,
                place=series.place,
                video_link=series.video_link,
            )
            db.session.add(meeting)
            created.append(meeting)
    db.session.flush()
    attach_waiting_items(today)
    return created


def attach_waiting_items(today: date | None = None) -> int:
    """Put the cases waiting for "the next team meeting" on its agenda; returns how many."""
    meeting = next_team_meeting(today)
    if meeting is None:
        return 0
    result = db.session.execute(
        update(AgendaItem).where(AgendaItem.meeting_id.is_(None)).values(meeting_id=meeting.id)
    )
    return result.rowcount or 0


@dataclass
class SeriesData:
    name: str
    first_on: date
    interval_weeks: int
    start_time: time
    end_time: time
    place: str = ""
    video_link: str = ""


def create_series(actor: User, data: SeriesData, today: date | None = None) -> MeetingSeries:
    """A new recurring team meeting; its next meeting is created at once."""
    require(actor.has_role(Role.COORDINATOR), _("Bara samordnare kan lägga upp mötesserier."))
    check_times(
        MeetingTimes(data.first_on, data.start_time, data.end_time, data.place, data.video_link)
    )
    if not 1 <= data.interval_weeks <= 8:
        raise TeamError(_("Välj ett intervall mellan 1 och 8 veckor."), "interval_weeks")
    series = MeetingSeries(
        name=data.name.strip(),
        first_on=data.first_on,
        interval_weeks=data.interval_weeks,
        start_time=data.start_time,
        end_time=data.end_time,
        place=data.place.strip(),
        video_link=data.video_link.strip(),
        created_by_id=actor.id,
    )
    db.session.add(series)
    db.session.flush()
    audit.record(actor, "meeting_series.create", series, f"Mötesserie {series.name}")
    generate_meetings(today)
    return series


def create_team_meeting(actor: User, title: str, times: MeetingTimes, notes: str = "") -> Meeting:
    """A one-off team meeting (outside any series)."""
    check_times(times)
    meeting = Meeting(
        kind=MeetingKind.TEAM,
        title=title.strip(),
        on_date=times.on_date,
        start_time=times.start_time,
        end_time=times.end_time,
        place=times.place.strip(),
        video_link=times.video_link.strip(),
        notes=(notes or "").strip(),
        organizer_id=actor.id,
    )
    db.session.add(meeting)
    db.session.flush()
    audit.record(actor, "meeting.create", meeting, f"Lotsmöte {meeting.on_date.isoformat()}")
    attach_waiting_items()
    return meeting


def update_meeting(
    actor: User, meeting: Meeting, title: str, times: MeetingTimes, notes: str
) -> None:
    """Change a meeting; a company meeting whose invitations went out gets updated ones."""
    check_times(times)
    before = meeting_values(meeting)
    meeting.title = title.strip()
    meeting.on_date = times.on_date
    meeting.start_time = times.start_time
    meeting.end_time = times.end_time
    meeting.place = times.place.strip()
    meeting.video_link = times.video_link.strip()
    meeting.notes = (notes or "").strip()
    changes = audit.diff(before, meeting_values(meeting))
    if changes:
        audit.record(actor, "meeting.update", meeting, f"Möte {meeting.title}", changes=changes)
    if meeting.kind == MeetingKind.COMPANY and meeting.invitations_sent_at and changes:
        send_invitations(meeting)


def meeting_values(meeting: Meeting) -> dict:
    return {
        "title": meeting.title,
        "on_date": meeting.on_date.isoformat(),
        "start_time": meeting.start_time.strftime("%H:%M"),
        "end_time": meeting.end_time.strftime("%H:%M"),
        "place": meeting.place,
        "video_link": meeting.video_link,
        "notes": meeting.notes,
    }


def flag_for_next_meeting(actor: User, case: Case, note: str = "", today=None) -> AgendaItem:
    """ "Ta upp på nästa lotsmöte": the case goes on the next team meeting's agenda (or waits
    for the next meeting to be planned)."""
    require_agenda_access(actor, case)
    if waiting_agenda_item(case, today) is not None:
        raise TeamError(_("Ärendet står redan på dagordningen för nästa lotsmöte."))
    meeting = next_team_meeting(today)
    return add_to_agenda(actor, case, meeting, note)


def require_agenda_access(actor: User, case: Case) -> None:
    """Only a team member who may read the whole case puts it on an agenda or records what
    the meeting decided (the entry lands on the case's timeline)."""
    require(
        may_view_case(actor, case) and actor.has_role(*WORKING_ROLES),
        _("Du kan inte ta upp det här ärendet på lotsmötet."),
    )


def add_to_agenda(actor: User, case: Case, meeting: Meeting | None, note: str = "") -> AgendaItem:
    require_agenda_access(actor, case)
    if meeting is not None:
        require(meeting.kind == MeetingKind.TEAM, _("Bara lotsmöten har en dagordning."))
        duplicate = db.session.scalar(
            select(AgendaItem.id).where(
                AgendaItem.meeting_id == meeting.id, AgendaItem.case_id == case.id
            )
        )
        require(duplicate is None, _("Ärendet står redan på mötets dagordning."))
    item = AgendaItem(
        meeting_id=meeting.id if meeting else None,
        case_id=case.id,
        added_by_id=actor.id,
        note=(note or "").strip()[:500],
    )
    db.session.add(item)
    db.session.flush()
    cases.record_event(
        case,
        actor,
        OFFICIAL,
        "meeting_agenda",
        details={
            "meeting_id": meeting.id if meeting else None,
            "date": meeting.on_date.isoformat() if meeting else None,
        },
    )
    return item


def record_outcome(
    actor: User, item: AgendaItem, decision: str, next_step: str, owner: User | None
) -> None:
    """What the team meeting decided about a case; it lands on the case's timeline."""
    require_agenda_access(actor, item.case)
    decision = (decision or "").strip()
    if not decision:
        raise TeamError(_("Skriv vad mötet beslutade."), "decision")
    if owner is not None and not is_team_member(owner):
        raise TeamError(_("Välj en tjänsteperson i listan."), "owner_id")
    require(item.meeting is not None, _("Ärendet väntar fortfarande på ett möte."))
    item.decision = decision
    item.next_step = (next_step or "").strip()
    item.owner_id = owner.id if owner else None
    item.owner = owner
    item.outcome_at = utcnow()
    case = item.case
    cases.record_event(
        case,
        actor,
        OFFICIAL,
        "meeting_outcome",
        details={
            "meeting_id": item.meeting_id,
            "date": item.meeting.on_date.isoformat(),
            "decision": item.decision,
            "next_step": item.next_step,
            "owner": owner.name if owner else None,
        },
    )
    if owner is not None and owner.id != actor.id:
        notify_official(
            owner,
            "meeting_outcome",
            case,
            _l("Lotsmötet gav dig nästa steg i %(number)s", number=case.number),
            _l("Nästa steg i ärende %(number)s", number=case.number),
            "mail/team_meeting_outcome.txt",
            item=item,
        )
