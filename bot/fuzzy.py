"""rapidfuzz's WRatio over thousands of choices, scoring only the choices that could reach the cutoff.

``process.extract(query, choices, scorer=fuzz.WRatio)`` costs about 1 µs a choice: 4 to 9 ms
over the 4,000 names and aliases of 1,000 grey areas, most of a "who owns …?" answer. WRatio is
the best of a few Indel ratios (``rapidfuzz.fuzz_py.WRatio`` spells the recipe out):

* ``ratio(q, c)`` = 200·LCS(q, c) / (|q| + |c|);
* when the longer is less than 1.5 times the shorter, 0.95 x ``token_ratio``: 100 when they share
  a word and one's words are a subset of the other's, else the ratio of their sorted words;
* otherwise 0.9 (0.6 past 8 times) x ``partial_ratio``, the best ratio of the shorter string
  against a substring of the longer, and 0.95 x 0.9 x ``partial_token_ratio``: 100 when they
  share a word, else the partial ratio of their sorted words.

Each part has a cheap upper bound, so a choice can reach ``cutoff`` only when

(a) it shares a word with the query (a dictionary lookup);
(b) ``ratio(q, c) >= cutoff`` or ``ratio(sorted q, sorted c) >= cutoff / 0.95`` (plain ratios run
    at some 50 ns a choice); or
(c) WRatio takes a partial ratio (lengths 1.5 times apart) and the longest common subsequence X
    of the two strings, or of their sorted words, is long enough: for any substring w of the
    longer string, ratio(shorter, w) <= 200·X / (m + X) with m the shorter length (the LCS with
    w is at most X and at most |w|), so a partial ratio of p needs X >= m·p / (200 - p). Those
    that pass get the exact ratio and partial ratios, which still cost less than WRatio.

Only those are scored with WRatio, in their original order, so the result (ties included) is the
one ``process.extract`` gives over every choice; ``tests/unit/test_fuzzy.py`` compares the two.
Words repeated inside a string make the sorted-word and word-set ratios differ: such choices are
always scored, and such a query (or one of spaces only) scores every choice (all rare in names).
"""

from __future__ import annotations

import math
from bisect import bisect_left, bisect_right
from collections import defaultdict
from collections.abc import Callable, Sequence

from rapidfuzz import fuzz, process
from rapidfuzz.distance import LCSseq

UNBASE_SCALE, PARTIAL_SCALE, PARTIAL_LENGTHS = 0.95, 0.9, 1.5  # WRatio's weights, and when it goes partial
# rapidfuzz turns a score cutoff into a whole number of edits, which can drop a choice exactly at the
# cutoff; asking for a little less only lets a few more choices through to WRatio.
SLACK = 0.5


def sorted_words(text: str) -> str:
    return " ".join(sorted(text.split()))


def _lcs_needed(score: float, shorter: int) -> int:
    """The least LCS with which a partial ratio of ``shorter`` against a longer string reaches ``score``."""
    return max(0, math.ceil(shorter * score / (200 - score) - 1e-9)) if score < 200 else shorter + 1


