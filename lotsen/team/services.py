"""The coordinated team's rules: contributions, the coordinated answer, handover, meetings.

Every function here checks who may act, changes the data, writes the case event (the case
timeline) and the audit entry, and queues the notifications, all in the caller's transaction:
the view or command commits once.
"""

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from email.utils import parseaddr

from flask import current_app
from flask_babel import force_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import select, update

from lotsen.accounts.models import Department, Role, User
from lotsen.audit import services as audit
from lotsen.cases import services as cases
from lotsen.cases.access import may_view_case
from lotsen.cases.models import Case, CaseStatus, Message
from lotsen.cases.workflow import OPEN_STATUSES, change_status
from lotsen.db_types import utcnow
from lotsen.domain_errors import DomainError
from lotsen.extensions import db
from lotsen.mail.services import MailAttachment, queue_mail
from lotsen.team import ics
from lotsen.team.models import (
    AgendaItem,
    CaseContribution,
    ContributionState,
    Meeting,
    MeetingKind,
    MeetingSeries,
)
from lotsen.team.notify import notify_official
from lotsen.timekeeping.calendar import STOCKHOLM, WorkingCalendar
from lotsen.urls import external_url

OFFICIAL = cases.OFFICIAL
WORKING_ROLES = (Role.OFFICIAL, Role.COORDINATOR)

# Case event kinds written here; templates/team/_event.html describes them on the timeline.
TEAM_EVENT_KINDS = (
    "contribution_requested",
    "contribution_done",
    "contribution_declined",
    "coordinated_answer",
    "handover",
    "meeting_agenda",
    "meeting_outcome",
    "company_meeting",
)


class TeamError(DomainError):
    """A rule of the team's work was broken; the message is for the user (Swedish).

    `field` names the form field the message belongs next to, when there is one.
    """

    def __init__(self, message: str, field: str | None = None):
        super().__init__(message)
        self.field = field


def local_today() -> date:
    return utcnow().astimezone(STOCKHOLM).date()


# --- Who may do what -------------------------------------------------------------------------


def is_lead(user, case: Case) -> bool:
    return user is not None and case.lead_id is not None and case.lead_id == user.id


def may_hand_over(user, case: Case) -> bool:
    """The lead hands the case over; a coordinator may too (that is also how they assign)."""
    return is_lead(user, case) or (user is not None and user.has_role(Role.COORDINATOR))


def may_request_contributions(user, case: Case) -> bool:
    """The lead asks for contributions; so may a coordinator (who often sets the team up)."""
    return is_lead(user, case) or (user is not None and user.has_role(Role.COORDINATOR))


def may_arrange_company_meeting(user, case: Case) -> bool:
    return is_lead(user, case) or (user is not None and user.has_role(Role.COORDINATOR))


def require(condition: bool, message: str) -> None:
    if not condition:
        raise TeamError(message)


def require_open(case: Case) -> None:
    require(case.status in OPEN_STATUSES, _("Ärendet är inte öppet längre."))


def is_team_member(user: User) -> bool:
    return user.active and user.has_role(*WORKING_ROLES)


# --- Contributions (delsvar) -----------------------------------------------------------------


def contribution_department(contributor: User, case: Case) -> Department | None:
    """The department a contribution is asked of: the contributor's first department that is
    not the case's own, else their first one."""
    others = [d for d in contributor.departments if d.id != case.department_id]
    return (others or contributor.departments or [None])[0]


