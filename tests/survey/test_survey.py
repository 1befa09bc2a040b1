import re
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from lotsen.accounts.models import Role
from lotsen.cases.models import CaseStatus
from lotsen.cases.services import Submission, open_case
from lotsen.cases.workflow import change_status
from lotsen.db_types import utcnow
from lotsen.extensions import db
from lotsen.survey import scoring, services
from lotsen.survey.models import FACTORS, NKI_QUESTIONS, SurveyInvitation, SurveyResponse
from tests.cases.helpers import mails_to
from tests.factories import CategoryFactory, DepartmentFactory, UserFactory

EMAIL = "lina@solrosen.example"
ANSWERS = {
    "information": "6",
    "accessibility": "5",
    "treatment": "6",
    "competence": "4",
    "legal_certainty": "5",
    "efficiency": "3",
    "overall": "8",
    "expectations": "5",
    "ideal": "9",
    "comment": "Snabbt och vänligt.",
}


def closed_case(category=None, lead=None, email=EMAIL, department=None):
    category = category or CategoryFactory()
    submission = Submission(
        submitter_name="Lina Berg",
        submitter_email=email,
        subject="Uteservering",
        description="Vad behöver vi söka?",
        category_id=category.id,
    )
    case, _token = open_case(submission)
    case.lead = lead
    if department is not None:
        case.department_id = department.id
    change_status(case, CaseStatus.ANSWERED)
    change_status(case, CaseStatus.CLOSED)
    db.session.commit()
    return case


def survey_path(address=EMAIL) -> str:
    body = mails_to(address)[-1].body_text
    match = re.search(r"https?://[^/\s]+(/enkat/[A-Za-z0-9_\-]+)", body)
    assert match, body
    return match.group(1)


def count(model):
    return db.session.scalar(select(func.count()).select_from(model))


def test_closing_a_case_queues_one_survey_link_with_a_hashed_token(app):
    case = closed_case()
    path = survey_path()
    token = path.rsplit("/", 1)[1]
    assert len(token) >= 43  # 256 random bits, base64
    invitation = db.session.scalar(select(SurveyInvitation))
    assert invitation.case_id == case.id and invitation.token_hash == services.hash_token(token)
    assert token not in invitation.token_hash
    change_status(case, CaseStatus.IN_PROGRESS, reason="Fler frågor")
    change_status(case, CaseStatus.ANSWERED)
    change_status(case, CaseStatus.CLOSED)
    db.session.commit()
    assert count(SurveyInvitation) == 1
    assert len([m for m in mails_to(EMAIL) if "/enkat/" in m.body_text]) == 1


def test_closing_without_an_email_address_sends_no_survey(app):
    closed_case(email=None)
    assert count(SurveyInvitation) == 0


def test_opening_the_link_records_nothing_and_the_answer_is_single_use(client):
    closed_case()
    path = survey_path()
    start = client.get(path)
    assert start.status_code == 200 and "Starta enkäten" in start.get_data(as_text=True)
    questions = client.get(path + "/fragor")
    assert questions.status_code == 200 and "Bemötande" in questions.get_data(as_text=True)
    assert count(SurveyResponse) == 0
    db.session.expire_all()
    assert db.session.scalar(select(SurveyInvitation)).answered_at is None
    response = client.submit(path + "/fragor", ANSWERS)
    assert "Tack för ditt svar" in response.get_data(as_text=True)
    answer = db.session.scalar(select(SurveyResponse))
    assert (answer.information, answer.efficiency, answer.overall, answer.ideal) == (6, 3, 8, 9)
    assert answer.comment == "Snabbt och vänligt."
    again = client.submit(path + "/fragor", ANSWERS, page_url="/konto/logga-in")
    assert "redan besvarad" in again.get_data(as_text=True)
    assert count(SurveyResponse) == 1


def test_a_post_without_the_forms_token_records_nothing(client):
    closed_case()
    path = survey_path()
    response = client.post(path + "/fragor", data=ANSWERS)
    assert response.status_code in (200, 400)
    assert count(SurveyResponse) == 0


def test_unknown_tokens_get_a_404_and_missing_answers_keep_the_rest(client):
    closed_case()
    assert client.get("/enkat/" + "x" * 43).status_code == 404
    path = survey_path()
    page = client.submit(path + "/fragor", {**ANSWERS, "ideal": "", "treatment": "7"})
    text = page.get_data(as_text=True)
    assert "Välj ett svar på frågan." in text
    assert "Snabbt och vänligt." in text
    assert count(SurveyResponse) == 0


