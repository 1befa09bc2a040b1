from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import SelectChoice, SelectField, StringField, SubmitField
from wtforms.validators import DataRequired, Length

from lotsen.accounts.forms import strip
from lotsen.api.tokens import LIFETIMES_DAYS, SCOPES
from lotsen.form_fields import CheckboxListField, optional_int


class TokenForm(FlaskForm):
    name = StringField(
        _l("Integrationens namn"),
        filters=[strip],
        validators=[
            DataRequired(message=_l("Skriv integrationens namn.")),
            Length(max=120, message=_l("Namnet får vara högst 120 tecken.")),
        ],
        description=_l("Till exempel: E-tjänsteplattformen eller Intranätets nyckeltal."),
    )
    account = SelectField(
        _l("Agerar som"),
        coerce=optional_int,
        validators=[DataRequired(message=_l("Välj ett konto."))],
        description=_l(
            "Nyckeln får samma åtkomst som kontot: dess roller och avdelningar. Skapa gärna ett "
            "eget konto för integrationen med bara de roller den behöver."
        ),
    )
    scopes = CheckboxListField(
        _l("Behörigheter"),
        validators=[DataRequired(message=_l("Välj minst en behörighet."))],
    )
    lifetime_days = SelectField(_l("Giltig i"), coerce=int, default=365)
    submit = SubmitField(_l("Skapa nyckel"))

    def __init__(self, *args, accounts=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.account.choices = [SelectChoice("", _l("Välj …"))] + [
            SelectChoice(user.id, f"{user.name} ({user.email})") for user in accounts
        ]
        self.scopes.choices = [
            SelectChoice(scope, f"{scope}: {label}") for scope, label in SCOPES.items()
        ]
        self.lifetime_days.choices = [
            SelectChoice(days, _l("%(days)s dagar", days=days)) for days in LIFETIMES_DAYS
        ]
