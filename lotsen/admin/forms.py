from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    EmailField,
    SelectChoice,
    StringField,
    SubmitField,
    TextAreaField,
    ValidationError,
)
from wtforms.validators import DataRequired, Email, InputRequired, Length, NumberRange, Optional

from lotsen.accounts.forms import strip
from lotsen.accounts.models import Role
from lotsen.companies.forms import WholeNumberField
from lotsen.form_fields import CheckboxListField, IntegerField
from lotsen.timekeeping.queries import working_day_minutes


class UserForm(FlaskForm):
    name = StringField(
        _l("Namn"),
        filters=[strip],
        validators=[DataRequired(message=_l("Fyll i namnet.")), Length(max=120)],
    )
    email = EmailField(
        _l("E-postadress"),
        filters=[strip],
        validators=[
            DataRequired(message=_l("Fyll i e-postadressen.")),
            Email(message=_l("Skriv en giltig e-postadress, till exempel namn@kommun.se.")),
            Length(max=254),
        ],
    )
    title = StringField(_l("Titel"), validators=[Optional(), Length(max=120)])
    phone = StringField(_l("Telefon"), validators=[Optional(), Length(max=40)])
    roles = CheckboxListField(
        _l("Roller"),
        choices=[SelectChoice(role.value, role.label) for role in Role],
        validators=[DataRequired(message=_l("Välj minst en roll."))],
    )
    departments = CheckboxListField(_l("Avdelningar"), coerce=int)
    submit = SubmitField(_l("Spara"))

    def __init__(self, *args, department_choices=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.roles.choices = [SelectChoice(role.value, role.label) for role in Role]
        self.departments.choices = [
            SelectChoice(value, label) for value, label in department_choices
        ]


class DepartmentForm(FlaskForm):
    name = StringField(
        _l("Namn"),
        filters=[strip],
        validators=[DataRequired(message=_l("Fyll i namnet.")), Length(max=120)],
    )
    short_name = StringField(_l("Kortnamn"), validators=[Optional(), Length(max=30)])
    email = EmailField(
        _l("Funktionsbrevlåda"),
        filters=[strip],
        validators=[
            Optional(),
            Email(message=_l("Skriv en giltig e-postadress, till exempel namn@kommun.se.")),
            Length(max=254),
        ],
    )
    active = BooleanField(_l("Aktiv"), default=True)
    submit = SubmitField(_l("Spara"))


class CategoryForm(FlaskForm):
    name = StringField(
        _l("Namn"),
        filters=[strip],
        validators=[DataRequired(message=_l("Fyll i namnet.")), Length(max=120)],
    )
    help_text = TextAreaField(
        _l("Hjälptext i formuläret"),
        validators=[Optional(), Length(max=1000)],
        description=_l("Visas för företagaren under kategorin i frågeformuläret."),
    )
    sort_order = IntegerField(
        _l("Sorteringsordning"),
        default=100,
        validators=[
            InputRequired(message=_l("Ange ett heltal.")),
            NumberRange(min=0, max=10000, message=_l("Ange ett heltal mellan 0 och 10 000.")),
        ],
    )
    target_first_response_hours = WholeNumberField(
        _l("Första svar inom (arbetstimmar)"),
        default=8,
        validators=[
            InputRequired(message=_l("Ange ett heltal.")),
            NumberRange(
                min=1, max=400, message=_l("Ange ett antal arbetstimmar mellan 1 och 400.")
            ),
        ],
        description=_l("Servicegarantin: företagaren får ett första svar inom så här lång tid."),
    )
    target_resolution_days = WholeNumberField(
        _l("Färdigt svar inom (arbetsdagar)"),
        default=10,
        validators=[
            InputRequired(message=_l("Ange ett heltal.")),
            NumberRange(min=1, max=250, message=_l("Ange ett antal arbetsdagar mellan 1 och 250.")),
        ],
        description=_l("Servicegarantin: ärendet är löst inom så här lång tid."),
    )
    active = BooleanField(_l("Aktiv"), default=True)
    submit = SubmitField(_l("Spara"))

    def validate_target_first_response_hours(self, field) -> None:
        """The first answer cannot be promised later than the full answer."""
        days = self.target_resolution_days.data
        if not field.data or not isinstance(days, int) or days < 1:
            return
        hours = days * working_day_minutes() // 60
        if field.data > hours:
            raise ValidationError(
                _(
                    "Första svar kan inte utlovas senare än ett färdigt svar: "
                    "%(days)s arbetsdagar är högst %(hours)s arbetstimmar.",
                    days=days,
                    hours=hours,
                )
            )


class SettingsForm(FlaskForm):
    organisation_name = StringField(
        _l("Kommunens namn"),
        validators=[DataRequired(message=_l("Fyll i namnet.")), Length(max=120)],
    )
    team_name = StringField(
        _l("Gruppens namn"),
        validators=[DataRequired(message=_l("Fyll i namnet.")), Length(max=120)],
    )
    team_email = EmailField(
        _l("Gruppens e-postadress"),
        filters=[strip],
        validators=[
            DataRequired(message=_l("Fyll i e-postadressen.")),
            Email(message=_l("Skriv en giltig e-postadress, till exempel namn@kommun.se.")),
        ],
    )
    team_phone = StringField(_l("Gruppens telefonnummer"), validators=[Length(max=40)])
    submit = SubmitField(_l("Spara inställningar"))
