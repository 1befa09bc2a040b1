"""Company services: validation, duplicates, hand edits, tags, contacts, merging, masking."""

from datetime import date

import pytest
from sqlalchemy import func, select

from lotsen.accounts.models import Role
from lotsen.audit.models import AuditEvent
from lotsen.companies import services
from lotsen.companies.models import Company, CompanySniCode, Contact, Tag
from lotsen.companies.phone import InvalidPhoneNumber, format_phone, normalise_phone
from lotsen.extensions import db
from tests.companies.helpers import (
    PERSONAL_DIGITS,
    PERSONAL_MASKED,
    PERSONAL_NUMBER,
    make_company,
    org_number,
)
from tests.factories import UserFactory


def data(**values) -> services.CompanyData:
    values.setdefault("org_number", org_number())
    values.setdefault("name", "Lerums Bygg AB")
    return services.CompanyData(**values)


def history_of(company) -> list[AuditEvent]:
    return list(
        db.session.scalars(
            select(AuditEvent)
            .where(AuditEvent.object_type == "companies", AuditEvent.object_id == company.id)
            .order_by(AuditEvent.id)
        )
    )


def test_create_company_normalises_and_audits(app):
    official = UserFactory()
    company = services.create_company(
        official,
        data(
            org_number="5560125790",
            name="  Lerums   Bygg AB ",
            postal_code="443 30",
            town="Lerum",
            website="www.lerumsbygg.se",
            sni_codes=["41.200", "43210"],
            tags=["Nyetablerat", " nyetablerat ", "Bygg"],
        ),
    )
    db.session.commit()
    assert company.org_number == "5560125790"
    assert not company.is_personal
    assert company.name == "Lerums Bygg AB"
    assert company.postal_code == "44330"
    assert company.website == "https://www.lerumsbygg.se"
    assert [(c.code, c.is_primary, c.section) for c in company.sni_codes] == [
        ("41200", True, "F"),
        ("43210", False, "F"),
    ]
    assert [tag.name for tag in company.tags] == ["bygg", "nyetablerat"]
    assert company.source == "manual"
    assert "name" in company.manually_edited_fields
    assert "status" not in company.manually_edited_fields  # the default, not typed
    [event] = history_of(company)
    assert event.action == "companies.created"
    assert event.actor_id == official.id


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("org_number", "556012-5791", "kontrollsiffran"),
        ("name", "   ", "namn"),
        ("postal_code", "4433", "fem siffror"),
        ("municipality_code", "14411", "fyra siffror"),
        ("website", "inte en adress", "webbadressen"),
        ("sni_codes", ["99999"], "SNI"),
        ("employee_count", -1, "negativt"),
        ("size_class", "7-8", "storleksklass"),
    ],
)
def test_invalid_values_name_the_field(app, field, value, message):
    with pytest.raises(services.CompanyError) as caught:
        services.create_company(None, data(**{field: value}))
    assert caught.value.field == field
    assert message.lower() in str(caught.value).lower()


def test_duplicate_org_number_carries_the_existing_company(app):
    existing = make_company(org_number="556012-5790")
    with pytest.raises(services.DuplicateCompanyError) as caught:
        services.create_company(None, data(org_number="165560125790"))
    assert caught.value.existing_id == existing.id
    assert caught.value.field == "org_number"


def test_sole_trader_is_personal_and_masked_in_the_history(app):
    company = make_company(org_number=PERSONAL_NUMBER, name="Kalles Hantverk")
    assert company.is_personal
    assert company.org_number == PERSONAL_DIGITS
    [event] = history_of(company)
    assert event.changes["org_number"] == PERSONAL_MASKED
    assert PERSONAL_DIGITS[-4:] not in str(event.changes)


def test_display_org_number_masks_for_everyone_but_admins(app):
    company = make_company(org_number=PERSONAL_NUMBER)
    legal = make_company(org_number="5560125790")
    official, coordinator, admin = (
        UserFactory(roles=[r]) for r in (Role.OFFICIAL, Role.COORDINATOR, Role.ADMIN)
    )
    assert services.display_org_number(company, official) == PERSONAL_MASKED
    assert services.display_org_number(company, coordinator) == PERSONAL_MASKED
    assert services.display_org_number(company, admin) == "19810101-1230"
    assert services.display_org_number(legal, official) == "556012-5790"