def request_contribution(
    actor: User, case: Case, contributor: User, question: str, due_on: date
) -> CaseContribution:
    """The lead (or a coordinator) asks `contributor` a question about `case`, to be answered
    by `due_on`."""
    require(
        may_request_contributions(actor, case),
        _("Bara ärendets lots eller en samordnare kan begära delsvar."),
    )
    require_open(case)
    question = (question or "").strip()
    if not question:
        raise TeamError(_("Skriv frågan."), "question")
    if contributor is None or not is_team_member(contributor):
        raise TeamError(_("Välj en tjänsteperson i listan."), "contributor_id")
    if contributor.id == actor.id and is_lead(actor, case):
        raise TeamError(_("Du är själv lots för ärendet."), "contributor_id")
    if contributor.id == actor.id:
        raise TeamError(_("Du kan inte be dig själv om ett delsvar."), "contributor_id")
    if contributor.id == case.lead_id:
        raise TeamError(_("%(name)s är lots för ärendet.", name=contributor.name), "contributor_id")
    if due_on < local_today():
        raise TeamError(_("Välj ett datum från och med i dag."), "due_on")
    already = db.session.scalar(
        select(CaseContribution.id).where(
            CaseContribution.case_id == case.id,
            CaseContribution.contributor_id == contributor.id,
            CaseContribution.state == ContributionState.REQUESTED,
        )
    )
    if already is not None:
        raise TeamError(
            _("%(name)s har redan ett obesvarat delsvar i ärendet.", name=contributor.name),
            "contributor_id",
        )
    department = contribution_department(contributor, case)
    contribution = CaseContribution(
        case_id=case.id,
        contributor_id=contributor.id,
        requested_by_id=actor.id,
        department_id=department.id if department else None,
        question=question,
        due_on=due_on,
    )
    db.session.add(contribution)
    db.session.flush()
    cases.record_event(
        case,
        actor,
        OFFICIAL,
        "contribution_requested",
        details={
            "contribution_id": contribution.id,
            "contributor": contributor.name,
            "department": department.name if department else None,
            "due_on": due_on.isoformat(),
        },
    )
    audit.record(
        actor,
        "contribution.request",
        contribution,
        f"Delsvar begärt av {contributor.name} i {case.number}",
    )
    notify_official(
        contributor,
        "contribution_requested",
        case,
        _l("Du har fått en fråga om delsvar i %(number)s", number=case.number),
        _l("Delsvar önskas i ärende %(number)s", number=case.number),
        "mail/team_contribution_requested.txt",
        contribution=contribution,
        lead=actor,
        link=external_url("team.contribution", contribution_id=contribution.id),
    )
    return contribution


def require_contributor(actor: User, contribution: CaseContribution) -> None:
    require(
        actor is not None and actor.id == contribution.contributor_id,
        _("Bara den som fått frågan kan svara på den."),
    )
    require(contribution.is_open, _("Delsvaret är redan avslutat."))


def save_contribution_draft(actor: User, contribution: CaseContribution, answer: str) -> None:
    """The contributor keeps a draft; nobody is told yet."""
    require_contributor(actor, contribution)
    contribution.answer = (answer or "").strip()


def complete_contribution(actor: User, contribution: CaseContribution, answer: str) -> None:
    """The contributor marks their part done; the lead is told."""
    require_contributor(actor, contribution)
    answer = (answer or "").strip()
    if not answer:
        raise TeamError(_("Skriv ditt delsvar innan du markerar det som klart."), "answer")
    contribution.answer = answer
    finish(actor, contribution, ContributionState.DONE)


def decline_contribution(actor: User, contribution: CaseContribution, reason: str) -> None:
    """The contributor declines, with a reason the lead reads; the lead is told."""
    require_contributor(actor, contribution)
    reason = (reason or "").strip()
    if not reason:
        raise TeamError(_("Skriv varför du avböjer."), "reason")
    contribution.decline_reason = reason
    finish(actor, contribution, ContributionState.DECLINED)


