"""A page for a record that does not exist is the Swedish 404 page, in every domain that loads
records by id (admin, strategy, triage, visits, team)."""

import pytest

from lotsen.accounts.models import Role

MISSING = 999_999

PAGES = [
    (Role.ADMIN, f"/admin/anvandare/{MISSING}"),
    (Role.ADMIN, f"/admin/avdelningar/{MISSING}"),
    (Role.ADMIN, f"/admin/kategorier/{MISSING}"),
    (Role.ADMIN, f"/strategi/delmal/{MISSING}"),
    (Role.ADMIN, f"/strategi/omraden/{MISSING}"),
    (Role.ADMIN, f"/strategi/matt/{MISSING}"),
    (Role.ADMIN, f"/fordelning/regler/{MISSING}"),
    (Role.COORDINATOR, f"/fordelning/arende/{MISSING}"),
    (Role.COORDINATOR, f"/fordelning/personal/{MISSING}"),
    (Role.OFFICIAL, f"/besok/{MISSING}/redigera"),
    (Role.OFFICIAL, f"/delsvar/{MISSING}"),
    (Role.OFFICIAL, f"/arenden/{MISSING}/samlat-svar"),
    (Role.OFFICIAL, f"/lotsmoten/{MISSING}"),
    (Role.OFFICIAL, f"/lotsmoten/{MISSING}/redigera"),
    (Role.OFFICIAL, f"/lotsmoten/{MISSING}/kalender.ics"),
]


@pytest.mark.parametrize(("role", "path"), PAGES)
def test_a_missing_record_gets_the_swedish_not_found_page(client, login, role, path):
    login(role)
    response = client.get(path)
    assert response.status_code == 404
    assert "Sidan finns inte" in response.get_data(as_text=True)


def test_an_id_beyond_the_database_integer_is_not_found_either(client, login):
    login(Role.ADMIN)
    response = client.get("/admin/anvandare/99999999999999999999")
    assert response.status_code == 404
