"""Edits and links keep what they changed in full (``handoff_events.change``, JSON), so ``undo``
can put back exactly what was there; the note stays the short line people read.

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-07
"""

import sqlalchemy as sa
from alembic import op

revision = "0013"
down_revision = "0012"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("handoff_events") as batch:
        batch.add_column(sa.Column("change", sa.Text(), nullable=True))
    op.create_index("ix_handoff_events_actor", "handoff_events", ["workspace_id", "actor_id", "id"])


def downgrade() -> None:
    op.drop_index("ix_handoff_events_actor", table_name="handoff_events")
    with op.batch_alter_table("handoff_events") as batch:
        batch.drop_column("change")
