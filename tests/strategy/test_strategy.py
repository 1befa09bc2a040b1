import json

from sqlalchemy import func, select

from lotsen.accounts.models import Role
from lotsen.audit.models import AuditEvent
from lotsen.extensions import db
from lotsen.programme.models import StrategyAction, StrategyArea, StrategyGoal, SubGoal
from lotsen.programme.queries import all_areas
from lotsen.strategy import services


def count(model):
    return db.session.scalar(select(func.count()).select_from(model))


def load_lerum():
    goal = services.load_programme(None, services.read_programme())
    db.session.commit()
    return goal


def test_lerum_programme_is_imported_with_goal_sub_goals_areas_actions_and_targets(app):
    goal = load_lerum()
    assert "2 500 nya jobb" in goal.name
    assert [s.name for s in goal.sub_goals] == [
        "Kompetensförsörjning och attraktion",
        "Samhällsplanering",
        "Företagsklimat och innovationskraft",
    ]
    assert [a.name for a in all_areas()] == [
        "Kompetensförsörjning",
        "Attraktionskraft",
        "Infrastruktur och tillgänglighet",
        "Markberedskap och fysisk planering",
        "Företagsklimat",
        "Innovationskraft",
    ]
    climate = db.session.scalar(select(StrategyArea).where(StrategyArea.name == "Företagsklimat"))
    assert climate.sub_goal.name == "Företagsklimat och innovationskraft"
    assert len(climate.actions) == 5
    assert climate.actions[0].text.startswith("Tillse att kommunens beslut")
    jobs = services.target_by_key("new_jobs")
    assert (jobs.baseline, jobs.target_value, jobs.target_year) == (0, 2500, 2035)
    assert count(StrategyAction) == 24


def test_loading_the_same_programme_twice_changes_nothing(app):
    load_lerum()
    counts = (count(StrategyGoal), count(SubGoal), count(StrategyArea), count(StrategyAction))
    assert services.load_programme(None, services.read_programme()) is None
    assert (count(StrategyGoal), count(SubGoal), count(StrategyArea), count(StrategyAction)) == (
        counts
    )


def test_load_strategy_command_reads_a_file_of_another_municipality(runner, tmp_path):
    data = {
        "goal": {"name": "1 000 nya jobb till 2030"},
        "sub_goals": [
            {
                "name": "Företagsklimat",
                "areas": [{"name": "Service", "actions": ["Snabba besked", "- Ett kontaktcenter"]}],
            }
        ],
        "targets": [
            {"key": "new_jobs", "name": "Nya jobb", "target_value": 1000, "target_year": 2030}
        ],
    }
    path = tmp_path / "program.json"
    path.write_text(json.dumps(data), encoding="utf-8")
    result = runner.invoke(args=["lotsen", "load-strategy", str(path)])
    assert result.exit_code == 0, result.output
    assert "1 sub-goals, 1 strategy areas, 1 targets" in result.output
    area = db.session.scalar(select(StrategyArea).where(StrategyArea.name == "Service"))
    assert [action.text for action in area.actions] == ["Snabba besked", "Ett kontaktcenter"]
    again = runner.invoke(args=["lotsen", "load-strategy", str(path)])
    assert "already loaded" in again.output


def test_load_strategy_command_rejects_a_broken_file(runner, tmp_path):
    path = tmp_path / "broken.json"
    path.write_text('{"sub_goals": []}', encoding="utf-8")
    result = runner.invoke(args=["lotsen", "load-strategy", str(path)])
    assert result.exit_code != 0
    assert "Not a valid strategy file" in result.output


def test_officials_read_the_strategy_but_cannot_edit_it(client, login):
    load_lerum()
    login(Role.OFFICIAL)
    page = client.get("/strategi/").get_data(as_text=True)
    assert "Markberedskap och fysisk planering" in page
    assert "Utarbeta ändamålsenliga detaljplaner" in page
    assert "/strategi/omraden/" not in page
    assert client.get("/strategi/mal").status_code == 403
    area = all_areas()[0]
    assert client.get(f"/strategi/omraden/{area.id}").status_code == 403


