"""The rights table, walked whole: every right, tried by every kind of person, through the core.

One world per right: a release owned by rose, handoff #1 from rita to olly, pricing driven by drew,
a PM approver (pat), a draft of dora's, a dispute, a target person (tina), a lead (lena), an admin
(adam) and a bystander (omar). Each person runs the right's command in turn: those the table does not
let do it are refused (first, while the world is untouched) with a sentence that says who can; those
it does are not refused, and the first of them really succeeds.
"""

from __future__ import annotations

import dataclasses
import re
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from sqlalchemy.ext.asyncio import AsyncEngine

from bot import rights
from bot.chat import grammar
from bot.chat.core import ROUTE_RIGHTS, ROUTES, Core, right_of
from bot.chat.grammar import parse
from bot.reply import plain_text
from bot.rights import RIGHTS, Party
from storage.uow import SqlUnitOfWorkFactory
from tests.support import Chat, FakeClock

P = Party
ROOT = Path(__file__).resolve().parents[2]

# Who each person is in every world (a scenario may add to it).
PEOPLE: dict[str, frozenset[Party]] = {
    "adam": frozenset({P.ADMIN}), "lena": frozenset({P.LEAD}), "rose": frozenset({P.RELEASE_OWNER}),
    "drew": frozenset({P.AREA_DRIVER}), "rita": frozenset({P.REQUESTER}), "olly": frozenset({P.OWNER}),
    "pat": frozenset({P.APPROVER}), "dora": frozenset({P.DRAFT_AUTHOR}), "tina": frozenset({P.SELF}),
    "omar": frozenset(),
}

WORLD = (
    ("adam", "person @lena role lead"),
    ("pat", "person me role pm"),
    ("rose", "release new v2.3 2027-03-01"),
    ("drew", "owner claim pricing"),
    ("rita", "@olly requirement for v2.3 about pricing: battlecard refresh | audience: sales"),  # pricing: v2.3's area
    ("rita", "dispute 1 this is positioning work"),  # D1: rita against olly
    ("rita", "dispute pricing: PMM should drive it"),  # D2: rita against drew
    ("lena", "gate decline v2.3 1 market too small"),  # an open slip for rose to answer
    ("dora", "draft for v2.3 Added SAML SSO with SCIM provisioning for admins"),
    ("tina", "person me role other"),
    ("omar", "person me role other"),
)


@dataclass(frozen=True)
class Scenario:
    right: str
    text: str
    extra: dict[str, frozenset[Party]] = field(default_factory=dict)  # standing this scenario adds
    everyone: frozenset[Party] = frozenset()  # standing every person has here
    via: str | None = None  # the command's own right, when the use case finds it needs another
    setup: tuple[tuple[str, str], ...] = ()  # brings #1 to the state the command needs
    fresh: bool = False  # a world per person: the first one's success would change what the next one asks
    claimants: frozenset[str] | None = None  # who, not allowed, gets the right's "otherwise" (None: all of them)

    @property
    def command_right(self) -> str:
        return self.via or self.right


def s(right: str, text: str, everyone: frozenset[Party] = frozenset(), via: str | None = None,
      setup: tuple[tuple[str, str], ...] = (), fresh: bool = False, claimants: frozenset[str] | None = None,
      **extra: frozenset[Party]) -> Scenario:
    return Scenario(right, text, extra, everyone, via, setup, fresh, claimants)


