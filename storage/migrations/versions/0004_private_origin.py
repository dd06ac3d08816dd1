"""Private origin: handoffs and knowledge entries made in a private conversation are marked.

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-22

Plain ADD COLUMN, not batch mode: on SQLite a batch rebuild of knowledge_entries would drop
the FTS5 triggers that keep search in step (see 0001).
"""

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None

TABLES = ("handoffs", "knowledge_entries")
SQLITE_FTS_TRIGGERS = (
    "CREATE TRIGGER knowledge_fts_insert AFTER INSERT ON knowledge_entries BEGIN "
    "INSERT INTO knowledge_fts(rowid, body) VALUES (new.id, new.body); END",
    "CREATE TRIGGER knowledge_fts_delete AFTER DELETE ON knowledge_entries BEGIN "
    "INSERT INTO knowledge_fts(knowledge_fts, rowid, body) VALUES ('delete', old.id, old.body); END",
    "CREATE TRIGGER knowledge_fts_update AFTER UPDATE OF body ON knowledge_entries BEGIN "
    "INSERT INTO knowledge_fts(knowledge_fts, rowid, body) VALUES ('delete', old.id, old.body); "
    "INSERT INTO knowledge_fts(rowid, body) VALUES (new.id, new.body); END",
)


def upgrade() -> None:
    for table in TABLES:
        op.add_column(table, sa.Column("private", sa.Boolean(), nullable=False, server_default=sa.false()))


def downgrade() -> None:
    for table in TABLES:
        with op.batch_alter_table(table) as batch:
            batch.drop_column("private")
    if op.get_bind().dialect.name == "sqlite":  # the batch rebuild dropped them
        for statement in SQLITE_FTS_TRIGGERS:
            op.execute(statement)
