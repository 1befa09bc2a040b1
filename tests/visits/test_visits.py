from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import select

from lotsen.accounts.models import Role
from lotsen.audit.models import AuditEvent
from lotsen.cases.access import may_create_case
from lotsen.cases.models import Case
from lotsen.extensions import db
from lotsen.programme.queries import all_areas
from lotsen.strategy import queries as strategy_queries
from lotsen.strategy import services as strategy
from lotsen.triage.models import RoutingRule
from lotsen.visits import services
from lotsen.visits.models import FollowUp, Visit
from tests.cases.helpers import open_case_directly
from tests.companies.helpers import make_company
from tests.factories import CategoryFactory, DepartmentFactory, UserFactory

NOW = datetime(2026, 6, 15, 10, 0, tzinfo=UTC)


def plan_visit(company, starts_at, actor=None, **values) -> Visit:
    data = services.VisitData(company=company, starts_at=starts_at, purpose="Dialog", **values)
    visit = services.save_visit(actor, None, data)
    db.session.commit()
    return visit


def visit_fields(company, **changes):
    fields = {
        "org_number": company.org_number,
        "starts_at": "2026-09-01T09:30",
        "purpose": "Lära känna företaget och höra om expansionsplanerna",
        "guests": "Anna Ek, kommunstyrelsens ordförande",
        "notes": "Vill bygga ut lagret.",
        "needs": ["land", "recruitment"],
        "employees_now": "42",
        "employees_in_three_years": "60",
    }
    return fields | changes


def test_official_plans_a_visit_with_participants_needs_and_employees(client, login):
    official = login(Role.OFFICIAL)
    colleague = UserFactory(name="Björn Lund")
    company = make_company(name="Lerums Lager AB")
    fields = visit_fields(company, participants=[str(official.id), str(colleague.id)])
    response = client.submit("/besok/nytt", fields)
    assert response.status_code == 302
    visit = db.session.scalar(select(Visit))
    assert visit.company_id == company.id
    assert visit.starts_at == datetime(2026, 9, 1, 7, 30, tzinfo=UTC)  # 09:30 in summer time
    assert visit.needs == ["land", "recruitment"]
    assert (visit.employees_now, visit.employees_in_three_years) == (42, 60)
    assert {user.name for user in visit.participants} == {official.name, "Björn Lund"}
    page = client.get(f"/besok/{visit.id}").get_data(as_text=True)
    assert "Mark, Rekrytering och kompetens" in page and "Anna Ek" in page
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.object_type == "visits"))
    assert event.action == "visit.create" and event.actor_id == official.id


def test_visit_validation_is_in_swedish_and_keeps_what_was_typed(client, login):
    login(Role.OFFICIAL)
    company = make_company()
    page = client.submit(
        "/besok/nytt",
        visit_fields(company, starts_at="1 september", employees_now="många", purpose=""),
    ).get_data(as_text=True)
    assert "Skriv datum och tid som ÅÅÅÅ-MM-DD TT:MM" in page
    assert "Skriv ett heltal, till exempel 12." in page
    assert "Skriv syftet med besöket." in page
    assert "Vill bygga ut lagret." in page and 'value="många"' in page
    page = client.submit("/besok/nytt", visit_fields(company, org_number="556000-0000")).get_data(
        as_text=True
    )
    assert "Det finns inget företag med det organisationsnumret." in page
    assert db.session.scalar(select(Visit)) is None


def test_editing_a_visit_records_the_changes(client, login):
    login(Role.COORDINATOR)
    company = make_company()
    visit = plan_visit(company, NOW)
    edit_page = client.get(f"/besok/{visit.id}/redigera").get_data(as_text=True)
    assert 'value="2026-06-15T12:00"' in edit_page
    response = client.submit(
        f"/besok/{visit.id}/redigera", visit_fields(company, purpose="Uppföljning av bygglov")
    )
    assert response.status_code == 302
    db.session.expire_all()
    assert db.session.get(Visit, visit.id).purpose == "Uppföljning av bygglov"
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "visit.update"))
    assert event.changes["purpose"] == ["Dialog", "Uppföljning av bygglov"]


def test_topics_are_tagged_with_strategy_areas_and_free_tags(client, login):
    strategy.load_demo_strategy()
    login(Role.OFFICIAL)
    visit = plan_visit(make_company(), NOW)
    land = next(a for a in all_areas() if a.name.startswith("Markberedskap"))
    response = client.submit(
        f"/besok/{visit.id}/amnen",
        {
            "text": "Behöver 2 hektar mark nära E20",
            "areas": [str(land.id)],
            "tags": "E20, Mark ,e20",
        },
        page_url=f"/besok/{visit.id}",
    )
    assert response.status_code == 302
    visit = services.visit_with_details(visit.id)
    assert visit.topics[0].areas == [land] and visit.topics[0].tags == ["e20", "mark"]
    page = client.submit(
        f"/besok/{visit.id}/amnen", {"text": "  "}, page_url=f"/besok/{visit.id}"
    ).get_data(as_text=True)
    assert "Beskriv vad företaget tog upp." in page


