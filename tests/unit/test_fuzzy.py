"""WRatioIndex answers exactly what rapidfuzz's extract over every choice answers, only faster."""

from __future__ import annotations

import random

import pytest
from rapidfuzz import fuzz, process, utils

from bot.fuzzy import WRatioIndex
from bot.ownership.seed import DEFAULT_AREAS

WORDS = ("partner", "enterprise", "mobile", "onboarding", "churn", "api", "emea", "self-serve", "beta", "briefs",
         "faq", "case studies", "personas", "launch tiers", "one-pagers", "ads", "seo", "docs", "booth content")


def _choices(rng: random.Random) -> list[str]:
    labels = [label for name, _, aliases, _ in DEFAULT_AREAS for label in (name, *aliases)]
    for _ in range(600):
        a, b = rng.sample(WORDS, 2)
        labels += [f"{a} {b}", f"{b} {a}", f"{a}-{b}", (a.replace(" ", "")[:3] + b.replace(" ", "")[:3])]
    labels += ["sales  -  enablement", "r&d", "pr pr review", "a" * 70, "what's new", "win/loss"]  # odd spacing, repeats, long
    return list(dict.fromkeys(utils.default_process(label) for label in labels))


def _edit(rng: random.Random, text: str) -> str:
    if len(text) < 3:
        return text + "x"
    i = rng.randrange(1, len(text) - 1)
    return rng.choice((text[:i] + text[i + 1:], text[:i] + text[i + 1] + text[i] + text[i + 2:],
                       text[:i] + rng.choice("aeiourst") + text[i + 1:]))


def _queries(rng: random.Random, choices: list[str]) -> list[str]:
    queries = ["", "   ", "x", "zebra quantum", "pr", "seo", "sales sales", "a" * 80, "enablement sales",
               "competitive messaging for sales and marketing in emea"]
    for _ in range(300):
        c = rng.choice(choices)
        kind = rng.randrange(8)
        if kind == 0:
            q = _edit(rng, _edit(rng, c))
        elif kind == 1:
            q = c[: rng.randrange(2, max(3, len(c)))]
        elif kind == 2:
            q = c[rng.randrange(0, max(1, len(c) // 2)):]
        elif kind == 3:
            q = c.replace(" ", "")
        elif kind == 4:
            q = " ".join(reversed(c.split()))
        elif kind == 5:
            q = f"{c} {rng.choice(WORDS)}"
        elif kind == 6:
            q = " ".join(rng.sample(("zebra", "tuba", "walrus", "kazoo", "nebula"), rng.randrange(1, 3)))
        else:
            q = _edit(rng, c)
        queries.append(utils.default_process(q))
    return queries


@pytest.mark.parametrize("cutoff", [72.0, 50.0, 90.0])
def test_same_answer_as_scoring_every_choice(cutoff: float) -> None:
    rng = random.Random(8)
    choices = _choices(rng)
    index = WRatioIndex(choices)
    for query in _queries(rng, choices):
        expected = process.extract(query, choices, scorer=fuzz.WRatio, processor=None, limit=12, score_cutoff=cutoff)
        assert index.extract(query, cutoff, limit=12) == expected, query


def test_scores_only_a_fraction_of_the_choices() -> None:
    rng = random.Random(3)
    choices = _choices(rng)
    index = WRatioIndex(choices)
    scored = [len(index._candidates(q, q.split(), 72.0)) for q in ("partnr briefs", "zebra tuba", "onbaording faq")]
    assert max(scored) < len(choices) / 4, scored
