"""grades: routine research scores and the grades the organizer confirmed

Revision ID: 0013
Revises: 0012

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0013'
down_revision = '0012'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'routine_score',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('report_id', sa.Integer(), nullable=False),
        sa.Column('score', sa.Double(), nullable=False),
        sa.Column('note', sa.String(length=500), nullable=False),
        sa.CheckConstraint('score >= 0 AND score <= 100', name=op.f('ck_routine_score_score')),
        sa.ForeignKeyConstraint(['report_id'], ['report.id'], name=op.f('fk_routine_score_report_id_report')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_routine_score')),
        sa.UniqueConstraint('report_id', name='uq_routine_score_report'),
    )
    op.create_table(
        'grade_decision',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('report_id', sa.Integer(), nullable=False),
        sa.Column('proposed', sa.String(length=4), nullable=True),
        sa.Column('grade', sa.String(length=4), nullable=False),
        sa.Column('reason', sa.String(length=1000), nullable=False),
        sa.Column('decided_by_id', sa.Integer(), nullable=True),
        sa.Column('decided_at', sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(['decided_by_id'], ['user.id'], name=op.f('fk_grade_decision_decided_by_id_user')),
        sa.ForeignKeyConstraint(['report_id'], ['report.id'], name=op.f('fk_grade_decision_report_id_report')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_grade_decision')),
        sa.UniqueConstraint('report_id', name='uq_grade_decision_report'),
    )


def downgrade():
    op.drop_table('grade_decision')
    op.drop_table('routine_score')
