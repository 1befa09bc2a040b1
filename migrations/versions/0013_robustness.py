"""import runs: a heartbeat, so that a killed import is seen as interrupted and can be resumed

Revision ID: 0013_robustness
Revises: 0012_workflow
Create Date: 2026-12-03 11:55:00

"""

import sqlalchemy as sa
from alembic import op

from lotsen.db_types import UTCDateTime

revision = "0013_robustness"
down_revision = "0012_workflow"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("import_runs", schema=None) as batch_op:
        batch_op.add_column(sa.Column("heartbeat_at", UTCDateTime(timezone=True), nullable=True))


def downgrade():
    with op.batch_alter_table("import_runs", schema=None) as batch_op:
        batch_op.drop_column("heartbeat_at")
