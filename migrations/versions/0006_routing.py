"""routing and triage

Routing rules per category (responsible department, default case lead, departments usually
involved), the categories each official handles, absences, auto-assignment per department with
its shared round-robin pointer, in-app notifications, saved case-list filters, and an index for
the department queue of open cases.

Revision ID: 0006_routing
Revises: 0005_visits_survey
Create Date: 2026-11-23 12:00:00.000000

"""
from alembic import op
import sqlalchemy as sa

import lotsen.db_types


# revision identifiers, used by Alembic.
revision = '0006_routing'
down_revision = '0005_visits_survey'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('absences',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('starts_on', sa.Date(), nullable=False),
    sa.Column('ends_on', sa.Date(), nullable=False),
    sa.Column('note', sa.String(length=200), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', lotsen.db_types.UTCDateTime(timezone=True), nullable=False),
    sa.CheckConstraint('ends_on >= starts_on', name=op.f('ck_absences_dates_in_order')),
    sa.ForeignKeyConstraint(['created_by_id'], ['users.id'], name=op.f('fk_absences_created_by_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_absences_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_absences'))
    )
    with op.batch_alter_table('absences', schema=None) as batch_op:
        batch_op.create_index('ix_absences_ends_on', ['ends_on', 'starts_on'], unique=False)
        batch_op.create_index('ix_absences_user', ['user_id', 'starts_on'], unique=False)

    op.create_table('department_auto_assignment',
    sa.Column('department_id', sa.Integer(), autoincrement=False, nullable=False),
    sa.Column('mode', sa.String(length=20), nullable=False),
    sa.Column('last_user_id', sa.Integer(), nullable=True),
    sa.Column('turns', sa.Integer(), nullable=False),
    sa.Column('updated_at', lotsen.db_types.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['department_id'], ['departments.id'], name=op.f('fk_department_auto_assignment_department_id_departments'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['last_user_id'], ['users.id'], name=op.f('fk_department_auto_assignment_last_user_id_users'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('department_id', name=op.f('pk_department_auto_assignment'))
    )
    op.create_table('routing_rules',
    sa.Column('category_id', sa.Integer(), autoincrement=False, nullable=False),
    sa.Column('department_id', sa.Integer(), nullable=True),
    sa.Column('default_lead_id', sa.Integer(), nullable=True),
    sa.Column('updated_at', lotsen.db_types.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['category_id'], ['categories.id'], name=op.f('fk_routing_rules_category_id_categories'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['default_lead_id'], ['users.id'], name=op.f('fk_routing_rules_default_lead_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['department_id'], ['departments.id'], name=op.f('fk_routing_rules_department_id_departments'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('category_id', name=op.f('pk_routing_rules'))
    )
    op.create_table('saved_filters',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=80), nullable=False),
    sa.Column('query', sa.String(length=1000), nullable=False),
    sa.Column('created_at', lotsen.db_types.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_saved_filters_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_saved_filters')),
    sa.UniqueConstraint('user_id', 'name', name=op.f('uq_saved_filters_user_id_name'))
    )
    op.create_table('user_categories',
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('category_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['category_id'], ['categories.id'], name=op.f('fk_user_categories_category_id_categories'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_user_categories_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('user_id', 'category_id', name=op.f('pk_user_categories'))
    )
    with op.batch_alter_table('user_categories', schema=None) as batch_op:
        batch_op.create_index('ix_user_categories_category', ['category_id'], unique=False)

    op.create_table('notifications',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=30), nullable=False),
    sa.Column('case_id', sa.Integer(), nullable=True),
    sa.Column('text', sa.String(length=300), nullable=False),
    sa.Column('created_at', lotsen.db_types.UTCDateTime(timezone=True), nullable=False),
    sa.Column('read_at', lotsen.db_types.UTCDateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['case_id'], ['cases.id'], name=op.f('fk_notifications_case_id_cases'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_notifications_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_notifications'))
    )
    with op.batch_alter_table('notifications', schema=None) as batch_op:
        batch_op.create_index('ix_notifications_user', ['user_id', 'id'], unique=False)
        batch_op.create_index('ix_notifications_user_unread', ['user_id', 'read_at'], unique=False)

    op.create_table('routing_rule_departments',
    sa.Column('category_id', sa.Integer(), nullable=False),
    sa.Column('department_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['category_id'], ['routing_rules.category_id'], name=op.f('fk_routing_rule_departments_category_id_routing_rules'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['department_id'], ['departments.id'], name=op.f('fk_routing_rule_departments_department_id_departments'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('category_id', 'department_id', name=op.f('pk_routing_rule_departments'))
    )
    with op.batch_alter_table('cases', schema=None) as batch_op:
        batch_op.create_index('ix_cases_department_status_received', ['department_id', 'status', 'received_at', 'id'], unique=False)


def downgrade():
    with op.batch_alter_table('cases', schema=None) as batch_op:
        batch_op.drop_index('ix_cases_department_status_received')

    op.drop_table('routing_rule_departments')
    with op.batch_alter_table('notifications', schema=None) as batch_op:
        batch_op.drop_index('ix_notifications_user_unread')
        batch_op.drop_index('ix_notifications_user')

    op.drop_table('notifications')
    with op.batch_alter_table('user_categories', schema=None) as batch_op:
        batch_op.drop_index('ix_user_categories_category')

    op.drop_table('user_categories')
    op.drop_table('saved_filters')
    op.drop_table('routing_rules')
    op.drop_table('department_auto_assignment')
    with op.batch_alter_table('absences', schema=None) as batch_op:
        batch_op.drop_index('ix_absences_user')
        batch_op.drop_index('ix_absences_ends_on')

    op.drop_table('absences')
