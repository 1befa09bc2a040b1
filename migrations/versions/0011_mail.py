"""outbox: fixed Message-ID, threading per case, locale; cases: the business owner's language

Every outbox message gets its Message-ID when it is queued (existing rows get one derived from
their id), the case it is about and the Message-ID of that case's first mail (In-Reply-To and
References), and the locale it was written in. A case records the language the business owner
used on the public form.

Revision ID: 0011_mail
Revises: 0010_accounts
Create Date: 2026-12-03 10:40:00

"""

import sqlalchemy as sa
from alembic import op

revision = "0011_mail"
down_revision = "0010_accounts"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("outbox_messages", schema=None) as batch_op:
        batch_op.add_column(sa.Column("message_id", sa.String(length=250), nullable=True))
        batch_op.add_column(sa.Column("case_id", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("in_reply_to", sa.String(length=250), nullable=True))
        batch_op.add_column(
            sa.Column("locale", sa.String(length=5), nullable=False, server_default="sv")
        )
    op.execute(
        "UPDATE outbox_messages SET message_id = '<lotsen-outbox-' || id || '@lotsen.invalid>'"
    )
    with op.batch_alter_table("outbox_messages", schema=None) as batch_op:
        batch_op.alter_column("message_id", existing_type=sa.String(length=250), nullable=False)
        batch_op.alter_column("locale", existing_type=sa.String(length=5), server_default=None)
        batch_op.create_index("ix_outbox_messages_message_id", ["message_id"], unique=True)
        batch_op.create_index("ix_outbox_messages_case", ["case_id", "id"], unique=False)
    with op.batch_alter_table("cases", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("submitter_locale", sa.String(length=5), nullable=False, server_default="sv")
        )


def downgrade():
    with op.batch_alter_table("cases", schema=None) as batch_op:
        batch_op.drop_column("submitter_locale")
    with op.batch_alter_table("outbox_messages", schema=None) as batch_op:
        batch_op.drop_index("ix_outbox_messages_case")
        batch_op.drop_index("ix_outbox_messages_message_id")
        batch_op.drop_column("locale")
        batch_op.drop_column("in_reply_to")
        batch_op.drop_column("case_id")
        batch_op.drop_column("message_id")
