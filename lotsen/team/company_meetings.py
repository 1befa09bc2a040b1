"""Company meetings (ledmöten): the company meets every involved official at once; the
invitations (.ics) go out when it is booked."""

from flask import current_app
from flask_babel import force_locale
from flask_babel import gettext as _

from lotsen.accounts.models import User
from lotsen.audit import services as audit
from lotsen.cases import services as cases
from lotsen.cases.models import Case
from lotsen.extensions import db
from lotsen.team.invitations import send_invitations
from lotsen.team.meetings import MeetingTimes, check_times
from lotsen.team.models import Meeting, MeetingKind
from lotsen.team.rules import (
    OFFICIAL,
    TeamError,
    is_team_member,
    may_arrange_company_meeting,
    require,
    require_open,
)


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
