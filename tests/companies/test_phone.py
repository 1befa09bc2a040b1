"""Swedish telephone numbers, as people type them, checked against the numbering plan."""

import pytest

from lotsen.companies.phone import InvalidPhoneNumber, format_phone, normalise_phone


@pytest.mark.parametrize(
    ("raw", "stored", "shown"),
    [
        ("08-123 45 67", "+4681234567", "08-123 45 67"),
        ("08-1234567", "+4681234567", "08-123 45 67"),
        ("070-123 45 67", "+46701234567", "070-123 45 67"),
        ("0701234567", "+46701234567", "070-123 45 67"),
        ("+46 70 123 45 67", "+46701234567", "070-123 45 67"),
        ("+46 070 123 45 67", "+46701234567", "070-123 45 67"),
        ("+46 8 123 45 67", "+4681234567", "08-123 45 67"),
        ("0046 70 123 45 67", "+46701234567", "070-123 45 67"),
        ("0046-8-123 45 67", "+4681234567", "08-123 45 67"),
        ("0046 (0)8 123 45 67", "+4681234567", "08-123 45 67"),
        ("0302-52 10 00", "+46302521000", "0302-52 10 00"),
        ("0302-123 45", "+4630212345", "0302-123 45"),
        ("010-123 45 67", "+46101234567", "010-123 45 67"),
        ("  070.123.45.67  ", "+46701234567", "070-123 45 67"),
    ],
)
def test_swedish_numbers_are_stored_in_international_form_and_shown_the_swedish_way(
    raw, stored, shown
):
    assert normalise_phone(raw) == stored
    assert format_phone(stored) == shown


def test_a_number_from_another_country_is_kept_and_shown_in_international_form():
    assert normalise_phone("+1 650 253 0000") == "+16502530000"
    assert format_phone("+16502530000") == "+16502530000"


@pytest.mark.parametrize(
    ("raw", "says"),
    [
        ("", "Skriv telefonnumret med siffror"),
        ("070 123 abc", "Skriv telefonnumret med siffror"),
        ("tel: 070-123", "Skriv telefonnumret med siffror"),
        ("0" * 41, "Skriv telefonnumret med siffror"),
        ("701234567", "Börja med riktnumret"),
        ("08-1", "8–10 siffror"),
        ("070-123 45 67 89 01", "8–10 siffror"),
        ("070-123 45 67 8", "nummerplanen"),
        ("0046", "för få eller för många siffror"),
        ("+", "Skriv telefonnumret med siffror"),
        ("+999 123 456", "för få eller för många siffror"),
        ("+45 1", "för få eller för många siffror"),
    ],
)
def test_a_number_that_is_not_one_is_refused_with_a_swedish_reason(raw, says):
    with pytest.raises(InvalidPhoneNumber) as caught:
        normalise_phone(raw)
    assert says in str(caught.value)


@pytest.mark.parametrize("stored", [None, ""])
def test_no_number_is_shown_as_nothing(stored):
    assert format_phone(stored) == ""


def test_a_stored_swedish_number_the_plan_does_not_know_is_shown_as_stored():
    assert format_phone("+46123") == "+46123"