def finish(actor: User, contribution: CaseContribution, state: ContributionState) -> None:
    contribution.state = state
    contribution.finished_at = utcnow()
    case = db.session.get(Case, contribution.case_id)
    kind = f"contribution_{state.value}"
    cases.record_event(
        case,
        actor,
        OFFICIAL,
        kind,
        reason=contribution.decline_reason if state == ContributionState.DECLINED else None,
        details={"contribution_id": contribution.id, "contributor": actor.name},
    )
    audit.record(
        actor, f"contribution.{state.value}", contribution, f"Delsvar {state.value}: {case.number}"
    )
    lead = case.lead or contribution.requested_by
    if state == ContributionState.DONE:
        text = _l(
            "%(name)s har lämnat sitt delsvar i %(number)s", name=actor.name, number=case.number
        )
    else:
        text = _l(
            "%(name)s har avböjt att lämna delsvar i %(number)s",
            name=actor.name,
            number=case.number,
        )
    if lead is not None and lead.id != actor.id:
        notify_official(
            lead,
            kind,
            case,
            text,
            text,
            "mail/team_contribution_finished.txt",
            contribution=contribution,
            contributor=actor,
        )


# --- The coordinated answer (samlat svar) ----------------------------------------------------


def case_contributions(case: Case) -> list[CaseContribution]:
    from lotsen.cases.queries import name_only

    return list(
        db.session.scalars(
            select(CaseContribution)
            .where(CaseContribution.case_id == case.id)
            .options(
                name_only(CaseContribution.contributor), name_only(CaseContribution.requested_by)
            )
            .order_by(CaseContribution.id)
        )
    )


def compose_coordinated_answer(case: Case, contributions: list[CaseContribution]) -> str:
    """A first draft of the answer: the done contributions under their departments' headings.

    Written in the site's language (the company's), whoever composes it.
    """
    sections: dict[str, list[str]] = {}
    for contribution in contributions:
        if contribution.state != ContributionState.DONE:
            continue
        heading = contribution.department.name if contribution.department else ""
        sections.setdefault(heading, []).append(contribution.answer.strip())
    with force_locale(current_app.config["BABEL_DEFAULT_LOCALE"]):
        parts = [
            _("Hej %(name)s!", name=case.submitter_name),
            _(
                "Här är kommunens samlade svar på din fråga. Vi har stämt av den med alla "
                "förvaltningar som berörs."
            ),
        ]
        for heading, answers in sections.items():
            parts.append(f"### {heading or _('Övrigt')}")
            parts.extend(answers)
        parts.append(_("Hör av dig om något är oklart."))
    return "\n\n".join(parts)


def send_coordinated_answer(actor: User, case: Case, body: str, then_status=None) -> Message:
    """The lead sends the coordinated answer: ONE public reply (mailed to the company, counted
    as the first response). Nothing else of the contributions ever reaches the company."""
    require(is_lead(actor, case), _("Bara ärendets lots kan skicka det samlade svaret."))
    try:
        message = cases.post_public_reply(case, actor, body, (), then_status)
    except cases.CaseError as error:
        raise TeamError(str(error), "body") from error
    done = [c.id for c in case_contributions(case) if c.state == ContributionState.DONE]
    cases.record_event(
        case,
        actor,
        OFFICIAL,
        "coordinated_answer",
        details={"message_id": message.id, "contribution_ids": done},
    )
    audit.record(actor, "case.coordinated_answer", case, f"Samlat svar i {case.number}")
    return message


# --- Handover --------------------------------------------------------------------------------


