"""The launch-plan template (pure): tiers, dates, template edits, and the grammar of plan commands."""

from __future__ import annotations

from datetime import date

import pytest

from bot import commands as c
from bot.chat.grammar import parse
from bot.chat.grammar.words import UsageError
from bot.domain import Kind, PlanTemplateItem
from bot.errors import InvalidInput, NotFound
from bot.releases import plan
from bot.working_time import WorkingHours

HOURS = WorkingHours()  # Monday to Friday
MONDAY = date(2026, 11, 23)


def test_each_tier_gets_what_launch_practice_gives_it() -> None:
    names = {tier: [i.name for i in plan.items_for(plan.STANDARD_PLAN, tier)] for tier in (1, 2, 3)}
    assert names[3] == ["Release notes"]  # improvements: release notes only
    assert "Analyst and press briefing" in names[1] and "Analyst and press briefing" not in names[2]
    assert "Customer advisory board update" in names[1] and "Customer advisory board update" not in names[2]
    assert set(names[3]) < set(names[2]) < set(names[1])
    for item in plan.STANDARD_PLAN:
        assert item.offset_days < 0 and item.area and item.tiers <= {1, 2, 3}


@pytest.mark.parametrize(("text", "tier"), [("1", 1), ("t2", 2), ("Tier 3", 3), ("tier3", 3)])
def test_tiers_read_as_people_write_them(text: str, tier: int) -> None:
    assert plan.tier_of(text) == tier


@pytest.mark.parametrize("text", ["0", "4", "tier", "one", "t 1 2"])
def test_anything_else_is_not_a_tier(text: str) -> None:
    with pytest.raises(InvalidInput, match="A launch tier is 1"):
        plan.tier_of(text)


def test_an_input_is_due_a_week_before_its_item_on_a_working_day() -> None:
    assert plan.input_due(date(2026, 12, 14), MONDAY, HOURS) == date(2026, 12, 7)  # Monday to Monday
    assert plan.input_due(date(2026, 12, 13), MONDAY, HOURS) == date(2026, 12, 4)  # a Sunday item: the Friday before
    assert plan.input_due(date(2026, 11, 27), MONDAY, HOURS) == date(2026, 11, 24)  # too near: tomorrow, not the past
    assert plan.input_due(date(2026, 11, 24), MONDAY, HOURS) == date(2026, 11, 24)  # never after the item itself
    assert plan.input_due(None, MONDAY, HOURS) is None


def test_plan_dates_are_squeezed_like_the_gates_when_the_target_is_near() -> None:
    tier_1 = plan.items_for(plan.STANDARD_PLAN, 1)
    far = plan.plan_dates(tier_1, date(2027, 3, 1), MONDAY, HOURS)
    assert far[0] == date(2027, 1, 18)  # 42 days before
    near = plan.plan_dates(tier_1, date(2026, 12, 7), MONDAY, HOURS)
    assert all(d is not None and MONDAY < d <= date(2026, 12, 7) for d in near)


def test_keys_name_the_item_and_the_person_who_owes_an_input() -> None:
    item = plan.STANDARD_PLAN[2]
    assert plan.item_key(item) == "item:competitive battlecard"
    assert plan.input_key(item, 7) == "input:competitive battlecard:7"
    assert plan.item_of_key(plan.input_key(item, None)) == plan.item_of_key(plan.item_key(item)) == "competitive battlecard"
    assert plan.input_kind(item) is Kind.REQUIREMENT  # a messaging item needs the PM's facts


def test_template_edits_are_checked() -> None:
    items = list(plan.STANDARD_PLAN)
    new = PlanTemplateItem('"Webinar"', "launch", Kind.MESSAGING, frozenset({1}), -10, "demo environment")
    assert plan.checked(items, new).name == "Webinar"
    with pytest.raises(InvalidInput, match="already has an item"):
        plan.checked(items, PlanTemplateItem("release NOTES", "release notes", Kind.MESSAGING, frozenset({3}), -1))
    with pytest.raises(InvalidInput, match="which tiers"):
        plan.checked(items, PlanTemplateItem("Blog", "web content", Kind.MESSAGING, frozenset(), -1))
    with pytest.raises(InvalidInput, match="1 to 60 characters"):
        plan.checked(items, PlanTemplateItem("42", "web content", Kind.MESSAGING, frozenset({1}), -1))
    assert plan.find(items, "2") == 1 and plan.find(items, "release notes") == 7
    with pytest.raises(NotFound, match="no item “Podcast”"):
        plan.find(items, "Podcast")
    assert plan.describe(items[-1]) == "Internal announcement (launch, tier 1,2, 3 days before the target)"


@pytest.mark.parametrize(("text", "command"), [
    ("release new v2.3 2026-12-15 tier 1 #launch", c.CreateRelease("v2.3", "2026-12-15", "launch", 1)),
    ('release new "Big one" next fri t2', c.CreateRelease("Big one", "next fri", None, 2)),
    ("release tier v2.3 2", c.SetReleaseTier("v2.3", 2)),
    ("release plan v2.3", c.ShowPlan("v2.3")), ("plan v2.3", c.ShowPlan("v2.3")),
    ("release skip v2.3 press relations: not for a minor release", c.SkipArea("v2.3", "press relations", "not for a minor release")),
    ("release skip v2.3 web content because the site is frozen", c.SkipArea("v2.3", "web content", "the site is frozen")),
    ("release unskip v2.3 press", c.SkipArea("v2.3", "press", None, undo=True)),
    ("release brief v2.3 Admins audit every login", c.SetReleaseStatement("v2.3", "Admins audit every login")),
    ("release confirm v2.3", c.ConfirmReleaseStatement("v2.3")),
    ("release rename v2.3 v2.4", c.ChangeRelease("v2.3", "rename", "v2.4")),
    ("release target v2.3 2027-01-15", c.ChangeRelease("v2.3", "target", "2027-01-15")),
    ("release ship v2.3", c.ChangeRelease("v2.3", "ship")), ("release close v2.3", c.ChangeRelease("v2.3", "close")),
    ("plan template", c.ShowPlanTemplate()), ("plan template reset", c.EditPlanTemplate("reset")),
    ("plan template remove 3", c.EditPlanTemplate("remove", item="3")),
    ('plan template add "Webinar" area launch tier 1 10 days before needs demo environment',
     c.EditPlanTemplate("add", name="Webinar", area="launch", tiers=frozenset({1}), offset_days=-10, needs="demo environment")),
    ('plan template add Battlecard area "competitive messaging" kind messaging tier 1, 2 2 weeks before',
     c.EditPlanTemplate("add", name="Battlecard", area="competitive messaging", tiers=frozenset({1, 2}), offset_days=-14)),
])
def test_plan_commands_parse(text: str, command: c.Command) -> None:
    assert parse(text) == command


@pytest.mark.parametrize(("text", "says"), [
    ("release tier v2.3 4", "its tier, 1 to 3"), ("release tier v2.3", "its tier, 1 to 3"),
    ("release skip v2.3", "the grey area"), ("release brief v2.3", "say what it does"),
    ("release confirm", "Name one release"), ("release target v2.3", "the new target date"),
    ("plan template add Webinar tier 1", "Say the item, its area, tiers and when"),
    ("plan template frobnicate", "takes add, remove or reset"), ("plan", "Name one release"),
])
def test_incomplete_plan_commands_say_what_is_missing(text: str, says: str) -> None:
    with pytest.raises(UsageError, match=says):
        parse(text)
