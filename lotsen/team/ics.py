"""Calendar invitations (iCalendar, RFC 5545) for meetings.

Times are written in UTC (the "Z" form), so no VTIMEZONE block is needed and every calendar
shows the right local time, also across a change to or from summer time. Lines end in CRLF and
are folded at 75 octets without splitting a UTF-8 character (RFC 5545 section 3.1).
"""

import re
from dataclasses import dataclass
from datetime import UTC, datetime

CRLF = "\r\n"
MAX_OCTETS = 75
ICS_CONTENT_TYPE = "text/calendar; method=REQUEST; charset=utf-8"
CONTROL = re.compile(r"[\x00-\x08\x0a-\x1f\x7f]")


@dataclass(frozen=True)
class Person:
    name: str
    email: str


@dataclass(frozen=True)
class CalendarEvent:
    uid: str
    sequence: int
    starts_at: datetime
    ends_at: datetime
    summary: str
    location: str
    description: str
    organizer: Person
    attendees: list[Person]
    url: str = ""


def utc_stamp(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y%m%dT%H%M%SZ")


def escape_text(value: str) -> str:
    """A TEXT value (section 3.3.11): backslash, semicolon, comma and newlines escaped."""
    value = value.replace("\r\n", "\n").replace("\r", "\n")
    value = value.replace("\\", "\\\\").replace(";", "\\;").replace(",", "\\,")
    value = value.replace("\n", "\\n")
    return CONTROL.sub("", value)


def param_value(value: str) -> str:
    """A parameter value (section 3.2): quoted when it holds , ; or :, never a DQUOTE."""
    value = CONTROL.sub("", value.replace("\n", " ")).replace('"', "'")
    return f'"{value}"' if any(ch in value for ch in ",;:") else value


def fold(line: str) -> str:
    """Split a content line into lines of at most 75 octets, continuation lines starting with
    a space, never inside a multi-byte character."""
    parts = []
    current = b""
    limit = MAX_OCTETS
    for char in line:
        encoded = char.encode()
        if len(current) + len(encoded) > limit:
            parts.append(current.decode())
            current = b""
            limit = MAX_OCTETS - 1  # the leading space of a continuation line counts
        current += encoded
    parts.append(current.decode())
    return (CRLF + " ").join(parts)


def person_line(name: str, person: Person, extra: str = "") -> str:
    return f"{name};CN={param_value(person.name)}{extra}:mailto:{person.email}"


def calendar_bytes(event: CalendarEvent, stamp: datetime) -> bytes:
    """The invitation as a VCALENDAR with one VEVENT (METHOD:REQUEST), UTF-8 encoded."""
    lines = [
        "BEGIN:VCALENDAR",
        "VERSION:2.0",
        "PRODID:-//Lotsen//Lotsen//SV",
        "CALSCALE:GREGORIAN",
        "METHOD:REQUEST",
        "BEGIN:VEVENT",
        f"UID:{event.uid}",
        f"SEQUENCE:{event.sequence}",
        f"DTSTAMP:{utc_stamp(stamp)}",
        f"DTSTART:{utc_stamp(event.starts_at)}",
        f"DTEND:{utc_stamp(event.ends_at)}",
        f"SUMMARY:{escape_text(event.summary)}",
    ]
    if event.location:
        lines.append(f"LOCATION:{escape_text(event.location)}")
    if event.description:
        lines.append(f"DESCRIPTION:{escape_text(event.description)}")
    if event.url:
        lines.append(f"URL:{CONTROL.sub('', event.url)}")
    lines.append(person_line("ORGANIZER", event.organizer))
    for attendee in event.attendees:
        lines.append(
            person_line(
                "ATTENDEE",
                attendee,
                ";ROLE=REQ-PARTICIPANT;PARTSTAT=NEEDS-ACTION;RSVP=TRUE",
            )
        )
    lines += ["STATUS:CONFIRMED", "TRANSP:OPAQUE", "END:VEVENT", "END:VCALENDAR"]
    return "".join(fold(line) + CRLF for line in lines).encode()
