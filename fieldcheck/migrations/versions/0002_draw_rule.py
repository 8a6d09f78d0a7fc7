"""draw rule, aspect cover, seed ceremony, related units

Revision ID: 0002
Revises: 0001
"""
import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("cycle") as batch:
        batch.alter_column("per_report_n", new_column_name="min_per_stratum", existing_type=sa.Integer(),
                           existing_nullable=False)
        batch.add_column(sa.Column("tolerable_share", sa.Double(), nullable=False, server_default="0.2"))
        batch.add_column(sa.Column("confidence", sa.Double(), nullable=False, server_default="0.9"))
        batch.add_column(sa.Column("cover_aspects", sa.Boolean(), nullable=False, server_default=sa.true()))
        batch.add_column(sa.Column("strata", sa.String(16), nullable=False, server_default="report"))
    with op.batch_alter_table("sample_item") as batch:
        batch.add_column(sa.Column("reason", sa.String(16), nullable=False, server_default="size"))
    with op.batch_alter_table("unit") as batch:
        batch.add_column(sa.Column("group", sa.String(200), nullable=False, server_default=""))
    op.create_table(
        "seed_entry",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("cycle_id", sa.Integer(), nullable=False),
        sa.Column("seed", sa.String(400), nullable=False),
        sa.Column("entered_by_id", sa.Integer(), nullable=False),
        sa.Column("entered_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["cycle_id"], ["cycle.id"], name=op.f("fk_seed_entry_cycle_id_cycle")),
        sa.ForeignKeyConstraint(["entered_by_id"], ["user.id"], name=op.f("fk_seed_entry_entered_by_id_user")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_seed_entry")),
        sa.UniqueConstraint("cycle_id", name=op.f("uq_seed_entry_cycle_id")),
    )


def downgrade():
    op.drop_table("seed_entry")
    with op.batch_alter_table("unit") as batch:
        batch.drop_column("group")
    with op.batch_alter_table("sample_item") as batch:
        batch.drop_column("reason")
    with op.batch_alter_table("cycle") as batch:
        batch.drop_column("strata")
        batch.drop_column("cover_aspects")
        batch.drop_column("confidence")
        batch.drop_column("tolerable_share")
        batch.alter_column("min_per_stratum", new_column_name="per_report_n", existing_type=sa.Integer(),
                           existing_nullable=False)
