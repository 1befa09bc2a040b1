"""Company meetings (ledmöten): invitations by e-mail with an RFC 5545 .ics attached."""

from datetime import UTC, date, datetime, time
from email import message_from_bytes

from flask import current_app
from sqlalchemy import select

from lotsen.cases.models import CaseEvent
from lotsen.extensions import db
from lotsen.mail.models import OutboxMessage
from lotsen.mail.services import send_due_mail
from lotsen.team import company_meetings, ics, invitations, meetings
from lotsen.team.models import Meeting
from tests.team.helpers import ask, led_case, make_team, outbox_to


def unfold(data: bytes) -> list[str]:
    """RFC 5545 3.1: CRLF line ends; a line starting with a space continues the previous one."""
    text = data.decode("utf-8")
    assert "\n" not in text.replace("\r\n", ""), "bare LF in the calendar"
    assert text.endswith("\r\n")
    lines: list[str] = []
    for raw in text.split("\r\n")[:-1]:
        assert len(raw.encode()) <= 75, raw
        if raw.startswith(" "):
            lines[-1] += raw[1:]
        else:
            lines.append(raw)
    return lines


def properties(lines: list[str]) -> dict[str, list[str]]:
    found: dict[str, list[str]] = {}
    for line in lines:
        name_and_params, _colon, value = line.partition(":")
        found.setdefault(name_and_params.split(";")[0], []).append(line)
    return found


def value(line: str) -> str:
    """The value of a content line (after the first colon outside quotes)."""
    quoted = False
    for index, char in enumerate(line):
        if char == '"':
            quoted = not quoted
        elif char == ":" and not quoted:
            return line[index + 1 :]
    raise AssertionError(line)


def unescape(text: str) -> str:
    return text.replace("\\n", "\n").replace("\\,", ",").replace("\\;", ";").replace("\\\\", "\\")


def book(team, case, **overrides):
    values = {
        "times": meetings.MeetingTimes(
            date(2026, 10, 29), time(9), time(10, 30), "Kommunhuset, rum Aspen; entré B"
        ),
        "participants": [team.builder, team.inspector],
        "invite_company": True,
        "message": "Vi går igenom ombyggnaden, uteserveringen och tillstånden, i den ordningen.",
    }
    values.update(overrides)
    with current_app.test_request_context():
        meeting = company_meetings.create_company_meeting(team.lead, case, **values)
        db.session.commit()
    return meeting


def test_the_ics_has_the_required_properties_utc_times_folding_and_crlf(app):
    team = make_team()
    case = led_case(team, company_name="Café Solrosen, Lerum AB")
    meeting = book(team, case)
    data = invitations.invitation_file(meeting, stamp=datetime(2026, 10, 1, 8, 0, tzinfo=UTC))

    lines = unfold(data)
    assert lines[0] == "BEGIN:VCALENDAR" and lines[-1] == "END:VCALENDAR"
    assert lines[1:6] == [
        "VERSION:2.0",
        "PRODID:-//Lotsen//Lotsen//SV",
        "CALSCALE:GREGORIAN",
        "METHOD:REQUEST",
        "BEGIN:VEVENT",
    ]
    found = properties(lines)
    assert value(found["UID"][0]) == f"lotsen-meeting-{meeting.id}@" + invitations.calendar_domain()
    assert value(found["DTSTAMP"][0]) == "20261001T080000Z"
    # 09:00–10:30 on 29 October 2026 (after the change to standard time) is 08:00–09:30 UTC.
    assert value(found["DTSTART"][0]) == "20261029T080000Z"
    assert value(found["DTEND"][0]) == "20261029T093000Z"
    assert unescape(value(found["SUMMARY"][0])) == "Ledmöte: Café Solrosen, Lerum AB"
    assert value(found["SUMMARY"][0]) == "Ledmöte: Café Solrosen\\, Lerum AB"
    assert unescape(value(found["LOCATION"][0])) == "Kommunhuset, rum Aspen; entré B"
    description = unescape(value(found["DESCRIPTION"][0]))
    assert description.startswith(f"Ärende {case.number}: Uteservering")
    assert "uteserveringen och tillstånden" in description
    assert found["ORGANIZER"][0] == "ORGANIZER;CN=Karin Lindqvist:mailto:karin@kommun.example"
    attendees = sorted(value(line) for line in found["ATTENDEE"])
    assert attendees == [
        "mailto:erik@kommun.example",
        "mailto:karin@kommun.example",
        "mailto:lina@solrosen.example",
        "mailto:sara@kommun.example",
    ]
    assert all("RSVP=TRUE" in line for line in found["ATTENDEE"])
    assert value(found["SEQUENCE"][0]) == "0"
    # Long lines really were folded (the description is longer than 75 octets).
    assert any(raw.startswith(b" ") for raw in data.split(b"\r\n"))


