"""Forms of the company registry. Field checks here; the rules live in services.py."""

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from wtforms import (
    BooleanField,
    DateField,
    EmailField,
    HiddenField,
    SelectChoice,
    SelectField,
    StringField,
    SubmitField,
    TextAreaField,
)
from wtforms.validators import DataRequired, Length, NumberRange, Optional, ValidationError

from lotsen.companies.models import SIZE_CLASSES, CompanyStatus, ImportStatus
from lotsen.companies.orgnr import LEGAL_FORMS, InvalidOrgNumber, normalise_org_number
from lotsen.form_fields import IntegerField


def strip(value):
    return value.strip() if isinstance(value, str) else value


class SwedishDateField(DateField):
    """A date field whose parse error explains the expected format."""

    def process_formdata(self, valuelist):
        try:
            super().process_formdata(valuelist)
        except ValueError:
            raise ValueError(_l("Skriv datumet som ÅÅÅÅ-MM-DD, till exempel 2024-03-15.")) from None


class WholeNumberField(IntegerField):
    def process_formdata(self, valuelist):
        try:
            super().process_formdata(valuelist)
        except ValueError:
            raise ValueError(_l("Skriv ett heltal, till exempel 12.")) from None


STATUS_LABELS = {
    CompanyStatus.ACTIVE: _l("Aktivt"),
    CompanyStatus.LIQUIDATION: _l("Under avveckling"),
    CompanyStatus.DEREGISTERED: _l("Avregistrerat"),
}
RUN_STATUS_LABELS = {
    ImportStatus.QUEUED: _l("I kö"),
    ImportStatus.RUNNING: _l("Pågår"),
    ImportStatus.DONE: _l("Klar"),
    ImportStatus.FAILED: _l("Misslyckades"),
}
SIZE_CLASS_LABELS = {
    "0": _l("0 anställda"),
    "1-4": _l("1–4 anställda"),
    "5-9": _l("5–9 anställda"),
    "10-19": _l("10–19 anställda"),
    "20-49": _l("20–49 anställda"),
    "50-99": _l("50–99 anställda"),
    "100-199": _l("100–199 anställda"),
    "200-499": _l("200–499 anställda"),
    "500+": _l("500 eller fler anställda"),
}


def legal_form_choices() -> list[SelectChoice]:
    forms = sorted(LEGAL_FORMS.items(), key=lambda item: item[1])
    return [SelectChoice("", _l("Okänd"))] + [SelectChoice(code, label) for code, label in forms]


class CompanyForm(FlaskForm):
    org_number = StringField(
        _l("Organisationsnummer"),
        validators=[DataRequired(message=_l("Fyll i organisationsnumret.")), Length(max=20)],
        filters=[strip],
        description=_l(
            "10 siffror, med eller utan bindestreck, till exempel 556012-5790. "
            "För en enskild firma: innehavarens personnummer."
        ),
    )
    name = StringField(
        _l("Namn"),
        validators=[DataRequired(message=_l("Fyll i företagets namn.")), Length(max=250)],
        filters=[strip],
    )
    legal_form = SelectField(_l("Juridisk form"), choices=[], default="")
    street_address = StringField(_l("Gatuadress"), validators=[Optional(), Length(max=250)])
    postal_code = StringField(
        _l("Postnummer"), validators=[Optional(), Length(max=10)], filters=[strip]
    )
    town = StringField(_l("Postort"), validators=[Optional(), Length(max=80)])
    municipality_code = StringField(
        _l("Kommunkod"),
        validators=[Optional(), Length(max=4)],
        filters=[strip],
        description=_l("Fyra siffror, till exempel 1441 för Lerum eller 1489 för Alingsås."),
    )
    registered_on = SwedishDateField(_l("Registreringsdatum"), validators=[Optional()])
    status = SelectField(
        _l("Status"),
        choices=[SelectChoice(value.value, label) for value, label in STATUS_LABELS.items()],
    )
    deregistered_on = SwedishDateField(_l("Avregistrerat den"), validators=[Optional()])
    deregistration_reason = StringField(
        _l("Orsak till avregistrering"), validators=[Optional(), Length(max=200)]
    )
    sni_codes = StringField(
        _l("SNI-koder"),
        validators=[Optional(), Length(max=200)],
        description=_l("Huvudkoden först, skilj koderna åt med kommatecken: 56100, 56300."),
    )
    size_class = SelectField(
        _l("Storleksklass"),
        choices=[SelectChoice("", _l("Okänd"))]
        + [SelectChoice(value, SIZE_CLASS_LABELS[value]) for value in SIZE_CLASSES],
        default="",
    )
    employee_count = WholeNumberField(
        _l("Senast kända antal anställda"),
        validators=[
            Optional(),
            NumberRange(min=0, max=1_000_000, message=_l("Ange ett antal från 0 och uppåt.")),
        ],
    )
    employee_count_on = SwedishDateField(_l("Antalet gäller datum"), validators=[Optional()])
    employee_count_source = StringField(
        _l("Källa för antalet"),
        validators=[Optional(), Length(max=100)],
        description=_l("Till exempel SCB, årsredovisning eller företagsbesök."),
    )
    description = TextAreaField(
        _l("Verksamhetsbeskrivning"), validators=[Optional(), Length(max=5000)]
    )
    website = StringField(_l("Webbplats"), validators=[Optional(), Length(max=250)])
    tags = StringField(
        _l("Taggar"),
        validators=[Optional(), Length(max=500)],
        description=_l("Skilj taggarna åt med kommatecken, till exempel besöksnäring, export."),
    )
    notes = TextAreaField(_l("Anteckningar"), validators=[Optional(), Length(max=10000)])
    advertising_blocked = BooleanField(_l("Reklamspärr (vill inte få reklam)"))
    submit = SubmitField(_l("Spara"))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.legal_form.choices = legal_form_choices()

    def validate_org_number(self, field):
        try:
            normalise_org_number(field.data)
        except InvalidOrgNumber as error:
            raise ValidationError(str(error)) from None