def test_nki_and_factor_indices_match_hand_computed_values():
    assert scoring.nki([10, 10, 10]) == 100 and scoring.nki([1, 1, 1]) == 0
    # (8-1)/9, (5-1)/9, (9-1)/9 -> (7 + 4 + 8) / 27 × 100 = 70.37
    assert scoring.nki([8, 5, 9]) == pytest.approx(70.370, abs=0.001)
    # weights 2, 1, 1 -> (14 + 4 + 8) / 36 × 100 = 72.22
    assert scoring.nki([8, 5, 9], (2, 1, 1)) == pytest.approx(72.222, abs=0.001)
    assert [scoring.factor_index(a) for a in (1, 4, 6)] == [0, 60, 100]
    assert [scoring.level(v) for v in (70, 69.6, 62, 61.4, None)] == [
        "high",
        "high",
        "approved",
        "low",
        None,
    ]


def answer_directly(case, overall, expectations, ideal, factor=4):
    invitation = db.session.scalar(
        select(SurveyInvitation).where(SurveyInvitation.case_id == case.id)
    )
    answers = {name: factor for name in ("information", "accessibility", "treatment")}
    answers |= {name: factor for name in ("competence", "legal_certainty", "efficiency")}
    answers |= {"overall": overall, "expectations": expectations, "ideal": ideal}
    services.record_response(invitation, answers, "")
    db.session.commit()


def test_results_are_hidden_below_the_minimum_number_of_answers(client, login):
    login(Role.MANAGER)
    department = DepartmentFactory(name="Bygglov")
    lead = UserFactory(departments=[department])
    building = CategoryFactory(name="Bygglov och lokaler")
    food = CategoryFactory(name="Livsmedel")
    for index in range(7):
        case = closed_case(building, lead=lead, email=f"a{index}@example.se", department=department)
        answer_directly(case, 10, 10, 10 if index else 1, factor=6)
    for index in range(8):
        case = closed_case(food, email=f"b{index}@example.se")
        if index < 6:
            answer_directly(case, 1, 1, 1, factor=1)
    year = db.session.scalar(select(SurveyInvitation.sent_at)).year
    page = client.get(f"/enkat/resultat?year={year}&grouping=category").get_data(as_text=True)
    building_row = re.search(r"Bygglov och lokaler</th>(.*?)</tr>", page, re.S).group(1)
    cells = re.findall(r">([^<>]*)</td>", building_row)
    # 7 answers of 7: NKI = (6 × 100 + (100 + 100 + 0) / 3) / 7 = 95.2 -> 95
    assert [c.strip() for c in cells[:5]] == ["7", "7", "100 %", "95", "Högt"]
    food_row = re.search(r"Livsmedel</th>(.*?)</tr>", page, re.S).group(1)
    assert "För få svar" in food_row and "0 %" not in food_row
    assert "75 %" in food_row  # 6 of 8 answered
    # All 13 answers: NKI = (95.24 × 7 + 0 × 6) / 13 = 51.3 -> 51, low
    total_row = re.search(r"Alla</th>(.*?)</tr>", page, re.S).group(1)
    assert "51" in total_row and "Lågt" in total_row
    by_department = client.get(f"/enkat/resultat?year={year}&grouping=department")
    assert "Bygglov</th>" in by_department.get_data(as_text=True)
    by_lead = client.get(f"/enkat/resultat?year={year}&grouping=lead").get_data(as_text=True)
    assert f"{lead.name}</th>" in by_lead


def test_only_managers_and_admins_see_the_results(client, login):
    login(Role.OFFICIAL)
    assert client.get("/enkat/resultat").status_code == 403


def test_results_page_survives_odd_filters(client, login):
    login(Role.MANAGER)
    assert client.get("/enkat/resultat?year=abc&grouping=x").status_code == 200


def test_demo_data_answers_most_closed_demo_cases_once(runner):
    assert runner.invoke(args=["lotsen", "demo-data"]).exit_code == 0
    invited, answered = count(SurveyInvitation), count(SurveyResponse)
    assert invited >= 1 and 0 < answered <= invited
    assert runner.invoke(args=["lotsen", "demo-data"]).exit_code == 0
    assert (count(SurveyInvitation), count(SurveyResponse)) == (invited, answered)


def answer_all(case, answers: tuple[int, ...]):
    """Answer with the six factors and the three NKI questions, in the model's order."""
    invitation = db.session.scalar(
        select(SurveyInvitation).where(SurveyInvitation.case_id == case.id)
    )
    services.record_response(
        invitation, dict(zip(FACTORS + NKI_QUESTIONS, answers, strict=True)), ""
    )
    db.session.commit()


