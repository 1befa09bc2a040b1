"""the coordinated team: contributions, team and company meetings, outbox attachments

Contributions (delsvar) asked of officials on a case, recurring team meetings (lotsmöten) with
their agenda of cases and outcomes, company meetings (ledmöten) with participants, and files
attached to outbox messages (the .ics invitation of a company meeting).

Revision ID: 0007_team
Revises: 0006_routing
Create Date: 2026-11-23 11:41:24.504068

"""
from alembic import op
import sqlalchemy as sa

import lotsen.db_types


# revision identifiers, used by Alembic.
revision = '0007_team'
down_revision = '0006_routing'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('meeting_series',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=120), nullable=False),
    sa.Column('first_on', sa.Date(), nullable=False),
    sa.Column('interval_weeks', sa.Integer(), nullable=False),
    sa.Column('start_time', sa.Time(), nullable=False),
    sa.Column('end_time', sa.Time(), nullable=False),
    sa.Column('place', sa.String(length=200), nullable=False),
    sa.Column('video_link', sa.String(length=500), nullable=False),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', lotsen.db_types.UTCDateTime(timezone=True), nullable=False),
    sa.CheckConstraint('end_time > start_time', name=op.f('ck_meeting_series_times_in_order')),
    sa.CheckConstraint('interval_weeks BETWEEN 1 AND 8', name=op.f('ck_meeting_series_interval_in_range')),
    sa.ForeignKeyConstraint(['created_by_id'], ['users.id'], name=op.f('fk_meeting_series_created_by_id_users'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_meeting_series'))
    )
    op.create_table('outbox_attachments',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('message_id', sa.Integer(), nullable=False),
    sa.Column('filename', sa.String(length=255), nullable=False),
    sa.Column('content_type', sa.String(length=100), nullable=False),
    sa.Column('data', sa.LargeBinary(), nullable=False),
    sa.ForeignKeyConstraint(['message_id'], ['outbox_messages.id'], name=op.f('fk_outbox_attachments_message_id_outbox_messages'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_outbox_attachments'))
    )
    with op.batch_alter_table('outbox_attachments', schema=None) as batch_op:
        batch_op.create_index('ix_outbox_attachments_message', ['message_id', 'id'], unique=False)

    op.create_table('case_contributions',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('case_id', sa.Integer(), nullable=False),
    sa.Column('contributor_id', sa.Integer(), nullable=False),
    sa.Column('requested_by_id', sa.Integer(), nullable=True),
    sa.Column('department_id', sa.Integer(), nullable=True),
    sa.Column('question', sa.Text(), nullable=False),
    sa.Column('due_on', sa.Date(), nullable=False),
    sa.Column('state', sa.String(length=10), nullable=False),
    sa.Column('answer', sa.Text(), nullable=False),
    sa.Column('decline_reason', sa.Text(), nullable=True),
    sa.Column('created_at', lotsen.db_types.UTCDateTime(timezone=True), nullable=False),
    sa.Column('updated_at', lotsen.db_types.UTCDateTime(timezone=True), nullable=False),
    sa.Column('finished_at', lotsen.db_types.UTCDateTime(timezone=True), nullable=True),
    sa.CheckConstraint("state IN ('requested', 'done', 'declined')", name=op.f('ck_case_contributions_known_state')),
    sa.ForeignKeyConstraint(['case_id'], ['cases.id'], name=op.f('fk_case_contributions_case_id_cases'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['contributor_id'], ['users.id'], name=op.f('fk_case_contributions_contributor_id_users')),
    sa.ForeignKeyConstraint(['department_id'], ['departments.id'], name=op.f('fk_case_contributions_department_id_departments'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['requested_by_id'], ['users.id'], name=op.f('fk_case_contributions_requested_by_id_users'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_case_contributions'))
    )
    with op.batch_alter_table('case_contributions', schema=None) as batch_op:
        batch_op.create_index('ix_case_contributions_case', ['case_id', 'id'], unique=False)
        batch_op.create_index('ix_case_contributions_contributor_state', ['contributor_id', 'state', 'due_on', 'id'], unique=False)

    op.create_table('meetings',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=10), nullable=False),
    sa.Column('title', sa.String(length=200), nullable=False),
    sa.Column('series_id', sa.Integer(), nullable=True),
    sa.Column('case_id', sa.Integer(), nullable=True),
    sa.Column('on_date', sa.Date(), nullable=False),
    sa.Column('start_time', sa.Time(), nullable=False),
    sa.Column('end_time', sa.Time(), nullable=False),
    sa.Column('place', sa.String(length=200), nullable=False),
    sa.Column('video_link', sa.String(length=500), nullable=False),
    sa.Column('notes', sa.Text(), nullable=False),
    sa.Column('organizer_id', sa.Integer(), nullable=True),
    sa.Column('invite_company', sa.Boolean(), nullable=False),
    sa.Column('invitation_sequence', sa.Integer(), nullable=False),
    sa.Column('invitations_sent_at', lotsen.db_types.UTCDateTime(timezone=True), nullable=True),
    sa.Column('created_at', lotsen.db_types.UTCDateTime(timezone=True), nullable=False),
    sa.CheckConstraint("kind IN ('team', 'company')", name=op.f('ck_meetings_known_kind')),
    sa.CheckConstraint('end_time > start_time', name=op.f('ck_meetings_times_in_order')),
    sa.ForeignKeyConstraint(['case_id'], ['cases.id'], name=op.f('fk_meetings_case_id_cases'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['organizer_id'], ['users.id'], name=op.f('fk_meetings_organizer_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['series_id'], ['meeting_series.id'], name=op.f('fk_meetings_series_id_meeting_series'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_meetings')),
    sa.UniqueConstraint('series_id', 'on_date', name=op.f('uq_meetings_series_id_on_date'))
    )
    with op.batch_alter_table('meetings', schema=None) as batch_op:
        batch_op.create_index('ix_meetings_case', ['case_id'], unique=False)
        batch_op.create_index('ix_meetings_date', ['on_date', 'id'], unique=False)
        batch_op.create_index('ix_meetings_kind_date', ['kind', 'on_date', 'id'], unique=False)

    op.create_table('meeting_agenda_items',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('meeting_id', sa.Integer(), nullable=True),
    sa.Column('case_id', sa.Integer(), nullable=False),
    sa.Column('added_by_id', sa.Integer(), nullable=True),
    sa.Column('added_at', lotsen.db_types.UTCDateTime(timezone=True), nullable=False),
    sa.Column('note', sa.String(length=500), nullable=False),
    sa.Column('decision', sa.Text(), nullable=False),
    sa.Column('next_step', sa.Text(), nullable=False),
    sa.Column('owner_id', sa.Integer(), nullable=True),
    sa.Column('outcome_at', lotsen.db_types.UTCDateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['added_by_id'], ['users.id'], name=op.f('fk_meeting_agenda_items_added_by_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['case_id'], ['cases.id'], name=op.f('fk_meeting_agenda_items_case_id_cases'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['meeting_id'], ['meetings.id'], name=op.f('fk_meeting_agenda_items_meeting_id_meetings'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['owner_id'], ['users.id'], name=op.f('fk_meeting_agenda_items_owner_id_users'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_meeting_agenda_items'))
    )
    with op.batch_alter_table('meeting_agenda_items', schema=None) as batch_op:
        batch_op.create_index('ix_meeting_agenda_items_case', ['case_id', 'id'], unique=False)
        batch_op.create_index('ix_meeting_agenda_items_meeting', ['meeting_id', 'id'], unique=False)

    op.create_table('meeting_participants',
    sa.Column('meeting_id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['meeting_id'], ['meetings.id'], name=op.f('fk_meeting_participants_meeting_id_meetings'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_meeting_participants_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('meeting_id', 'user_id', name=op.f('pk_meeting_participants'))
    )


def downgrade():
    op.drop_table('meeting_participants')
    with op.batch_alter_table('meeting_agenda_items', schema=None) as batch_op:
        batch_op.drop_index('ix_meeting_agenda_items_meeting')
        batch_op.drop_index('ix_meeting_agenda_items_case')

    op.drop_table('meeting_agenda_items')
    with op.batch_alter_table('meetings', schema=None) as batch_op:
        batch_op.drop_index('ix_meetings_kind_date')
        batch_op.drop_index('ix_meetings_date')
        batch_op.drop_index('ix_meetings_case')

    op.drop_table('meetings')
    with op.batch_alter_table('case_contributions', schema=None) as batch_op:
        batch_op.drop_index('ix_case_contributions_contributor_state')
        batch_op.drop_index('ix_case_contributions_case')

    op.drop_table('case_contributions')
    with op.batch_alter_table('outbox_attachments', schema=None) as batch_op:
        batch_op.drop_index('ix_outbox_attachments_message')

    op.drop_table('outbox_attachments')
    op.drop_table('meeting_series')
