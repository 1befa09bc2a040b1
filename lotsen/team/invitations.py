"""Meeting invitations: a mail with the meeting as an .ics file to every participant and, when
invited, the company; each new sending replaces the earlier one in their calendars."""

from datetime import datetime
from email.utils import parseaddr

from flask import current_app
from flask_babel import force_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from lotsen.db_types import utcnow
from lotsen.mail.services import MailAttachment, queue_mail
from lotsen.team import ics
from lotsen.team.models import Meeting
from lotsen.urls import external_url


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
