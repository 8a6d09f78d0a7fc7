"""cycle settings: every flag threshold and the score weights on the cycle

Revision ID: 0007
Revises: 0006

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0007'
down_revision = '0006'
branch_labels = None
depends_on = None

# Existing cycles get the figures they were computed with until now (the defaults of
# fieldcheck/cycles/defaults.py at this revision, written out so the migration never changes).
COLUMNS = (
    ('exif_gps_max_m', sa.Double(), '1000'),
    ('exif_time_window_h', sa.Double(), '2'),
    ('exif_max_age_days', sa.Double(), '30'),
    ('phash_max_distance', sa.Integer(), '6'),
    ('min_visit_minutes', sa.Double(), '5'),
    ('camera_utc_offset_h', sa.Double(), '8'),
    ('finding_weight', sa.Double(), '0.6'),
    ('satisfaction_weight', sa.Double(), '0.4'),
    ('partly_value', sa.Double(), '0.5'),
)


def upgrade():
    with op.batch_alter_table('cycle', schema=None) as batch_op:
        for name, type_, default in COLUMNS:
            batch_op.add_column(sa.Column(name, type_, nullable=False, server_default=default))


def downgrade():
    with op.batch_alter_table('cycle', schema=None) as batch_op:
        for name, _type, _default in reversed(COLUMNS):
            batch_op.drop_column(name)
