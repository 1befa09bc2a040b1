"""The admin pages of the working calendar: list, add and delete closed and shortened days,
office hours; validation keeps what was typed; admins only."""

from datetime import date, time

from sqlalchemy import select

from lotsen.accounts.models import Role
from lotsen.audit.models import AuditEvent
from lotsen.extensions import db
from lotsen.timekeeping.models import CaseFigures, ClosedDay, ShortenedDay
from lotsen.timekeeping.queries import configured_office_hours
from tests.cases.helpers import open_case_directly
from tests.factories import CategoryFactory
from tests.timekeeping.helpers import local

INDEX = "/admin/kalender/"
NEW_CLOSED = "/admin/kalender/stangd-dag/ny"
NEW_SHORTENED = "/admin/kalender/kortad-dag/ny"
OFFICE_HOURS = "/admin/kalender/kontorstider"


def audit_actions() -> list[str]:
    db.session.expire_all()
    return list(db.session.scalars(select(AuditEvent.action).order_by(AuditEvent.id)))


def test_only_admins_reach_the_calendar(client, login):
    assert client.get(INDEX).status_code == 302  # to the log-in page
    login(Role.OFFICIAL)
    assert client.get(INDEX).status_code == 403
    assert client.get(NEW_CLOSED).status_code == 403
    assert client.get(OFFICE_HOURS).status_code == 403


def test_the_calendar_lists_the_holidays_of_the_year(client, login):
    login(Role.ADMIN)
    page = client.get(INDEX + "?ar=2026").get_data(as_text=True)
    assert "Arbetstider och kalender 2026" in page
    assert "Midsommarafton" in page and "2026-06-19" in page
    assert "08:00–17:00" in page
    assert "/admin/kalender/" in client.get("/admin/").get_data(as_text=True)  # sidebar link


def test_a_year_that_is_not_a_number_shows_this_year(client, login):
    login(Role.ADMIN)
    assert client.get(INDEX + "?ar=tjugo").status_code == 200
    assert client.get(INDEX + "?ar=99999").status_code == 200


def test_a_closed_day_is_added_audited_and_recomputes_the_cases(client, login):
    login(Role.ADMIN)
    category = CategoryFactory(target_resolution_days=2)
    case, _token = open_case_directly(category, received_at=local(2026, 9, 7, 8))
    # Due by the end of the 2nd working day after Monday 7 Sept: Wednesday.
    assert db.session.get(CaseFigures, case.id).resolution_due_at == local(2026, 9, 9, 17)

    response = client.submit(NEW_CLOSED, {"day": "2026-09-08", "reason": "Personaldag"})
    assert response.status_code == 302
    assert response.headers["Location"].endswith("/admin/kalender/?ar=2026")
    db.session.expire_all()
    closed = db.session.scalar(select(ClosedDay))
    assert (closed.day, closed.reason) == (date(2026, 9, 8), "Personaldag")
    assert "closed_days.created" in audit_actions()
    # With Tuesday closed the 2nd working day is Thursday.
    assert db.session.get(CaseFigures, case.id).resolution_due_at == local(2026, 9, 10, 17)
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Personaldag" in page and "Stängd dag 2026-09-08 är tillagd." in page


def test_an_invalid_closed_day_keeps_what_was_typed(client, login):
    login(Role.ADMIN)
    page = client.submit(NEW_CLOSED, {"day": "8/9 2026", "reason": "Personaldag"})
    text = page.get_data(as_text=True)
    assert page.status_code == 200
    assert "Skriv datumet som ÅÅÅÅ-MM-DD" in text
    assert 'value="8/9 2026"' in text and 'value="Personaldag"' in text
    assert 'aria-invalid="true"' in text
    assert db.session.scalar(select(ClosedDay)) is None

    empty = client.submit(NEW_CLOSED, {"day": "", "reason": ""}).get_data(as_text=True)
    assert "Fyll i datumet." in empty and "Skriv en anledning" in empty
    assert "Skriv datumet som" not in empty


def test_a_holiday_or_weekend_cannot_be_closed_again(client, login):
    login(Role.ADMIN)
    page = client.submit(NEW_CLOSED, {"day": "2026-06-19", "reason": "Midsommar"})
    assert "Dagen är redan en helgdag (Midsommarafton)." in page.get_data(as_text=True)
    page = client.submit(NEW_CLOSED, {"day": "2026-09-12", "reason": "Lördag"})
    assert "Kontoret har redan stängt den veckodagen." in page.get_data(as_text=True)
    assert client.submit(NEW_CLOSED, {"day": "2026-09-08", "reason": "A"}).status_code == 302
    page = client.submit(NEW_CLOSED, {"day": "2026-09-08", "reason": "B"})
    assert "Dagen är redan inlagd som stängd dag." in page.get_data(as_text=True)
    page = client.submit(NEW_SHORTENED, {"day": "2026-09-08", "closes_at": "12:00", "reason": "B"})
    assert "Dagen är redan inlagd som stängd dag." in page.get_data(as_text=True)


