"""ballots: the meeting's anonymous ballot rounds, one-time codes and counts per secretary and grade

Revision ID: 0012
Revises: 0010

"""
from alembic import op
import sqlalchemy as sa



# revision identifiers, used by Alembic.
revision = '0012'
down_revision = '0010'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'ballot_round',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('cycle_id', sa.Integer(), nullable=False),
        sa.Column('title', sa.String(length=200), nullable=False),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('closes_at', sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(['cycle_id'], ['cycle.id'], name=op.f('fk_ballot_round_cycle_id_cycle')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_ballot_round')),
    )
    with op.batch_alter_table('ballot_round', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_ballot_round_cycle_id'), ['cycle_id'], unique=False)
    op.create_table(
        'ballot_code',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('round_id', sa.Integer(), nullable=False),
        sa.Column('token_sha256', sa.String(length=64), nullable=False),
        sa.Column('used', sa.Boolean(), nullable=False),
        sa.ForeignKeyConstraint(['round_id'], ['ballot_round.id'], name=op.f('fk_ballot_code_round_id_ballot_round')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_ballot_code')),
        sa.UniqueConstraint('token_sha256', name=op.f('uq_ballot_code_token_sha256')),
    )
    with op.batch_alter_table('ballot_code', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_ballot_code_round_id'), ['round_id'], unique=False)
    op.create_table(
        'ballot_count',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('round_id', sa.Integer(), nullable=False),
        sa.Column('report_id', sa.Integer(), nullable=False),
        sa.Column('grade', sa.String(length=4), nullable=False),
        sa.Column('source', sa.String(length=8), nullable=False),
        sa.Column('count', sa.Integer(), nullable=False),
        sa.CheckConstraint('count >= 0', name=op.f('ck_ballot_count_count')),
        sa.ForeignKeyConstraint(['report_id'], ['report.id'], name=op.f('fk_ballot_count_report_id_report')),
        sa.ForeignKeyConstraint(['round_id'], ['ballot_round.id'], name=op.f('fk_ballot_count_round_id_ballot_round')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_ballot_count')),
        sa.UniqueConstraint('round_id', 'report_id', 'grade', 'source', name='uq_ballot_count_cell'),
    )
    with op.batch_alter_table('ballot_count', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_ballot_count_round_id'), ['round_id'], unique=False)


def downgrade():
    op.drop_table('ballot_count')
    op.drop_table('ballot_code')
    op.drop_table('ballot_round')
