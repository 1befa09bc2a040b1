from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import RadioField, SelectChoice, SelectField, SubmitField, TextAreaField
from wtforms.validators import InputRequired, Length

ANSWER_ALL = _l("Välj ett svar på frågan.")


def scale(label, high: int, low_text, high_text):
    field = RadioField(
        label,
        coerce=int,
        choices=[SelectChoice(value, str(value)) for value in range(1, high + 1)],
        validators=[InputRequired(message=ANSWER_ALL)],
        description=_l("1 = %(low)s, %(high)s = %(text)s", low=low_text, high=high, text=high_text),
    )
    return field


def factor(label):
    return scale(label, 6, _l("mycket dåligt"), _l("mycket bra"))


class SurveyForm(FlaskForm):
    information = factor(_l("Information: hur bra var informationen du fick?"))
    accessibility = factor(_l("Tillgänglighet: hur lätt var det att komma i kontakt med oss?"))
    treatment = factor(_l("Bemötande: hur blev du bemött?"))
    competence = factor(_l("Kompetens: hur kunniga var de du hade kontakt med?"))
    legal_certainty = factor(
        _l("Rättssäkerhet: hur väl följde handläggningen lagar och regler, tycker du?")
    )
    efficiency = factor(_l("Effektivitet: hur snabbt och smidigt gick det?"))
    overall = scale(
        _l("Hur nöjd är du sammantaget med kommunens service i ditt ärende?"),
        10,
        _l("mycket missnöjd"),
        _l("mycket nöjd"),
    )
    expectations = scale(
        _l("Hur väl motsvarade servicen dina förväntningar?"),
        10,
        _l("långt under"),
        _l("långt över"),
    )
    ideal = scale(
        _l("Tänk dig en perfekt service. Hur nära den kom kommunen i ditt ärende?"),
        10,
        _l("långt ifrån"),
        _l("mycket nära"),
    )
    comment = TextAreaField(_l("Vill du berätta mer? (frivilligt)"), validators=[Length(max=5000)])
    submit = SubmitField(_l("Skicka svaren"))


class ResultsFilterForm(FlaskForm):
    class Meta:
        csrf = False

    year = SelectField(_l("År"), coerce=int)
    grouping = SelectField(
        _l("Visa per"),
        choices=[
            SelectChoice("category", _l("Kategori")),
            SelectChoice("department", _l("Avdelning")),
            SelectChoice("lead", _l("Lots")),
        ],
    )
