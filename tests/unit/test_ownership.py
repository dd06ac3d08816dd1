from __future__ import annotations

import pytest

from bot.area_names import resolve_area
from bot.domain import Area, Assignment, Duty, Role, Side
from bot.duties import ownership, suggested_roles
from bot.ownership.seed import DEFAULT_AREAS

AREAS = [Area(i, "w", name, side, aliases) for i, (name, side, aliases, _) in enumerate(DEFAULT_AREAS)]


@pytest.mark.parametrize(
    ("query", "area"),
    [
        ("battlecards", "competitive messaging"),
        ("Competitive Intel", "competitive messaging"),
        ("competitve mesaging", "competitive messaging"),
        ("the CAB", "customer advisory board"),
        ("release note", "release notes"),
        ("win loss", "win/loss"),
        ("GTM", "launch"),
        ("pricing", "pricing"),
        ("pricing comms", "pricing communication"),
    ],
)
def test_resolves_names_aliases_and_typos(query: str, area: str) -> None:
    found = resolve_area(query, AREAS).area
    assert found is not None and found.name == area


def test_offers_the_closest_areas_when_unsure() -> None:
    match = resolve_area("press", [a for a in AREAS if a.name != "analyst and press relations"] + [
        Area(99, "w", "press kit", Side.OUTBOUND), Area(98, "w", "press releases", Side.OUTBOUND)])
    assert match.area is None and {a.name for a in match.candidates} >= {"press kit", "press releases"}
    assert len(match.candidates) <= 3


@pytest.mark.parametrize("query", ["partner program", "careers page", "print ads"])
def test_two_letter_aliases_do_not_match_inside_other_words(query: str) -> None:
    found = resolve_area(query, AREAS).area
    assert found is None or found.name != "analyst and press relations"
    assert resolve_area("PR", AREAS).area.name == "analyst and press relations"


def test_unknown_words_match_nothing() -> None:
    assert resolve_area("xyzzy", AREAS).area is None
    assert resolve_area("xyzzy", AREAS).candidates == ()
    assert resolve_area("   ", AREAS).area is None


def test_release_override_and_dispute() -> None:
    assignments = [
        Assignment(1, 10, Duty.DRIVER),
        Assignment(1, 11, Duty.SUPPORTER, owes="win/loss notes"),
        Assignment(1, 12, Duty.DRIVER, release_id=5),
        Assignment(2, 10, Duty.DRIVER),
        Assignment(2, 13, Duty.DRIVER),
    ]
    assert ownership(assignments, 1, None).effective_drivers == (10,)
    scoped = ownership(assignments, 1, 5)
    assert scoped.effective_drivers == (12,) and scoped.drivers == (10,)
    assert ownership(assignments, 2, None).disputed
    assert ownership(assignments, 3, None).unowned


def test_practice_pm_drives_inbound_pmm_drives_customer_facing() -> None:
    assert suggested_roles(Side.INBOUND) == (Role.PM, Role.PMM)
    assert suggested_roles(Side.OUTBOUND)[0] is Role.PMM
    assert suggested_roles(Side.SHARED)[0] is Role.PMM
