"""back-check tasks, route radius

Revision ID: 0003
Revises: 0002
"""
import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("task") as batch:
        batch.add_column(sa.Column("kind", sa.String(16), nullable=False, server_default="primary"))
        batch.drop_constraint("uq_task_claim_id", type_="unique")
        batch.create_unique_constraint("uq_task_claim_kind", ["claim_id", "kind"])
        batch.create_index("ix_task_claim_id", ["claim_id"], unique=False)
    with op.batch_alter_table("cycle") as batch:
        batch.add_column(sa.Column("backcheck_share", sa.Double(), nullable=False, server_default="0.1"))
        batch.add_column(sa.Column("max_route_km", sa.Double(), nullable=False, server_default="30"))


def downgrade():
    with op.batch_alter_table("cycle") as batch:
        batch.drop_column("max_route_km")
        batch.drop_column("backcheck_share")
    with op.batch_alter_table("task") as batch:
        batch.drop_index("ix_task_claim_id")
        batch.drop_constraint("uq_task_claim_kind", type_="unique")
        batch.create_unique_constraint("uq_task_claim_id", ["claim_id"])
        batch.drop_column("kind")
