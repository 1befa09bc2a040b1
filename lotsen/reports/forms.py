from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import DateField, SelectField
from wtforms.validators import Optional


class ReportFilterForm(FlaskForm):
    class Meta:
        csrf = False

    date_from = DateField(_l("Inkom från"), validators=[Optional()])
    date_to = DateField(_l("Inkom till"), validators=[Optional()])
    category = SelectField(_l("Kategori"), validate_choice=False)
    department = SelectField(_l("Avdelning"), validate_choice=False)
    lead = SelectField(_l("Lots"), validate_choice=False)
    channel = SelectField(_l("Kanal"), validate_choice=False)
