"""Form fields shared by every domain's forms."""

import wtforms
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms.widgets import CheckboxInput, ListWidget

TOO_LONG = _l("Talet är för stort.")


class IntegerField(wtforms.IntegerField):
    """WTForms' IntegerField, refusing numbers of more than 18 digits as input errors.

    Python reads any length of digits, but NumberRange compares through math.isnan, which
    raises OverflowError for an integer beyond a float's range (a 309-digit value was a 500).
    """

    MAX_DIGITS = 18

    def process_formdata(self, valuelist):
        if valuelist and len(str(valuelist[0]).strip().lstrip("+-")) > self.MAX_DIGITS:
            self.data = None
            raise ValueError(TOO_LONG)
        super().process_formdata(valuelist)


def optional_int(value):
    """Coerce a select's value to int; the empty 'choose…' option becomes None."""
    if value is None or value == "":
        return None
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


class CheckboxListField(wtforms.SelectMultipleField):
    """A multiple choice shown as a list of checkboxes."""

    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


class ConfirmForm(FlaskForm):
    """An empty form: only its CSRF token matters (for buttons that change state)."""
