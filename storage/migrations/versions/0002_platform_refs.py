"""Platform references: handoff card location, inbound-event ledger, Slack OAuth tables.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-22
"""

import sqlalchemy as sa
from alembic import op

from storage.slack_tables import slack_metadata

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("handoffs") as batch:
        batch.add_column(sa.Column("message_ref", sa.String(length=200), nullable=True))
    op.create_table(
        "inbound_events",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("workspace_id", sa.String(length=128), nullable=False),
        sa.Column("event_id", sa.String(length=128), nullable=False),
        sa.Column("received_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_inbound_events")),
        sa.UniqueConstraint("workspace_id", "event_id", name="uq_inbound_events_event"),
    )
    op.create_index("ix_inbound_events_received_at", "inbound_events", ["received_at"])
    slack_metadata().create_all(op.get_bind())


def downgrade() -> None:
    slack_metadata().drop_all(op.get_bind())
    op.drop_index("ix_inbound_events_received_at", table_name="inbound_events")
    op.drop_table("inbound_events")
    with op.batch_alter_table("handoffs") as batch:
        batch.drop_column("message_ref")
