"""After demo-data the dashboards show a real picture: a year and a half of cases."""

import time
from datetime import UTC, datetime, timedelta
from statistics import median

from sqlalchemy import func, select

from lotsen.cases.models import Case, CaseEvent
from lotsen.demo import DEMO_PASSWORD
from lotsen.extensions import db
from lotsen.survey.models import SurveyResponse
from lotsen.timekeeping.calendar import STOCKHOLM
from lotsen.timekeeping.models import CaseFigures


def test_demo_data_holds_a_year_and_a_half_of_cases(runner, client):
    started = time.monotonic()
    result = runner.invoke(args=["lotsen", "demo-data"])
    elapsed = time.monotonic() - started
    assert result.exit_code == 0, result.output
    print(f"demo-data took {elapsed:.1f} s")
    assert elapsed < 60, elapsed

    cases = db.session.scalar(select(func.count()).select_from(Case))
    assert 300 <= cases <= 700
    first, last = db.session.execute(
        select(func.min(Case.received_at), func.max(Case.received_at))
    ).one()
    now = datetime.now(UTC)
    assert now - first.replace(tzinfo=UTC) > timedelta(days=500)
    assert now - last.replace(tzinfo=UTC) < timedelta(days=10)

    # Seasonality: last July had far fewer cases than the April before it.
    year = now.year if now.month > 7 else now.year - 1
    months = [(c.year, c.month) for c in db.session.scalars(select(Case.received_at))]
    assert months.count((year, 4)) > 2 * months.count((year, 7))

    # First response: a median of hours to a few days of working time, some breaches.
    minutes = [
        m
        for m in db.session.scalars(
            select(CaseFigures.first_response_minutes).where(
                CaseFigures.first_response_minutes.is_not(None)
            )
        )
    ]
    assert len(minutes) > cases * 0.8
    assert 60 <= median(minutes) <= 3 * 8 * 60
    breaches = db.session.scalar(
        select(func.count()).where(CaseFigures.first_response_margin_minutes < 0)
    )
    assert 0.02 * cases < breaches < 0.3 * cases
    waited = db.session.scalar(
        select(func.count(func.distinct(CaseEvent.case_id))).where(
            CaseEvent.to_status == "waiting_for_company"
        )
    )
    assert waited > 0.1 * cases
    assert db.session.scalar(select(func.count()).select_from(SurveyResponse)) > 50

    # Safe to re-run: nothing is added the second time.
    assert runner.invoke(args=["lotsen", "demo-data"]).exit_code == 0
    assert db.session.scalar(select(func.count()).select_from(Case)) == cases

    # The managers' dashboard shows these figures.
    client.submit(
        "/konto/logga-in", {"email": "helena.berg@kommun.example", "password": DEMO_PASSWORD}
    )
    start = (now - timedelta(days=365)).date()
    page = client.get(f"/rapporter/?date_from={start}&date_to={now.date()}").text
    local = [c.astimezone(STOCKHOLM).date() for c in db.session.scalars(select(Case.received_at))]
    received = sum(1 for day in local if start <= day <= now.date())
    assert received > 150
    assert f">{received}<" in page
