"""Swedish telephone numbers: typed any common way, stored as +46…, shown the Swedish way.

Parsing, validation and the Swedish grouping come from `phonenumbers` (Google's libphonenumber
and its numbering-plan metadata). "070-123 45 67", "+46 70 123 45 67", "0046701234567" and
"+46 (0)70-123 45 67" are all stored as "+46701234567" (E.164) and shown as "070-123 45 67";
"08-123 45 67" is stored as "+4681234567". Numbers from other countries are kept, and shown, in
international form.
"""

import re

import phonenumbers
from flask_babel import gettext as _
from phonenumbers import NumberParseException, PhoneNumberFormat, ValidationResult

SWEDEN = "SE"
SWEDISH_PREFIX = "+46"
# Longer than any number written with spaces, dashes and a "(0)"; a longer text is refused
# before it is parsed.
MAX_LENGTH = 40
ALLOWED_CHARACTERS = re.compile(r"^\+?[0-9 ()./-]+$")
WRONG_LENGTH = {
    ValidationResult.TOO_SHORT,
    ValidationResult.TOO_LONG,
    ValidationResult.INVALID_LENGTH,
}


class InvalidPhoneNumber(ValueError):
    """The text is not a telephone number; the message is for the user (Swedish)."""


def normalise_phone(raw: str) -> str:
    """Return the number as "+46701234567" (E.164), or raise InvalidPhoneNumber."""
    text = (raw or "").strip()
    if not text or len(text) > MAX_LENGTH or not ALLOWED_CHARACTERS.match(text):
        raise InvalidPhoneNumber(
            _("Skriv telefonnumret med siffror, till exempel 070-123 45 67 eller +46 70 123 45 67.")
        )
    if not text.startswith(("+", "0")):
        # Without the area code a local number would be guessed at; ask for it instead.
        raise InvalidPhoneNumber(
            _("Börja med riktnumret (0…) eller landsnumret (+46), till exempel 070-123 45 67.")
        )
    try:
        number = phonenumbers.parse(text, SWEDEN)
    except NumberParseException as error:
        raise InvalidPhoneNumber(_("Telefonnumret har för få eller för många siffror.")) from error
    if not phonenumbers.is_valid_number(number):
        raise InvalidPhoneNumber(invalid_number_message(number))
    return phonenumbers.format_number(number, PhoneNumberFormat.E164)


def invalid_number_message(number: phonenumbers.PhoneNumber) -> str:
    """Why a parsed number is not valid, in words the user can act on."""
    if number.country_code != 46:
        return _("Telefonnumret har för få eller för många siffror.")
    if phonenumbers.is_possible_number_with_reason(number) in WRONG_LENGTH:
        return _("Ett svenskt telefonnummer har 8–10 siffror med riktnumret.")
    return _("Numret finns inte i den svenska nummerplanen. Kontrollera riktnumret.")


def format_phone(stored: str | None) -> str:
    """Show a stored number the Swedish way: "070-123 45 67", "08-123 45 67", "0302-52 10 00".

    A number from another country, or one the numbering plan does not know (stored before the
    plan was checked), is shown as stored."""
    if not stored:
        return ""
    if not stored.startswith(SWEDISH_PREFIX):
        return stored
    try:
        number = phonenumbers.parse(stored, None)
    except NumberParseException:
        return stored
    if not phonenumbers.is_valid_number(number):
        return stored
    return phonenumbers.format_number(number, PhoneNumberFormat.NATIONAL)
