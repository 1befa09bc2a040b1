"""Swedish organisation numbers (organisationsnummer) and personal identity numbers used as such.

A legal person has a 10-digit number whose digits 3-4 are 20 or more. A sole trader (enskild
näringsidkare) uses the owner's personnummer (or samordningsnummer, day + 60) instead: that is
personal data, stored as 12 digits YYYYMMDDNNNN and shown masked to everyone but admins.

The check digit is the Luhn digit of the last ten digits (the algorithm of `stdnum.luhn`, which
`stdnum.se.orgnr` and `stdnum.se.personnummer` use). The parsers call `normalise_org_number` for
every row of files with millions of rows, so the arithmetic here is a small table-driven loop;
the tests check it against python-stdnum for many numbers.
"""

from __future__ import annotations

import datetime
import re
from dataclasses import dataclass

from flask_babel import lazy_gettext as _l


class InvalidOrgNumber(ValueError):
    """Not a valid organisation number or personnummer; the message is translated (sv default)."""


# Luhn: a digit at an even position from the left of a 10-digit number is doubled.
_DOUBLED = (0, 2, 4, 6, 8, 1, 3, 5, 7, 9)
_DIGITS = frozenset("0123456789")
_PLAIN = frozenset("0123456789-+")  # the forms register files use: no tidying needed

MESSAGE_EMPTY = _l("Organisationsnummer saknas")
MESSAGE_CHARACTERS = _l(
    "Ogiltigt organisationsnummer: får bara innehålla siffror och ett bindestreck"
)
MESSAGE_LENGTH = _l("Ogiltigt organisationsnummer: ska ha 10 eller 12 siffror")
MESSAGE_CHECK_DIGIT = _l("Ogiltigt organisationsnummer: kontrollsiffran stämmer inte")
MESSAGE_DATE = _l("Ogiltigt personnummer: födelsedatumet finns inte")
MESSAGE_PREFIX = _l("Ogiltigt organisationsnummer: 12 siffror ska börja med 16, 18, 19 eller 20")
MESSAGE_PREFIX_16 = _l(
    "Ogiltigt organisationsnummer: prefixet 16 används bara för juridiska personer"
)
MESSAGE_CENTURY = _l("Ogiltigt organisationsnummer: ett organisationsnummer har inget sekelprefix")
MESSAGE_SEPARATOR = _l("Ogiltigt organisationsnummer: bindestrecket står på fel plats")
MESSAGE_PLUS = _l("Ogiltigt personnummer: plustecken används bara i den tiosiffriga formen")

# The first digit of a legal person's number hints at its legal form (Skatteverket SKV 709).
GROUP_DIGIT_HINTS = {
    "1": "Dödsbo",
    "2": "Stat, kommun eller region",
    "3": "Utländskt företag",
    "5": "Aktiebolag",
    "6": "Enkelt bolag",
    "7": "Ekonomisk förening eller bostadsrättsförening",
    "8": "Ideell förening eller stiftelse",
    "9": "Handelsbolag eller kommanditbolag",
}

# Bolagsverket's organisationsform codes: the part before "-ORGFO" in the bulk file, the same
# codes as `organisationsform.kod` in Bolagsverket's API "Värdefulla datamängder".
BOLAGSVERKET_LEGAL_FORMS: dict[str, str] = {
    "AB": "Aktiebolag",
    "BAB": "Bankaktiebolag",
    "BF": "Bostadsförening",
    "BFL": "Utländsk banks filial",
    "BRF": "Bostadsrättsförening",
    "E": "Enskild näringsverksamhet",
    "EB": "Enkla bolag",
    "EEIG": "Europeisk ekonomisk intressegruppering",
    "EGTS": "Europeisk gruppering för territoriellt samarbete",
    "EK": "Ekonomisk förening",
    "FAB": "Försäkringsaktiebolag",
    "FF": "Försäkringsförmedlare",
    "FL": "Filial",
    "FOF": "Försäkringsförening",
    "HB": "Handelsbolag",
    "I": "Ideell förening som bedriver näringsverksamhet",
    "KB": "Kommanditbolag",
    "KHF": "Kooperativ hyresrättsförening",
    "MB": "Medlemsbank",
    "OFB": "Ömsesidigt försäkringsbolag",
    "OTPB": "Ömsesidigt tjänstepensionsbolag",
    "S": "Stiftelse som bedriver näringsverksamhet",
    "SB": "Sparbank",
    "SCE": "Europakooperativ",
    "SE": "Europabolag",
    "SF": "Sambruksförening",
    "TPAB": "Tjänstepensionsaktiebolag",
    "TPF": "Tjänstepensionsförening",
    "TSF": "Trossamfund som bedriver näringsverksamhet",
}
# Legal forms that exist only in SCB's register (not registered at Bolagsverket). These codes
# are Lotsen's own, chosen not to collide with Bolagsverket's.
OTHER_LEGAL_FORMS: dict[str, str] = {
    "DB": "Dödsbo",
    "K": "Kommun",
    "KF": "Kommunalförbund",
    "REG": "Region",
    "STAT": "Statlig enhet",
    "SAM": "Samfällighet",
    "UTL": "Utländsk juridisk person",
    "OVR": "Övrig juridisk person",
}
LEGAL_FORMS: dict[str, str] = {**BOLAGSVERKET_LEGAL_FORMS, **OTHER_LEGAL_FORMS}
# Other spellings accepted on input (plain CSV files, older exports).
LEGAL_FORM_ALIASES = {"EF": "E", "ENSKILD FIRMA": "E", "EKFÖR": "EK", "STIFT": "S"}