def test_a_shortened_day_is_added_and_its_time_checked(client, login):
    login(Role.ADMIN)
    page = client.submit(
        NEW_SHORTENED, {"day": "2026-04-30", "closes_at": "18:00", "reason": "Valborg"}
    ).get_data(as_text=True)
    assert "Välj en tid mellan 08:00 och 17:00" in page and 'value="18:00"' in page
    page = client.submit(
        NEW_SHORTENED, {"day": "2026-04-30", "closes_at": "kl 13", "reason": "Valborg"}
    ).get_data(as_text=True)
    assert "Skriv tiden som TT:MM" in page and 'value="kl 13"' in page

    response = client.submit(
        NEW_SHORTENED, {"day": "2026-04-30", "closes_at": "13.00", "reason": "Valborg"}
    )
    assert response.status_code == 302
    db.session.expire_all()
    shortened = db.session.scalar(select(ShortenedDay))
    assert (shortened.day, shortened.closes_at) == (date(2026, 4, 30), time(13))
    assert "shortened_days.created" in audit_actions()
    page = client.get(INDEX + "?ar=2026").get_data(as_text=True)
    assert "Valborg" in page and "13:00" in page


def test_closed_and_shortened_days_are_deleted(client, login):
    login(Role.ADMIN)
    client.submit(NEW_CLOSED, {"day": "2026-09-08", "reason": "Personaldag"})
    client.submit(NEW_SHORTENED, {"day": "2026-04-30", "closes_at": "13:00", "reason": "Valborg"})
    closed_id = db.session.scalar(select(ClosedDay.id))
    shortened_id = db.session.scalar(select(ShortenedDay.id))

    response = client.submit(f"/admin/kalender/stangd-dag/{closed_id}/ta-bort", page_url=INDEX)
    assert response.status_code == 302
    response = client.submit(f"/admin/kalender/kortad-dag/{shortened_id}/ta-bort", page_url=INDEX)
    assert response.status_code == 302
    db.session.expire_all()
    assert db.session.scalar(select(ClosedDay)) is None
    assert db.session.scalar(select(ShortenedDay)) is None
    assert audit_actions()[-2:] == ["closed_days.deleted", "shortened_days.deleted"]
    missing = client.submit("/admin/kalender/stangd-dag/999/ta-bort", page_url=INDEX)
    assert missing.status_code == 404


def test_office_hours_with_a_lunch_break_are_saved(client, login):
    login(Role.ADMIN)
    form = client.get(OFFICE_HOURS).get_data(as_text=True)
    assert 'value="08:00–17:00"' in form
    hours = {
        "monday": "08:00–12:00, 13:00–17:00",
        "tuesday": "8-16",
        "wednesday": "08:00-16:00",
        "thursday": "08:00–16:00",
        "friday": "08:00–15:00",
        "saturday": "",
        "sunday": "",
    }
    page = client.submit(OFFICE_HOURS, hours).get_data(as_text=True)
    assert "Skriv tiderna som 08:00–17:00" in page and 'value="8-16"' in page

    hours["tuesday"] = "08:00–16:00"
    assert client.submit(OFFICE_HOURS, hours).status_code == 302
    db.session.expire_all()
    assert configured_office_hours()[0] == [("08:00", "12:00"), ("13:00", "17:00")]
    assert 4 in configured_office_hours() and 5 not in configured_office_hours()
    assert audit_actions()[-1] == "settings.updated"
    assert "08:00–12:00, 13:00–17:00" in client.get(INDEX).get_data(as_text=True)


def test_office_hours_must_be_valid(client, login):
    login(Role.ADMIN)
    closed_all_week = {day: "" for day in ("monday", "tuesday", "wednesday", "thursday")}
    closed_all_week |= {"friday": "", "saturday": "", "sunday": ""}
    page = client.submit(OFFICE_HOURS, closed_all_week).get_data(as_text=True)
    assert "Ange öppettider för minst en veckodag." in page
    overlapping = closed_all_week | {"monday": "08:00–12:30, 12:00–17:00"}
    page = client.submit(OFFICE_HOURS, overlapping).get_data(as_text=True)
    assert "Passen får inte överlappa varandra." in page
    reversed_span = closed_all_week | {"monday": "17:00–08:00"}
    page = client.submit(OFFICE_HOURS, reversed_span).get_data(as_text=True)
    assert "Ett pass måste sluta senare än det börjar." in page
    assert 'value="17:00–08:00"' in page