def hand_computed(answers: list[tuple[int, ...]], weights) -> tuple[float, dict]:
    nki = scoring.mean([scoring.nki(a[6:], weights) for a in answers])
    factors = {
        name: scoring.mean([scoring.factor_index(a[i]) for a in answers])
        for i, name in enumerate(FACTORS)
    }
    return nki, factors


def test_sql_figures_equal_the_formula_with_unequal_weights(app, count_queries):
    app.config["SURVEY_NKI_WEIGHTS"] = (3, 1, 2)
    app.config["SURVEY_MIN_ANSWERS"] = 3
    weights = (3, 1, 2)
    #           information … efficiency  overall expectations ideal
    building = [
        (6, 5, 6, 4, 5, 3, 8, 5, 9),
        (2, 3, 1, 4, 6, 5, 3, 7, 2),
        (5, 5, 5, 5, 5, 5, 10, 9, 10),
        (1, 2, 3, 4, 5, 6, 1, 4, 6),
    ]
    food = [(4, 4, 3, 6, 2, 1, 6, 6, 5), (3, 6, 2, 5, 4, 4, 9, 2, 7), (6,) * 6 + (10,) * 3]
    serving = [(1,) * 6 + (2, 3, 1), (4,) * 6 + (5, 5, 5)]
    categories = {}
    for name, answers in (("Bygglov", building), ("Livsmedel", food), ("Servering", serving)):
        categories[name] = CategoryFactory(name=name)
        for index, answer in enumerate(answers):
            case = closed_case(categories[name], email=f"{name}{index}@example.se")
            answer_all(case, answer)
    closed_case(categories["Bygglov"], email="tyst@example.se")  # invited, never answers
    earlier = closed_case(categories["Livsmedel"], email="ifjol@example.se")
    answer_all(earlier, (1,) * 9)
    invitation = db.session.scalar(
        select(SurveyInvitation).where(SurveyInvitation.case_id == earlier.id)
    )
    now = utcnow()
    invitation.sent_at = now - timedelta(days=30)  # outside the period
    db.session.commit()

    with count_queries() as queries:
        total, rows = services.survey_results(
            now - timedelta(days=1), now + timedelta(days=1), "category"
        )
    assert queries.kinds() == ["SELECT", "SELECT"]

    by_name = {row.name: row for row in rows}
    assert list(by_name) == ["Bygglov", "Livsmedel", "Servering"]
    for result, answers, invited in (
        (total, building + food + serving, 10),
        (by_name["Bygglov"], building, 5),
        (by_name["Livsmedel"], food, 3),
    ):
        nki, factors = hand_computed(answers, weights)
        assert (result.invited, result.answered, result.hidden) == (invited, len(answers), False)
        assert result.nki == pytest.approx(nki, abs=1e-9)
        assert result.factors == pytest.approx(factors, abs=1e-9)
    # By hand: (3·5 + 1·5 + 2·4, 3·8 + 1·1 + 2·6, 3·9 + 1·9 + 2·9) = (28, 37, 54) out of 6·9,
    # so NKI = (28 + 37 + 54) / 3 / 54 × 100 = 73.457; equal weights would give 74.074.
    assert by_name["Livsmedel"].nki == pytest.approx(73.457, abs=0.001)
    assert by_name["Livsmedel"].factors["efficiency"] == pytest.approx((0 + 60 + 100) / 3)
    assert by_name["Bygglov"].response_rate == pytest.approx(80)
    hidden = by_name["Servering"]
    assert (hidden.invited, hidden.answered, hidden.hidden) == (2, 2, True)
    assert hidden.nki is None and hidden.factors == {} and hidden.level is None


def test_departments_are_the_cases_responsible_department(app):
    app.config["SURVEY_MIN_ANSWERS"] = 1
    building, environment = DepartmentFactory(name="Bygglov"), DepartmentFactory(name="Miljö")
    lead = UserFactory(departments=[building, environment])
    for index, department in enumerate((building, building, None)):
        case = closed_case(lead=lead, email=f"d{index}@example.se", department=department)
        answer_all(case, (4,) * 6 + (10, 10, 1 + index * 3))
    now = utcnow()
    total, rows = services.survey_results(
        now - timedelta(days=1), now + timedelta(days=1), "department"
    )
    assert [(row.name, row.invited, row.answered) for row in rows] == [
        ("Bygglov", 2, 2),
        ("Ingen avdelning", 1, 1),
    ]
    # (9 + 9 + 0) / 27 and (9 + 9 + 3) / 27: (66.667 + 77.778) / 2 = 72.222
    assert rows[0].nki == pytest.approx(72.222, abs=0.001)
    assert (total.invited, total.answered) == (3, 3)
