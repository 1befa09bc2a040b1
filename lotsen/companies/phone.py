"""Swedish telephone numbers: typed any common way, stored as +46…, shown the Swedish way.

"070-123 45 67", "+46 70 123 45 67", "0046701234567" and "+46 (0)70-123 45 67" are all stored
as "+46701234567" and shown as "070-123 45 67". Numbers from other countries are kept in
international form.
"""

import re

# Area codes with two and three digits (including the leading 0); all others have four.
# Mobile numbers (07X) are grouped like three-digit area codes.
TWO_DIGIT_AREA_CODES = {"08"}
THREE_DIGIT_AREA_CODES = {
    "010", "011", "013", "016", "018", "019", "020", "021", "023", "026", "031", "033", "035",
    "036", "040", "042", "044", "046", "054", "060", "063", "070", "072", "073", "074", "075",
    "076", "077", "078", "079", "090",
}  # fmt: skip
ALLOWED_CHARACTERS = re.compile(r"^\+?[0-9 ()./-]+$")


class InvalidPhoneNumber(ValueError):
    """The text is not a telephone number; the message is for the user (Swedish)."""


def normalise_phone(raw: str) -> str:
    """Return the number as "+46701234567" (E.164), or raise InvalidPhoneNumber."""
    from flask_babel import gettext as _

    text = (raw or "").strip()
    if not text or not ALLOWED_CHARACTERS.match(text):
        raise InvalidPhoneNumber(
            _("Skriv telefonnumret med siffror, till exempel 070-123 45 67 eller +46 70 123 45 67.")
        )
    text = text.replace("(0)", "")
    digits = re.sub(r"[^0-9]", "", text)
    if text.startswith("+"):
        international = digits
    elif digits.startswith("00"):
        international = digits[2:]
    elif digits.startswith("0"):
        international = "46" + digits[1:]
    else:
        raise InvalidPhoneNumber(
            _("Börja med riktnumret (0…) eller landsnumret (+46), till exempel 070-123 45 67.")
        )
    if international.startswith("46"):
        national = international[2:].lstrip("0")
        if not 7 <= len(national) <= 9:
            raise InvalidPhoneNumber(
                _("Ett svenskt telefonnummer har 8–10 siffror med riktnumret.")
            )
        return "+46" + national
    if not 8 <= len(international) <= 15:
        raise InvalidPhoneNumber(_("Telefonnumret har för få eller för många siffror."))
    return "+" + international


def format_phone(stored: str | None) -> str:
    """Show a stored number the Swedish way: "070-123 45 67", "08-123 456 78"."""
    if not stored:
        return ""
    if not stored.startswith("+46"):
        return stored
    national = "0" + stored[3:]
    if national[:2] in TWO_DIGIT_AREA_CODES:
        area, rest = national[:2], national[2:]
    elif national[:3] in THREE_DIGIT_AREA_CODES:
        area, rest = national[:3], national[3:]
    else:
        area, rest = national[:4], national[4:]
    return f"{area}-{group_subscriber_number(rest)}"


def group_subscriber_number(digits: str) -> str:
    """Group the digits after the area code: 5 → "123 45", 6 → "12 34 56", 7 → "123 45 67",
    8 → "123 456 78"."""
    groups = {5: (3, 2), 6: (2, 2, 2), 7: (3, 2, 2), 8: (3, 3, 2)}.get(len(digits))
    if groups is None:
        return digits
    parts, start = [], 0
    for size in groups:
        parts.append(digits[start : start + size])
        start += size
    return " ".join(parts)