def test_admin_edits_a_strategy_area_and_its_actions_with_an_audit_entry(client, login):
    load_lerum()
    admin = login(Role.ADMIN)
    area = all_areas()[0]
    edit_page = client.get(f"/strategi/omraden/{area.id}").get_data(as_text=True)
    assert "Aktivt skapa mötesplatser" in edit_page
    response = client.submit(
        f"/strategi/omraden/{area.id}",
        {
            "name": "Kompetensförsörjning och utbildning",
            "sub_goal_id": str(area.sub_goal_id),
            "description": "Ny beskrivning.",
            "actions": "Fler praktikplatser\n\n- Yrkesvux tillsammans med företagen\n",
            "sort_order": "5",
        },
    )
    assert response.status_code == 302
    db.session.expire_all()
    area = db.session.get(StrategyArea, area.id)
    assert area.name == "Kompetensförsörjning och utbildning"
    assert [a.text for a in area.actions] == [
        "Fler praktikplatser",
        "Yrkesvux tillsammans med företagen",
    ]
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.object_type == "strategy_areas"))
    assert event.actor_id == admin.id and event.changes["actions"] == [4, 2]


def test_area_validation_is_in_swedish_and_keeps_what_was_typed(client, login):
    load_lerum()
    login(Role.ADMIN)
    sub_goal = db.session.scalar(select(SubGoal).order_by(SubGoal.id))
    page = client.submit(
        "/strategi/omraden/ny",
        {
            "name": "innovationskraft",
            "sub_goal_id": str(sub_goal.id),
            "actions": "Testbäddar för nya tjänster",
            "sort_order": "först",
        },
    ).get_data(as_text=True)
    assert "Skriv ett tal mellan 0 och 10 000." in page
    assert 'value="innovationskraft"' in page and "Testbäddar för nya tjänster" in page
    page = client.submit(
        "/strategi/omraden/ny",
        {"name": "innovationskraft", "sub_goal_id": str(sub_goal.id), "sort_order": "1"},
    ).get_data(as_text=True)
    assert "Det finns redan ett strategiområde med det namnet." in page


def test_admin_adds_a_target_and_years_are_checked(client, login):
    load_lerum()
    login(Role.ADMIN)
    fields = {
        "name": "Antal nyetablerade företag",
        "key": "new_companies",
        "baseline": "300",
        "baseline_year": "2030",
        "target_value": "400",
        "target_year": "2026",
        "unit": "företag",
        "sort_order": "40",
    }
    page = client.submit("/strategi/matt/ny", fields).get_data(as_text=True)
    assert "Målåret kan inte ligga före året för utgångsvärdet." in page
    assert 'value="Antal nyetablerade företag"' in page
    page = client.submit("/strategi/matt/ny", {**fields, "key": "new_jobs"}).get_data(as_text=True)
    assert "Det finns redan ett mått med den nyckeln." in page
    response = client.submit("/strategi/matt/ny", {**fields, "baseline_year": "2025"})
    assert response.status_code == 302
    target = services.target_by_key("new_companies")
    assert (target.baseline, target.target_value, target.target_year) == (300, 400, 2026)
    assert "Antal nyetablerade företag" in client.get("/strategi/").get_data(as_text=True)


def test_a_number_beyond_a_floats_range_is_an_input_error(client, login):
    load_lerum()
    login(Role.ADMIN)
    fields = {"name": "Mått", "key": "huge", "target_value": "9" * 400, "target_year": "2030"}
    response = client.submit("/strategi/matt/ny", {**fields, "sort_order": "40"})
    assert response.status_code == 200
    assert "Talet är för stort." in response.get_data(as_text=True)


def test_admin_enters_a_programme_from_scratch(client, login):
    login(Role.ADMIN)
    assert "Ingen strategi är inlagd ännu" in client.get("/strategi/").get_data(as_text=True)
    assert client.get("/strategi/delmal/ny").status_code == 404
    client.submit("/strategi/mal", {"name": "Fler jobb", "description": ""})
    client.submit("/strategi/delmal/ny", {"name": "Företagsklimat", "sort_order": "10"})
    sub_goal = db.session.scalar(select(SubGoal))
    client.submit(
        "/strategi/omraden/ny",
        {"name": "Service", "sub_goal_id": str(sub_goal.id), "sort_order": "1"},
    )
    page = client.get("/strategi/").get_data(as_text=True)
    assert "Fler jobb" in page and "Företagsklimat" in page and "Service" in page
