from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    DateTimeLocalField,
    HiddenField,
    SelectChoice,
    SelectField,
    StringField,
    SubmitField,
    TextAreaField,
)
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional

from lotsen.accounts.forms import strip
from lotsen.companies.forms import SwedishDateField, WholeNumberField
from lotsen.form_fields import CheckboxListField, optional_int
from lotsen.visits.models import Need


class SwedishDateTimeField(DateTimeLocalField):
    """Date and time of day (datetime-local), with a Swedish parse error."""

    def process_formdata(self, valuelist):
        try:
            super().process_formdata(valuelist)
        except ValueError:
            raise ValueError(
                _l("Skriv datum och tid som ÅÅÅÅ-MM-DD TT:MM, till exempel 2026-03-15 09:30.")
            ) from None


def employee_field(label):
    return WholeNumberField(
        label,
        validators=[
            Optional(),
            NumberRange(min=0, max=1_000_000, message=_l("Skriv ett antal från 0 och uppåt.")),
        ],
    )


class VisitForm(FlaskForm):
    # Set when the company is already known (from its page or an existing visit), so that a sole
    # trader's personnummer never has to appear in the form or the URL.
    company_id = HiddenField()
    org_number = StringField(
        _l("Företagets organisationsnummer"),
        filters=[strip],
        description=_l("Tio siffror, till exempel 556677-8899. Företaget ska finnas i registret."),
        validators=[Length(max=20)],
    )
    starts_at = SwedishDateTimeField(
        _l("Datum och tid"),
        format=["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M"],
        validators=[InputRequired(message=_l("Fyll i datum och tid för besöket."))],
    )
    purpose = StringField(
        _l("Syfte"),
        filters=[strip],
        validators=[DataRequired(message=_l("Skriv syftet med besöket.")), Length(max=300)],
    )
    participants = CheckboxListField(_l("Deltagare från kommunen"), coerce=int)
    guests = TextAreaField(
        _l("Politiker och externa gäster"),
        description=_l("Namn och roll, en per rad."),
        validators=[Length(max=2000)],
    )
    notes = TextAreaField(_l("Anteckningar"), validators=[Length(max=20000)])
    needs = CheckboxListField(_l("Företagets behov"))
    employees_now = employee_field(_l("Anställda i dag"))
    employees_in_three_years = employee_field(_l("Förväntat antal anställda om tre år"))
    submit = SubmitField(_l("Spara besöket"))

    def __init__(self, *args, participant_choices=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.participants.choices = [SelectChoice(v, label) for v, label in participant_choices]
        self.needs.choices = [SelectChoice(need.value, need.label) for need in Need]


class TopicForm(FlaskForm):
    text = TextAreaField(
        _l("Vad tog företaget upp?"),
        filters=[strip],
        validators=[DataRequired(message=_l("Beskriv vad företaget tog upp.")), Length(max=5000)],
    )
    areas = CheckboxListField(_l("Strategiområden"), coerce=int)
    tags = StringField(
        _l("Taggar"),
        description=_l("Skilj taggarna åt med kommatecken, till exempel elnät, parkering."),
        validators=[Length(max=300)],
    )
    submit = SubmitField(_l("Lägg till ämnet"))

    def __init__(self, *args, area_choices=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.areas.choices = [SelectChoice(v, label) for v, label in area_choices]


class FollowUpForm(FlaskForm):
    text = TextAreaField(
        _l("Uppföljning"),
        filters=[strip],
        validators=[DataRequired(message=_l("Beskriv vad som ska göras.")), Length(max=2000)],
    )
    owner_id = SelectField(
        _l("Ansvarig"), coerce=int, validators=[InputRequired(message=_l("Välj en ansvarig."))]
    )
    due_on = SwedishDateField(
        _l("Klart senast"),
        validators=[InputRequired(message=_l("Fyll i ett datum, till exempel 2026-03-15."))],
    )
    submit = SubmitField(_l("Lägg till uppföljningen"))

    def __init__(self, *args, owner_choices=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.owner_id.choices = [SelectChoice(v, label) for v, label in owner_choices]


class FollowUpCaseForm(FlaskForm):
    """A follow-up becomes a case: its category is chosen (nothing is preselected) and the
    follow-up's owner leads it unless another lead is picked."""

    category_id = SelectField(
        _l("Kategori för ärendet"),
        coerce=optional_int,
        validators=[DataRequired(message=_l("Välj en kategori för ärendet."))],
    )
    lead_id = SelectField(
        _l("Lots för ärendet"),
        description=_l("Den som är ansvarig för uppföljningen, om du inte väljer någon annan."),
        coerce=optional_int,
        validators=[Optional()],
    )
    submit = SubmitField(_l("Gör till ärende"))

    def __init__(self, *args, category_choices=(), lead_choices=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.category_id.choices = [SelectChoice("", _l("Välj …"))] + [
            SelectChoice(v, label) for v, label in category_choices
        ]
        self.lead_id.choices = [SelectChoice("", _l("Välj …"))] + [
            SelectChoice(v, label) for v, label in lead_choices
        ]


class ConfirmForm(FlaskForm):
    submit = SubmitField(_l("Markera som klar"))
