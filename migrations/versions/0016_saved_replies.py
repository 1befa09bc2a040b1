"""saved replies (svarsmallar): reply templates per category with placeholders

Revision ID: 0016_saved_replies
Revises: 0015_case_search
Create Date: 2026-12-03 15:00:00

"""

import sqlalchemy as sa
from alembic import op

from lotsen.db_types import UTCDateTime

revision = "0016_saved_replies"
down_revision = "0015_case_search"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "saved_replies",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("title", sa.String(length=120), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("category_id", sa.Integer(), nullable=True),
        sa.Column("archived_at", UTCDateTime(timezone=True), nullable=True),
        sa.Column("created_at", UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", UTCDateTime(timezone=True), nullable=False),
        sa.Column("created_by_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(["category_id"], ["categories.id"], ondelete="SET NULL"),
        sa.ForeignKeyConstraint(["created_by_id"], ["users.id"], ondelete="SET NULL"),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("saved_replies", schema=None) as batch_op:
        batch_op.create_index(
            "ix_saved_replies_archived_title", ["archived_at", "title", "id"], unique=False
        )
        batch_op.create_index("ix_saved_replies_category", ["category_id"], unique=False)


def downgrade():
    with op.batch_alter_table("saved_replies", schema=None) as batch_op:
        batch_op.drop_index("ix_saved_replies_category")
        batch_op.drop_index("ix_saved_replies_archived_title")
    op.drop_table("saved_replies")
