"""drafting: drafting rounds (审稿) with their drafts and comments

Revision ID: 0015_drafting
Revises: 0019

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0015_drafting'
down_revision = '0019'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'drafting',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('cycle_id', sa.Integer(), nullable=False),
        sa.Column('unit_id', sa.Integer(), nullable=False),
        sa.Column('slug', sa.String(length=64), nullable=False),
        sa.Column('title', sa.String(length=300), nullable=False),
        sa.Column('secretary', sa.String(length=100), nullable=False),
        sa.Column('state', sa.String(length=16), nullable=False),
        sa.Column('round', sa.Integer(), nullable=False),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('report_id', sa.Integer(), nullable=True),
        sa.Column('filed_at', sa.DateTime(timezone=True), nullable=True),
        sa.Column('filed_sha256', sa.String(length=64), nullable=False),
        sa.ForeignKeyConstraint(['cycle_id'], ['cycle.id'], name=op.f('fk_drafting_cycle_id_cycle')),
        sa.ForeignKeyConstraint(['report_id'], ['report.id'], name=op.f('fk_drafting_report_id_report')),
        sa.ForeignKeyConstraint(['unit_id'], ['unit.id'], name=op.f('fk_drafting_unit_id_unit')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_drafting')),
        sa.UniqueConstraint('cycle_id', 'slug', name='uq_drafting_cycle_slug'),
    )
    op.create_index(op.f('ix_drafting_unit_id'), 'drafting', ['unit_id'], unique=False)
    op.create_table(
        'draft',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('drafting_id', sa.Integer(), nullable=False),
        sa.Column('n', sa.Integer(), nullable=False),
        sa.Column('text', sa.Text(), nullable=False),
        sa.Column('sha256', sa.String(length=64), nullable=False),
        sa.Column('uploaded_by_id', sa.Integer(), nullable=True),
        sa.Column('uploaded_at', sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(['drafting_id'], ['drafting.id'], name=op.f('fk_draft_drafting_id_drafting')),
        sa.ForeignKeyConstraint(['uploaded_by_id'], ['user.id'], name=op.f('fk_draft_uploaded_by_id_user')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_draft')),
        sa.UniqueConstraint('drafting_id', 'n', name='uq_draft_drafting_n'),
    )
    op.create_table(
        'draft_comment',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('draft_id', sa.Integer(), nullable=False),
        sa.Column('start', sa.Integer(), nullable=True),
        sa.Column('end', sa.Integer(), nullable=True),
        sa.Column('kind', sa.String(length=16), nullable=False),
        sa.Column('code', sa.String(length=32), nullable=False),
        sa.Column('body', sa.String(length=2000), nullable=False),
        sa.Column('author_id', sa.Integer(), nullable=True),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint('(start IS NULL AND "end" IS NULL) OR (start >= 0 AND start < "end")',
                           name=op.f('ck_draft_comment_span')),
        sa.ForeignKeyConstraint(['author_id'], ['user.id'], name=op.f('fk_draft_comment_author_id_user')),
        sa.ForeignKeyConstraint(['draft_id'], ['draft.id'], name=op.f('fk_draft_comment_draft_id_draft')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_draft_comment')),
    )
    op.create_index(op.f('ix_draft_comment_draft_id'), 'draft_comment', ['draft_id'], unique=False)


def downgrade():
    op.drop_index(op.f('ix_draft_comment_draft_id'), table_name='draft_comment')
    op.drop_table('draft_comment')
    op.drop_table('draft')
    op.drop_index(op.f('ix_drafting_unit_id'), table_name='drafting')
    op.drop_table('drafting')
