"""Search in English: stems and stop words. SQLite's FTS5 table is rebuilt with the porter
tokenizer and filled again from knowledge_entries; PostgreSQL's 'simple' expression index gives
way to an 'english' GIN index. See storage/search.py.

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-07
"""

from alembic import op

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None

_TRIGGERS = (
    "CREATE TRIGGER knowledge_fts_insert AFTER INSERT ON knowledge_entries BEGIN "
    "INSERT INTO knowledge_fts(rowid, body) VALUES (new.id, new.body); END",
    "CREATE TRIGGER knowledge_fts_delete AFTER DELETE ON knowledge_entries BEGIN "
    "INSERT INTO knowledge_fts(knowledge_fts, rowid, body) VALUES ('delete', old.id, old.body); END",
    "CREATE TRIGGER knowledge_fts_update AFTER UPDATE OF body ON knowledge_entries BEGIN "
    "INSERT INTO knowledge_fts(knowledge_fts, rowid, body) VALUES ('delete', old.id, old.body); "
    "INSERT INTO knowledge_fts(rowid, body) VALUES (new.id, new.body); END",
)
_TABLE = "CREATE VIRTUAL TABLE knowledge_fts USING fts5(body, content='knowledge_entries', content_rowid='id'{})"
# Keep in step with storage/search.py PG_DOCUMENT.
_PG_INDEX = ("CREATE INDEX ix_knowledge_fts ON knowledge_entries USING gin "
             "(to_tsvector('{}', regexp_replace(body, '[^[:alnum:]]+', ' ', 'g')))")


def upgrade() -> None:
    _rebuild(", tokenize='porter unicode61'", "english")


def downgrade() -> None:
    _rebuild("", "simple")


def _rebuild(tokenize: str, config: str) -> None:
    dialect = op.get_bind().dialect.name
    if dialect == "sqlite":
        for trigger in ("insert", "delete", "update"):
            op.execute(f"DROP TRIGGER IF EXISTS knowledge_fts_{trigger}")
        op.execute("DROP TABLE IF EXISTS knowledge_fts")
        op.execute(_TABLE.format(tokenize))
        op.execute("INSERT INTO knowledge_fts(knowledge_fts) VALUES ('rebuild')")
        for statement in _TRIGGERS:
            op.execute(statement)
    elif dialect == "postgresql":
        op.execute("DROP INDEX IF EXISTS ix_knowledge_fts")
        op.execute(_PG_INDEX.format(config))
