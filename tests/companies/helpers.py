"""Helpers for the company tests: valid org numbers and companies made through the services."""

from itertools import count

from lotsen.companies import services
from lotsen.companies.models import Company
from lotsen.extensions import db

_serial = count(1)

# A valid personnummer (Luhn) used as a sole trader's org number in several tests.
PERSONAL_NUMBER = "19810101-1230"
PERSONAL_DIGITS = "198101011230"
PERSONAL_MASKED = "19810101-XXXX"


def luhn_digit(nine: str) -> str:
    total = 0
    for index, char in enumerate(nine):
        digit = int(char) * (2 if index % 2 == 0 else 1)
        total += digit - 9 if digit > 9 else digit
    return str((10 - total % 10) % 10)


def org_number(prefix: str = "556") -> str:
    """A fresh valid legal person's org number, e.g. '556000-0016'."""
    nine = f"{prefix}{next(_serial):06d}"[:9]
    ten = nine + luhn_digit(nine)
    return f"{ten[:6]}-{ten[6:]}"


def make_company(actor=None, commit=True, **values) -> Company:
    values.setdefault("org_number", org_number())
    values.setdefault("name", "Testföretaget AB")
    company = services.create_company(actor, services.CompanyData(**values))
    if commit:
        db.session.commit()
    return company
