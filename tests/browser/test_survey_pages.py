"""The satisfaction survey and its results in a real browser, checked with axe-core."""

import re

import pytest
from playwright.sync_api import expect
from sqlalchemy import func, select

from lotsen.accounts.models import Role
from lotsen.cases.models import CaseStatus
from lotsen.cases.services import Submission, open_case
from lotsen.cases.workflow import change_status
from lotsen.extensions import db
from lotsen.mail.models import OutboxMessage
from lotsen.survey.models import SurveyResponse
from tests.factories import CategoryFactory, UserFactory

pytestmark = pytest.mark.browser


def test_survey_pages_have_no_accessibility_violations(app, live_server, page, axe, browser_login):
    submission = Submission(
        submitter_name="Lina Berg",
        submitter_email="lina@solrosen.example",
        subject="Uteservering",
        description="Vad behöver vi söka?",
        category_id=CategoryFactory().id,
    )
    case, _token = open_case(submission)
    change_status(case, CaseStatus.ANSWERED)
    change_status(case, CaseStatus.CLOSED)
    db.session.commit()
    mail = db.session.scalars(select(OutboxMessage).order_by(OutboxMessage.id.desc())).first()
    path = re.search(r"(/enkat/[A-Za-z0-9_\-]+)", mail.body_text).group(1)

    page.goto(live_server(path))
    axe(page)
    page.get_by_role("link", name="Starta enkäten").click()
    expect(page.locator("h1")).to_have_text("Enkät om kommunens service")
    axe(page)
    page.get_by_role("button", name="Skicka svaren").click()
    expect(page.locator(".error-summary")).to_be_visible()
    axe(page)
    for fieldset in page.locator("fieldset.scale").all():
        fieldset.locator("input[type=radio]").last.check()
    page.get_by_role("button", name="Skicka svaren").click()
    expect(page.locator("h1")).to_have_text("Tack för ditt svar")
    axe(page)
    db.session.commit()  # end the test's read snapshot before looking at what the server wrote
    assert db.session.scalar(select(func.count()).select_from(SurveyResponse)) == 1

    manager = UserFactory(roles=[Role.MANAGER])
    db.session.commit()
    browser_login(page, live_server, manager)
    page.goto(live_server("/enkat/resultat"))
    expect(page.locator("h1")).to_have_text("Enkätresultat (NKI)")
    axe(page)
