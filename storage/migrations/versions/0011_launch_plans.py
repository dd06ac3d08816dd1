"""Launch plans: a release's tier and statement, the workspace's plan template, areas a release
skips, plan items on handoffs, and links between handoffs (an input feeds the item it is for).

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-07
"""

import sqlalchemy as sa
from alembic import op

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None


def _fk(table: str, column: str, target: str, ondelete: str) -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint([column], [f"{target}.id"], name=f"fk_{table}_{column}_{target}", ondelete=ondelete)


def _workspace(table: str) -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint(["workspace_id"], ["workspaces.id"], name=f"fk_{table}_workspace_id_workspaces",
                                   ondelete="CASCADE")


def upgrade() -> None:
    with op.batch_alter_table("releases") as batch:
        batch.add_column(sa.Column("tier", sa.Integer(), nullable=True))
        batch.add_column(sa.Column("statement", sa.Text(), nullable=True))
        batch.add_column(sa.Column("statement_by", sa.Integer(), nullable=True))
        batch.add_column(sa.Column("statement_at", sa.DateTime(timezone=True), nullable=True))
        batch.add_column(sa.Column("confirmed_by", sa.Integer(), nullable=True))
        batch.add_column(sa.Column("confirmed_at", sa.DateTime(timezone=True), nullable=True))
        batch.create_foreign_key("fk_releases_statement_by_people", "people", ["statement_by"], ["id"], ondelete="SET NULL")
        batch.create_foreign_key("fk_releases_confirmed_by_people", "people", ["confirmed_by"], ["id"], ondelete="SET NULL")
    with op.batch_alter_table("handoffs") as batch:
        batch.add_column(sa.Column("plan_key", sa.String(200), nullable=True))
    op.create_table(
        "plan_templates",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("workspace_id", sa.String(128), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(100), nullable=False),
        sa.Column("area", sa.String(100), nullable=False),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("tiers", sa.JSON(), nullable=False),
        sa.Column("offset_days", sa.Integer(), nullable=False),
        sa.Column("needs", sa.Text(), nullable=True),
        _workspace("plan_templates"),
        sa.PrimaryKeyConstraint("id", name="pk_plan_templates"),
    )
    op.create_index("ix_plan_templates_workspace", "plan_templates", ["workspace_id", "position"])
    op.create_table(
        "release_skips",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("workspace_id", sa.String(128), nullable=False),
        sa.Column("release_id", sa.Integer(), nullable=False),
        sa.Column("area_id", sa.Integer(), nullable=False),
        sa.Column("reason", sa.Text(), nullable=True),
        sa.Column("skipped_by", sa.Integer(), nullable=True),
        sa.Column("skipped_at", sa.DateTime(timezone=True), nullable=False),
        _workspace("release_skips"),
        _fk("release_skips", "release_id", "releases", "CASCADE"),
        _fk("release_skips", "area_id", "areas", "CASCADE"),
        _fk("release_skips", "skipped_by", "people", "SET NULL"),
        sa.PrimaryKeyConstraint("id", name="pk_release_skips"),
        sa.UniqueConstraint("workspace_id", "release_id", "area_id", name="uq_release_skips_area"),
    )
    op.create_table(
        "handoff_links",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("workspace_id", sa.String(128), nullable=False),
        sa.Column("handoff_id", sa.Integer(), nullable=False),
        sa.Column("needs_id", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        _workspace("handoff_links"),
        _fk("handoff_links", "handoff_id", "handoffs", "CASCADE"),
        _fk("handoff_links", "needs_id", "handoffs", "CASCADE"),
        sa.PrimaryKeyConstraint("id", name="pk_handoff_links"),
        sa.UniqueConstraint("workspace_id", "handoff_id", "needs_id", name="uq_handoff_links_pair"),
    )
    op.create_index("ix_handoff_links_needs", "handoff_links", ["workspace_id", "needs_id"])


def downgrade() -> None:
    op.drop_index("ix_handoff_links_needs", table_name="handoff_links")
    op.drop_table("handoff_links")
    op.drop_table("release_skips")
    op.drop_index("ix_plan_templates_workspace", table_name="plan_templates")
    op.drop_table("plan_templates")
    with op.batch_alter_table("handoffs") as batch:
        batch.drop_column("plan_key")
    with op.batch_alter_table("releases") as batch:
        batch.drop_constraint("fk_releases_confirmed_by_people", type_="foreignkey")
        batch.drop_constraint("fk_releases_statement_by_people", type_="foreignkey")
        for column in ("confirmed_at", "confirmed_by", "statement_at", "statement_by", "statement", "tier"):
            batch.drop_column(column)
