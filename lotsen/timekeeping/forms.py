"""Forms for the working calendar. Field checks here; the rules live in services.py."""

import re
from datetime import datetime, time

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import StringField, SubmitField, ValidationError
from wtforms.validators import DataRequired, Length, StopValidation

from lotsen.accounts.forms import strip

WEEKDAY_NAMES = (
    _l("Måndag"),
    _l("Tisdag"),
    _l("Onsdag"),
    _l("Torsdag"),
    _l("Fredag"),
    _l("Lördag"),
    _l("Söndag"),
)
WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
SPAN = re.compile(r"^(\d{1,2}[:.]\d{2})\s*[-–—]\s*(\d{1,2}[:.]\d{2})$")


class ParsedField(StringField):
    """A text field whose value is parsed; an empty value leaves `data` as None (so that
    DataRequired gives the one message) and what was typed is shown again on error."""

    parse_error = _l("Värdet kunde inte läsas.")

    def parse(self, text: str):
        raise NotImplementedError

    def process_formdata(self, valuelist):
        self.raw_text = (valuelist[0] if valuelist else "").strip()
        self.data = None
        if self.raw_text:
            try:
                self.data = self.parse(self.raw_text)
            except ValueError:
                raise ValueError(self.parse_error) from None

    def pre_validate(self, form):
        if self.process_errors:
            raise StopValidation()  # the parse error says it all

    def _value(self):
        if getattr(self, "raw_text", None) is not None:
            return self.raw_text
        return self.format(self.data) if self.data is not None else ""

    def format(self, value) -> str:
        return str(value)


class DayField(ParsedField):
    parse_error = _l("Skriv datumet som ÅÅÅÅ-MM-DD, till exempel 2026-12-23.")

    def parse(self, text):
        return datetime.strptime(text, "%Y-%m-%d").date()

    def format(self, value):
        return value.isoformat()


def parse_clock_time(text: str) -> time:
    hours, minutes = re.split(r"[:.]", text.strip())
    if len(minutes) != 2:
        raise ValueError(text)
    return time(int(hours), int(minutes))


class ClockTimeField(ParsedField):
    parse_error = _l("Skriv tiden som TT:MM, till exempel 15:00.")

    def parse(self, text):
        return parse_clock_time(text)

    def format(self, value):
        return value.strftime("%H:%M")


REASON_VALIDATORS = [
    DataRequired(message=_l("Skriv en anledning, till exempel Personaldag.")),
    Length(max=200, message=_l("Anledningen får vara högst 200 tecken.")),
]


class ClosedDayForm(FlaskForm):
    day = DayField(
        _l("Datum"),
        validators=[DataRequired(message=_l("Fyll i datumet."))],
        description=_l(
            "ÅÅÅÅ-MM-DD. Helgdagar, midsommarafton, julafton och nyårsafton är redan stängda."
        ),
        render_kw={"autocomplete": "off"},
    )
    reason = StringField(_l("Anledning"), filters=[strip], validators=REASON_VALIDATORS)
    submit = SubmitField(_l("Lägg till stängd dag"))


class ShortenedDayForm(FlaskForm):
    day = DayField(
        _l("Datum"),
        validators=[DataRequired(message=_l("Fyll i datumet."))],
        description=_l("ÅÅÅÅ-MM-DD, till exempel dagen före en helgdag."),
        render_kw={"autocomplete": "off"},
    )
    closes_at = ClockTimeField(
        _l("Stänger klockan"),
        validators=[DataRequired(message=_l("Fyll i när kontoret stänger."))],
        description=_l("TT:MM, till exempel 13:00."),
        render_kw={"autocomplete": "off"},
    )
    reason = StringField(_l("Anledning"), filters=[strip], validators=REASON_VALIDATORS)
    submit = SubmitField(_l("Lägg till kortad dag"))


def parse_spans(text: str) -> list[tuple[time, time]]:
    """ "08:00–12:00, 13:00–17:00" → [(08:00, 12:00), (13:00, 17:00)]; "" → [] (closed)."""
    spans = []
    for part in filter(None, (piece.strip() for piece in text.split(","))):
        match = SPAN.match(part)
        if match is None:
            raise ValueError(part)
        spans.append((parse_clock_time(match.group(1)), parse_clock_time(match.group(2))))
    return sorted(spans)


def validate_spans(_form, field) -> None:
    try:
        spans = parse_spans(field.data or "")
    except ValueError:
        raise ValidationError(
            _l(
                "Skriv tiderna som 08:00–17:00. Skilj flera pass åt med komma, till exempel "
                "08:00–12:00, 13:00–17:00."
            )
        ) from None
    if any(start >= end for start, end in spans):
        raise ValidationError(_l("Ett pass måste sluta senare än det börjar."))
    if any(spans[i][1] > spans[i + 1][0] for i in range(len(spans) - 1)):
        raise ValidationError(_l("Passen får inte överlappa varandra."))


def weekday_field(label) -> StringField:
    return StringField(
        label,
        filters=[strip],
        validators=[validate_spans, Length(max=100)],
        render_kw={"autocomplete": "off"},
    )


class OfficeHoursForm(FlaskForm):
    monday = weekday_field(WEEKDAY_NAMES[0])
    tuesday = weekday_field(WEEKDAY_NAMES[1])
    wednesday = weekday_field(WEEKDAY_NAMES[2])
    thursday = weekday_field(WEEKDAY_NAMES[3])
    friday = weekday_field(WEEKDAY_NAMES[4])
    saturday = weekday_field(WEEKDAY_NAMES[5])
    sunday = weekday_field(WEEKDAY_NAMES[6])
    submit = SubmitField(_l("Spara kontorstider"))

    def weekday_fields(self) -> list:
        return [self[name] for name in WEEKDAYS]

    def hours(self) -> dict[int, list[tuple[time, time]]]:
        """The office hours typed in, {weekday: [(start, end), …]}; closed days left out."""
        parsed = {
            day: parse_spans(field.data or "") for day, field in enumerate(self.weekday_fields())
        }
        return {day: spans for day, spans in parsed.items() if spans}

    def fill(self, hours: dict) -> None:
        for day, field in enumerate(self.weekday_fields()):
            field.data = spans_text(hours.get(day, ()))

    def validate(self, extra_validators=None) -> bool:
        if not super().validate(extra_validators):
            return False
        if not self.hours():
            self.monday.errors.append(_l("Ange öppettider för minst en veckodag."))
            return False
        return True


def spans_text(spans) -> str:
    return ", ".join(f"{start.strftime('%H:%M')}–{end.strftime('%H:%M')}" for start, end in spans)
