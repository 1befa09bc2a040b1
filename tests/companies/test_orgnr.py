"""Organisation numbers and personnummer: normalising, validating, masking, legal-form hints."""

import datetime
import random

import pytest
from stdnum import luhn
from stdnum.se import orgnr as stdnum_orgnr
from stdnum.se import personnummer as stdnum_personnummer

from lotsen.companies.orgnr import (
    LEGAL_FORMS,
    SCB_LEGAL_FORMS,
    InvalidOrgNumber,
    OrgNumber,
    is_personal_number,
    legal_form_code,
    luhn_is_valid,
    mask_personal_numbers,
    normalise_org_number,
)

# 556012-5790 is a real organisation number; the personnummer are made up (valid check digits).
PERSONAL = "198101011230"  # 19810101-1230


@pytest.mark.parametrize(
    "raw",
    [
        "5560125790",
        "556012-5790",
        "16556012-5790",
        "165560125790",
        "  556012-5790\n",
        "\t5560125790",
    ],
)
def test_every_written_form_of_a_legal_persons_number_gives_the_same_stored_value(raw):
    number = normalise_org_number(raw)

    assert number == OrgNumber("5560125790", is_personal=False)
    assert number.formatted == "556012-5790"
    assert number.masked == "556012-5790"


@pytest.mark.parametrize(
    "raw", ["198101011230", "19810101-1230", "810101-1230", "8101011230", " 810101-1230 "]
)
def test_personnummer_is_a_sole_trader_stored_with_twelve_digits(raw):
    number = normalise_org_number(raw)

    assert number.value == PERSONAL
    assert number.is_personal
    assert number.formatted == "19810101-1230"
    assert number.masked == "19810101-XXXX"
    assert str(number) == "19810101-XXXX"
    assert number.group_digit_hint is None


def test_a_plus_sign_means_a_hundred_years_older():
    assert normalise_org_number("810101+1230").value == "188101011230"


def test_century_of_a_ten_digit_personnummer_is_the_latest_one_not_in_the_future():
    next_year = (datetime.date.today().year + 1) % 100
    nine = f"{next_year:02d}0101123"
    number = normalise_org_number(nine + luhn.calc_check_digit(nine))

    assert number.value.startswith(str(datetime.date.today().year // 100 - 1))


def test_samordningsnummer_day_plus_sixty_is_accepted_as_personal():
    nine = "810161123"
    number = normalise_org_number(nine + luhn.calc_check_digit(nine))

    assert number.is_personal
    assert number.value == "19" + nine + luhn.calc_check_digit(nine)


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        ("5560125791", "Ogiltigt organisationsnummer: kontrollsiffran stämmer inte"),
        ("198101011231", "Ogiltigt organisationsnummer: kontrollsiffran stämmer inte"),
        ("556012579", "Ogiltigt organisationsnummer: ska ha 10 eller 12 siffror"),
        ("55601257900", "Ogiltigt organisationsnummer: ska ha 10 eller 12 siffror"),
        (
            "556O125790",
            "Ogiltigt organisationsnummer: får bara innehålla siffror och ett bindestreck",
        ),
        ("5560-125790", "Ogiltigt organisationsnummer: bindestrecket står på fel plats"),
        ("", "Organisationsnummer saknas"),
        ("   ", "Organisationsnummer saknas"),
        (
            "175560125790",
            "Ogiltigt organisationsnummer: 12 siffror ska börja med 16, 18, 19 eller 20",
        ),
        (
            "195560125790",
            "Ogiltigt organisationsnummer: ett organisationsnummer har inget sekelprefix",
        ),
        (
            "168101011230",
            "Ogiltigt organisationsnummer: prefixet 16 används bara för juridiska personer",
        ),
        ("556012+5790", "Ogiltigt personnummer: plustecken används bara i den tiosiffriga formen"),
        (
            "19810101+1230",
            "Ogiltigt personnummer: plustecken används bara i den tiosiffriga formen",
        ),
    ],
)
def test_invalid_numbers_are_refused_with_a_swedish_message(raw, message):
    with pytest.raises(InvalidOrgNumber) as error:
        normalise_org_number(raw)

    assert str(error.value) == message


def test_a_personnummer_whose_date_does_not_exist_is_refused():
    nine = "810231123"  # 31 February
    with pytest.raises(InvalidOrgNumber, match="födelsedatumet finns inte"):
        normalise_org_number(nine + luhn.calc_check_digit(nine))


def test_the_check_digit_agrees_with_python_stdnum():
    generator = random.Random(2007)
    for _ in range(5000):
        digits = f"{generator.randrange(10**10):010d}"
        assert luhn_is_valid(digits) == luhn.is_valid(digits)