def test_a_follow_up_becomes_a_case_linked_both_ways(client, login):
    official = login(Role.OFFICIAL)
    category = CategoryFactory(name="Mark och lokaler")
    company = make_company(name="Aspedalens Mekaniska AB")
    visit = plan_visit(company, NOW)
    client.submit(
        f"/besok/{visit.id}/uppfoljningar",
        {"text": "Ta fram förslag på tomter", "owner_id": str(official.id), "due_on": "2026-07-01"},
        page_url=f"/besok/{visit.id}",
    )
    follow_up = db.session.scalar(select(FollowUp))
    assert follow_up.owner_id == official.id and follow_up.due_on == date(2026, 7, 1)
    response = client.submit(
        f"/besok/uppfoljningar/{follow_up.id}/arende",
        {f"f{follow_up.id}-category_id": str(category.id)},
        page_url=f"/besok/{visit.id}",
    )
    assert response.status_code == 302
    db.session.expire_all()
    follow_up = db.session.get(FollowUp, follow_up.id)
    case = db.session.get(Case, follow_up.case_id)
    assert case.channel == "visit" and case.company_id == company.id
    assert case.created_by_id == official.id and case.subject == "Ta fram förslag på tomter"
    assert db.session.scalar(select(FollowUp).where(FollowUp.case_id == case.id)) == follow_up
    page = client.get(f"/besok/{visit.id}").get_data(as_text=True)
    assert case.number in page
    case_page = client.get(f"/arenden/{case.id}").get_data(as_text=True)
    assert "Från företagsbesök" in case_page
    assert f'href="/besok/{visit.id}#follow-up-{follow_up.id}"' in case_page
    assert "Besök hos Aspedalens Mekaniska AB 2026-06-15" in case_page
    assert "Uppföljning: Ta fram förslag på tomter" in case_page
    again = client.submit(
        f"/besok/uppfoljningar/{follow_up.id}/arende",
        {f"f{follow_up.id}-category_id": str(category.id)},
        page_url=f"/besok/{visit.id}",
    )
    assert again.status_code == 302
    assert len(list(db.session.scalars(select(Case)))) == 1


def test_a_case_not_made_from_a_visit_shows_no_origin(client, login):
    login(Role.OFFICIAL)
    case, _token = open_case_directly(CategoryFactory())
    page = client.get(f"/arenden/{case.id}").get_data(as_text=True)
    assert case.number in page and "Från företagsbesök" not in page


def test_overdue_follow_ups_show_on_the_owners_start_page(client, login):
    owner = login(Role.OFFICIAL)
    other = UserFactory()
    visit = plan_visit(make_company(name="Gråbo Bageri AB"), NOW)
    yesterday = datetime.now(UTC).date() - timedelta(days=2)
    services.add_follow_up(None, visit, "Skicka kontakt på Arbetsförmedlingen", owner, yesterday)
    services.add_follow_up(None, visit, "Framtida uppgift", owner, yesterday + timedelta(days=30))
    services.add_follow_up(None, visit, "Någon annans uppgift", other, yesterday)
    done = services.add_follow_up(None, visit, "Redan gjord", owner, yesterday)
    services.complete_follow_up(None, done)
    db.session.commit()
    page = client.get("/").get_data(as_text=True)
    assert "Försenade uppföljningar" in page
    assert "Skicka kontakt på Arbetsförmedlingen" in page
    assert "Framtida uppgift" not in page and "Någon annans uppgift" not in page
    assert "Redan gjord" not in page


def test_suggestions_and_coverage_count_companies_with_ten_or_more_employees(app):
    visited_recently = make_company(name="A", size_class="20-49", employee_count=30)
    visited_long_ago = make_company(name="B", size_class="10-19", employee_count=12)
    make_company(name="C", size_class="50-99", employee_count=70)
    planned = make_company(name="D", size_class="100-199", employee_count=150)
    make_company(name="Liten", size_class="5-9", employee_count=6)
    plan_visit(visited_recently, NOW - timedelta(days=300))
    plan_visit(visited_long_ago, NOW - timedelta(days=800))
    plan_visit(planned, NOW + timedelta(days=10))
    suggestions = services.visit_suggestions(NOW)
    assert [company.name for company, _last in suggestions] == ["C", "B"]
    assert suggestions[1][1] == NOW - timedelta(days=800)
    # Four companies have ten or more employees; one was visited in the last 24 months.
    assert services.coverage(NOW) == (1, 4)


