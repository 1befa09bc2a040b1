from datetime import date

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import DateField, SelectField, ValidationError
from wtforms.validators import Optional

# The dates a period may use; far-off ones (year 1 or 9999) would overflow on the way.
EARLIEST, LATEST = date(1970, 1, 1), date(2999, 12, 31)


def sensible_date(form, field) -> None:
    if field.data is not None and not EARLIEST <= field.data <= LATEST:
        raise ValidationError(_l("Välj ett datum mellan 1970 och 2999."))


class ReportFilterForm(FlaskForm):
    """The dashboard's period and filters. A period that fails validation is reported next to
    its field, the typed values stay in the fields and the default period is shown."""

    class Meta:
        csrf = False

    date_from = DateField(
        _l("Inkom från"),
        validators=[Optional(), sensible_date],
        render_kw={"placeholder": "ÅÅÅÅ-MM-DD"},
    )
    date_to = DateField(
        _l("Inkom till"),
        validators=[Optional(), sensible_date],
        render_kw={"placeholder": "ÅÅÅÅ-MM-DD"},
    )
    category = SelectField(_l("Kategori"), validate_choice=False)
    department = SelectField(_l("Avdelning"), validate_choice=False)
    lead = SelectField(_l("Lots"), validate_choice=False)
    channel = SelectField(_l("Kanal"), validate_choice=False)

    def validate_date_to(self, field) -> None:
        first = self.date_from.data
        if first is not None and field.data is not None and field.data < first:
            raise ValidationError(
                _l("Slutdatumet är före startdatumet. Välj ett senare slutdatum.")
            )

    def period_is_valid(self) -> bool:
        return not (self.date_from.errors or self.date_to.errors)
