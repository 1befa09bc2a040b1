from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from lotsen.extensions import db
from lotsen.models import include_name


def test_models_and_migrations_describe_the_same_schema(app):
    with db.engine.connect() as connection:
        context = MigrationContext.configure(
            connection, opts={"compare_type": True, "include_name": include_name}
        )
        differences = compare_metadata(context, db.metadata)
    assert differences == []