def test_suggestions_can_be_narrowed_by_size_class_and_industry(client, login):
    login(Role.OFFICIAL)
    make_company(name="Floda Bageri AB", size_class="10-19", sni_codes=["10710"])
    make_company(name="Lerums Åkeri AB", size_class="20-49", sni_codes=["49410"])
    make_company(name="Gråbo Konditori AB", size_class="20-49", sni_codes=["10710"])
    by_size = services.visit_suggestions(NOW, size_class="20-49")
    assert sorted(company.name for company, _last in by_size) == [
        "Gråbo Konditori AB",
        "Lerums Åkeri AB",
    ]
    both = services.visit_suggestions(NOW, size_class="20-49", section="C")
    assert [company.name for company, _last in both] == ["Gråbo Konditori AB"]
    page = client.get("/besok/?size_class=10-19&section=C").get_data(as_text=True)
    assert "Floda Bageri AB" in page and "C 10710" in page
    assert "Gråbo Konditori AB" not in page and "Lerums Åkeri AB" not in page
    odd = client.get("/besok/?size_class=jättestor&section=Ö")
    assert odd.status_code == 200 and "Lerums Åkeri AB" in odd.get_data(as_text=True)


def test_visits_appear_on_the_company_timeline_and_the_visit_plan(client, login):
    login(Role.MANAGER)
    company = make_company(name="Floda Trä AB", size_class="10-19")
    plan_visit(company, datetime.now(UTC) + timedelta(days=3))
    page = client.get(f"/foretag/{company.id}").get_data(as_text=True)
    assert "Besök " in page and "Dialog" in page
    plan = client.get("/besok/").get_data(as_text=True)
    assert "Kommande besök" in plan and "Floda Trä AB" in plan


def test_visit_list_is_paginated_by_keyset(app, client, login):
    login(Role.OFFICIAL)
    app.config["PAGE_SIZE"] = 2
    company = make_company()
    for day in range(3):
        plan_visit(company, NOW - timedelta(days=day + 1))
    first = client.get("/besok/").get_data(as_text=True)
    assert "Nästa sida" in first


def test_a_sole_traders_visit_is_planned_from_the_company_without_showing_the_personnummer(
    client, login
):
    login(Role.OFFICIAL)
    company = make_company(org_number="19810101-1230", name="Salong Hårfint")
    form_page = client.get(f"/besok/nytt?company_id={company.id}").get_data(as_text=True)
    assert "Salong Hårfint" in form_page and "1230" not in form_page
    fields = visit_fields(company, company_id=str(company.id), org_number="")
    response = client.submit("/besok/nytt", fields, page_url=f"/besok/nytt?company_id={company.id}")
    assert response.status_code == 302
    visit = db.session.scalar(select(Visit))
    assert visit.company_id == company.id
    assert "1230" not in client.get(f"/besok/{visit.id}/redigera").get_data(as_text=True)


def test_demo_data_loads_three_years_of_visits_with_topics_and_follow_ups_once(runner):
    first = runner.invoke(args=["lotsen", "demo-data"])
    assert first.exit_code == 0, first.output
    visits = list(db.session.scalars(select(Visit)))
    assert f"{len(visits)} demo company visits created." in first.output
    assert len(visits) >= 120
    today = datetime.now(UTC).date()
    for year_back in range(3):  # visits in each of the last three years, more every year
        start, end = (
            today - timedelta(days=365 * (year_back + 1)),
            today - timedelta(days=365 * year_back),
        )
        assert sum(start < v.starts_at.date() <= end for v in visits) >= 25
    assert sum(v.starts_at.date() > today for v in visits) == 3
    assert sum(len(visit.topics) for visit in visits) >= 150
    assert all(topic.areas for visit in visits for topic in visit.topics)
    assert sum(v.employees_now is not None for v in visits) >= 120
    assert any(follow_up.case_id for visit in visits for follow_up in visit.follow_ups)
    assert strategy_queries.overdue_follow_ups_count(today) >= 1
    second = runner.invoke(args=["lotsen", "demo-data"])
    assert second.exit_code == 0 and "demo company visits" not in second.output
    assert len(list(db.session.scalars(select(Visit)))) == len(visits)


# --- A follow-up becomes a case: chosen category, the owner leads, one creation rule ------------


