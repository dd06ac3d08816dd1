"""Launch gates per release, the workspace's gate template, slip proposals, disputes, and indexes
for the workload view's time to acknowledge and for digests (what changed since).

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-03
"""

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def _fk(table: str, column: str, target: str, ondelete: str) -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint([column], [f"{target}.id"], name=f"fk_{table}_{column}_{target}", ondelete=ondelete)


def upgrade() -> None:
    op.create_table(
        "gates",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("workspace_id", sa.String(128), nullable=False),
        sa.Column("release_id", sa.Integer(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(100), nullable=False),
        sa.Column("approver_roles", sa.JSON(), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("due_date", sa.Date(), nullable=True),
        sa.Column("decided_by", sa.Integer(), nullable=True),
        sa.Column("decided_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("note", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(["workspace_id"], ["workspaces.id"], name="fk_gates_workspace_id_workspaces", ondelete="CASCADE"),
        _fk("gates", "release_id", "releases", "CASCADE"),
        sa.ForeignKeyConstraint(["decided_by"], ["people.id"], name="fk_gates_decided_by_people", ondelete="SET NULL"),
        sa.PrimaryKeyConstraint("id", name="pk_gates"),
    )
    op.create_index("ix_gates_release", "gates", ["workspace_id", "release_id", "position"])
    op.create_table(
        "gate_templates",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("workspace_id", sa.String(128), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(100), nullable=False),
        sa.Column("offset_days", sa.Integer(), nullable=False),
        sa.Column("approver_roles", sa.JSON(), nullable=False),
        sa.ForeignKeyConstraint(["workspace_id"], ["workspaces.id"], name="fk_gate_templates_workspace_id_workspaces",
                                ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name="pk_gate_templates"),
    )
    op.create_index("ix_gate_templates_workspace", "gate_templates", ["workspace_id", "position"])
    op.create_table(
        "gate_watchers",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("workspace_id", sa.String(128), nullable=False),
        sa.Column("release_id", sa.Integer(), nullable=False),
        sa.Column("person_id", sa.Integer(), nullable=False),
        sa.Column("watching", sa.Boolean(), nullable=False),
        sa.ForeignKeyConstraint(["workspace_id"], ["workspaces.id"], name="fk_gate_watchers_workspace_id_workspaces",
                                ondelete="CASCADE"),
        _fk("gate_watchers", "release_id", "releases", "CASCADE"),
        _fk("gate_watchers", "person_id", "people", "CASCADE"),
        sa.PrimaryKeyConstraint("id", name="pk_gate_watchers"),
        sa.UniqueConstraint("workspace_id", "release_id", "person_id", name="uq_gate_watchers_person"),
    )
    op.create_table(
        "slips",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("workspace_id", sa.String(128), nullable=False),
        sa.Column("release_id", sa.Integer(), nullable=False),
        sa.Column("gate_id", sa.Integer(), nullable=True),
        sa.Column("key", sa.String(200), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("old_target", sa.Date(), nullable=True),
        sa.Column("proposed_target", sa.Date(), nullable=True),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("decided_by", sa.Integer(), nullable=True),
        sa.Column("decided_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(["workspace_id"], ["workspaces.id"], name="fk_slips_workspace_id_workspaces", ondelete="CASCADE"),
        _fk("slips", "release_id", "releases", "CASCADE"),
        sa.ForeignKeyConstraint(["gate_id"], ["gates.id"], name="fk_slips_gate_id_gates", ondelete="SET NULL"),
        sa.ForeignKeyConstraint(["decided_by"], ["people.id"], name="fk_slips_decided_by_people", ondelete="SET NULL"),
        sa.PrimaryKeyConstraint("id", name="pk_slips"),
        sa.UniqueConstraint("workspace_id", "key", name="uq_slips_key"),
    )
    op.create_index("ix_slips_release", "slips", ["workspace_id", "release_id", "status"])
    op.create_table(
        "disputes",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("workspace_id", sa.String(128), nullable=False),
        sa.Column("handoff_id", sa.Integer(), nullable=True),
        sa.Column("area_id", sa.Integer(), nullable=True),
        sa.Column("release_id", sa.Integer(), nullable=True),
        sa.Column("raised_by", sa.Integer(), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("other_party", sa.Integer(), nullable=True),
        sa.Column("other_side", sa.Text(), nullable=True),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("outcome", sa.Text(), nullable=True),
        sa.Column("resolved_by", sa.Integer(), nullable=True),
        sa.Column("resolved_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("private", sa.Boolean(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["workspace_id"], ["workspaces.id"], name="fk_disputes_workspace_id_workspaces",
                                ondelete="CASCADE"),
        _fk("disputes", "handoff_id", "handoffs", "CASCADE"),
        _fk("disputes", "area_id", "areas", "CASCADE"),
        _fk("disputes", "release_id", "releases", "CASCADE"),
        sa.ForeignKeyConstraint(["raised_by"], ["people.id"], name="fk_disputes_raised_by_people", ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["other_party"], ["people.id"], name="fk_disputes_other_party_people", ondelete="SET NULL"),
        sa.ForeignKeyConstraint(["resolved_by"], ["people.id"], name="fk_disputes_resolved_by_people", ondelete="SET NULL"),
        sa.PrimaryKeyConstraint("id", name="pk_disputes"),
    )
    op.create_index("ix_disputes_status", "disputes", ["workspace_id", "status"])
    op.create_index("ix_handoff_events_action", "handoff_events", ["workspace_id", "action", "at"])
    op.create_index("ix_handoffs_updated", "handoffs", ["workspace_id", "updated_at"])


def downgrade() -> None:
    op.drop_index("ix_handoffs_updated", table_name="handoffs")
    op.drop_index("ix_handoff_events_action", table_name="handoff_events")
    op.drop_index("ix_disputes_status", table_name="disputes")
    op.drop_table("disputes")
    op.drop_index("ix_slips_release", table_name="slips")
    op.drop_table("slips")
    op.drop_table("gate_watchers")
    op.drop_index("ix_gate_templates_workspace", table_name="gate_templates")
    op.drop_table("gate_templates")
    op.drop_index("ix_gates_release", table_name="gates")
    op.drop_table("gates")