def hand_over(
    actor: User, case: Case, department: Department | None, lead: User | None, reason: str
) -> None:
    """Hand the case to another department (and optionally a new lead). The history stays on
    the case; the new lead, or else the new department's officials, are told."""
    require(
        may_hand_over(actor, case), _("Bara lotsen eller en samordnare kan lämna över ärendet.")
    )
    require_open(case)
    reason = (reason or "").strip()
    if department is None or not department.active:
        raise TeamError(_("Välj en avdelning i listan."), "department_id")
    if not reason:
        raise TeamError(_("Skriv varför ärendet lämnas över."), "reason")
    if lead is not None:
        if not is_team_member(lead):
            raise TeamError(_("Välj en tjänsteperson i listan."), "lead_id")
        if department not in lead.departments:
            raise TeamError(
                _(
                    "%(name)s hör inte till %(department)s.",
                    name=lead.name,
                    department=department.name,
                ),
                "lead_id",
            )
    new_lead_id = lead.id if lead is not None else None
    if department.id == case.department_id and new_lead_id == case.lead_id:
        raise TeamError(_("Ärendet ligger redan där."), "department_id")
    before = {
        "department": case.department.name if case.department else None,
        "lead": case.lead.name if case.lead else None,
    }
    case.department_id = department.id
    case.department = department
    case.lead_id = new_lead_id
    case.lead = lead
    if lead is not None and case.status == CaseStatus.NEW:
        change_status(case, CaseStatus.ASSIGNED, actor)
    after = {"department": department.name, "lead": lead.name if lead else None}
    cases.record_event(
        case,
        actor,
        OFFICIAL,
        "handover",
        reason=reason,
        details={
            "from_department": before["department"],
            "to_department": after["department"],
            "from_lead": before["lead"],
            "to_lead": after["lead"],
        },
    )
    audit.record(
        actor,
        "case.handover",
        case,
        f"{case.number} lämnat till {department.name}",
        changes=audit.diff(before, after),
    )
    recipients = (
        [lead] if lead is not None else [u for u in department.members if is_team_member(u)]
    )
    for recipient in recipients:
        if recipient.id == actor.id:
            continue
        notify_official(
            recipient,
            "handover",
            case,
            _l(
                "%(number)s har lämnats över till %(department)s",
                number=case.number,
                department=department.name,
            ),
            _l("Ärende %(number)s har lämnats över till er", number=case.number),
            "mail/team_handover.txt",
            department=department,
            new_lead=lead,
            actor=actor,
            reason=reason,
        )


# --- Team meetings (lotsmöten) ---------------------------------------------------------------


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
    from lotsen.timekeeping.calendar import current_calendar

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


def next_team_meeting(today: date | None = None) -> Meeting | None:
    today = today or local_today()
    return db.session.scalars(
        select(Meeting)
        .where(Meeting.kind == MeetingKind.TEAM, Meeting.on_date >= today)
        .order_by(Meeting.on_date, Meeting.start_time, Meeting.id)
        .limit(1)
    ).first()


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


def waiting_agenda_item(case: Case, today: date | None = None) -> AgendaItem | None:
    """The case's agenda item for an upcoming meeting (or waiting for one), if any."""
    today = today or local_today()
    return db.session.scalars(
        select(AgendaItem)
        .outerjoin(Meeting, AgendaItem.meeting_id == Meeting.id)
        .where(
            AgendaItem.case_id == case.id,
            AgendaItem.outcome_at.is_(None),
            (AgendaItem.meeting_id.is_(None)) | (Meeting.on_date >= today),
        )
        .order_by(AgendaItem.id.desc())
        .limit(1)
    ).first()


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


# --- Company meetings (ledmöten) --------------------------------------------------------------


def create_company_meeting(
    actor: User,
    case: Case,
    times: MeetingTimes,
    participants: list[User],
    invite_company: bool,
    message: str = "",
) -> Meeting:
    """The company meets every involved official at once; invitations (.ics) go out now."""
    require(
        may_arrange_company_meeting(actor, case),
        _("Bara lotsen eller en samordnare kan boka ett ledmöte."),
    )
    require_open(case)
    check_times(times)
    if invite_company and not case.submitter_email:
        raise TeamError(_("Företaget har ingen e-postadress i ärendet."), "invite_company")
    officials = {user.id: user for user in participants if is_team_member(user)}
    officials.setdefault(actor.id, actor)
    with force_locale(current_app.config["BABEL_DEFAULT_LOCALE"]):  # the company reads it
        title = _("Ledmöte: %(company)s", company=case.company_name or case.submitter_name)
    meeting = Meeting(
        kind=MeetingKind.COMPANY,
        title=title,
        case_id=case.id,
        on_date=times.on_date,
        start_time=times.start_time,
        end_time=times.end_time,
        place=times.place.strip(),
        video_link=times.video_link.strip(),
        notes=(message or "").strip(),
        organizer_id=actor.id,
        invite_company=invite_company,
    )
    meeting.case = case
    meeting.organizer = actor
    meeting.participants = sorted(officials.values(), key=lambda user: user.name)
    db.session.add(meeting)
    db.session.flush()
    cases.record_event(
        case,
        actor,
        OFFICIAL,
        "company_meeting",
        details={
            "meeting_id": meeting.id,
            "date": meeting.on_date.isoformat(),
            "time": meeting.start_time.strftime("%H:%M"),
        },
    )
    audit.record(actor, "meeting.create", meeting, f"Ledmöte i {case.number}")
    send_invitations(meeting)
    return meeting