# SCB's JurForm codes (Företagsregistret, "juridisk form") mapped to the codes above.
SCB_LEGAL_FORMS: dict[str, str] = {
    "10": "E",  # Fysiska personer
    "21": "EB",  # Enkla bolag
    "22": "OVR",  # Partrederier
    "23": "OVR",  # Värdepappersfonder
    "31": "HB",  # Handelsbolag, kommanditbolag
    "32": "OVR",  # Gruvbolag
    "41": "BAB",  # Bankaktiebolag
    "42": "FAB",  # Försäkringsaktiebolag
    "43": "SE",  # Europabolag
    "49": "AB",  # Övriga aktiebolag
    "51": "EK",  # Ekonomiska föreningar
    "53": "BRF",  # Bostadsrättsföreningar
    "54": "KHF",  # Kooperativa hyresrättsföreningar
    "55": "SCE",  # Europakooperativ, EGTS
    "61": "I",  # Ideella föreningar
    "62": "SAM",  # Samfällighetsföreningar, vägföreningar, vägsamfälligheter
    "63": "TSF",  # Registrerade trossamfund
    "71": "S",  # Familjestiftelser
    "72": "S",  # Övriga stiftelser och fonder
    "81": "STAT",  # Statliga enheter
    "82": "K",  # Kommuner
    "83": "KF",  # Kommunalförbund
    "84": "REG",  # Regioner
    "85": "STAT",  # Allmänna försäkringskassor
    "86": "TSF",  # Enheter inom svenska kyrkan
    "87": "OVR",  # Offentliga korporationer och anstalter
    "88": "OVR",  # Hypoteksföreningar
    "89": "STAT",  # Regionala statliga myndigheter
    "91": "DB",  # Dödsbon
    "92": "OFB",  # Ömsesidiga försäkringsbolag
    "93": "SB",  # Sparbanker
    "94": "FOF",  # Understödsföreningar (försäkringsföreningar)
    "95": "OVR",  # Arbetslöshetskassor
    "96": "UTL",  # Utländska juridiska personer
    "98": "OVR",  # Övriga svenska juridiska personer bildade enligt särskild lagstiftning
    "99": "OVR",  # Juridisk form ej utredd
}


def legal_form_code(raw: str | None) -> str | None:
    """The LEGAL_FORMS key for a Bolagsverket code ("AB-ORGFO"), a code ("ab") or an alias
    ("EF"); None when empty or unknown."""
    if not raw:
        return None
    code = raw.strip().upper()
    if code.endswith("-ORGFO"):
        code = code[:-6]
    code = LEGAL_FORM_ALIASES.get(code, code)
    return code if code in LEGAL_FORMS else None


@dataclass(frozen=True, slots=True)
class OrgNumber:
    """A validated organisation number in its stored form (see module docstring)."""

    value: str
    is_personal: bool

    @property
    def formatted(self) -> str:
        """'556012-5790' or '19810101-1234'."""
        return f"{self.value[:-4]}-{self.value[-4:]}"

    @property
    def masked(self) -> str:
        """The formatted number, with the last four digits of a personnummer hidden."""
        if self.is_personal:
            return f"{self.value[:-4]}-XXXX"
        return self.formatted

    @property
    def group_digit_hint(self) -> str | None:
        """The legal-form hint given by the first digit of a legal person's number."""
        if self.is_personal:
            return None
        return GROUP_DIGIT_HINTS.get(self.value[0])

    def __str__(self) -> str:
        return self.masked


def luhn_is_valid(ten_digits: str) -> bool:
    """Whether a string of ten ASCII digits has a correct Luhn check digit."""
    pairs = _LUHN_PAIRS
    return (
        pairs[ten_digits[0:2]]
        + pairs[ten_digits[2:4]]
        + pairs[ten_digits[4:6]]
        + pairs[ten_digits[6:8]]
        + pairs[ten_digits[8:10]]
    ) % 10 == 0


# The Luhn contribution of each pair of digits "ab": a doubled (digit sum), b as it is.
_LUHN_PAIRS = {f"{a}{b}": _DOUBLED[a] + b for a in range(10) for b in range(10)}


# How people type the dash: hyphen, non-breaking hyphen, figure dash, en dash, em dash, minus.
_DASHES = str.maketrans(dict.fromkeys("\u2010\u2011\u2012\u2013\u2014\u2015\u2212", "-"))
_SPACES = re.compile(r"[\s\u00a0\u2007\u202f]+")
# The VAT number (momsregistreringsnummer): "SE", the ten digits, "01".
_VAT_NUMBER = re.compile(r"^SE([0-9]{10})01$", re.IGNORECASE)


