"""review: the cycle's reason codes, second reviewer for rejections, time zone; a review's reason code

Revision ID: 0010
Revises: 0009

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0010'
down_revision = '0009'
branch_labels = None
depends_on = None

# The reasons of fieldcheck/cycles/defaults.py at this revision, written out so the migration never changes.
REASONS = "\n".join((
    "not_found | 现场未找到申报事项 | The claimed work was not found on site",
    "count_differs | 数量与申报不符 | The count differs from the claim",
    "photos_doubtful | 照片不能证明现场 | The photos do not show the site",
    "location_doubtful | 定位与地点不符 | The location does not match the place",
    "interviews_doubtful | 访谈不足或存疑 | Too few or doubtful interviews",
    "other | 其他（见说明） | Other (see the note)",
))


def upgrade():
    with op.batch_alter_table('cycle', schema=None) as batch_op:
        batch_op.add_column(sa.Column('review_reasons', sa.Text(), nullable=False, server_default=REASONS))
        # Cycles under way keep deciding as before: one reviewer's rejection is final.
        batch_op.add_column(sa.Column('second_reviewer_reject', sa.Boolean(), nullable=False,
                                      server_default=sa.false()))
        batch_op.add_column(sa.Column('time_zone', sa.String(length=64), nullable=False,
                                      server_default='Asia/Shanghai'))
    with op.batch_alter_table('review', schema=None) as batch_op:
        batch_op.add_column(sa.Column('reason_code', sa.String(length=32), nullable=False, server_default=''))
        batch_op.alter_column('decision', existing_type=sa.String(length=8), type_=sa.String(length=16))


def downgrade():
    with op.batch_alter_table('review', schema=None) as batch_op:
        batch_op.alter_column('decision', existing_type=sa.String(length=16), type_=sa.String(length=8))
        batch_op.drop_column('reason_code')
    with op.batch_alter_table('cycle', schema=None) as batch_op:
        batch_op.drop_column('time_zone')
        batch_op.drop_column('second_reviewer_reject')
        batch_op.drop_column('review_reasons')