class WRatioIndex:
    """Choices, already processed (``utils.default_process``), prepared for :meth:`extract`."""

    def __init__(self, choices: Sequence[str]) -> None:
        self.choices = list(choices)
        # Each distinct string is scored once ("go-to-market" and "go to market" both process to
        # the latter) and answers for all its copies; below, "choice" means a distinct string.
        copies: dict[str, list[int]] = defaultdict(list)
        for i, choice in enumerate(self.choices):
            copies[choice].append(i)
        self._distinct, self._copies = list(copies), list(copies.values())
        self._always: list[int] = []  # choices with a repeated word
        self._by_word: dict[str, list[int]] = defaultdict(list)
        for i, choice in enumerate(self._distinct):
            words = choice.split()
            if len(set(words)) < len(words):
                self._always.append(i)
            for word in set(words):
                self._by_word[word].append(i)
        self._sorted = [sorted_words(c) for c in self._distinct]
        # The choices again, shortest first, for the partial-ratio bound by length.
        self._order = sorted(range(len(self._distinct)), key=lambda i: len(self._distinct[i]))
        self._lengths = [len(self._distinct[i]) for i in self._order]
        self._raw_by_length = [self._distinct[i] for i in self._order]
        self._sorted_by_length = [self._sorted[i] for i in self._order]
        self._shortest_sorted_from = [0] * (len(self._order) + 1)  # min len(sorted words) of [k:]
        self._shortest_sorted_from[-1] = 1 << 30
        for k in range(len(self._order) - 1, -1, -1):
            self._shortest_sorted_from[k] = min(len(self._sorted_by_length[k]), self._shortest_sorted_from[k + 1])
        self._same_length = [(bisect_left(self._lengths, n), bisect_right(self._lengths, n), n)
                             for n in sorted(set(self._lengths))]
        # Sorting the words drops repeated spaces: at most this much shorter than the choice.
        self._most_spaces_dropped = max((len(c) - len(t) for c, t in zip(self._distinct, self._sorted, strict=True)), default=0)

    def extract(self, query: str, cutoff: float, limit: int) -> list[tuple[str, float, int]]:
        """What ``process.extract(query, choices, scorer=fuzz.WRatio, processor=None, limit=limit,
        score_cutoff=cutoff)`` returns: (choice, score, index), best first, ties in choice order."""
        words = query.split()
        if not words or len(set(words)) < len(words):  # only spaces, or a repeated word: score them all
            ids: Sequence[int] = range(len(self._distinct))
        else:
            ids = list(self._candidates(query, words, cutoff))
        found = process.extract(query, [self._distinct[i] for i in ids], scorer=fuzz.WRatio, processor=None,
                                limit=None, score_cutoff=cutoff)
        best = sorted(((-score, i) for _, score, j in found for i in self._copies[ids[j]]))[:limit]
        return [(self.choices[i], -score, i) for score, i in best]

    def _candidates(self, query: str, words: list[str], cutoff: float) -> set[int]:
        # The score each part must reach, a little lower (SLACK) to be safe from rounding.
        ratio, sorted_ratio = cutoff - SLACK, cutoff / UNBASE_SCALE - SLACK
        partial, partial_words = cutoff / PARTIAL_SCALE - SLACK, cutoff / (PARTIAL_SCALE * UNBASE_SCALE) - SLACK
        found = set(self._always)
        for word in words:  # (a)
            found.update(self._by_word.get(word, ()))
        q_sorted, n = sorted_words(query), len(query)
        # (c) where WRatio takes partial ratios: choices 1.5 times the query or longer, and each
        # length of choices at most the query / 1.5 (there the choice is the shorter string).
        longer = bisect_left(self._lengths, math.ceil(n * PARTIAL_LENGTHS))
        groups = [(longer, len(self._order), n)]  # (start, end, the shorter length)
        groups += [g for g in self._same_length if g[2] * PARTIAL_LENGTHS <= n]
        for start, end, shorter in groups:
            if start >= end:
                continue
            ids = self._order[start:end]
            # Past the bound, the exact parts (cheaper than WRatio, which takes all three in turn).
            bound = [ids[j] for j in _hits(query, self._raw_by_length[start:end], LCSseq.similarity,
                                           _lcs_needed(partial, shorter))]
            found.update(_reaching(query, bound, self._distinct, ((fuzz.ratio, ratio), (fuzz.partial_ratio, partial))))
            shortest = min(len(q_sorted), self._shortest_sorted_from[start])
            bound = [ids[j] for j in _hits(q_sorted, self._sorted_by_length[start:end], LCSseq.similarity,
                                           _lcs_needed(partial_words, shortest))]
            found.update(_reaching(q_sorted, bound, self._sorted, ((fuzz.partial_ratio, partial_words),)))
        # (b) ratio <= 200·min / (|q| + |c|) keeps the lengths within a window; and where (c) ran,
        # a ratio reaching the cutoff implies an LCS (c) already took (ratio >= p needs an LCS of
        # p/100 x the shorter length or more) whenever p/100 >= (c)'s share, as it is at 72.
        middle = bisect_right(self._lengths, math.floor(n / PARTIAL_LENGTHS)), longer
        for text, choices, score, share in ((query, self._raw_by_length, ratio, partial),
                                            (q_sorted, self._sorted_by_length, sorted_ratio, partial_words)):
            if score > 100:
                continue  # out of reach
            longest = len(text) + (self._most_spaces_dropped if choices is self._sorted_by_length else 0)
            start, end = self._window(len(text), longest, score)
            if score / 100 >= share / (200 - share):
                start, end = max(start, middle[0]), min(end, middle[1])
            found.update(self._order[start + j] for j in _hits(text, choices[start:end], fuzz.ratio, score))
        return found

    def _window(self, n: int, n_longest: int, score: float) -> tuple[int, int]:
        """The slice of choices (shortest first) long enough, and not too long, for a ratio of ``score``
        with a string of length ``n``; ``n_longest`` widens the upper end."""
        low = math.ceil(n * score / (200 - score) - 1e-9)
        high = math.floor(n_longest * (200 - score) / score + 1e-9)
        return bisect_left(self._lengths, low), bisect_right(self._lengths, high)


def _reaching(query: str, ids: list[int], strings: Sequence[str],
              parts: Sequence[tuple[Callable[..., float], float]]) -> set[int]:
    """Those of ``ids`` whose string reaches the score of at least one of ``parts`` (scorer, score)."""
    choices = [strings[i] for i in ids]
    reached: set[int] = set()
    for scorer, score in parts:
        if choices and score <= 100:
            reached.update(ids[j] for j in _hits(query, choices, scorer, score))
    return reached


def _hits(query: str, choices: Sequence[str], scorer: Callable[..., float], cutoff: float) -> list[int]:
    """Indexes of the choices that score at least ``cutoff``."""
    return [j for _, _, j in process.extract(query, choices, scorer=scorer, processor=None, limit=None, score_cutoff=cutoff)]
