from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot import commands as c
from bot.chat.grammar import parse
from bot.chat.grammar.words import UsageError
from bot.domain import Action, Duty, EntryKind, Kind, Role, Side, Status


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            "@dana requirement for v2.3: pricing page needs a tier table by fri",
            c.CreateHandoff(title="pricing page needs a tier table", owner=c.UserRef(name="dana"),
                            kind=Kind.REQUIREMENT, release="v2.3", due="fri"),
        ),
        (
            "<@U012AB3CD|dana> messaging about battlecards: refresh the comparison | audience: sales\nproof points: G2",
            c.CreateHandoff(title="refresh the comparison", owner=c.UserRef("U012AB3CD", "dana"), kind=Kind.MESSAGING,
                            area="battlecards", details="audience: sales\nproof points: G2"),
        ),
        ("new fix the docs due in 3 days", c.CreateHandoff(title="fix the docs", due="in 3 days")),
        ("new pages built by marketing", c.CreateHandoff(title="pages built by marketing")),
        ("list", c.ListHandoffs()),
        ("list owed for v2.3 overdue", c.ListHandoffs(scope="owed", release="v2.3", overdue=True)),
        ("list all in progress", c.ListHandoffs(scope="all", status=Status.IN_PROGRESS)),
        ("list @sam", c.ListHandoffs(scope="person", person=c.UserRef(name="sam"))),
        ("show #12", c.ShowHandoff(12)),
        ("ack 12", c.MoveHandoff(12, Action.ACK)),
        ("decline #4 not ours, ask support", c.MoveHandoff(4, Action.DECLINE, "not ours, ask support")),
        ("ask 4 which segment?", c.MoveHandoff(4, Action.ASK, "which segment?")),
        ("reassign 4 to @lee", c.ReassignHandoff(4, c.UserRef(name="lee"))),
        ("comment 4 legal approved", c.CommentOnHandoff(4, "legal approved")),
        ("release new v2.3 2026-12-15", c.CreateRelease("v2.3", "2026-12-15")),
        ('release new "Spring launch"', c.CreateRelease("Spring launch")),
        ("release show V2.3", c.ShowRelease("V2.3")),
        ("release export v2.3", c.ExportRelease("v2.3")),
        ("release export ALL", c.ExportAllReleases()),
        ('release export "all"', c.ExportRelease("all")),
        ("releases board", c.ShowReleaseBoard()),
        ("release board", c.ShowReleaseBoard()),
        ("release calendar", c.ReleaseCalendar()),
        ("release calendar all", c.ReleaseCalendar()),
        ('release calendar "Big launch"', c.ReleaseCalendar("Big launch")),
        ("release show board", c.ShowRelease("board")),
        ("release decide v2.3 We launch mid-market first",
         c.AddReleaseEntry("v2.3", EntryKind.DECISION, "We launch mid-market first")),
        ("owner set competitive messaging @dana",
         c.AssignArea("competitive messaging", c.UserRef(name="dana"), Duty.DRIVER)),
        ("owner add pricing @sam owes win/loss notes for v2.3",
         c.AssignArea("pricing", c.UserRef(name="sam"), Duty.SUPPORTER, "v2.3", "win/loss notes")),
        ("owner claim release notes for v2.3", c.AssignArea("release notes", None, Duty.DRIVER, "v2.3")),
        ("owner unowned for v2.3", c.ListAreas("unowned", "v2.3")),
        ("owner new partner marketing outbound aka partners, alliances",
         c.CreateArea("partner marketing", Side.OUTBOUND, ("partners", "alliances"))),
        ("who owns competitive messaging for v2.3?", c.WhoOwns("competitive messaging for v2.3")),
        ("who's on the hook for battlecards", c.WhoOwns("battlecards")),
        ("Who is responsible for the CAB?", c.WhoOwns("the CAB")),
        ("what's overdue?", c.ListHandoffs(scope="all", overdue=True)),
        ("what's open for v2.3?", c.ListHandoffs(scope="all", release="v2.3")),
        ("what did we decide about pricing?", c.SearchKnowledge("pricing", EntryKind.DECISION)),
        ("person @dana role pmm", c.SetPersonRole(c.UserRef(name="dana"), Role.PMM)),
        ("person tz Europe/Paris", c.SetPersonTimezone(None, "Europe/Paris")),
        ("search pricing tiers", c.SearchKnowledge("pricing tiers")),
        ("search zapier for beacon", c.SearchKnowledge("zapier", release="beacon")),
        ("find zapier in V2.3?", c.SearchKnowledge("zapier", release="V2.3")),
        ('search launch plan for "Big Bang"', c.SearchKnowledge("launch plan", release="Big Bang")),
        ("search battlecards all", c.SearchKnowledge("battlecards", everything=True)),
        ("search zapier for beacon all", c.SearchKnowledge("zapier", release="beacon", everything=True)),
        ("search zapier ALL for beacon", c.SearchKnowledge("zapier", release="beacon", everything=True)),
        ("search all", c.SearchKnowledge("all")),
        ("search for beacon", c.SearchKnowledge("for beacon")),
        ("search notes for all", c.SearchKnowledge("notes for", everything=True)),
        ("what did we decide about pricing for v2.3?",
         c.SearchKnowledge("pricing", EntryKind.DECISION, release="v2.3")),
        ("/handoff help owner", c.ShowHelp("owner")),
        ("", c.ShowHelp()),
    ],
)
def test_parses(text: str, expected: c.Command) -> None:
    assert parse(text) == expected


