"""Conversation references: where the bot may post first (Teams proactive messages).

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-23
"""

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "conversation_refs",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("workspace_id", sa.String(128), nullable=False),
        sa.Column("conversation_id", sa.String(300), nullable=False),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("user_id", sa.String(200), nullable=True),
        sa.Column("reference", sa.JSON(), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["workspace_id"], ["workspaces.id"], name="fk_conversation_refs_workspace_id_workspaces",
                                ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name="pk_conversation_refs"),
        sa.UniqueConstraint("workspace_id", "conversation_id", name="uq_conversation_refs_conversation"),
    )
    op.create_index("ix_conversation_refs_user", "conversation_refs", ["workspace_id", "user_id"])


def downgrade() -> None:
    op.drop_index("ix_conversation_refs_user", table_name="conversation_refs")
    op.drop_table("conversation_refs")