def test_folding_never_splits_a_multibyte_character():
    line = "DESCRIPTION:" + "åäö" * 60
    folded = ics.fold(line)
    for part in folded.split("\r\n"):
        assert len(part.encode()) <= 75
        part.encode().decode("utf-8")  # every part is whole UTF-8
    assert folded.replace("\r\n ", "") == line
    assert ics.param_value('Anna "Kalle" Ek, AB') == "\"Anna 'Kalle' Ek, AB\""
    assert ics.escape_text("a;b,c\\d\r\ne") == "a\\;b\\,c\\\\d\\ne"


def test_booking_mails_every_official_and_the_company_and_notes_the_timeline(app):
    team = make_team()
    case = led_case(team)
    book(team, case)

    for address in (
        "karin@kommun.example",
        "erik@kommun.example",
        "sara@kommun.example",
        "lina@solrosen.example",
    ):
        mails = [m for m in outbox_to(address) if m.attachments]
        assert len(mails) == 1, address
        [attachment] = mails[0].attachments
        assert attachment.filename == "ledmote.ics"
        assert attachment.content_type.startswith("text/calendar; method=REQUEST")
    [company_mail] = [m for m in outbox_to("lina@solrosen.example") if m.attachments]
    assert "Hej Lina Berg!" in company_mail.body_text
    assert "/lotsmoten/" not in company_mail.body_text  # no internal link for the company
    event = db.session.scalar(
        select(CaseEvent).where(CaseEvent.case_id == case.id, CaseEvent.kind == "company_meeting")
    )
    assert event.details["date"] == "2026-10-29"


def test_changing_the_meeting_sends_an_update_with_a_higher_sequence(app, client, login):
    team = make_team()
    case = led_case(team)
    meeting = book(team, case, participants=[team.builder])
    login(user=team.lead)
    response = client.submit(
        f"/lotsmoten/{meeting.id}/redigera",
        {
            "title": meeting.title,
            "on_date": "2026-10-30",
            "start_time": "09:00",
            "end_time": "10:30",
            "place": "Kommunhuset, rum Aspen",
        },
    )
    assert response.status_code == 302
    latest = outbox_to("erik@kommun.example")[-1]
    lines = unfold(latest.attachments[0].data)
    assert "SEQUENCE:1" in lines and "DTSTART:20261030T080000Z" in lines


def test_booking_validates_and_needs_the_lead(app, client, login):
    team = make_team()
    case = led_case(team)
    ask(case, team.lead, team.builder)
    login(user=team.builder)
    assert "Bara lotsen eller en samordnare" in client.get(f"/arenden/{case.id}/ledmote").get_data(
        as_text=True
    )
    client.post("/konto/logga-ut", data={"csrf_token": client.csrf_token("/")})
    login(user=team.lead)
    form = client.get(f"/arenden/{case.id}/ledmote").get_data(as_text=True)
    assert "Erik Johansson (Bygglov)" in form
    response = client.submit(
        f"/arenden/{case.id}/ledmote",
        {
            "on_date": "2026-10-29",
            "start_time": "11:00",
            "end_time": "10:00",
            "video_link": "javascript:alert(1)",
            "invite_company": "y",
        },
    )
    html = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "Skriv en hel länk som börjar med https://." in html
    assert db.session.scalar(select(Meeting)) is None
    response = client.submit(
        f"/arenden/{case.id}/ledmote",
        {
            "on_date": "2026-10-29",
            "start_time": "11:00",
            "end_time": "10:00",
            "place": "Aspen",
            "invite_company": "y",
        },
    )
    assert "Mötet måste sluta efter att det börjar." in response.get_data(as_text=True)


def test_the_invitation_arrives_over_smtp_with_the_ics_attached(app, start_smtp_server):
    inbox = start_smtp_server()
    team = make_team()
    case = led_case(team)
    db.session.execute(OutboxMessage.__table__.delete())  # leave only the invitations
    db.session.commit()
    book(team, case, participants=[team.builder], invite_company=False)

    assert send_due_mail() == (2, 0)
    delivered = {tuple(e.rcpt_tos): message_from_bytes(e.content) for e in inbox.messages}
    message = delivered[("erik@kommun.example",)]
    assert message.is_multipart()
    [calendar] = [part for part in message.walk() if part.get_content_type() == "text/calendar"]
    assert calendar.get_filename() == "ledmote.ics"
    assert calendar.get_param("method") == "REQUEST"
    data = calendar.get_payload(decode=True)
    assert b"\r\nBEGIN:VEVENT\r\n" in data  # CRLF survived the trip
    lines = unfold(data)
    assert "DTSTART:20261029T080000Z" in lines
    body = [part for part in message.walk() if part.get_content_type() == "text/plain"][0]
    assert "ledmöte" in body.get_payload(decode=True).decode()
