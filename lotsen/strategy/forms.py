from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    SelectChoice,
    SelectField,
    StringField,
    SubmitField,
    TextAreaField,
)
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional, Regexp

from lotsen.accounts.forms import strip
from lotsen.companies.forms import SwedishDateField
from lotsen.form_fields import IntegerField

WHOLE_NUMBER = _l("Skriv ett heltal, till exempel 10.")
YEAR = _l("Skriv ett år med fyra siffror, till exempel 2035.")


def sort_order_field():
    return IntegerField(
        _l("Ordning"),
        default=100,
        description=_l("Lägre tal visas först."),
        validators=[
            InputRequired(message=WHOLE_NUMBER),
            NumberRange(min=0, max=10000, message=_l("Skriv ett tal mellan 0 och 10 000.")),
        ],
    )


def year_field(label, required=True):
    first = InputRequired(message=YEAR) if required else Optional()
    return IntegerField(label, validators=[first, NumberRange(min=1900, max=2200, message=YEAR)])


class GoalForm(FlaskForm):
    name = StringField(
        _l("Mål"),
        filters=[strip],
        validators=[DataRequired(message=_l("Fyll i målet.")), Length(max=200)],
    )
    description = TextAreaField(_l("Beskrivning"), validators=[Length(max=5000)])
    submit = SubmitField(_l("Spara"))


class SubGoalForm(FlaskForm):
    name = StringField(
        _l("Delmål"),
        filters=[strip],
        validators=[DataRequired(message=_l("Fyll i delmålets namn.")), Length(max=200)],
    )
    description = TextAreaField(_l("Beskrivning"), validators=[Length(max=5000)])
    sort_order = sort_order_field()
    submit = SubmitField(_l("Spara"))


class AreaForm(FlaskForm):
    name = StringField(
        _l("Strategiområde"),
        filters=[strip],
        validators=[DataRequired(message=_l("Fyll i strategiområdets namn.")), Length(max=200)],
    )
    sub_goal_id = SelectField(
        _l("Hör till delmål"),
        coerce=int,
        validators=[InputRequired(message=_l("Välj ett delmål."))],
    )
    description = TextAreaField(_l("Beskrivning"), validators=[Length(max=5000)])
    actions = TextAreaField(
        _l("Detta görs genom att"),
        description=_l("En åtgärd per rad."),
        validators=[Length(max=20000)],
    )
    sort_order = sort_order_field()
    submit = SubmitField(_l("Spara"))

    def __init__(self, *args, sub_goal_choices=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.sub_goal_id.choices = [SelectChoice(v, label) for v, label in sub_goal_choices]


class TargetForm(FlaskForm):
    name = StringField(
        _l("Namn"),
        filters=[strip],
        validators=[DataRequired(message=_l("Fyll i måttets namn.")), Length(max=200)],
    )
    key = StringField(
        _l("Nyckel"),
        filters=[strip],
        description=_l("Små bokstäver, siffror och understreck, till exempel new_jobs."),
        validators=[
            DataRequired(message=_l("Fyll i en nyckel.")),
            Length(max=60),
            Regexp(r"^[a-z0-9_]+$", message=_l("Använd bara a–z, 0–9 och understreck.")),
        ],
    )
    baseline = IntegerField(
        _l("Utgångsvärde"), validators=[Optional(), NumberRange(min=-(10**9), max=10**9)]
    )
    baseline_year = year_field(_l("År för utgångsvärdet"), required=False)
    target_value = IntegerField(
        _l("Målvärde"),
        validators=[
            InputRequired(message=WHOLE_NUMBER),
            NumberRange(min=-(10**9), max=10**9, message=WHOLE_NUMBER),
        ],
    )
    target_year = year_field(_l("Målår"))
    unit = StringField(_l("Enhet"), filters=[strip], validators=[Length(max=40)])
    sort_order = sort_order_field()
    submit = SubmitField(_l("Spara"))


class DashboardFilterForm(FlaskForm):
    """The dashboard's period (GET, no CSRF: it changes nothing)."""

    class Meta:
        csrf = False

    date_from = SwedishDateField(_l("Från"), validators=[Optional()])
    date_to = SwedishDateField(_l("Till"), validators=[Optional()])
    grouping = SelectField(
        _l("Visa per"),
        default="quarter",
        choices=[
            SelectChoice("month", _l("Månad")),
            SelectChoice("quarter", _l("Kvartal")),
            SelectChoice("year", _l("År")),
        ],
        validators=[Optional()],
    )
