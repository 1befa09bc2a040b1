"""The delay notice form: the reason and the new expected date."""

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import DateField, SubmitField, TextAreaField
from wtforms.validators import DataRequired, Length, ValidationError

from lotsen.accounts.forms import strip
from lotsen.reports.delay.services import local_today


class DelayNoticeForm(FlaskForm):
    reason = TextAreaField(
        _l("Skäl till förseningen"),
        filters=[strip],
        validators=[DataRequired(message=_l("Skriv skälet till förseningen.")), Length(max=2000)],
        description=_l("Skrivs in i meddelandet till företagaren. Skriv begripligt och kort."),
    )
    expected_date = DateField(
        _l("Nytt beräknat datum för beslut eller svar"),
        validators=[DataRequired(message=_l("Skriv datumet som ÅÅÅÅ-MM-DD."))],
    )
    submit = SubmitField(_l("Skicka förseningsbesked"))

    def validate_expected_date(self, field):
        if field.data and field.data <= local_today():
            raise ValidationError(_("Välj ett datum efter i dag."))
