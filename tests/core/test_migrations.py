import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from flask_migrate import downgrade, upgrade
from sqlalchemy import select, text

from lotsen import create_app
from lotsen.companies.models import Company
from lotsen.companies.queries import CompanyFilters, company_page
from lotsen.extensions import db
from lotsen.models import include_name
from tests.conftest import base_test_config, create_postgres_database, drop_postgres_database


def test_models_and_migrations_describe_the_same_schema(app):
    connection = db.session.connection()  # the test's own: a rolled-back test has only one
    context = MigrationContext.configure(
        connection, opts={"compare_type": True, "include_name": include_name}
    )
    differences = compare_metadata(context, db.metadata)
    assert differences == []


@pytest.mark.parametrize("backend", ["sqlite", "postgresql"])
def test_ordered_search_migration_rebuilds_the_index_both_ways(backend, tmp_path):
    """0009 on a registry with companies in it: sort keys recomputed and the search filled; its
    downgrade restores the earlier search structures, and upgrading again works."""
    url = (
        "sqlite:///" + str(tmp_path / "migrate.sqlite")
        if backend == "sqlite"
        else create_postgres_database()
    )
    app = create_app(base_test_config(url, str(tmp_path)))
    try:
        with app.app_context():
            upgrade(revision="0008_attachment_message_index")
            db.session.execute(
                text(
                    "INSERT INTO companies (org_number, registration_suffix, is_personal, name,"
                    " sort_name, former_names, status, advertising_blocked, source,"
                    " manually_edited_fields, created_at, updated_at) VALUES "
                    "('5560125790', 0, false, 'Café Ängen & Co', 'cafe angen', '[]', 'active',"
                    " false, 'manual', '[]', CURRENT_TIMESTAMP, CURRENT_TIMESTAMP)"
                )
            )
            db.session.commit()
            upgrade()
            company = db.session.scalar(select(Company))
            assert company.sort_name == "cafe |ngen co"
            found = company_page(CompanyFilters(q="äng"), None, None, 10).items
            assert [c.name for c in found] == ["Café Ängen & Co"]
            db.session.remove()  # no open transaction may hold locks the DDL waits for
            downgrade(revision="0008_attachment_message_index")
            upgrade()
            found = company_page(CompanyFilters(q="café"), None, None, 10).items
            assert [c.name for c in found] == ["Café Ängen & Co"]
            db.session.remove()
            db.engine.dispose()
    finally:
        if backend == "postgresql":
            drop_postgres_database(url)
