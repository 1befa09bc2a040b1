"""Case views with counts, saved filters, notifications, absence and competence pages."""

import re
from datetime import timedelta

import pytest
from sqlalchemy import select

from lotsen.accounts.models import Role
from lotsen.extensions import db
from lotsen.timekeeping.calendar import local_today
from lotsen.triage import assignment, availability, errors, queries
from lotsen.triage.models import Absence, SavedFilter
from tests.factories import CategoryFactory, DepartmentFactory, UserFactory
from tests.triage.helpers import new_case, notifications_of, official, routed


def tab_count(page: str, label: str) -> str:
    match = re.search(re.escape(label) + r' <span class="view-count">([^<]+)</span>', page)
    assert match, label
    return match.group(1)


# --- Scopes and counts -------------------------------------------------------------------


def test_my_cases_my_department_and_all_open_with_counts(client, login):
    bygg = DepartmentFactory(name="Bygglov")
    me = official(bygg)
    login(user=me)
    category, _dept = routed(department=bygg)
    mine = new_case(category, subject="Mitt ärende")
    assignment.assign_case(mine, me, None)
    department_case = new_case(category, subject="Avdelningens ärende")
    other = new_case(CategoryFactory(), subject="Någon annans ärende")
    db.session.commit()

    page = client.get("/arenden/?scope=mine").get_data(as_text=True)
    assert "Mitt ärende" in page and department_case.subject not in page
    assert tab_count(page, "Mina ärenden") == "1"
    assert tab_count(page, "Min avdelnings kö") == "2"
    assert tab_count(page, "Alla öppna") == "3"
    page = client.get("/arenden/?scope=department").get_data(as_text=True)
    assert "Mitt ärende" in page and "Avdelningens ärende" in page
    assert other.subject not in page
    page = client.get("/arenden/?scope=all").get_data(as_text=True)
    assert all(s in page for s in ("Mitt ärende", "Avdelningens ärende", "Någon annans ärende"))
    assert "Att fördela" not in page  # only coordinators see the triage tab


def test_empty_views_say_what_to_do(client, login):
    login(user=official())
    page = client.get("/arenden/?scope=mine").get_data(as_text=True)
    assert "Du har inga öppna ärenden som lots." in page
    page = client.get("/arenden/?scope=department").get_data(as_text=True)
    assert "Du tillhör ingen avdelning ännu." in page
    coordinator_client = client.application.test_client()
    coordinator = UserFactory(roles=[Role.COORDINATOR])
    from tests.factories import TEST_PASSWORD

    coordinator_client.submit(
        "/konto/logga-in", {"email": coordinator.email, "password": TEST_PASSWORD}
    )
    page = coordinator_client.get("/fordelning/").get_data(as_text=True)
    assert "Inga nya ärenden väntar på fördelning." in page


def test_navigation_shows_unread_notifications_and_the_triage_count(client, login):
    coordinator = login(Role.COORDINATOR)
    new_case(CategoryFactory())
    new_case(CategoryFactory())
    page = client.get("/").get_data(as_text=True)
    assert re.search(r'href="/fordelning/">Fördelning <span class="nav-count">2', page)
    assert 'href="/fordelning/notiser">Notiser</a>' in page  # nothing unread: no badge
    assignment.assign_case(new_case(CategoryFactory()), coordinator, None)
    db.session.commit()
    page = client.get("/").get_data(as_text=True)
    assert re.search(r'href="/fordelning/notiser">Notiser <span class="nav-count">1', page)


# --- Notifications ---------------------------------------------------------------------


def test_notifications_are_listed_and_marked_read(client, login):
    me = login(Role.OFFICIAL)
    first = new_case(CategoryFactory(), subject="Skylt vid E20")
    second = new_case(CategoryFactory())
    assignment.assign_case(first, me, None)
    assignment.assign_case(second, me, None)
    db.session.commit()
    page = client.get("/fordelning/notiser").get_data(as_text=True)
    assert "Du har 2 olästa notiser." in page
    assert f"Du är lots för {first.number}: Skylt vid E20" in page
    [n1, n2] = notifications_of(me)
    response = client.submit(
        f"/fordelning/notiser/{n1.id}/last", {"open": "1"}, page_url="/fordelning/notiser"
    )
    assert response.location.endswith(f"/arenden/{first.id}")
    assert [n.read_at is not None for n in notifications_of(me)] == [True, False]
    client.submit("/fordelning/notiser/alla-lasta", {}, page_url="/fordelning/notiser")
    assert all(n.read_at is not None for n in notifications_of(me))
    assert "Du har 0 olästa notiser." in client.get("/fordelning/notiser").get_data(as_text=True)
    assert n2