@pytest.mark.parametrize(
    ("text", "topic"),
    [
        ("ack", "ack"),
        ("ack abc", "ack"),
        ("show 1 2", "show"),
        ("reassign 4", "reassign"),
        ("akc 4", "ack"),
        ("relase list", "release"),
        ("owner set pricing", "owner"),
        ("person @dana role ceo", "person"),
        ("list sideways", "list"),
        ("@dana requirement: ", "new"),
        ("@dana: " + "x" * 300, "new"),
    ],
)
def test_bad_input_names_the_nearest_command(text: str, topic: str) -> None:
    with pytest.raises(UsageError) as err:
        parse(text)
    assert err.value.topic == topic


def test_unknown_words_get_the_create_hint() -> None:
    with pytest.raises(UsageError) as err:
        parse("xyzzy plugh")
    assert err.value.topic is None and "start with @someone" in str(err.value)


def test_invisible_characters_are_dropped() -> None:
    assert parse("a\u200bck 1\u200d") == c.MoveHandoff(1, Action.ACK)


def test_an_email_address_is_not_a_mention() -> None:
    assert parse("new mail dana@example.com the deck") == c.CreateHandoff(title="mail dana@example.com the deck")


@settings(max_examples=400, deadline=None)
@given(st.text(max_size=300))
def test_any_text_parses_or_explains(text: str) -> None:
    try:
        parse(text)
    except UsageError as exc:
        assert str(exc)


@settings(max_examples=300, deadline=None)
@given(
    st.sampled_from(["ack", "show", "list", "release", "owner", "who owns", "person", "new", "@x", "decline 1", "due 1"]),
    st.text(alphabet=st.characters(codec="utf-8"), max_size=120),
)
def test_known_commands_with_junk_parse_or_explain(head: str, tail: str) -> None:
    try:
        parse(f"{head} {tail}")
    except UsageError as exc:
        assert str(exc)


def test_a_teams_mention_with_a_colon_in_its_id_does_not_end_the_header() -> None:
    cmd = parse("handoff <@29:1a2b-c|Lee Chen> messaging for v2.3: hero copy: short version by fri")
    assert isinstance(cmd, c.CreateHandoff)
    assert cmd.owner == c.UserRef(platform_id="29:1a2b-c", name="Lee Chen")
    assert (cmd.release, cmd.title, cmd.due) == ("v2.3", "hero copy: short version", "fri")


def test_draft_takes_a_release_and_options_before_the_notes() -> None:
    cmd = parse("draft for v2.3 audience: IT admins; tone: plain; format: release note; Added SCIM provisioning.")
    assert cmd == c.DraftMessaging(notes="Added SCIM provisioning.", release="v2.3", audience="IT admins", tone="plain",
                                   format="release note")
    assert parse("draft use 4") == c.UseDraft(4) and parse("draft again #4") == c.RegenerateDraft(4)
    with pytest.raises(UsageError):
        parse("draft hi")
