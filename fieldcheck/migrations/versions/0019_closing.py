"""closing: the cycle's grade rules, and the close snapshot with its SHA-256 (reopening on the record)

Revision ID: 0019
Revises: 0013

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0019'
down_revision = '0013'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('cycle', schema=None) as batch_op:
        batch_op.add_column(sa.Column('grade_rules', sa.Text(), nullable=True))
    op.create_table(
        'cycle_snapshot',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('cycle_id', sa.Integer(), nullable=False),
        sa.Column('sha256', sa.String(length=64), nullable=False),
        sa.Column('body', sa.Text(), nullable=False),
        sa.Column('audit_head', sa.String(length=64), nullable=True),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('created_by_id', sa.Integer(), nullable=True),
        sa.Column('reopen_reason', sa.String(length=500), nullable=True),
        sa.Column('reopen_requested_by_id', sa.Integer(), nullable=True),
        sa.Column('reopen_requested_at', sa.DateTime(timezone=True), nullable=True),
        sa.Column('superseded_at', sa.DateTime(timezone=True), nullable=True),
        sa.Column('superseded_by_id', sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(['cycle_id'], ['cycle.id'], name=op.f('fk_cycle_snapshot_cycle_id_cycle')),
        sa.ForeignKeyConstraint(['created_by_id'], ['user.id'], name=op.f('fk_cycle_snapshot_created_by_id_user')),
        sa.ForeignKeyConstraint(['reopen_requested_by_id'], ['user.id'],
                                name=op.f('fk_cycle_snapshot_reopen_requested_by_id_user')),
        sa.ForeignKeyConstraint(['superseded_by_id'], ['user.id'], name=op.f('fk_cycle_snapshot_superseded_by_id_user')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_cycle_snapshot')),
    )
    with op.batch_alter_table('cycle_snapshot', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_cycle_snapshot_cycle_id'), ['cycle_id'], unique=False)


def downgrade():
    with op.batch_alter_table('cycle_snapshot', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_cycle_snapshot_cycle_id'))
    op.drop_table('cycle_snapshot')
    with op.batch_alter_table('cycle', schema=None) as batch_op:
        batch_op.drop_column('grade_rules')
