"""Full-text search over knowledge entries: SQLite FTS5 and PostgreSQL ``tsvector``.

Both sides split text on anything that is not a letter or digit, fold case and match every
query word as a prefix, so the same words find the same entries on either database. The
FTS5 table and the PostgreSQL expression index are created by migration 0001.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

from bot.domain import EntryKind

# Keep in step with the index expression in migrations/versions/0001_initial.py.
PG_DOCUMENT = "to_tsvector('simple', regexp_replace(body, '[^[:alnum:]]+', ' ', 'g'))"
MAX_WORDS = 8


def query_words(words: Sequence[str]) -> list[str]:
    """Letters-and-digits runs, lowercased, as both engines tokenise them."""
    found = [w.lower() for phrase in words for w in re.findall(r"[^\W_]+", phrase)]
    return list(dict.fromkeys(found))[:MAX_WORDS]


async def matching_entry_ids(
    session: AsyncSession, workspace_id: str, words: Sequence[str], kind: EntryKind | None, limit: int,
    include_private: bool = True,
) -> list[int]:
    terms = query_words(words)
    if not terms:
        return []
    params: dict[str, object] = {"ws": workspace_id, "limit": limit, "kind": kind.value if kind else None}
    kind_filter = ("AND e.kind = :kind " if kind else "") + ("" if include_private else "AND NOT e.private")
    if session.bind.dialect.name == "postgresql":
        params["q"] = " & ".join(f"{t}:*" for t in terms)
        sql = (
            f"SELECT e.id FROM knowledge_entries e WHERE e.workspace_id = :ws {kind_filter} "
            f"AND {PG_DOCUMENT.replace('body', 'e.body')} @@ to_tsquery('simple', :q) "
            "ORDER BY e.id DESC LIMIT :limit"
        )
    else:
        params["q"] = " ".join('"' + t.replace('"', '""') + '"*' for t in terms)
        sql = (
            "SELECT e.id FROM knowledge_fts f JOIN knowledge_entries e ON e.id = f.rowid "
            f"WHERE knowledge_fts MATCH :q AND e.workspace_id = :ws {kind_filter} "
            "ORDER BY e.id DESC LIMIT :limit"
        )
    return [row[0] for row in await session.execute(text(sql), params)]