def _tidy(text: str) -> str:
    """The number as typed, with spaces removed, every dash made "-" and a VAT number's "SE" and
    "01" taken away: `556012 5790`, `556012–5790`, `556 012-5790`, `SE556012579001`."""
    text = _SPACES.sub("", text.translate(_DASHES))
    vat = _VAT_NUMBER.match(text.replace("-", ""))
    if vat and text[:2].upper() == "SE":
        return vat.group(1)
    return text


def normalise_org_number(raw: str) -> OrgNumber:
    """Validate an organisation number or personnummer and return its normalised form.

    Accepts 10 or 12 digits, with or without the dash before the last four digits, a "16"
    prefix for legal persons, the century for personnummer, and "+" for people aged 100 or more.
    Spaces (also non-breaking), any kind of dash and the VAT form (SE…01) are accepted as people
    type them. Raises InvalidOrgNumber with a Swedish message.
    """
    text = raw.strip() if raw else ""
    if not text:
        raise InvalidOrgNumber(MESSAGE_EMPTY)
    if not _PLAIN.issuperset(text):
        text = _tidy(text)
    separator = ""
    if len(text) > 5 and text[-5] in "-+":
        separator = text[-5]
        text = text[:-5] + text[-4:]
    if not _DIGITS.issuperset(text):
        if "-" in text or "+" in text:
            raise InvalidOrgNumber(MESSAGE_SEPARATOR)
        raise InvalidOrgNumber(MESSAGE_CHARACTERS)
    length = len(text)
    if length == 10:
        ten, century = text, None
    elif length == 12:
        century, ten = text[:2], text[2:]
        if century not in ("16", "18", "19", "20"):
            raise InvalidOrgNumber(MESSAGE_PREFIX)
    else:
        raise InvalidOrgNumber(MESSAGE_LENGTH)
    if not luhn_is_valid(ten):
        raise InvalidOrgNumber(MESSAGE_CHECK_DIGIT)
    if separator == "+" and (century is not None or ten[2] >= "2"):
        raise InvalidOrgNumber(MESSAGE_PLUS)
    if ten[2] >= "2":
        # Legal person: digits 3-4 are 20 or more.
        if century not in (None, "16"):
            raise InvalidOrgNumber(MESSAGE_CENTURY)
        return OrgNumber(ten, False)
    if century == "16":
        raise InvalidOrgNumber(MESSAGE_PREFIX_16)
    if century is None:
        century = _infer_century(ten[:2], centenarian=separator == "+")
    full = century + ten
    _check_birth_date(full)
    return OrgNumber(full, True)


def is_personal_number(raw: str) -> bool:
    """Whether `raw` is a valid personnummer/samordningsnummer (a sole trader's number)."""
    try:
        return normalise_org_number(raw).is_personal
    except InvalidOrgNumber:
        return False


def _infer_century(two_digit_year: str, *, centenarian: bool) -> str:
    """The century of a 10-digit personnummer: the latest one not in the future, minus 100
    years when the separator was "+" (as in stdnum.se.personnummer)."""
    this_year = datetime.date.today().year
    century = this_year // 100
    if int(two_digit_year) > this_year % 100:
        century -= 1
    if centenarian:
        century -= 1
    return str(century)


def _check_birth_date(twelve_digits: str) -> None:
    year = int(twelve_digits[:4])
    month = int(twelve_digits[4:6])
    day = int(twelve_digits[6:8])
    if day > 60:  # samordningsnummer: day of birth + 60
        day -= 60
    try:
        datetime.date(year, month, day)
    except ValueError:
        raise InvalidOrgNumber(MESSAGE_DATE) from None


# 12 digits (with century 18/19/20) or 10 digits, optional -/+ before the last four, where the
# month position holds 00-19 (i.e. not a legal person). Not preceded or followed by a digit.
_PERSONAL_NUMBER_PATTERN = re.compile(
    r"(?<![0-9])((?:18|19|20)?)([0-9]{2}[01][0-9][0-9]{2})([-+]?)([0-9]{4})(?![0-9])"
)


def mask_personal_numbers(text: str) -> str:
    """Replace everything in `text` that looks like a personnummer by its masked form.

    Generous on purpose: a 12-digit form or a form with "-"/"+" is masked whether or not its
    check digit is right (a mistyped personnummer is still personal data). A bare run of ten
    digits is masked only when its check digit is right, so that most phone numbers such as
    0701234566 survive.
    """
    if not text:
        return text
    return _PERSONAL_NUMBER_PATTERN.sub(_mask_match, text)


def _mask_match(match: re.Match[str]) -> str:
    century, date_part, separator, last_four = match.groups()
    if not century and not separator and not luhn_is_valid(date_part + last_four):
        return match.group(0)
    return f"{century}{date_part}{separator or '-'}XXXX"
