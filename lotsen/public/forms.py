from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    EmailField,
    HiddenField,
    MultipleFileField,
    StringField,
    SubmitField,
    TextAreaField,
)
from wtforms.validators import DataRequired, Email, Length

from lotsen.accounts.forms import strip


class ReplyForm(FlaskForm):
    body = TextAreaField(
        _l("Ditt svar"),
        filters=[strip],
        validators=[
            DataRequired(message=_l("Skriv ditt svar.")),
            Length(max=10000, message=_l("Svaret får vara högst 10 000 tecken.")),
        ],
    )
    attachments = MultipleFileField(_l("Bifoga filer (valfritt)"))
    kept_uploads = HiddenField()
    submit = SubmitField(_l("Skicka svar"))


class NewLinkForm(FlaskForm):
    case_number = StringField(
        _l("Ärendenummer"),
        filters=[strip],
        validators=[DataRequired(message=_l("Skriv ärendenumret, till exempel LOTS-2026-0042."))],
    )
    email = EmailField(
        _l("E-postadressen du angav"),
        filters=[strip],
        validators=[
            DataRequired(message=_l("Skriv din e-postadress.")),
            Email(message=_l("Skriv en giltig e-postadress, till exempel namn@foretag.se.")),
        ],
    )
    submit = SubmitField(_l("Skicka ny länk"))
