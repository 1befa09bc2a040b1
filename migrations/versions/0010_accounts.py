"""password reset requests queued for the mail worker; personnummer searches kept on the server

Revision ID: 0010_accounts
Revises: 0009_ordered_company_search
Create Date: 2026-12-03 11:00:00.000000

"""
from alembic import op
import sqlalchemy as sa

import lotsen.db_types


# revision identifiers, used by Alembic.
revision = '0010_accounts'
down_revision = '0009_ordered_company_search'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('password_reset_requests',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('email', sa.String(length=254), nullable=False),
    sa.Column('requested_at', lotsen.db_types.UTCDateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_password_reset_requests'))
    )
    op.create_table('personal_number_searches',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('token', sa.String(length=32), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('query', sa.String(length=200), nullable=False),
    sa.Column('created_at', lotsen.db_types.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_personal_number_searches_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_personal_number_searches')),
    sa.UniqueConstraint('token', name=op.f('uq_personal_number_searches_token'))
    )
    with op.batch_alter_table('personal_number_searches', schema=None) as batch_op:
        batch_op.create_index('ix_personal_number_searches_created_at', ['created_at'], unique=False)


def downgrade():
    with op.batch_alter_table('personal_number_searches', schema=None) as batch_op:
        batch_op.drop_index('ix_personal_number_searches_created_at')
    op.drop_table('personal_number_searches')
    op.drop_table('password_reset_requests')