def calendar_domain() -> str:
    address = parseaddr(current_app.config.get("MAIL_SENDER") or "")[1]
    return address.rpartition("@")[2] or "lotsen.invalid"


def calendar_event(meeting: Meeting) -> ics.CalendarEvent:
    organizer = meeting.organizer
    attendees = [ics.Person(user.name, user.email) for user in meeting.participants]
    case = meeting.case
    if meeting.invite_company and case is not None and case.submitter_email:
        attendees.append(ics.Person(case.submitter_name, case.submitter_email))
    description = meeting.notes
    if case is not None:
        reference = _("Ärende %(number)s: %(subject)s", number=case.number, subject=case.subject)
        description = f"{reference}\n\n{description}".strip()
    if meeting.video_link:
        description = f"{description}\n\n{_('Videolänk')}: {meeting.video_link}".strip()
    return ics.CalendarEvent(
        uid=f"lotsen-meeting-{meeting.id}@{calendar_domain()}",
        sequence=meeting.invitation_sequence,
        starts_at=meeting.starts_at,
        ends_at=meeting.ends_at,
        summary=meeting.title,
        location=meeting.place or meeting.video_link,
        description=description,
        organizer=ics.Person(organizer.name, organizer.email)
        if organizer
        else ics.Person(_("Lotsgruppen"), parseaddr(current_app.config["MAIL_SENDER"])[1]),
        attendees=attendees,
        url=meeting.video_link,
    )


def invitation_file(meeting: Meeting, stamp: datetime | None = None) -> bytes:
    with force_locale(current_app.config["BABEL_DEFAULT_LOCALE"]):
        return ics.calendar_bytes(calendar_event(meeting), stamp or utcnow())


def send_invitations(meeting: Meeting) -> int:
    """Mail the invitation, with the .ics attached, to every participant and (if invited) the
    company. Each sending bumps SEQUENCE so calendars replace the earlier one."""
    if meeting.invitations_sent_at is not None:
        meeting.invitation_sequence += 1
    meeting.invitations_sent_at = utcnow()
    attachment = MailAttachment("ledmote.ics", ics.ICS_CONTENT_TYPE, invitation_file(meeting))
    subject = _l(
        "Inbjudan: %(title)s %(date)s", title=meeting.title, date=meeting.on_date.isoformat()
    )
    sent = 0
    for user in meeting.participants:
        if user.active:
            queue_mail(
                user.email,
                subject,
                "mail/team_company_meeting.txt",
                locale=user.locale,
                attachments=[attachment],
                meeting=meeting,
                case=meeting.case,
                official=True,
                link=external_url("team.meeting", meeting_id=meeting.id),
            )
            sent += 1
    case = meeting.case
    if meeting.invite_company and case is not None and case.submitter_email:
        queue_mail(
            case.submitter_email,
            subject,
            "mail/team_company_meeting.txt",
            attachments=[attachment],
            meeting=meeting,
            case=case,
            official=False,
            link=None,
        )
        sent += 1
    return sent
