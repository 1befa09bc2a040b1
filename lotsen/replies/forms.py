from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import SelectChoice, SelectField, StringField, SubmitField, TextAreaField
from wtforms.validators import DataRequired, Length

from lotsen.accounts.forms import strip
from lotsen.replies.models import BODY_MAX, TITLE_MAX


def optional_id(value):
    """A select's value as an int, or None for the empty choice (never raises)."""
    if value in (None, ""):
        return None
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


class SavedReplyForm(FlaskForm):
    title = StringField(
        _l("Rubrik"),
        filters=[strip],
        validators=[
            DataRequired(message=_l("Skriv en rubrik för mallen.")),
            Length(max=TITLE_MAX, message=_l("Rubriken får vara högst 120 tecken.")),
        ],
    )
    category_id = SelectField(
        _l("Kategori"),
        coerce=optional_id,
        validate_choice=False,
        description=_l("Lämna tom för en allmän mall som erbjuds i alla ärenden."),
    )
    body = TextAreaField(
        _l("Text"),
        filters=[strip],
        validators=[
            DataRequired(message=_l("Skriv mallens text.")),
            Length(max=BODY_MAX, message=_l("Texten får vara högst 5 000 tecken.")),
        ],
    )
    submit = SubmitField(_l("Spara mallen"))

    def offer_categories(self, categories) -> None:
        self.category_id.choices = [SelectChoice("", _l("Alla kategorier (allmän mall)"))] + [
            SelectChoice(category.id, category.name) for category in categories
        ]


class ArchiveForm(FlaskForm):
    submit = SubmitField(_l("Arkivera"))