def test_update_marks_changed_register_fields_as_edited_by_hand(app):
    company = make_company(name="Kafé Lerum", town="Lerum")
    company.manually_edited_fields = []
    db.session.commit()
    changes = services.update_company(
        None,
        company,
        data(
            org_number="ignored",
            name="Kafé Lerum",
            town="Lerum",
            notes="Träffade ägaren",
            sni_codes=["56100"],
        ),
    )
    db.session.commit()
    assert set(changes) == {"notes", "sni_codes"}
    assert company.manually_edited_fields == ["sni_codes"]  # notes are not register data
    assert history_of(company)[-1].changes["sni_codes"] == ["", "56100"]


def test_update_without_changes_records_nothing(app):
    company = make_company(name="Kafé Lerum", town="Lerum", sni_codes=["56100"], tags=["kafé"])
    before = len(history_of(company))
    changes = services.update_company(
        None,
        company,
        data(org_number="x", name="Kafé Lerum", town="Lerum", sni_codes=["56100"], tags=["kafé"]),
    )
    assert changes == {}
    assert len(history_of(company)) == before


def test_org_number_changes_only_when_allowed(app):
    company = make_company(org_number="5560125790")
    other = org_number()
    services.update_company(None, company, data(org_number=other, name=company.name))
    assert company.org_number == "5560125790"
    services.update_company(
        None, company, data(org_number=other, name=company.name), change_org_number=True
    )
    assert company.org_number == other.replace("-", "")


def test_replacing_sni_codes_keeps_positions_unique(app):
    company = make_company(sni_codes=["56100", "47112"])
    services.update_company(
        None, company, data(org_number="x", name=company.name, sni_codes=["47112", "56100"])
    )
    db.session.commit()
    rows = db.session.execute(
        select(CompanySniCode.code, CompanySniCode.position, CompanySniCode.is_primary)
        .where(CompanySniCode.company_id == company.id)
        .order_by(CompanySniCode.position)
    ).all()
    assert rows == [("47112", 0, True), ("56100", 1, False)]


def test_deregistration_date_only_with_status_deregistered(app):
    company = make_company(status="active", deregistered_on=date(2020, 1, 1))
    assert company.deregistered_on is None


def test_tags_are_shared_between_companies(app):
    make_company(tags=["Besöksnäring"])
    make_company(tags=["besöksnäring", "export"])
    assert db.session.scalar(select(func.count()).select_from(Tag)) == 2


# --- Contacts -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "stored", "shown"),
    [
        ("070-123 45 67", "+46701234567", "070-123 45 67"),
        ("+46 70 123 45 67", "+46701234567", "070-123 45 67"),
        ("0046701234567", "+46701234567", "070-123 45 67"),
        ("+46 (0)70-123 45 67", "+46701234567", "070-123 45 67"),
        ("08-123 456 78", "+46812345678", "08-123 456 78"),
        ("0302-52 10 00", "+4630252100" + "0", "0302-52 10 00"),
        ("031-123 45 67", "+46311234567", "031-123 45 67"),
        ("+45 32 12 34 56", "+4532123456", "+4532123456"),
    ],
)
def test_phone_numbers_are_normalised_and_shown_the_swedish_way(raw, stored, shown):
    assert normalise_phone(raw) == stored
    assert format_phone(stored) == shown


@pytest.mark.parametrize("raw", ["070", "tel: 070-123", "123456789", "+46 70 123 45 67 89 01"])
def test_bad_phone_numbers_are_refused(raw):
    with pytest.raises(InvalidPhoneNumber):
        normalise_phone(raw)


