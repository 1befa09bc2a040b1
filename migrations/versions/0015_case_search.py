"""case search: one document of Swedish stems per case (FTS5 on SQLite, tsvector + GIN on
PostgreSQL) and the text of attachments; existing cases are indexed in batches

Revision ID: 0015_case_search
Revises: 0014_inbound_mail
Create Date: 2026-12-03 14:00:00

"""

import sqlalchemy as sa
from alembic import op

import lotsen.db_types
from lotsen.search import storage
from lotsen.search.index import reindex_all

revision = "0015_case_search"
down_revision = "0014_inbound_mail"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('case_search_documents',
    sa.Column('case_id', sa.Integer(), autoincrement=False, nullable=False),
    sa.Column('terms', sa.Text(), nullable=False),
    sa.Column('indexed_at', lotsen.db_types.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['case_id'], ['cases.id'], name=op.f('fk_case_search_documents_case_id_cases'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('case_id', name=op.f('pk_case_search_documents'))
    )
    op.create_table('case_attachment_texts',
    sa.Column('attachment_id', sa.Integer(), autoincrement=False, nullable=False),
    sa.Column('case_id', sa.Integer(), nullable=False),
    sa.Column('status', sa.String(length=10), nullable=False),
    sa.Column('text', sa.Text(), nullable=False),
    sa.Column('extracted_at', lotsen.db_types.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['attachment_id'], ['case_attachments.id'], name=op.f('fk_case_attachment_texts_attachment_id_case_attachments'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['case_id'], ['cases.id'], name=op.f('fk_case_attachment_texts_case_id_cases'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('attachment_id', name=op.f('pk_case_attachment_texts'))
    )
    with op.batch_alter_table('case_attachment_texts', schema=None) as batch_op:
        batch_op.create_index('ix_case_attachment_texts_case', ['case_id'], unique=False)
    bind = op.get_bind()
    storage.create(bind)
    reindex_all(bind)


def downgrade():
    storage.drop(op.get_bind())
    with op.batch_alter_table('case_attachment_texts', schema=None) as batch_op:
        batch_op.drop_index('ix_case_attachment_texts_case')
    op.drop_table('case_attachment_texts')
    op.drop_table('case_search_documents')
