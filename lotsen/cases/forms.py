from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    DateField,
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
from lotsen.cases.models import Channel
from lotsen.cases.services import Submission
from lotsen.companies.orgnr import InvalidOrgNumber, normalise_org_number
from lotsen.form_fields import IntegerField, optional_int

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


def category_choices(categories):
    return [SelectChoice("", _l("Välj …"))] + [SelectChoice(c.id, c.name) for c in categories]


class QuestionForm(ContactFieldsMixin, FlaskForm):
    """The business owner's question (the public form at /fraga, and the API's POST /cases:
    both validate with this form and open the case with services.open_case)."""

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


class RegisterCaseForm(ContactFieldsMixin, FlaskForm):
    """An official registers a question that came by phone, e-mail, visit or letter."""

    channel = SelectField(
        _l("Kanal"),
        choices=[SelectChoice(c.value, c.label) for c in Channel if c != Channel.WEB],
        default=Channel.PHONE.value,
    )
    category = SelectField(
        _l("Kategori"),
        coerce=optional_int,
        validators=[DataRequired(message=_l("Välj en kategori."))],
    )
    subject = StringField(
        _l("Rubrik"),
        filters=[strip],
        validators=[DataRequired(message=_l("Skriv en rubrik.")), Length(max=200)],
    )
    description = TextAreaField(
        _l("Frågan"),
        filters=[strip],
        validators=[DataRequired(message=_l("Beskriv frågan.")), Length(max=10000)],
    )
    submit = SubmitField(_l("Registrera ärendet"))

    def __init__(self, *args, categories=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.channel.choices = [SelectChoice(c.value, c.label) for c in Channel if c != Channel.WEB]
        self.category.choices = category_choices(categories)
        # By phone or at a visit there may be no e-mail address.
        self.submitter_email.validators = [Optional(), *self.submitter_email.validators[1:]]
        self.submitter_email.flags.required = False


class EditCaseForm(RegisterCaseForm):
    version = HiddenField()
    submit = SubmitField(_l("Spara ändringar"))

    def __init__(self, *args, categories=(), **kwargs):
        super().__init__(*args, categories=categories, **kwargs)
        self.channel.choices = [SelectChoice(c.value, c.label) for c in Channel]


class PublicReplyForm(FlaskForm):
    body = TextAreaField(
        _l("Svar till företagaren"),
        filters=[strip],
        validators=[DataRequired(message=_l("Skriv ett svar.")), Length(max=20000)],
        description=_l(
            "Skickas med e-post och visas på företagarens statussida. Markdown går bra."
        ),
    )
    then_status = SelectField(_l("Efter svaret"), validate_choice=False)
    attachments = MultipleFileField(_l("Bifoga filer"))
    kept_uploads = HiddenField()
    # Offered when saved replies are installed (lotsen.replies registers itself at start-up).
    saved_reply = SelectField(_l("Svarsmall"), coerce=optional_int, validate_choice=False)
    insert_saved_reply = SubmitField(_l("Infoga"))
    submit = SubmitField(_l("Skicka svar"))


class NoteForm(FlaskForm):
    body = TextAreaField(
        _l("Intern anteckning"),
        filters=[strip],
        validators=[DataRequired(message=_l("Skriv en anteckning.")), Length(max=20000)],
        description=_l("Syns bara för tjänstepersoner."),
    )
    attachments = MultipleFileField(_l("Bifoga filer"))
    kept_uploads = HiddenField()
    submit = SubmitField(_l("Spara anteckning"))


class StatusForm(FlaskForm):
    status = SelectField(_l("Ny status"), validate_choice=False)
    reason = TextAreaField(
        _l("Motivering"),
        filters=[strip],
        validators=[Optional(), Length(max=2000)],
        description=_l("Krävs när ett avslutat ärende öppnas igen."),
    )
    message = TextAreaField(
        _l("Meddelande till företaget"),
        filters=[strip],
        validators=[Optional(), Length(max=20000)],
        description=_l(
            "Krävs för Väntar på företaget: skriv vad ni väntar på. Skickas som svar till "
            "företagaren."
        ),
    )
    submit = SubmitField(_l("Ändra status"))


class DecisionRequestForm(FlaskForm):
    """A company's written request that its case be decided (förvaltningslagen 12 §)."""

    received_on = DateField(
        _l("Begäran kom in"),
        validators=[DataRequired(message=_l("Skriv datumet som ÅÅÅÅ-MM-DD."))],
    )
    submit = SubmitField(_l("Registrera begäran om avgörande"))


class DecisionRefusalForm(FlaskForm):
    reason = TextAreaField(
        _l("Skäl till att begäran avslås"),
        filters=[strip],
        validators=[DataRequired(message=_l("Skriv skälen till beslutet.")), Length(max=5000)],
        description=_l("Beslutet skickas till företagaren som ett svar i ärendet."),
    )
    submit = SubmitField(_l("Avslå begäran i ett särskilt beslut"))


class CaseFilterForm(FlaskForm):
    class Meta:
        csrf = False

    scope = SelectField(_l("Visa"), validate_choice=False)
    q = StringField(_l("Sök"), filters=[strip], validators=[Optional(), Length(max=100)])
    status = SelectField(_l("Status"), validate_choice=False)
    category = SelectField(_l("Kategori"), validate_choice=False)
    channel = SelectField(_l("Kanal"), validate_choice=False)
    lead = SelectField(_l("Lots"), validate_choice=False)
    department = SelectField(_l("Avdelning"), validate_choice=False)
    received_from = DateField(_l("Inkom från"), validators=[Optional()])
    received_to = DateField(_l("Inkom till"), validators=[Optional()])
    # The drill-down from the managers' dashboard; checked against their choices in the view.
    age = SelectField(_l("Ålder (arbetsdagar)"), validate_choice=False)
    within_target = SelectField(_l("Servicegaranti"), validate_choice=False)
    measured = SelectField(_l("Mätvärde"), validate_choice=False)
    sort = SelectField(_l("Sortera"), validate_choice=False)
    page_size = IntegerField(validators=[Optional()])


def submission_from(form, files=(), channel=None, locale=None):
    """The Submission a question form (public, or an official's registration) describes;
    `locale` is the language the business owner used (the public form's)."""
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