def follow_up_of(owner, text="Ta fram förslag på tomter") -> FollowUp:
    visit = plan_visit(make_company(name="Aspedalens Mekaniska AB"), NOW)
    follow_up = services.add_follow_up(None, visit, text, owner, date(2026, 7, 1))
    db.session.commit()
    return follow_up


def test_the_category_of_a_follow_up_case_must_be_chosen(client, login):
    official = login(Role.OFFICIAL)
    CategoryFactory(name="Starta eller ta över företag", sort_order=1)
    CategoryFactory(name="Mark och lokaler", sort_order=2)
    follow_up = follow_up_of(official)

    page = client.get(f"/besok/{follow_up.visit_id}").get_data(as_text=True)
    select_html = page.split(f'id="f{follow_up.id}-category_id"')[1].split("</select>")[0]
    first_option = select_html.split("<option")[1]
    assert 'value=""' in first_option and "Välj …" in first_option
    assert select_html.count("selected") == 1 and '<option selected value="">' in select_html

    response = client.submit(
        f"/besok/uppfoljningar/{follow_up.id}/arende",
        {f"f{follow_up.id}-category_id": ""},
        page_url=f"/besok/{follow_up.visit_id}",
    )
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    assert "Välj en kategori för ärendet." in html
    assert 'class="error-summary"' in html and 'aria-invalid="true"' in html
    assert db.session.scalar(select(Case)) is None


def test_the_follow_up_owner_leads_the_case_unless_another_lead_is_chosen(client, login):
    owner = UserFactory(name="Karin Lindqvist")
    default_lead = UserFactory(name="Erik Johansson")
    department = DepartmentFactory(name="Näringsliv")
    category = CategoryFactory(name="Mark och lokaler")
    db.session.add(
        RoutingRule(
            category_id=category.id, department_id=department.id, default_lead_id=default_lead.id
        )
    )
    db.session.commit()
    login(Role.OFFICIAL)
    follow_up = follow_up_of(owner)

    page = client.get(f"/besok/{follow_up.visit_id}").get_data(as_text=True)
    lead_select = page.split(f'id="f{follow_up.id}-lead_id"')[1].split("</select>")[0]
    assert f'selected value="{owner.id}"' in lead_select or (
        f'value="{owner.id}" selected' in lead_select
    )
    client.submit(
        f"/besok/uppfoljningar/{follow_up.id}/arende",
        {f"f{follow_up.id}-category_id": str(category.id)},
        page_url=f"/besok/{follow_up.visit_id}",
    )
    db.session.expire_all()
    case = db.session.get(Case, db.session.get(FollowUp, follow_up.id).case_id)
    assert case.lead_id == owner.id and case.department_id == department.id

    other = follow_up_of(owner, "Bjud in till frukostmöte")
    chosen = UserFactory(name="Sara Nilsson")
    client.submit(
        f"/besok/uppfoljningar/{other.id}/arende",
        {f"f{other.id}-category_id": str(category.id), f"f{other.id}-lead_id": str(chosen.id)},
        page_url=f"/besok/{other.visit_id}",
    )
    db.session.expire_all()
    case = db.session.get(Case, db.session.get(FollowUp, other.id).case_id)
    assert case.lead_id == chosen.id


@pytest.mark.parametrize("role", [Role.MANAGER, Role.ADMIN])
def test_only_those_who_may_create_cases_turn_a_follow_up_into_one(client, login, role):
    category = CategoryFactory(name="Mark och lokaler")
    user = login(role)
    assert not may_create_case(user)
    follow_up = follow_up_of(UserFactory())
    page = client.get(f"/besok/{follow_up.visit_id}").get_data(as_text=True)
    assert "Gör till ärende" not in page
    assert client.get("/arenden/ny").status_code == 403
    response = client.submit(
        f"/besok/uppfoljningar/{follow_up.id}/arende",
        {f"f{follow_up.id}-category_id": str(category.id)},
        page_url=f"/besok/{follow_up.visit_id}",
    )
    assert response.status_code == 403
    assert db.session.scalar(select(Case)) is None


def test_officials_and_coordinators_may_create_cases(app):
    for role in (Role.OFFICIAL, Role.COORDINATOR):
        assert may_create_case(UserFactory(roles=[role]))


def test_the_service_refuses_a_manager_too(app):
    category = CategoryFactory(name="Mark och lokaler")
    manager = UserFactory(roles=[Role.MANAGER])
    follow_up = follow_up_of(UserFactory())
    try:
        services.follow_up_to_case(manager, follow_up, category.id)
    except services.VisitError as error:
        assert "Du kan inte skapa ärenden." in str(error)
    else:
        raise AssertionError("a manager created a case")
