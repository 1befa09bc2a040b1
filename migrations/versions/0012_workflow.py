"""status links that can be sent again; requests for a decision (förvaltningslagen 12 §)

case_access_tokens.salt lets a reply send the case's valid link again (the token is derived
from the salt and the secret key; only its hash is stored), first_used_at marks the first
use of a link, which revokes the older ones. cases.decision_requested_on/decision_due_on hold
a company's pending request that the case be decided (four weeks to decide or refuse).

Revision ID: 0012_workflow
Revises: 0011_mail
Create Date: 2026-12-03 10:45:00.000000

"""
from alembic import op
import sqlalchemy as sa

import lotsen.db_types


# revision identifiers, used by Alembic.
revision = '0012_workflow'
down_revision = "0011_mail"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('case_access_tokens', schema=None) as batch_op:
        batch_op.add_column(sa.Column('salt', sa.String(length=32), nullable=True))
        batch_op.add_column(
            sa.Column('first_used_at', lotsen.db_types.UTCDateTime(timezone=True), nullable=True)
        )
    with op.batch_alter_table('cases', schema=None) as batch_op:
        batch_op.add_column(sa.Column('decision_requested_on', sa.Date(), nullable=True))
        batch_op.add_column(sa.Column('decision_due_on', sa.Date(), nullable=True))
        batch_op.create_index('ix_cases_decision_due', ['decision_due_on'], unique=False)


def downgrade():
    with op.batch_alter_table('cases', schema=None) as batch_op:
        batch_op.drop_index('ix_cases_decision_due')
        batch_op.drop_column('decision_due_on')
        batch_op.drop_column('decision_requested_on')
    with op.batch_alter_table('case_access_tokens', schema=None) as batch_op:
        batch_op.drop_column('first_used_at')
        batch_op.drop_column('salt')
