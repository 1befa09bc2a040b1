"""Migration 0015 on a database that already holds cases: they are indexed by the upgrade, and
the downgrade removes the search structures so that upgrading again works (both databases)."""

import pytest
from flask_migrate import downgrade, upgrade
from sqlalchemy import text

from lotsen import create_app
from lotsen.accounts.models import Role, User, UserRole
from lotsen.extensions import db
from lotsen.search.queries import SearchFilters, search_cases
from tests.conftest import base_test_config, create_postgres_database, drop_postgres_database

CASE = (
    "INSERT INTO cases (id, number, year, serial, status, channel, category_id, company_name,"
    " submitter_name, preferred_contact, subject, received_at, updated_at, version,"
    " submitter_locale) VALUES (1, 'LOTS-2026-0001', 2026, 1, 'new', 'web', 1, 'Ekens Kafé AB',"
    " 'Lina Berg', 'email', 'Uteservering', CURRENT_TIMESTAMP, CURRENT_TIMESTAMP, 1, 'sv')"
)
MESSAGE = (
    "INSERT INTO case_messages (case_id, created_at, author_kind, is_internal, body) VALUES"
    " (1, CURRENT_TIMESTAMP, 'submitter', false, 'Hur fungerar bygglovsansökan för altanen?')"
)


def found_numbers(text_: str) -> list[str]:
    user = User(name="Samordnare", email="s@kommun.example", active=True, password_hash="x",
                session_nonce="n")  # fmt: skip
    user.role_rows.append(UserRole(role=Role.COORDINATOR.value))
    db.session.add(user)
    db.session.flush()
    page = search_cases(user, SearchFilters(text=text_), None, 10)
    db.session.rollback()
    return [hit.case.number for hit in page.hits]


@pytest.mark.parametrize("backend", ["sqlite", "postgresql"])
def test_the_upgrade_indexes_existing_cases_and_the_downgrade_undoes_it(backend, tmp_path):
    url = (
        "sqlite:///" + str(tmp_path / "migrate.sqlite")
        if backend == "sqlite"
        else create_postgres_database()
    )
    app = create_app(base_test_config(url, str(tmp_path)))
    try:
        with app.app_context():
            upgrade(revision="0013_robustness")
            db.session.execute(
                text(
                    "INSERT INTO categories (id, name, help_text, sort_order, active, created_at,"
                    " target_first_response_hours, target_resolution_days)"
                    " VALUES (1, 'Bygglov', '', 1, true, CURRENT_TIMESTAMP, 8, 10)"
                )
            )
            db.session.execute(text(CASE))
            db.session.execute(text(MESSAGE))
            db.session.commit()
            upgrade()
            assert found_numbers("bygglov") == ["LOTS-2026-0001"]
            db.session.remove()
            downgrade(revision="0013_robustness")
            upgrade()
            assert found_numbers("altan") == ["LOTS-2026-0001"]
            db.session.remove()
            db.engine.dispose()
    finally:
        if backend == "postgresql":
            drop_postgres_database(url)
