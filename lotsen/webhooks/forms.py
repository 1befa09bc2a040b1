from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import SelectChoice, StringField, SubmitField, URLField
from wtforms.validators import DataRequired, Length

from lotsen.accounts.forms import strip
from lotsen.form_fields import CheckboxListField
from lotsen.webhooks.addresses import MAX_URL_LENGTH
from lotsen.webhooks.endpoints import MAX_DESCRIPTION
from lotsen.webhooks.models import EventType


class EndpointForm(FlaskForm):
    url = URLField(
        _l("Adress (URL)"),
        filters=[strip],
        validators=[
            DataRequired(message=_l("Fyll i adressen.")),
            Length(max=MAX_URL_LENGTH, message=_l("Adressen får vara högst 2000 tecken.")),
        ],
        description=_l(
            "Dit händelserna skickas med POST, till exempel https://system.kommun.se/lotsen."
        ),
    )
    description = StringField(
        _l("Beskrivning"),
        filters=[strip],
        validators=[
            DataRequired(message=_l("Skriv vad slutpunkten används till.")),
            Length(max=MAX_DESCRIPTION, message=_l("Beskrivningen får vara högst 300 tecken.")),
        ],
        description=_l("Vilket system tar emot händelserna, och vem ansvarar för det?"),
    )
    events = CheckboxListField(
        _l("Händelser"), validators=[DataRequired(message=_l("Välj minst en händelse."))]
    )
    submit = SubmitField(_l("Spara"))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.events.choices = [SelectChoice(event.value, event.label) for event in EventType]