PARTY_TO_DISPUTE = frozenset({P.DISPUTE_PARTY})
SCENARIOS = (
    s("help", "help"),
    s("handoff.create", "@tina question: who briefs the analysts?"),
    s("handoff.read", "show 1"),
    s("handoff.ack", "ack 1"), s("handoff.start", "start 1"), s("handoff.done", "done 1"),
    s("handoff.ask", "ask 1 which segment?"), s("handoff.decline", "decline 1 not ours"),
    s("handoff.block", "block 1 waiting on legal"), s("handoff.answer", "answer 1 audience: mid-market", setup=(("olly", "ask 1 which segment?"),)),
    s("handoff.reopen", "reopen 1", setup=(("olly", "decline 1 not ours"),)), s("handoff.cancel", "cancel 1"), s("handoff.reassign", "reassign 1 @tina"),
    s("handoff.due", "due 1 2027-01-15"), s("handoff.snooze", "snooze 1 1d"), s("handoff.comment", "comment 1 looks good"),
    s("handoff.edit", "edit 1 title battlecard refresh for sales"),
    s("handoff.edit_reason", "edit 1 reason waiting on legal's review", setup=(("olly", "block 1 waiting on legal"),)),
    s("handoff.link", "link 1 needs #2", setup=(("rita", "@tina question: final price points"),)),
    s("handoff.undo", "undo", setup=(("dora", "@tina question: analyst day?"), ("dora", "edit 2 title analyst briefing day?"))),
    s("handoff.block", "block 1 by #2", setup=(("rita", "@tina question: final price points"),)),
    s("release.create", "release new v9 2027-06-01"), s("release.read", "release show v2.3"),
    s("release.note", "release note v2.3 analysts booked"), s("release.decide", "release decide v2.3 mid-market first"),
    s("release.owner", "release owner v2.3 @tina"), s("release.slip", "release slip reject v2.3 we hold the date"),
    s("release.change", "release target v2.3 2027-04-01"),
    s("release.brief", "release brief v2.3 Admins audit every SSO login; reviews take minutes"),
    s("release.confirm", "release confirm v2.3", setup=(("rose", "release brief v2.3 Admins audit every SSO login"),
                                                        ("tina", "person me role pmm")), tina=frozenset({P.LAUNCH_DRIVER})),
    s("plan.read", "release plan v2.3"), s("plan.change", "release tier v2.3 3"),
    s("plan.template", "plan template remove 9"),
    s("area.read", "who owns pricing?"), s("area.create", "owner new field events outbound"),
    s("area.driver", "owner claim pricing"),  # a claim for oneself: a dispute, not a refusal
    s("area.driver", "owner set pricing @tina", claimants=frozenset({"tina"})),  # naming someone else: refused
    s("area.driver", "owner set positioning @tina", everyone=frozenset({P.NO_DRIVER_YET}), fresh=True),
    s("area.duty", "owner add pricing @tina owes win/loss notes"),
    s("area.duty", "owner inform positioning @tina", everyone=frozenset({P.NO_DRIVER_YET})),
    s("person.read", "person list"), s("person.role", "person @tina role pmm"), s("person.lead", "person @tina role lead"),
    s("person.timezone", "person @tina tz Europe/Paris"), s("workload.read", "load"),
    s("gate.read", "gate v2.3"), s("gate.decide", "gate approve v2.3 2"), s("gate.watch", "gate watch v2.3"),
    s("gate.template", "gate template remove 7"),
    s("dispute.read", "disputes"), s("dispute.handoff", "dispute 1 my side of it", olly=PARTY_TO_DISPUTE),
    s("dispute.area", "dispute positioning: nobody drives it", fresh=True),
    s("dispute.side", "dispute pricing: I drive it already", via="dispute.area", drew=PARTY_TO_DISPUTE,
      rita=PARTY_TO_DISPUTE),
    s("dispute.resolve", "dispute resolve {d1} 1"),
    s("nudges.read", "nudges"), s("nudges.settings", "nudges set limit 4"),
    s("digest.read", "digest"), s("digest.settings", "digest off"),
    s("draft.start", "draft Added SAML SSO with SCIM provisioning for admins"), s("draft.decide", "draft discard {draft}"),
)


@pytest.fixture
def sqlite_core(sqlite_engine: AsyncEngine) -> Core:
    return Core(SqlUnitOfWorkFactory(sqlite_engine), clock=FakeClock())


def test_every_command_names_a_right_and_every_right_is_walked() -> None:
    assert set(ROUTE_RIGHTS) == set(ROUTES)
    walked = {sc.right for sc in SCENARIOS}
    typed = {r for r, right in RIGHTS.items() if P.PLATFORM not in right.who}
    assert walked == typed, "a right without a scenario, or a scenario for no right"
    for sc in SCENARIOS:
        assert right_of(parse(sc.text.format(d1=1, draft=1))) == sc.command_right, sc.text  # the scenario tries the right it says


def test_what_only_platforms_do_cannot_be_typed() -> None:
    platform_only = {t for t, r in ROUTE_RIGHTS.items() if isinstance(r, str) and r == "platform"}
    assert platform_only, "attachments and saved drafts are the platform's"
    source = "".join(p.read_text() for p in Path(grammar.__file__).parent.glob("*.py"))
    assert not [t.__name__ for t in platform_only if f"c.{t.__name__}(" in source]


def test_readme_shows_the_table_in_code() -> None:
    readme = (ROOT / "README.md").read_text()
    assert rights.markdown_table() in readme


class ChannelChat(Chat):
    """Everyone speaks in one channel, C1, as in a team's launch channel (digests need one)."""

    def caller(self, who: str):  # type: ignore[no-untyped-def]
        return dataclasses.replace(super().caller(who), conversation="C1")


async def world(core: Core, workspace_id: str, scenario: Scenario) -> tuple[ChannelChat, str]:
    """The seeded workspace, and the scenario's command with this world's dispute and draft ids."""
    chat = ChannelChat(core, workspace_id, admins={"adam"})
    draft_id = 0
    for who, text in (*WORLD, *scenario.setup):
        await chat.ok(who, text)
        if (draft_id := chat.outcomes[-1].draft_id or draft_id) and chat.outcomes[-1].draft_id:
            assert not (await core.drafts.run(chat.caller(who), draft_id)).reply.is_error
    async with core.uow_factory(workspace_id) as uow:
        d1 = min(d.id for d in await uow.disputes.open_disputes())
    return chat, scenario.text.format(d1=d1, draft=draft_id)


