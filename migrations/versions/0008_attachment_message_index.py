"""index case_attachments.message_id

Messages load their attachments by message_id (a selectin load on every case and status page);
without an index that lookup read every attachment kept.

Revision ID: 0008_attachment_message_index
Revises: 0007_team
Create Date: 2026-11-23 14:15:00.000000

"""
from alembic import op


# revision identifiers, used by Alembic.
revision = '0008_attachment_message_index'
down_revision = '0007_team'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('case_attachments', schema=None) as batch_op:
        batch_op.create_index('ix_case_attachments_message', ['message_id'], unique=False)


def downgrade():
    with op.batch_alter_table('case_attachments', schema=None) as batch_op:
        batch_op.drop_index('ix_case_attachments_message')