def test_nobody_marks_someone_elses_notification(client, login):
    login(Role.OFFICIAL)
    other = official()
    assignment.assign_case(new_case(CategoryFactory()), other, None)
    db.session.commit()
    [notification] = notifications_of(other)
    response = client.submit(
        f"/fordelning/notiser/{notification.id}/last", {}, page_url="/fordelning/notiser"
    )
    assert response.status_code == 404
    assert notifications_of(other)[0].read_at is None


# --- Saved filters -----------------------------------------------------------------------


def test_a_saved_filter_is_listed_per_user_and_replaced_by_name(client, login):
    me = login(Role.OFFICIAL)
    category = CategoryFactory()
    query = f"scope=mine&status=all&category={category.id}&after=abc&evil=1"
    response = client.submit(
        "/fordelning/filter",
        {"filter-name": "Mina bygglov", "filter-query": query},
        page_url="/arenden/",
    )
    assert response.status_code == 302
    saved = db.session.scalars(select(SavedFilter).where(SavedFilter.user_id == me.id)).one()
    assert saved.query == f"scope=mine&status=all&category={category.id}"
    page = client.get("/arenden/").get_data(as_text=True)
    assert (
        f'href="/arenden/?scope=mine&amp;status=all&amp;category={category.id}">Mina bygglov'
        in page
    )
    client.submit(
        "/fordelning/filter",
        {"filter-name": "Mina bygglov", "filter-query": "scope=department"},
        page_url="/arenden/",
    )
    db.session.expire_all()
    assert db.session.scalars(select(SavedFilter.query)).all() == ["scope=department"]
    other_client = client.application.test_client()
    other = UserFactory(roles=[Role.OFFICIAL])
    from tests.factories import TEST_PASSWORD

    other_client.submit("/konto/logga-in", {"email": other.email, "password": TEST_PASSWORD})
    assert "Mina bygglov" not in other_client.get("/arenden/").get_data(as_text=True)
    response = other_client.submit(
        f"/fordelning/filter/{saved.id}/ta-bort", {}, page_url="/arenden/"
    )
    assert response.status_code == 404
    client.submit(f"/fordelning/filter/{saved.id}/ta-bort", {}, page_url="/arenden/")
    assert db.session.scalars(select(SavedFilter)).all() == []


def test_a_filter_without_name_is_refused(client, login):
    login(Role.OFFICIAL)
    response = client.submit(
        "/fordelning/filter",
        {"filter-name": " ", "filter-query": "scope=mine"},
        page_url="/arenden/",
    )
    assert response.status_code == 302
    assert "Ge filtret ett namn" in client.get(response.location).get_data(as_text=True)
    assert db.session.scalars(select(SavedFilter)).all() == []


# --- Absence and competence ------------------------------------------------------------


def test_an_official_marks_themselves_away_and_removes_it(client, login):
    me = login(Role.OFFICIAL)
    today = local_today()
    start, end = today + timedelta(days=3), today + timedelta(days=10)
    response = client.submit(
        f"/fordelning/personal/{me.id}/franvaro",
        {
            "absence-starts_on": start.isoformat(),
            "absence-ends_on": end.isoformat(),
            "absence-note": "Semester",
        },
        page_url="/fordelning/franvaro",
    )
    assert response.status_code == 302
    page = client.get("/fordelning/franvaro").get_data(as_text=True)
    assert start.isoformat() in page and "Semester" in page
    assert queries.is_absent(me, start) and not queries.is_absent(me, today)
    absence = db.session.scalars(select(Absence)).one()
    client.submit(f"/fordelning/franvaro/{absence.id}/ta-bort", {}, page_url="/fordelning/franvaro")
    assert db.session.scalars(select(Absence)).all() == []


