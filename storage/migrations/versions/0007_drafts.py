"""Drafting: requests (for Regenerate and the buttons) and the per-workspace daily token budget.

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-23
"""

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "drafts",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("workspace_id", sa.String(128), nullable=False),
        sa.Column("release_id", sa.Integer(), nullable=True),
        sa.Column("handoff_id", sa.Integer(), nullable=True),
        sa.Column("entry_id", sa.Integer(), nullable=True),
        sa.Column("notes", sa.Text(), nullable=False),
        sa.Column("options", sa.JSON(), nullable=False),
        sa.Column("result", sa.JSON(), nullable=True),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("private", sa.Boolean(), nullable=False),
        sa.Column("created_by", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["workspace_id"], ["workspaces.id"], name="fk_drafts_workspace_id_workspaces", ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["release_id"], ["releases.id"], name="fk_drafts_release_id_releases", ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["handoff_id"], ["handoffs.id"], name="fk_drafts_handoff_id_handoffs", ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["entry_id"], ["knowledge_entries.id"], name="fk_drafts_entry_id_knowledge_entries",
                                ondelete="SET NULL"),
        sa.ForeignKeyConstraint(["created_by"], ["people.id"], name="fk_drafts_created_by_people"),
        sa.PrimaryKeyConstraint("id", name="pk_drafts"),
    )
    op.create_index("ix_drafts_workspace", "drafts", ["workspace_id", "id"])
    op.create_table(
        "llm_usage",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("workspace_id", sa.String(128), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("tokens", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["workspace_id"], ["workspaces.id"], name="fk_llm_usage_workspace_id_workspaces",
                                ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name="pk_llm_usage"),
        sa.UniqueConstraint("workspace_id", "day", name="uq_llm_usage_day"),
    )


def downgrade() -> None:
    op.drop_table("llm_usage")
    op.drop_index("ix_drafts_workspace", table_name="drafts")
    op.drop_table("drafts")
