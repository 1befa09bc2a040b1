"""single sign-on: the provider's accounts (issuer and subject) linked to officials

Revision ID: 0019_sso
Revises: 0020_message_email_index
Create Date: 2026-12-10 10:00:00

"""

import sqlalchemy as sa
from alembic import op

from lotsen.db_types import UTCDateTime

revision = "0019_sso"
down_revision = "0020_message_email_index"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "user_identities",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("issuer", sa.String(length=255), nullable=False),
        sa.Column("subject", sa.String(length=255), nullable=False),
        sa.Column("created_at", UTCDateTime(timezone=True), nullable=False),
        sa.Column("last_login_at", UTCDateTime(timezone=True), nullable=True),
        sa.Column("id_token", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["users.id"],
            name=op.f("fk_user_identities_user_id_users"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_user_identities")),
        sa.UniqueConstraint("issuer", "subject", name=op.f("uq_user_identities_issuer_subject")),
    )
    with op.batch_alter_table("user_identities", schema=None) as batch_op:
        batch_op.create_index("ix_user_identities_user", ["user_id"], unique=False)


def downgrade():
    with op.batch_alter_table("user_identities", schema=None) as batch_op:
        batch_op.drop_index("ix_user_identities_user")
    op.drop_table("user_identities")
