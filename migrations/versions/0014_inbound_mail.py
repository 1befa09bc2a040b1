"""inbound e-mail: fetched messages, a reply token and a bouncing flag per case, the channel of
each case message, Reply-To and References on outgoing mail

Revision ID: 0014_inbound_mail
Revises: 0013_robustness
Create Date: 2026-12-03 14:00:00

"""

import sqlalchemy as sa
from alembic import op

from lotsen.db_types import UTCDateTime

revision = "0014_inbound_mail"
down_revision = "0013_robustness"
branch_labels = None
depends_on = None


RANDOM_TOKEN = {
    "sqlite": "(lower(hex(randomblob(16))))",
    "postgresql": "replace(gen_random_uuid()::text, '-', '')",
}


def upgrade():
    with op.batch_alter_table("cases", schema=None) as batch_op:
        batch_op.add_column(sa.Column("reply_token", sa.String(length=32), nullable=True))
        batch_op.add_column(
            sa.Column("contact_bouncing", sa.Boolean(), server_default="0", nullable=False)
        )
    # 128 random bits per row, drawn by the database: one UPDATE for the existing cases, and the
    # default for rows written around the ORM (bulk loads; the ORM draws its own token).
    random_token = sa.text(RANDOM_TOKEN[op.get_bind().dialect.name])
    op.execute(f"UPDATE cases SET reply_token = {RANDOM_TOKEN[op.get_bind().dialect.name]}")
    with op.batch_alter_table("cases", schema=None) as batch_op:
        batch_op.alter_column(
            "reply_token",
            existing_type=sa.String(length=32),
            nullable=False,
            server_default=random_token,
        )
        batch_op.create_unique_constraint("uq_cases_reply_token", ["reply_token"])

    with op.batch_alter_table("case_messages", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("channel", sa.String(length=10), server_default="web", nullable=False)
        )
        batch_op.add_column(sa.Column("email_message_id", sa.String(length=250), nullable=True))

    with op.batch_alter_table("outbox_messages", schema=None) as batch_op:
        batch_op.add_column(sa.Column("references", sa.Text(), nullable=True))
        batch_op.add_column(sa.Column("reply_to", sa.String(length=254), nullable=True))

    op.create_table(
        "inbound_messages",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("received_at", UTCDateTime(timezone=True), nullable=False),
        sa.Column("mailbox", sa.String(length=100), nullable=False),
        sa.Column("uidvalidity", sa.BigInteger(), nullable=True),
        sa.Column("uid", sa.BigInteger(), nullable=True),
        sa.Column("message_id", sa.String(length=250), nullable=False),
        sa.Column("sender", sa.String(length=254), nullable=False),
        sa.Column("subject", sa.String(length=250), nullable=False),
        sa.Column("outcome", sa.String(length=20), nullable=False),
        sa.Column("reason", sa.String(length=500), nullable=True),
        sa.Column("case_id", sa.Integer(), nullable=True),
        sa.Column("case_message_id", sa.Integer(), nullable=True),
        sa.Column("size", sa.Integer(), nullable=False),
        sa.Column("raw", sa.LargeBinary(), nullable=False),
        sa.ForeignKeyConstraint(["case_id"], ["cases.id"], ondelete="SET NULL"),
        sa.ForeignKeyConstraint(["case_message_id"], ["case_messages.id"], ondelete="SET NULL"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("mailbox", "uidvalidity", "uid", name="uq_inbound_messages_uid"),
    )
    op.create_index(
        "ix_inbound_messages_message_id", "inbound_messages", ["message_id"], unique=True
    )
    op.create_index(
        "ix_inbound_messages_sender_received", "inbound_messages", ["sender", "received_at"]
    )
    op.create_index("ix_inbound_messages_outcome", "inbound_messages", ["outcome", "id"])
    op.create_index("ix_inbound_messages_case_message", "inbound_messages", ["case_message_id"])
    op.create_index("ix_inbound_messages_case", "inbound_messages", ["case_id"])


def downgrade():
    op.drop_table("inbound_messages")
    with op.batch_alter_table("outbox_messages", schema=None) as batch_op:
        batch_op.drop_column("reply_to")
        batch_op.drop_column("references")
    with op.batch_alter_table("case_messages", schema=None) as batch_op:
        batch_op.drop_column("email_message_id")
        batch_op.drop_column("channel")
    with op.batch_alter_table("cases", schema=None) as batch_op:
        batch_op.drop_constraint("uq_cases_reply_token", type_="unique")
        batch_op.drop_column("contact_bouncing")
        batch_op.drop_column("reply_token")