class ContactForm(FlaskForm):
    name = StringField(
        _l("Namn"),
        validators=[DataRequired(message=_l("Fyll i kontaktpersonens namn.")), Length(max=120)],
        filters=[strip],
    )
    role = StringField(
        _l("Roll"),
        validators=[Optional(), Length(max=120)],
        description=_l("Till exempel ägare, VD eller ekonomiansvarig."),
    )
    email = EmailField(_l("E-postadress"), validators=[Optional(), Length(max=254)])
    phone = StringField(
        _l("Telefon"),
        validators=[Optional(), Length(max=40)],
        description=_l("Till exempel 070-123 45 67 eller +46 70 123 45 67."),
    )
    data_basis = TextAreaField(
        _l("Varför vi sparar uppgifterna"),
        validators=[
            DataRequired(message=_l("Skriv varför vi behöver spara uppgifterna om personen.")),
            Length(max=1000),
        ],
        default=_l("Kontaktperson för företaget i dess kontakter med kommunen."),
        description=_l("Syftet med att spara personens uppgifter, med enkla ord (GDPR)."),
    )
    submit = SubmitField(_l("Spara kontaktperson"))


class MergeForm(FlaskForm):
    other = StringField(
        _l("Dubblettens organisationsnummer eller Lotsen-id"),
        validators=[
            DataRequired(message=_l("Ange vilket företag som är en dubblett.")),
            Length(max=200),
        ],
        filters=[strip],
        description=_l("Du kan också klistra in adressen till dubblettens sida i Lotsen."),
    )
    duplicate_id = HiddenField()
    submit = SubmitField(_l("Visa jämförelse"))


class ImportForm(FlaskForm):
    file = FileField(
        _l("Registerfil"),
        validators=[FileRequired(message=_l("Välj filen som ska läsas in."))],
    )
    format = SelectField(
        _l("Filformat"),
        choices=[
            SelectChoice("bolagsverket", _l("Bolagsverkets bulkfil (UTF-8, semikolon)")),
            SelectChoice("scb", _l("SCB:s företagsregister (Latin-1, tabb)")),
            SelectChoice("csv", _l("Egen CSV-fil med dokumenterade kolumner")),
        ],
    )
    only_postcodes = StringField(
        _l("Bara dessa postnummer"),
        validators=[Optional(), Length(max=2000)],
        description=_l("Valfritt. Skilj med kommatecken, till exempel 44330, 44331."),
    )
    only_towns = StringField(
        _l("Bara dessa postorter"),
        validators=[Optional(), Length(max=2000)],
        description=_l("Valfritt. Skilj med kommatecken, till exempel Lerum, Alingsås."),
    )
    submit = SubmitField(_l("Läs in"))
