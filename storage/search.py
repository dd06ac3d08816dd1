"""Full-text search over knowledge entries: SQLite FTS5 (porter) and PostgreSQL ``english``.

Both sides split text on anything that is not a letter or digit, fold case, stem English words
and match every query word as a prefix of a stem, so ``battlecard`` and ``battlecards`` find the
same entries on either database; the query's stop words are gone before it gets here
(``bot/releases/search_text.py``). The FTS5 table and the GIN index are built by migration 0012.

bm25 and ts_rank weigh words differently, so neither orders the hits. Each engine marks the
words of an entry that matched (``highlight`` / ``ts_headline``) and the ranking is computed
here from those marks, the same way for both: what people wrote before the lifecycle lines,
then the share of an entry's words that matched, then newest first. Only the newest
``CANDIDATES`` matches are ranked.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from fractions import Fraction

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

from bot.ports import SearchScope
from bot.releases.search_text import LIFECYCLE, search_terms

# Keep in step with the index expression in migrations/versions/0012_search_english.py.
PG_TEXT = "regexp_replace(e.body, '[^[:alnum:]]+', ' ', 'g')"
PG_DOCUMENT = f"to_tsvector('english', {PG_TEXT})"
CANDIDATES = 200
START, STOP = "\x02", "\x03"  # around each matched word; PG's text has only letters, digits, spaces
_MARKED = re.compile(rf"({START})|({STOP})|[^\W_]+")
_LIFECYCLE_SQL = ", ".join(f"'{k.value}'" for k in sorted(LIFECYCLE))  # fixed enum values, not input
_CLASS = f"CASE WHEN e.kind IN ({_LIFECYCLE_SQL}) THEN 1 ELSE 0 END"


@dataclass(frozen=True)
class Match:
    entry_id: int
    lifecycle: bool
    words: int  # words in the entry
    hits: int  # how many of them matched
    first: int  # the index of the first that matched

    def rank(self) -> tuple[bool, Fraction, int]:
        return self.lifecycle, -Fraction(self.hits, max(self.words, 1)), -self.entry_id


def read_marks(entry_id: int, lifecycle: bool, marked: str) -> Match:
    """Count the words of an engine's highlighted text and those between START and STOP."""
    words = hits = 0
    first = -1
    inside = False
    for m in _MARKED.finditer(marked):
        if m.group(1) or m.group(2):
            inside = bool(m.group(1))
            continue
        if inside:
            hits += 1
            first = words if first < 0 else first
        words += 1
    return Match(entry_id, lifecycle, words, hits, max(first, 0))


async def ranked_matches(
    session: AsyncSession, workspace_id: str, words: Sequence[str], limit: int, scope: SearchScope
) -> list[Match]:
    terms = search_terms(" ".join(words))
    if not terms:
        return []
    params: dict[str, object] = {"ws": workspace_id, "n": CANDIDATES, "kind": scope.kind.value if scope.kind else None, "rel": scope.release_id,
                                 "a": START, "b": STOP}
    where = _filters(scope)
    if session.bind.dialect.name == "postgresql":
        params["q"] = " & ".join(f"{t}:*" for t in terms)
        sql = _postgres_sql(where)
    else:
        params["q"] = " ".join(f'"{t}"*' for t in terms)  # letters and digits only: nothing to escape
        sql = _sqlite_sql(where)
    rows = await session.execute(text(sql), params)
    found = [read_marks(entry_id, bool(lifecycle), marked or "") for entry_id, lifecycle, marked in rows]
    return sorted(found, key=Match.rank)[:limit]


def _filters(scope: SearchScope) -> str:
    return "".join((
        "AND e.kind = :kind " if scope.kind else "",
        "AND e.release_id = :rel " if scope.release_id is not None else "",
        "" if scope.lifecycle else f"AND e.kind NOT IN ({_LIFECYCLE_SQL}) ",
        "" if scope.include_private else "AND NOT e.private ",
    ))


def _sqlite_sql(where: str) -> str:
    return (
        f"SELECT e.id, {_CLASS}, highlight(knowledge_fts, 0, :a, :b) "
        "FROM knowledge_fts JOIN knowledge_entries e ON e.id = knowledge_fts.rowid "
        f"WHERE knowledge_fts MATCH :q AND e.workspace_id = :ws {where}"
        f"ORDER BY {_CLASS}, e.id DESC LIMIT :n"
    )


def _postgres_sql(where: str) -> str:
    return (
        "SELECT c.id, c.lifecycle, ts_headline('english', c.doc, to_tsquery('english', :q), "
        "'HighlightAll=true, StartSel=' || :a || ', StopSel=' || :b) FROM ("
        f"SELECT e.id, {_CLASS} AS lifecycle, {PG_TEXT} AS doc FROM knowledge_entries e "
        f"WHERE e.workspace_id = :ws {where}AND {PG_DOCUMENT} @@ to_tsquery('english', :q) "
        f"ORDER BY {_CLASS}, e.id DESC LIMIT :n) c"
    )