def test_contacts_are_validated(app):
    company = make_company()
    with pytest.raises(services.CompanyError) as caught:
        services.add_contact(
            None, company, services.ContactData(name="Anna", data_basis="x", email="anna@")
        )
    assert caught.value.field == "email"
    with pytest.raises(services.CompanyError) as caught:
        services.add_contact(
            None, company, services.ContactData(name="Anna", data_basis="x", phone="12")
        )
    assert caught.value.field == "phone"
    with pytest.raises(services.CompanyError) as caught:
        services.add_contact(None, company, services.ContactData(name="Anna", data_basis=" "))
    assert caught.value.field == "data_basis"


def test_contact_lifecycle_is_in_the_company_history_without_email_or_phone(app):
    company = make_company()
    contact = services.add_contact(
        None,
        company,
        services.ContactData(
            name="Anna Ek",
            role="VD",
            email="Anna.Ek@Foretag.se",
            phone="070-123 45 67",
            data_basis="Kontaktperson",
        ),
    )
    db.session.commit()
    assert contact.phone == "+46701234567"
    assert contact.email == "Anna.Ek@foretag.se"
    services.update_contact(
        None,
        contact,
        services.ContactData(
            name="Anna Ek",
            role="Ägare",
            email="anna@foretag.se",
            phone="070-765 43 21",
            data_basis="Kontaktperson",
        ),
    )
    services.delete_contact(None, contact)
    db.session.commit()
    events = history_of(company)
    assert [e.action for e in events][-3:] == [
        "contacts.created",
        "contacts.updated",
        "contacts.deleted",
    ]
    text = str([e.changes for e in events]) + str([e.summary for e in events])
    assert "701234567" not in text and "765" not in text and "foretag.se" not in text
    assert events[-2].changes["role"] == ["VD", "Ägare"]
    assert db.session.scalar(select(func.count()).select_from(Contact)) == 0


# --- Merging ----------------------------------------------------------------------------------


def test_merge_moves_contacts_tags_and_codes_and_keeps_history(app):
    keep = make_company(name="Lerums Bygg AB", sni_codes=["41200"], tags=["bygg"])
    duplicate = make_company(
        name="Lerums Bygg",
        town="Lerum",
        sni_codes=["43210", "41200"],
        tags=["export"],
        notes="Gammal anteckning",
    )
    services.add_contact(
        None, duplicate, services.ContactData(name="Per", data_basis="Kontaktperson")
    )
    db.session.commit()
    services.merge_companies(UserFactory(roles=[Role.COORDINATOR]), keep, duplicate)
    db.session.commit()
    db.session.expire_all()
    assert [c.name for c in keep.contacts] == ["Per"]
    assert sorted(t.name for t in keep.tags) == ["bygg", "export"]
    assert [c.code for c in keep.sni_codes] == ["41200", "43210"]
    assert keep.town == "Lerum"
    assert keep.notes == "Gammal anteckning"
    assert duplicate.merged_into_id == keep.id
    assert services.resolve_merged(duplicate).id == keep.id
    assert history_of(duplicate)[-1].action == "companies.merged_away"
    assert history_of(keep)[-1].action == "companies.merged"
    assert services.count_companies() == 1


def test_merge_refuses_itself_and_merged_companies(app):
    keep = make_company()
    other = make_company()
    with pytest.raises(services.CompanyError):
        services.merge_companies(None, keep, keep)
    services.merge_companies(None, keep, other)
    with pytest.raises(services.CompanyError):
        services.merge_companies(None, keep, other)


def test_merge_candidate_is_found_by_number_id_or_address(app):
    keep = make_company()
    other = make_company(org_number="5560125790")
    assert services.find_merge_candidate("556012-5790", keep).id == other.id
    assert services.find_merge_candidate(str(other.id), keep).id == other.id
    assert services.find_merge_candidate(f"http://x/foretag/{other.id}", keep).id == other.id
    assert services.find_merge_candidate("inget", keep) is None


def test_company_model_is_unique_on_number_and_suffix(app):
    make_company(org_number="5560125790")
    db.session.add(Company(org_number="5560125790", registration_suffix=1, name="B", sort_name="b"))
    db.session.commit()  # another registration of the same number is fine
    db.session.add(Company(org_number="5560125790", name="C", sort_name="c"))
    with pytest.raises(Exception, match="(?i)unique|duplicate"):
        db.session.commit()
    db.session.rollback()
