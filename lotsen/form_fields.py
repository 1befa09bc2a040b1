"""Form fields shared by every domain's forms."""

import wtforms
from flask_babel import lazy_gettext as _l

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
