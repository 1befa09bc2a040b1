from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_babel import ngettext
from flask_wtf import FlaskForm
from wtforms import (
    DateField,
    HiddenField,
    SelectChoice,
    SelectField,
    SelectMultipleField,
    StringField,
    SubmitField,
    TextAreaField,
)
from wtforms.validators import DataRequired, Length, Optional

from lotsen.accounts.forms import strip
from lotsen.form_fields import CheckboxListField, optional_int
from lotsen.triage.models import AutoAssignMode
from lotsen.triage.suggestions import Official


def choose(pairs, placeholder=None) -> list[SelectChoice]:
    first = [SelectChoice("", placeholder)] if placeholder is not None else []
    return first + [SelectChoice(value, label) for value, label in pairs]


class RoutingRuleForm(FlaskForm):
    department = SelectField(
        _l("Ansvarig avdelning"),
        coerce=optional_int,
        validators=[DataRequired(message=_l("Välj ansvarig avdelning."))],
        description=_l("Nya ärenden i kategorin hamnar i avdelningens kö."),
    )
    default_lead = SelectField(
        _l("Förvald lots"),
        coerce=optional_int,
        validators=[Optional()],
        description=_l(
            "Blir lots för nya ärenden i kategorin när hen inte är frånvarande. Lämna tomt för "
            "att låta samordnaren eller avdelningens automatiska fördelning välja."
        ),
    )
    involved = CheckboxListField(_l("Avdelningar som brukar vara med"), coerce=int)
    submit = SubmitField(_l("Spara regeln"))

    def __init__(self, *args, departments=(), leads=(), **kwargs):
        super().__init__(*args, **kwargs)
        department_pairs = [(d.id, d.name) for d in departments]
        self.department.choices = choose(department_pairs, _l("Välj …"))
        self.default_lead.choices = choose([(u.id, u.name) for u in leads], _l("Ingen"))
        self.involved.choices = choose(department_pairs)


class AutoAssignForm(FlaskForm):
    mode = SelectField(
        _l("Automatisk fördelning"),
        choices=[SelectChoice(m.value, m.label) for m in AutoAssignMode],
    )
    submit = SubmitField(_l("Spara"))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.mode.choices = [SelectChoice(m.value, m.label) for m in AutoAssignMode]


class AbsenceForm(FlaskForm):
    starts_on = DateField(
        _l("Första dagen"),
        validators=[DataRequired(message=_l("Ange första dagen som ÅÅÅÅ-MM-DD."))],
    )
    ends_on = DateField(
        _l("Sista dagen"),
        validators=[DataRequired(message=_l("Ange sista dagen som ÅÅÅÅ-MM-DD."))],
    )
    note = StringField(
        _l("Anteckning"),
        filters=[strip],
        validators=[Optional(), Length(max=200)],
        description=_l("Till exempel semester eller kurs. Syns för kollegorna."),
    )
    submit = SubmitField(_l("Lägg till frånvaro"))


class CompetenceForm(FlaskForm):
    categories = CheckboxListField(_l("Kategorier jag handlägger"), coerce=int)
    submit = SubmitField(_l("Spara kategorierna"))

    def __init__(self, *args, categories=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.categories.choices = choose([(c.id, c.name) for c in categories])


class ReassignForm(FlaskForm):
    lead = SelectField(
        _l("Ny lots"),
        coerce=optional_int,
        validators=[DataRequired(message=_l("Välj vem som ska bli lots."))],
    )
    reason = TextAreaField(
        _l("Motivering"),
        filters=[strip],
        validators=[Optional(), Length(max=2000)],
        description=_l("Krävs när ärendet redan har en lots. Syns i ärendets historik."),
    )
    version = HiddenField()
    submit = SubmitField(_l("Tilldela"))

    def __init__(self, *args, leads=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.lead.choices = choose(leads, _l("Välj …"))


class BulkReassignForm(FlaskForm):
    case_ids = SelectMultipleField(_l("Ärenden"), coerce=int, validate_choice=False)
    lead = SelectField(
        _l("Ny lots"),
        coerce=optional_int,
        validators=[DataRequired(message=_l("Välj vem som ska bli lots."))],
    )
    reason = TextAreaField(
        _l("Motivering"),
        filters=[strip],
        validators=[
            DataRequired(message=_l("Skriv varför ärendena byter lots.")),
            Length(max=2000),
        ],
    )
    submit = SubmitField(_l("Flytta markerade ärenden"))

    def __init__(self, *args, leads=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.lead.choices = choose(leads, _l("Välj …"))


class SavedFilterForm(FlaskForm):
    name = StringField(
        _l("Namn på filtret"),
        filters=[strip],
        validators=[DataRequired(message=_l("Ge filtret ett namn.")), Length(max=80)],
    )
    query = HiddenField()
    submit = SubmitField(_l("Spara filtret"))


def lead_label(official: Official) -> str:
    departments = ", ".join(d.short_name or d.name for d in official.user.departments)
    parts = [official.user.name]
    if departments:
        parts.append(departments)
    parts.append(ngettext("%(num)d öppen", "%(num)d öppna", official.load))
    if official.absent:
        parts.append(_("frånvarande"))
    return " · ".join(parts)


def lead_choices(officials) -> list[tuple[int, str]]:
    return [(official.id, lead_label(official)) for official in officials]
