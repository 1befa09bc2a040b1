from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    SelectChoice,
    SelectField,
    StringField,
    SubmitField,
    TextAreaField,
    TimeField,
)
from wtforms.validators import (
    URL,
    DataRequired,
    InputRequired,
    Length,
    NumberRange,
    Optional,
    Regexp,
)

from lotsen.accounts.forms import strip
from lotsen.companies.forms import SwedishDateField, WholeNumberField
from lotsen.form_fields import CheckboxListField

WEB_LINK_MESSAGE = _l("Skriv en hel länk som börjar med https://.")


def optional_id(value):
    """A select's value as an int, or None for the empty choice (never raises)."""
    if value in (None, ""):
        return None
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


def with_choices(field, pairs, empty_label=None) -> None:
    choices = [SelectChoice("", empty_label)] if empty_label is not None else []
    field.choices = choices + [SelectChoice(value, label) for value, label in pairs]


class SwedishTimeField(TimeField):
    def process_formdata(self, valuelist):
        try:
            super().process_formdata(valuelist)
        except ValueError:
            raise ValueError(_l("Skriv tiden som TT:MM, till exempel 14:00.")) from None


def date_field(label):
    return SwedishDateField(
        label, validators=[InputRequired(message=_l("Fyll i ett datum, till exempel 2026-03-15."))]
    )


def time_field(label):
    return SwedishTimeField(label, validators=[InputRequired(message=_l("Fyll i en tid."))])


def place_field():
    return StringField(
        _l("Plats"),
        filters=[strip],
        validators=[Length(max=200)],
        description=_l("Till exempel Kommunhuset, rum Aspen. Fyll i plats eller videolänk."),
    )


def video_field():
    return StringField(
        _l("Videolänk"),
        filters=[strip],
        validators=[
            Optional(),
            Length(max=500),
            URL(require_tld=False, message=WEB_LINK_MESSAGE),
            Regexp(r"^https?://", message=WEB_LINK_MESSAGE),
        ],
    )


class ContributionRequestForm(FlaskForm):
    contributor_id = SelectField(
        _l("Vem ska svara?"),
        coerce=optional_id,
        validate_choice=False,
        validators=[InputRequired(message=_l("Välj en tjänsteperson."))],
    )
    question = TextAreaField(
        _l("Fråga"),
        filters=[strip],
        validators=[DataRequired(message=_l("Skriv frågan.")), Length(max=5000)],
        description=_l(
            "Vad behöver du veta? Delsvaret syns inte för företaget förrän du skickar det "
            "samlade svaret."
        ),
    )
    due_on = date_field(_l("Svar senast"))
    submit = SubmitField(_l("Begär delsvar"))


class ContributionAnswerForm(FlaskForm):
    answer = TextAreaField(
        _l("Ditt delsvar"),
        filters=[strip],
        validators=[Length(max=20000)],
        description=_l("Skrivs till lotsen, inte direkt till företaget. Markdown går bra."),
    )
    save = SubmitField(_l("Spara utkast"))
    done = SubmitField(_l("Markera som klart"))


class DeclineForm(FlaskForm):
    reason = TextAreaField(
        _l("Varför avböjer du?"),
        filters=[strip],
        validators=[DataRequired(message=_l("Skriv varför du avböjer.")), Length(max=2000)],
        description=_l("Till exempel att frågan hör till en annan avdelning, och vilken."),
    )
    submit = SubmitField(_l("Avböj"))


class CoordinatedAnswerForm(FlaskForm):
    body = TextAreaField(
        _l("Samlat svar till företagaren"),
        filters=[strip],
        validators=[DataRequired(message=_l("Skriv ett svar.")), Length(max=20000)],
        description=_l(
            "Förifyllt med de klara delsvaren. Redigera fritt: bara det som står här skickas till "
            "företagaren, med e-post och på statussidan."
        ),
    )
    then_status = SelectField(_l("Efter svaret"), validate_choice=False)
    saved_reply = SelectField(_l("Svarsmall"), coerce=optional_id, validate_choice=False)
    insert_saved_reply = SubmitField(_l("Infoga"))
    submit = SubmitField(_l("Skicka samlat svar"))


