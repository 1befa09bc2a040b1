"""working time: calendar exceptions and case figures

Cases that exist before this revision get their figures from `flask lotsen recompute-figures`
(run it once after upgrading); later cases get them on every event.

Revision ID: 0004_working_time
Revises: 0003_cases
Create Date: 2026-11-23 10:21:47.844998

"""
from alembic import op
import sqlalchemy as sa

import lotsen.db_types


# revision identifiers, used by Alembic.
revision = '0004_working_time'
down_revision = '0003_cases'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('closed_days',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('day', sa.Date(), nullable=False),
    sa.Column('reason', sa.String(length=200), nullable=False),
    sa.Column('created_at', lotsen.db_types.UTCDateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_closed_days')),
    sa.UniqueConstraint('day', name=op.f('uq_closed_days_day'))
    )
    op.create_table('shortened_days',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('day', sa.Date(), nullable=False),
    sa.Column('closes_at', sa.Time(), nullable=False),
    sa.Column('reason', sa.String(length=200), nullable=False),
    sa.Column('created_at', lotsen.db_types.UTCDateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_shortened_days')),
    sa.UniqueConstraint('day', name=op.f('uq_shortened_days_day'))
    )
    op.create_table('case_figures',
    sa.Column('case_id', sa.Integer(), autoincrement=False, nullable=False),
    sa.Column('clock', sa.String(length=10), nullable=False),
    sa.Column('first_response_minutes', sa.Integer(), nullable=True),
    sa.Column('handling_minutes', sa.Integer(), nullable=False),
    sa.Column('paused_minutes', sa.Integer(), nullable=False),
    sa.Column('calendar_days', sa.Integer(), nullable=False),
    sa.Column('first_response_target_minutes', sa.Integer(), nullable=False),
    sa.Column('resolution_target_minutes', sa.Integer(), nullable=False),
    sa.Column('first_response_due_at', lotsen.db_types.UTCDateTime(timezone=True), nullable=True),
    sa.Column('resolution_due_at', lotsen.db_types.UTCDateTime(timezone=True), nullable=True),
    sa.Column('first_response_margin_minutes', sa.Integer(), nullable=True),
    sa.Column('resolution_margin_minutes', sa.Integer(), nullable=True),
    sa.Column('computed_at', lotsen.db_types.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['case_id'], ['cases.id'], name=op.f('fk_case_figures_case_id_cases'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('case_id', name=op.f('pk_case_figures'))
    )
    with op.batch_alter_table('case_figures', schema=None) as batch_op:
        batch_op.create_index('ix_case_figures_clock_resolution_due', ['clock', 'resolution_due_at'], unique=False)



def downgrade():
    with op.batch_alter_table('case_figures', schema=None) as batch_op:
        batch_op.drop_index('ix_case_figures_clock_resolution_due')

    op.drop_table('case_figures')
    op.drop_table('shortened_days')
    op.drop_table('closed_days')
