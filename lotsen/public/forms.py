from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    EmailField,
    HiddenField,
    MultipleFileField,
    SelectChoice,
    SelectField,
    StringField,
    SubmitField,
    TextAreaField,
)
from wtforms.validators import DataRequired, Email, Length

from lotsen.accounts.forms import strip
from lotsen.cases.forms import ContactFieldsMixin
from lotsen.form_fields import optional_int


class QuestionForm(ContactFieldsMixin, FlaskForm):
    category = SelectField(
        _l("Vad gäller frågan?"),
        coerce=optional_int,
        validators=[DataRequired(message=_l("Välj vad frågan gäller."))],
    )
    subject = StringField(
        _l("Rubrik"),
        filters=[strip],
        validators=[
            DataRequired(message=_l("Skriv en kort rubrik för din fråga.")),
            Length(max=200, message=_l("Rubriken får vara högst 200 tecken.")),
        ],
        description=_l("Till exempel: Öppna café med uteservering på Torget."),
    )
    description = TextAreaField(
        _l("Beskriv din fråga"),
        filters=[strip],
        validators=[
            DataRequired(message=_l("Beskriv vad du behöver hjälp med.")),
            Length(max=10000, message=_l("Beskrivningen får vara högst 10 000 tecken.")),
        ],
        description=_l("Berätta vad du planerar, var och när. Ju mer vi vet, desto bättre svar."),
    )
    attachments = MultipleFileField(
        _l("Bifoga filer (valfritt)"),
        description=_l(
            "Högst 5 filer, 10 MB var: PDF, bilder eller dokument, till exempel en ritning."
        ),
    )
    kept_uploads = HiddenField()
    privacy_acknowledged = BooleanField(
        _l("Jag har läst hur kommunen behandlar mina personuppgifter."),
        validators=[DataRequired(message=_l("Du behöver bekräfta att du har läst informationen."))],
    )
    # Honeypot: hidden from people by CSS; a bot that fills it in is ignored.
    homepage = StringField(_l("Lämna det här fältet tomt"))
    submit = SubmitField(_l("Skicka frågan"))

    def __init__(self, *args, categories=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.offer_categories(categories or ())
        # Without the list (a public submission, which should not read every category), the
        # service checks the category chosen; the list is loaded only to show the form again.
        self.category.validate_choice = categories is not None

    def offer_categories(self, categories) -> None:
        self.category.choices = [SelectChoice("", _l("Välj …"))] + [
            SelectChoice(category.id, category.name) for category in categories
        ]


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
