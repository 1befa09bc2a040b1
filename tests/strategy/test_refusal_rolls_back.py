"""A refused strategy target goes through the one write path (lotsen.writes)."""

from sqlalchemy import func, select

from lotsen.accounts.models import Role
from lotsen.audit.models import AuditEvent
from lotsen.extensions import db
from lotsen.programme.models import StrategyTarget
from lotsen.strategy import services


def test_a_target_with_a_key_in_use_is_refused_next_to_the_key_and_nothing_is_added(client, login):
    services.load_programme(None, services.read_programme())
    db.session.commit()
    targets_before = db.session.scalar(select(func.count()).select_from(StrategyTarget))
    login(Role.ADMIN)

    response = client.submit(
        "/strategi/matt/ny",
        {
            "name": "Nya jobb i besöksnäringen",
            "key": "new_jobs",
            "baseline": "120",
            "baseline_year": "2024",
            "target_value": "180",
            "target_year": "2030",
            "unit": "jobb",
            "sort_order": "50",
        },
    )

    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert "Det finns redan ett mått med den nyckeln." in page
    assert 'value="Nya jobb i besöksnäringen"' in page
    db.session.expire_all()
    assert db.session.scalar(select(func.count()).select_from(StrategyTarget)) == targets_before
    assert services.target_by_key("new_jobs").name != "Nya jobb i besöksnäringen"
    created = select(AuditEvent).where(AuditEvent.action == "strategy_target.create")
    assert db.session.scalar(created) is None
