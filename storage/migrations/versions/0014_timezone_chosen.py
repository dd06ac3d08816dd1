"""A person's time zone knows whether they chose it (``people.timezone_chosen``): the one a
platform reports (Slack's profile, Teams' ``localTimezone``) fills it in and follows it only
until the person sets one with ``person me tz …``.

Rows before this: Teams and the shell never reported a zone, so a zone stored there was set by
hand; on Slack it may have come from the profile, so Slack's keeps following the profile.

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-07
"""

import sqlalchemy as sa
from alembic import op

revision = "0014"
down_revision = "0013"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("people", sa.Column("timezone_chosen", sa.Boolean(), nullable=False, server_default=sa.false()))
    op.execute("UPDATE people SET timezone_chosen = true WHERE timezone IS NOT NULL AND workspace_id NOT LIKE 'slack:%'")


def downgrade() -> None:
    with op.batch_alter_table("people") as batch:
        batch.drop_column("timezone_chosen")
