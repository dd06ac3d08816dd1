"""A version for each workspace's grey areas, and a covering index for ``release show``'s counts.

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-05

``workspaces.areas_version`` changes with every write to the workspace's areas; processes that
keep the areas in memory (``bot.ownership.AreaIndexCache``) compare it to know when to reload.
It starts empty (NULL): that is a version like any other, replaced by the next change.

``ix_handoffs_release_counts`` holds every column ``release show`` counts by (status, kind, due
date), so the counts read the index alone, not the table.

Plain ADD/DROP COLUMN, not batch mode: on SQLite a batch rebuild of ``workspaces`` drops and
recreates the table that every other table references with ON DELETE CASCADE.
"""

import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None

COUNTS_COLUMNS = ["workspace_id", "release_id", "status", "kind", "due_date"]


def upgrade() -> None:
    op.add_column("workspaces", sa.Column("areas_version", sa.String(32), nullable=True))
    op.create_index("ix_handoffs_release_counts", "handoffs", COUNTS_COLUMNS)


def downgrade() -> None:
    op.drop_index("ix_handoffs_release_counts", table_name="handoffs")
    op.drop_column("workspaces", "areas_version")
