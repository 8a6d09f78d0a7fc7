"""rectification: reminder talks, rectification items with evidence photos, items carried into a new cycle

Revision ID: 0014_rectification
Revises: 0015_drafting

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0014_rectification'
down_revision = '0015_drafting'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'reminder_talk',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('report_id', sa.Integer(), nullable=False),
        sa.Column('grade', sa.String(length=4), nullable=False),
        sa.Column('held_on', sa.Date(), nullable=True),
        sa.Column('held_by', sa.String(length=100), nullable=False),
        sa.Column('record', sa.Text(), nullable=False),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(['report_id'], ['report.id'], name=op.f('fk_reminder_talk_report_id_report')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_reminder_talk')),
        sa.UniqueConstraint('report_id', name='uq_reminder_talk_report'),
    )
    op.create_table(
        'rectification_item',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('report_id', sa.Integer(), nullable=False),
        sa.Column('source', sa.String(length=8), nullable=False),
        sa.Column('source_key', sa.String(length=64), nullable=True),
        sa.Column('source_label', sa.String(length=200), nullable=False),
        sa.Column('finding', sa.String(length=32), nullable=False),
        sa.Column('problem', sa.String(length=2000), nullable=False),
        sa.Column('measure', sa.String(length=2000), nullable=False),
        sa.Column('responsible', sa.String(length=100), nullable=False),
        sa.Column('deadline', sa.Date(), nullable=True),
        sa.Column('progress', sa.String(length=2000), nullable=False),
        sa.Column('state', sa.String(length=16), nullable=False),
        sa.Column('done_at', sa.DateTime(timezone=True), nullable=True),
        sa.Column('signed_off_at', sa.DateTime(timezone=True), nullable=True),
        sa.Column('signed_off_by_id', sa.Integer(), nullable=True),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(['report_id'], ['report.id'], name=op.f('fk_rectification_item_report_id_report')),
        sa.ForeignKeyConstraint(['signed_off_by_id'], ['user.id'],
                                name=op.f('fk_rectification_item_signed_off_by_id_user')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_rectification_item')),
        sa.UniqueConstraint('report_id', 'source_key', name='uq_rectification_item_source'),
    )
    op.create_index('ix_rectification_item_report_state', 'rectification_item', ['report_id', 'state'])
    op.create_table(
        'rectification_photo',
        sa.Column('item_id', sa.Integer(), nullable=False),
        sa.Column('photo_id', sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(['item_id'], ['rectification_item.id'],
                                name=op.f('fk_rectification_photo_item_id_rectification_item')),
        sa.ForeignKeyConstraint(['photo_id'], ['photo.id'], name=op.f('fk_rectification_photo_photo_id_photo')),
        sa.PrimaryKeyConstraint('item_id', 'photo_id', name=op.f('pk_rectification_photo')),
    )
    op.create_index(op.f('ix_rectification_photo_photo_id'), 'rectification_photo', ['photo_id'])
    op.create_table(
        'carried_item',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('cycle_id', sa.Integer(), nullable=False),
        sa.Column('unit_id', sa.Integer(), nullable=False),
        sa.Column('item_id', sa.Integer(), nullable=False),
        sa.Column('answered', sa.Boolean(), nullable=True),
        sa.Column('note', sa.String(length=1000), nullable=False),
        sa.Column('claim_id', sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(['claim_id'], ['claim.id'], name=op.f('fk_carried_item_claim_id_claim')),
        sa.ForeignKeyConstraint(['cycle_id'], ['cycle.id'], name=op.f('fk_carried_item_cycle_id_cycle')),
        sa.ForeignKeyConstraint(['item_id'], ['rectification_item.id'],
                                name=op.f('fk_carried_item_item_id_rectification_item')),
        sa.ForeignKeyConstraint(['unit_id'], ['unit.id'], name=op.f('fk_carried_item_unit_id_unit')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_carried_item')),
        sa.UniqueConstraint('cycle_id', 'item_id', name='uq_carried_item_cycle_item'),
    )
    op.create_index(op.f('ix_carried_item_cycle_id'), 'carried_item', ['cycle_id'])


def downgrade():
    op.drop_index(op.f('ix_carried_item_cycle_id'), table_name='carried_item')
    op.drop_table('carried_item')
    op.drop_index(op.f('ix_rectification_photo_photo_id'), table_name='rectification_photo')
    op.drop_table('rectification_photo')
    op.drop_index('ix_rectification_item_report_state', table_name='rectification_item')
    op.drop_table('rectification_item')
    op.drop_table('reminder_talk')