def test_validation_agrees_with_stdnum_orgnr_and_personnummer():
    generator = random.Random(1441)
    for _ in range(3000):
        nine = f"{generator.randrange(10**9):09d}"
        digits = nine + generator.choice(
            [luhn.calc_check_digit(nine), str(generator.randrange(10))]
        )
        if digits[2] >= "2":
            expected = stdnum_orgnr.is_valid(digits)
        else:
            expected = stdnum_personnummer.is_valid(digits) or _is_samordningsnummer(digits)
        assert is_personal_number(digits) == (expected and digits[2] < "2")
        try:
            normalise_org_number(digits)
            accepted = True
        except InvalidOrgNumber:
            accepted = False
        assert accepted == expected, digits


def _is_samordningsnummer(digits):
    day = int(digits[4:6])
    if day <= 60:
        return False
    normal = digits[:4] + f"{day - 60:02d}" + digits[6:9]
    return luhn.is_valid(digits) and stdnum_personnummer.is_valid(
        normal + luhn.calc_check_digit(normal)
    )


@pytest.mark.parametrize(
    ("first_digit", "hint"),
    [
        ("2", "Stat, kommun eller region"),
        ("5", "Aktiebolag"),
        ("7", "Ekonomisk förening eller bostadsrättsförening"),
        ("8", "Ideell förening eller stiftelse"),
        ("9", "Handelsbolag eller kommanditbolag"),
    ],
)
def test_the_first_digit_hints_at_the_legal_form(first_digit, hint):
    nine = first_digit + "59123456"
    number = normalise_org_number(nine + luhn.calc_check_digit(nine))

    assert number.group_digit_hint == hint


def test_mask_personal_numbers_hides_the_last_four_digits_in_free_text():
    text = (
        "Ägare 198101011230, även 19810101-1230 och 810101-1230; "
        "felskrivet 810101-1239; bolaget 556012-5790 och 5560125790"
    )

    masked = mask_personal_numbers(text)

    assert masked == (
        "Ägare 19810101-XXXX, även 19810101-XXXX och 810101-XXXX; "
        "felskrivet 810101-XXXX; bolaget 556012-5790 och 5560125790"
    )


def test_mask_personal_numbers_masks_packed_register_values_but_keeps_phone_numbers():
    assert mask_personal_numbers('"198101011230$PERSON-IDORG";"1"') == (
        '"19810101-XXXX$PERSON-IDORG";"1"'
    )
    assert mask_personal_numbers("8101011230") == "810101-XXXX"
    assert mask_personal_numbers("ring 0701234567 eller 031-123 45 67") == (
        "ring 0701234567 eller 031-123 45 67"
    )
    assert mask_personal_numbers("") == ""


def test_legal_form_codes_accept_bolagsverket_suffixes_and_aliases():
    assert legal_form_code("AB-ORGFO") == "AB"
    assert legal_form_code("brf") == "BRF"
    assert legal_form_code("EF") == "E"
    assert legal_form_code("XYZ") is None
    assert legal_form_code(None) is None
    assert LEGAL_FORMS["E"] == "Enskild näringsverksamhet"
    assert LEGAL_FORMS["K"] == "Kommun"


def test_every_scb_legal_form_maps_to_a_known_label():
    assert set(SCB_LEGAL_FORMS.values()) <= set(LEGAL_FORMS)
    assert SCB_LEGAL_FORMS["49"] == "AB"
    assert SCB_LEGAL_FORMS["10"] == "E"
    assert SCB_LEGAL_FORMS["53"] == "BRF"
    assert SCB_LEGAL_FORMS["82"] == "K"


@pytest.mark.parametrize(
    "raw",
    [
        "556012 5790",
        "556012–5790",  # en dash
        "556012—5790",  # em dash
        "556012\u22125790",  # minus sign
        "556 012-5790",
        "556 012 57 90",
        "556012\u00a05790",  # non-breaking space
        "556012\u202f5790",  # narrow non-breaking space
        "16 556012-5790",
        "SE556012579001",
        "se556012579001",
        "SE 556012-5790 01",
    ],
)
def test_numbers_typed_with_spaces_dashes_or_as_a_vat_number_are_understood(raw):
    assert normalise_org_number(raw) == OrgNumber("5560125790", is_personal=False)


def test_a_personnummer_with_a_space_or_an_en_dash_is_still_personal():
    assert normalise_org_number("19810101 1230").value == PERSONAL
    assert normalise_org_number("810101–1230").value == PERSONAL


@pytest.mark.parametrize("raw", ["SE556012579002", "SE5560125791 01", "NO556012579001"])
def test_a_wrong_vat_number_is_still_refused(raw):
    with pytest.raises(InvalidOrgNumber):
        normalise_org_number(raw)