class HandoverForm(FlaskForm):
    department_id = SelectField(
        _l("Ny avdelning"),
        coerce=optional_id,
        validate_choice=False,
        validators=[InputRequired(message=_l("Välj en avdelning."))],
    )
    lead_id = SelectField(
        _l("Ny lots (valfritt)"),
        coerce=optional_id,
        validate_choice=False,
        description=_l("Lämnas tomt tar avdelningen själv ställning till vem som blir lots."),
    )
    reason = TextAreaField(
        _l("Motivering"),
        filters=[strip],
        validators=[
            DataRequired(message=_l("Skriv varför ärendet lämnas över.")),
            Length(max=2000),
        ],
    )
    submit = SubmitField(_l("Lämna över ärendet"))


class FlagForm(FlaskForm):
    note = StringField(
        _l("Vad ska mötet ta ställning till? (valfritt)"),
        filters=[strip],
        validators=[Length(max=500)],
    )
    submit = SubmitField(_l("Ta upp på nästa lotsmöte"))


class MeetingForm(FlaskForm):
    title = StringField(
        _l("Rubrik"),
        filters=[strip],
        validators=[DataRequired(message=_l("Skriv en rubrik.")), Length(max=200)],
    )
    on_date = date_field(_l("Datum"))
    start_time = time_field(_l("Börjar"))
    end_time = time_field(_l("Slutar"))
    place = place_field()
    video_link = video_field()
    notes = TextAreaField(_l("Anteckningar"), filters=[strip], validators=[Length(max=20000)])
    submit = SubmitField(_l("Spara mötet"))


class SeriesForm(FlaskForm):
    name = StringField(
        _l("Namn"),
        filters=[strip],
        validators=[DataRequired(message=_l("Skriv ett namn.")), Length(max=120)],
        description=_l("Till exempel Lotsmöte."),
    )
    first_on = date_field(_l("Första mötet"))
    interval_weeks = WholeNumberField(
        _l("Var hur många veckor?"),
        default=2,
        validators=[
            InputRequired(message=_l("Fyll i antal veckor.")),
            NumberRange(min=1, max=8, message=_l("Välj ett intervall mellan 1 och 8 veckor.")),
        ],
        description=_l("2 betyder varannan vecka, på samma veckodag som det första mötet."),
    )
    start_time = time_field(_l("Börjar"))
    end_time = time_field(_l("Slutar"))
    place = place_field()
    video_link = video_field()
    submit = SubmitField(_l("Lägg upp mötesserien"))


class AgendaCaseForm(FlaskForm):
    case_number = StringField(
        _l("Ärendenummer"),
        filters=[strip],
        validators=[DataRequired(message=_l("Skriv ett ärendenummer.")), Length(max=20)],
        description=_l("Till exempel LOTS-2026-0042."),
    )
    note = StringField(
        _l("Vad ska mötet ta ställning till?"), filters=[strip], validators=[Length(max=500)]
    )
    submit = SubmitField(_l("Lägg till på dagordningen"))


class OutcomeForm(FlaskForm):
    decision = TextAreaField(
        _l("Beslut"),
        filters=[strip],
        validators=[DataRequired(message=_l("Skriv vad mötet beslutade.")), Length(max=5000)],
    )
    next_step = TextAreaField(_l("Nästa steg"), filters=[strip], validators=[Length(max=2000)])
    owner_id = SelectField(_l("Ansvarig"), coerce=optional_id, validate_choice=False)
    submit = SubmitField(_l("Spara utfallet"))


class CompanyMeetingForm(FlaskForm):
    on_date = date_field(_l("Datum"))
    start_time = time_field(_l("Börjar"))
    end_time = time_field(_l("Slutar"))
    place = place_field()
    video_link = video_field()
    participants = CheckboxListField(_l("Tjänstepersoner som bjuds in"), coerce=int)
    invite_company = BooleanField(_l("Bjud in företaget (kontaktpersonen i ärendet)"), default=True)
    message = TextAreaField(
        _l("Meddelande i inbjudan"),
        filters=[strip],
        validators=[Length(max=5000)],
        description=_l("Skickas till alla inbjudna, också företaget."),
    )
    submit = SubmitField(_l("Boka och skicka inbjudningar"))