@pytest.mark.parametrize("scenario", SCENARIOS, ids=lambda sc: f"{sc.right}:{sc.text.split()[0]}")
async def test_the_rights_table_holds_for_everyone(sqlite_core: Core, workspace_id: str, scenario: Scenario) -> None:
    chat, text = await world(sqlite_core, workspace_id, scenario)
    right = RIGHTS[scenario.right]
    standing = {who: parties | scenario.everyone | scenario.extra.get(who, frozenset()) for who, parties in PEOPLE.items()}
    allowed = {who for who, parties in standing.items() if ({P.ANYONE} | parties) & right.who}
    assert allowed, f"nobody may {scenario.right}?"
    for n, who in enumerate(sorted(set(PEOPLE) - allowed)):  # refused first, while the world is as seeded
        if scenario.fresh and n:
            chat, text = await world(sqlite_core, f"{workspace_id}-{who}", scenario)
        reply = await chat.say(who, text)
        outcome = chat.outcomes[-1]
        if right.otherwise and (scenario.claimants is None or who in scenario.claimants):
            assert not outcome.refused and "dispute" in reply.lower(), (who, reply)  # recorded as a dispute
            continue
        assert outcome.refused, f"{who} should be refused {text!r}: {reply}"
        assert reply.startswith("Only ") and " can " in reply, reply
    for n, who in enumerate(sorted(allowed, key=lambda w: (w in ("adam", "lena"), w))):  # leads last: they may most
        if scenario.fresh and (n or set(PEOPLE) - allowed):
            chat, text = await world(sqlite_core, f"{workspace_id}-{who}-ok", scenario)
        reply = await chat.say(who, text)
        outcome = chat.outcomes[-1]
        assert not outcome.refused, f"{who} should be allowed {text!r}: {reply}"
        if n == 0 or scenario.fresh:  # the first one really does it (later ones may find it done)
            assert not outcome.reply.is_error, f"{who} should manage {text!r}: {reply}"


async def test_a_refusal_names_the_people_who_can(sqlite_core: Core, workspace_id: str) -> None:
    chat = Chat(sqlite_core, workspace_id, admins={"adam"})
    for who, text in WORLD[:5]:
        await chat.ok(who, text)
    assert await chat.fails("omar", "ack 1") == "Only olly (the owner), a lead or an admin can acknowledge #1."
    assert await chat.fails("omar", "release decide v2.3 go") == (
        "Only the area's driver, rose (the release owner), a lead or an admin can record a decision for v2.3. "
        "Anyone can add it as a note: `release note v2.3 …`.")
    assert "drew (the area's driver)" in await chat.fails("omar", "owner add pricing @tina")
    assert dataclasses.replace(chat.caller("omar")).is_admin is False
    assert plain_text(chat.last).startswith("Only ")


async def test_a_claim_gives_no_driver_power_and_a_made_up_area_gives_no_say_on_a_release(
        sqlite_core: Core, workspace_id: str) -> None:
    """What a review found: a claimant became a co-driver and could remove the real one; a release
    override skipped the dispute; anyone could decide for a release by claiming an area of their own."""
    chat = Chat(sqlite_core, workspace_id, admins={"adam"})
    for who, text in WORLD[:5]:
        await chat.ok(who, text)
    claimed = await chat.ok("omar", "owner claim pricing")
    assert "recorded omar's claim as dispute D" in claimed and "Driver: drew" in claimed
    again = await chat.ok("omar", "owner claim pricing")
    assert "were told; a lead decides" in again and not chat.outcomes[-1].notices  # the same claim, told once
    assert "Only drew (the area's driver), a lead or an admin" in await chat.fails("omar", "owner remove pricing @drew")
    assert "Only drew (the area's driver), a lead or an admin" in await chat.fails("omar", "owner set pricing @zed")
    assert "dispute D" in await chat.ok("omar", "owner claim pricing for v2.3")  # an override is a claim too
    assert "Driver: drew" in await chat.ok("rita", "who owns pricing for v2.3?")
    await chat.ok("omar", "owner new sandwiches shared")
    await chat.ok("omar", "owner claim sandwiches")  # drives an area of his own making …
    assert (await chat.say("omar", "release decide v2.3 we ship friday")).startswith("Only ")  # … which is not v2.3's
    assert chat.outcomes[-1].refused
    assert "omar now drives pricing" in await chat.ok("lena", "owner set pricing @omar")  # a lead settles it
    left = await chat.ok("rita", "disputes")
    assert "Open disputes (1)" in left and re.search(r"D\d+ pricing for v2.3", left)  # the v2.3 claim; the other one is settled
