from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    EmailField,
    HiddenField,
    MultipleFileField,
    RadioField,
    SelectChoice,
    SelectField,
    StringField,
    SubmitField,
    TextAreaField,
)
from wtforms.validators import DataRequired, Email, Length, Optional, ValidationError

from lotsen.accounts.forms import strip
from lotsen.companies.orgnr import InvalidOrgNumber, normalise_org_number


def optional_int(value):
    """Coerce a select's value to int; the empty 'choose…' option becomes None."""
    if value is None or value == "":
        return None
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


CONTACT_CHOICES = [
    SelectChoice("email", _l("E-post")),
    SelectChoice("phone", _l("Telefon")),
]


def valid_org_number(form, field):
    if field.data:
        try:
            normalise_org_number(field.data)
        except InvalidOrgNumber as error:
            raise ValidationError(str(error)) from error


class ContactFieldsMixin:
    org_number = StringField(
        _l("Organisationsnummer"),
        filters=[strip],
        validators=[Optional(), Length(max=20), valid_org_number],
        description=_l("Till exempel 556012-5790. Lämna tomt om företaget inte är registrerat än."),
    )
    company_name = StringField(
        _l("Företagets namn"), filters=[strip], validators=[Optional(), Length(max=200)]
    )
    submitter_name = StringField(
        _l("Ditt namn"),
        filters=[strip],
        validators=[DataRequired(message=_l("Skriv ditt namn.")), Length(max=120)],
    )
    submitter_email = EmailField(
        _l("E-postadress"),
        filters=[strip],
        validators=[
            DataRequired(message=_l("Skriv din e-postadress så att vi kan svara dig.")),
            Email(message=_l("Skriv en giltig e-postadress, till exempel namn@foretag.se.")),
            Length(max=254),
        ],
    )
    submitter_phone = StringField(
        _l("Telefonnummer"), filters=[strip], validators=[Optional(), Length(max=40)]
    )
    preferred_contact = RadioField(
        _l("Hur vill du helst bli kontaktad?"), choices=CONTACT_CHOICES, default="email"
    )

    def validate(self, extra_validators=None):
        valid = super().validate(extra_validators)
        if self.preferred_contact.data == "phone" and not self.submitter_phone.data:
            self.submitter_phone.errors = [
                *self.submitter_phone.errors,
                _l("Skriv ett telefonnummer om du vill bli uppringd."),
            ]
            valid = False
        return valid


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


def submission_from(form, files=(), channel=None, locale=None):
    """The Submission a question form (public, or an official's registration) describes;
    `locale` is the language the business owner used (the public form's)."""
    from lotsen.cases.models import Channel
    from lotsen.cases.services import Submission

    raw = form.org_number.data
    return Submission(
        submitter_name=form.submitter_name.data,
        submitter_email=form.submitter_email.data,
        submitter_phone=form.submitter_phone.data,
        company_name=form.company_name.data or "",
        org_number=normalise_org_number(raw).value if raw else None,
        preferred_contact=form.preferred_contact.data or "email",
        category_id=form.category.data,
        subject=form.subject.data,
        description=form.description.data,
        channel=channel or Channel.WEB,
        files=list(files),
        submitter_locale=locale,
    )
