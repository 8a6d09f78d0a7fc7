"""latest visit: each task names its latest verification, so lists need not group every stored visit; visits by examiner

Revision ID: 0020
Revises: 0016

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0020'
down_revision = '0016'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('task', schema=None) as batch_op:
        batch_op.add_column(sa.Column('latest_verification_id', sa.Integer(), nullable=True))
        batch_op.create_index(batch_op.f('ix_task_latest_verification_id'), ['latest_verification_id'], unique=False)
    # The review queue leaves out the claims its reviewer visited: found through this index.
    op.create_index(op.f('ix_verification_examiner_id'), 'verification', ['examiner_id'], unique=False)
    # The latest by submission time, then id.
    op.execute(
        "UPDATE task SET latest_verification_id = ("
        "SELECT v.id FROM verification v WHERE v.task_id = task.id "
        "ORDER BY v.submitted_at DESC, v.id DESC LIMIT 1)")


def downgrade():
    op.drop_index(op.f('ix_verification_examiner_id'), table_name='verification')
    with op.batch_alter_table('task', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_task_latest_verification_id'))
        batch_op.drop_column('latest_verification_id')
