"""The case access policy (lotsen.cases.access): who sees a case, who works on it."""

from flask import current_app
from sqlalchemy import select

from lotsen.accounts.models import Role
from lotsen.cases import services as cases
from lotsen.cases.access import may_view_case, may_work_on_case, viewable_case_ids
from lotsen.cases.models import Attachment, Case, CaseStatus
from lotsen.extensions import db
from tests.cases.helpers import PDF, open_case_directly
from tests.factories import CategoryFactory, UserFactory
from tests.team.helpers import ask, led_case, make_team


def test_who_may_view_and_work_on_a_led_case(app):
    team = make_team()
    case = led_case(team)
    ask(case, team.lead, team.builder)
    admin = UserFactory(roles=[Role.ADMIN])
    building_colleague = UserFactory(roles=[Role.OFFICIAL])
    building_colleague.departments.append(team.building)
    db.session.commit()

    view = {
        "lead": (team.lead, True, True),
        "same department": (team.colleague, True, True),
        "coordinator": (team.coordinator, True, True),
        "manager": (team.manager, True, False),
        "contributor": (team.builder, True, False),
        "contributing department": (building_colleague, True, False),
        "other department": (team.outsider, False, False),
        "not yet asked": (team.inspector, False, False),
        "admin only": (admin, False, False),
    }
    for who, (user, sees, works) in view.items():
        assert may_view_case(user, case) is sees, who
        assert may_work_on_case(user, case) is works, who
    visible = viewable_case_ids(team.outsider, [case])
    assert visible == set()
    assert viewable_case_ids(team.builder, [case]) == {case.id}


def test_a_new_undistributed_case_is_open_to_every_official(app):
    team = make_team()
    case, _token = open_case_directly(CategoryFactory())
    assert may_view_case(team.outsider, case) and may_work_on_case(team.outsider, case)


def test_a_contributor_reads_the_case_but_cannot_change_its_status(app, client, login):
    team = make_team()
    case = led_case(team)
    ask(case, team.lead, team.builder)
    login(user=team.builder)

    page = client.get(f"/arenden/{case.id}")
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    assert "Vi bygger om köket" in html  # the company's question
    assert "Ändra status" not in html and "Svara företagaren" not in html
    assert f"/arenden/{case.id}/redigera" not in html

    url = f"/arenden/{case.id}"
    status = client.submit(f"{url}/status", {"status-status": "in_progress"}, page_url=url)
    assert status.status_code == 403
    reply = client.submit(f"{url}/svar", {"reply-body": "Hej!"}, page_url=url)
    assert reply.status_code == 403
    assert client.get(f"{url}/redigera").status_code == 403
    db.session.expire_all()
    assert db.session.get(Case, case.id).status == CaseStatus.ASSIGNED


def test_an_official_outside_sees_the_register_summary_and_nothing_more(app, client, login):
    team = make_team()
    case = led_case(team)
    with current_app.test_request_context():
        stored = cases.store_upload("ritning.pdf", PDF, "application/pdf")
        cases.add_internal_note(
            db.session.get(Case, case.id), team.lead, "Ring Erik om köket.", [stored]
        )
        db.session.commit()
    attachment = db.session.scalar(select(Attachment))
    login(user=team.outsider)

    page = client.get(f"/arenden/{case.id}")
    html = page.get_data(as_text=True)
    assert page.status_code == 403
    assert case.number in html and "Uteservering och ombyggnad av kök" in html
    assert "Karin Lindqvist" in html and "Café Solrosen AB" in html  # register data
    for hidden in (
        "Vi bygger om köket",
        "Ring Erik om köket.",
        "lina@solrosen.example",
        "ritning.pdf",
        "Lina Berg",
    ):
        assert hidden not in html
    assert client.get(f"/arenden/{case.id}/bilaga/{attachment.id}").status_code == 403
    assert client.get(f"/arenden/{case.id}/samlat-svar").status_code == 403
    assert client.get(f"/arenden/{case.id}/delsvar/ny").status_code == 403
    note = client.submit(
        f"/arenden/{case.id}/anteckning", {"note-body": "Hej"}, page_url="/arenden/"
    )
    assert note.status_code == 403
    # The register itself stays open to every official.
    assert case.number in client.get("/arenden/").get_data(as_text=True)


def test_contribution_pages_follow_the_policy(app, client, login):
    team = make_team()
    case = led_case(team)
    contribution = ask(case, team.lead, team.builder)
    login(user=team.outsider)
    assert client.get(f"/delsvar/{contribution.id}").status_code == 403
    client.post("/konto/logga-ut", data={"csrf_token": client.csrf_token("/")})
    login(user=team.manager)
    assert client.get(f"/delsvar/{contribution.id}").status_code == 200
