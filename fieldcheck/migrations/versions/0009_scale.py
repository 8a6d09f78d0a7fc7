"""scale: stored day routes; an index per 16-bit band of the photo pHash for the near-duplicate prefilter

Revision ID: 0009
Revises: 0008

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0009'
down_revision = '0008'
branch_labels = None
depends_on = None

BANDS = 4


def upgrade():
    op.create_table(
        'route_stop',
        sa.Column('task_id', sa.Integer(), nullable=False),
        sa.Column('cycle_id', sa.Integer(), nullable=False),
        sa.Column('examiner_id', sa.Integer(), nullable=False),
        sa.Column('day', sa.Integer(), nullable=False),
        sa.Column('position', sa.Integer(), nullable=False),
        sa.Column('leg_km', sa.Double(), nullable=False),
        sa.ForeignKeyConstraint(['cycle_id'], ['cycle.id'], name=op.f('fk_route_stop_cycle_id_cycle'),
                                ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['examiner_id'], ['user.id'], name=op.f('fk_route_stop_examiner_id_user'),
                                ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['task_id'], ['task.id'], name=op.f('fk_route_stop_task_id_task'),
                                ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('task_id', name=op.f('pk_route_stop')),
    )
    op.create_index('ix_route_stop_cycle_examiner', 'route_stop', ['cycle_id', 'examiner_id', 'day', 'position'])
    # The duplicate-photo check asks for photos sharing a band of the pHash (16 bits each).
    with op.batch_alter_table('photo', schema=None) as batch_op:
        for band in range(BANDS):
            batch_op.add_column(sa.Column(f'phash_b{band}', sa.String(length=4), nullable=True))
            batch_op.create_index(batch_op.f(f'ix_photo_phash_b{band}'), [f'phash_b{band}'], unique=False)
    op.create_index(op.f('ix_verification_photo_photo_id'), 'verification_photo', ['photo_id'], unique=False)
    op.execute("UPDATE photo SET " + ", ".join(f"phash_b{b} = lower(substr(phash, {1 + 4 * b}, 4))" for b in range(BANDS))
               + " WHERE length(phash) = 16")


def downgrade():
    op.drop_index(op.f('ix_verification_photo_photo_id'), table_name='verification_photo')
    with op.batch_alter_table('photo', schema=None) as batch_op:
        for band in range(BANDS):
            batch_op.drop_index(batch_op.f(f'ix_photo_phash_b{band}'))
            batch_op.drop_column(f'phash_b{band}')
    op.drop_index('ix_route_stop_cycle_examiner', table_name='route_stop')
    op.drop_table('route_stop')
