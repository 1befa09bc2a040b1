"""index case_messages.email_message_id: threading inbound mail by the Message-IDs it answers
without reading every message

Revision ID: 0020_message_email_index
Revises: 0016_saved_replies
Create Date: 2026-12-03 17:00:00

"""

import sqlalchemy as sa
from alembic import op

revision = "0020_message_email_index"
down_revision = "0016_saved_replies"
branch_labels = None
depends_on = None

WHERE = sa.text("email_message_id IS NOT NULL")


def upgrade():
    op.create_index(
        "ix_case_messages_email_message_id",
        "case_messages",
        ["email_message_id"],
        sqlite_where=WHERE,
        postgresql_where=WHERE,
    )


def downgrade():
    op.drop_index("ix_case_messages_email_message_id", table_name="case_messages")