@pytest.mark.parametrize(
    ("start", "end", "message"),
    [
        (5, 2, "Sista dagen kan inte vara före första dagen."),
        (-9, -2, "Frånvaron har redan passerat."),
        ("inte ett datum", 2, "Ange första dagen som ÅÅÅÅ-MM-DD."),
    ],
)
def test_absence_errors_are_explained_and_the_form_keeps_the_input(
    client, login, start, end, message
):
    me = login(Role.OFFICIAL)
    today = local_today()
    as_text = lambda d: d if isinstance(d, str) else (today + timedelta(days=d)).isoformat()  # noqa: E731
    response = client.submit(
        f"/fordelning/personal/{me.id}/franvaro",
        {
            "absence-starts_on": as_text(start),
            "absence-ends_on": as_text(end),
            "absence-note": "Kurs i Borås",
        },
        page_url="/fordelning/franvaro",
    )
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    assert message in page and 'value="Kurs i Borås"' in page
    assert db.session.scalars(select(Absence)).all() == []


def test_overlapping_absence_is_refused(app):
    me = official()
    today = local_today()
    availability.add_absence(me, me, today, today + timedelta(days=5))
    with pytest.raises(errors.TriageError, match="överlappar"):
        availability.add_absence(me, me, today + timedelta(days=5), today + timedelta(days=8))


def test_an_official_chooses_the_categories_they_handle(client, login):
    me = login(Role.OFFICIAL)
    food, signs = CategoryFactory(name="Livsmedel"), CategoryFactory(name="Skyltar")
    response = client.submit(
        f"/fordelning/personal/{me.id}/kategorier",
        {"competence-categories": [str(food.id)]},
        page_url="/fordelning/franvaro",
    )
    assert response.status_code == 302
    assert queries.categories_handled([me.id]) == {me.id: {food.id}}
    page = client.get("/fordelning/franvaro").get_data(as_text=True)
    assert re.search(rf'<input checked[^>]*value="{food.id}"', page)
    assert not re.search(rf'<input checked[^>]*value="{signs.id}"', page)


def test_officials_cannot_manage_a_colleague_but_coordinators_can(client, login):
    login(Role.OFFICIAL)
    colleague = official()
    today = local_today().isoformat()
    data = {"absence-starts_on": today, "absence-ends_on": today}
    url = f"/fordelning/personal/{colleague.id}/franvaro"
    assert client.submit(url, data, page_url="/fordelning/franvaro").status_code == 404
    assert client.get(f"/fordelning/personal/{colleague.id}").status_code == 403
    coordinator_client = client.application.test_client()
    coordinator = UserFactory(roles=[Role.COORDINATOR])
    from tests.factories import TEST_PASSWORD

    coordinator_client.submit(
        "/konto/logga-in", {"email": coordinator.email, "password": TEST_PASSWORD}
    )
    response = coordinator_client.submit(url, data, page_url=f"/fordelning/personal/{colleague.id}")
    assert response.status_code == 302
    assert queries.is_absent(colleague)
    page = coordinator_client.get("/fordelning/personal").get_data(as_text=True)
    assert colleague.name in page and "Frånvarande" in page


# --- A constant number of queries ------------------------------------------------------


def queries_for(client, count_queries, url: str) -> int:
    with count_queries() as queries:
        response = client.get(url)
    assert response.status_code == 200
    return len(queries)


def test_the_triage_queue_issues_the_same_queries_for_5_and_30_cases(client, login, count_queries):
    login(Role.COORDINATOR)
    bygg, miljo = DepartmentFactory(), DepartmentFactory()
    categories = [routed(department=bygg)[0], routed(department=miljo)[0], CategoryFactory()]
    for n in range(4):
        official(bygg if n % 2 else miljo, categories=categories[n % 3 : n % 3 + 1])
    for n in range(5):
        new_case(categories[n % 3])
    few = queries_for(client, count_queries, "/fordelning/")
    for n in range(25):
        new_case(categories[n % 3], company_name=f"Företag {n} AB")
    assert queries_for(client, count_queries, "/fordelning/") == few


def test_my_cases_issues_the_same_queries_for_5_and_30_cases(client, login, count_queries):
    bygg = DepartmentFactory()
    me = official(bygg)
    login(user=me)
    category, _dept = routed(department=bygg)

    def give(count):
        for _ in range(count):
            assignment.assign_case(new_case(category), me, None)
        db.session.commit()

    give(5)
    few = queries_for(client, count_queries, "/arenden/?scope=mine")
    give(25)
    assert queries_for(client, count_queries, "/arenden/?scope=mine") == few
