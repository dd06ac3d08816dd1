"""Who may do what: one table for every command and button, on every surface.

Buttons carry command text and run through the same grammar as typed commands, so this table is
the whole rights model; :mod:`bot.chat.core` names the right each command needs. Use cases name the parties the actor holds for the thing at hand (the
requester of #12, the driver of pricing …) and call :func:`require`; a refusal names who *can*
do it. README's "Who can do what" is :func:`markdown_table`, checked by a test.

Roles: ``lead`` is granted, never taken. Admins come from the platform (Slack workspace owners and
admins), from the ``HANDOFF_ADMINS`` setting, and, in the local shell, the person who started it.
Only leads and admins change someone else's role or make anyone a lead; anyone sets their own
time zone and their own role among pm, pmm and other.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from enum import StrEnum

from bot.domain import Person, Role
from bot.errors import NotAllowed


class Party(StrEnum):
    """How a person stands to the thing a command is about, in the order refusals name them."""

    ANYONE = "anyone"
    SELF = "the person themself"
    REQUESTER = "the requester"
    OWNER = "the owner"
    DISPUTE_PARTY = "a party to the dispute"
    DRAFT_AUTHOR = "the person who asked for the draft"
    AREA_DRIVER = "the area's driver"
    RELEASE_OWNER = "the release owner"
    LAUNCH_DRIVER = "the release's launch driver"
    APPROVER = "an approver"
    NO_DRIVER_YET = "anyone while the area has no driver"
    LEAD = "a lead"
    ADMIN = "an admin"
    PLATFORM = "the bot itself"


P = Party
SITUATIONAL = frozenset({Party.NO_DRIVER_YET})  # not named in a refusal: it did not hold, or there would be none
EVERYONE = frozenset({P.ANYONE})
LEADS = frozenset({P.LEAD, P.ADMIN})


@dataclass(frozen=True)
class Right:
    """``who`` may ``verb``; ``otherwise`` says what happens for anyone else when it is not a refusal."""

    verb: str  # "{subject}" is the thing at hand in a refusal ("#12"), ``noun`` in README
    who: frozenset[Party]
    command: str  # as README shows it
    noun: str = "it"
    otherwise: str = ""  # set when others are not refused: what happens to their attempt instead
    hint: str = ""  # a sentence added to a refusal: what the refused person can do instead
    note: str = ""  # README only: an exception made elsewhere

    def phrase(self, names: Mapping[Party, str] | None = None, *, refusing: bool = False) -> str:
        """``the owner, a lead or an admin``; with names, ``lee (the owner), a lead or an admin``."""
        names = names or {}
        parts = []
        for p in Party:
            if p not in self.who or (refusing and p in SITUATIONAL):
                continue
            name = names.get(p)
            if p is P.SELF and name and name in (names.get(q) for q in self.who if q is not P.SELF):
                continue  # "drew (the area's driver)" says it: not "drew, drew (the area's driver)"
            if not name:
                parts.append(p.value)
            elif p is P.APPROVER:  # a role, not a person: "an approver (PM or LEAD)"
                parts.append(f"{p.value} ({name})")
            else:
                parts.append(name if p is P.SELF else f"{name} ({p.value})")
        return parts[0] if len(parts) == 1 else ", ".join(parts[:-1]) + " or " + parts[-1]


def _r(verb: str, who: Iterable[Party], command: str, noun: str = "it", otherwise: str = "", hint: str = "",
       note: str = "") -> Right:
    return Right(verb, frozenset(who), command, noun, otherwise, hint, note)


H, R, A, G = "a handoff", "a release", "a grey area", "a gate"


RIGHTS: dict[str, Right] = {
    # handoffs
    "handoff.create": _r("hand something off", EVERYONE, "`@dana requirement …`, `new`"),
    "handoff.read": _r("see handoffs", EVERYONE, "`list`, `show 12`, `what's overdue?`"),
    "handoff.ack": _r("acknowledge {subject}", {P.OWNER, *LEADS}, "`ack 12`", H),
    "handoff.start": _r("start {subject}", {P.OWNER, *LEADS}, "`start 12`", H),
    "handoff.done": _r("mark {subject} done", {P.OWNER, *LEADS}, "`done 12`", H),
    "handoff.ask": _r("ask for info on {subject}", {P.OWNER, *LEADS}, "`ask 12 …`", H),
    "handoff.decline": _r("decline {subject}", {P.OWNER, *LEADS}, "`decline 12 …`", H),
    "handoff.block": _r("block {subject}", {P.OWNER, *LEADS}, "`block 12 …`", H),
    "handoff.answer": _r("answer on {subject}", {P.REQUESTER, *LEADS}, "`answer 12 …`", H),
    "handoff.reopen": _r("reopen {subject}", {P.REQUESTER, *LEADS}, "`reopen 12`", H),
    "handoff.cancel": _r("cancel {subject}", {P.REQUESTER}, "`cancel 12`", H,
                         note="a lead's decision on a dispute can cancel it too"),
    "handoff.reassign": _r("reassign {subject}", {P.OWNER, P.REQUESTER, *LEADS}, "`reassign 12 @sam`", H),
    "handoff.due": _r("change when {subject} is due", {P.OWNER, P.REQUESTER, *LEADS}, "`due 12 fri`", H),
    "handoff.snooze": _r("snooze {subject}", {P.OWNER, *LEADS}, "`snooze 12 3d`", H),
    "handoff.comment": _r("comment on {subject}", EVERYONE, "`comment 12 …`", H),
    "handoff.edit": _r("correct what {subject} asks", {P.REQUESTER, *LEADS},
                       "`edit 12 title|details|kind|release|area …`", H),
    "handoff.edit_reason": _r("reword the reason given on {subject}", {P.OWNER, *LEADS}, "`edit 12 reason …`", H,
                              note="the reason for a block, a decline or a question, once it has one"),
    "handoff.link": _r("link {subject} to what it waits on", {P.OWNER, P.REQUESTER, *LEADS},
                       "`link 12 needs #14`, `unlink 12 #14`", H,
                       note="`block 12 by #14` is the owner's, as any block"),
    "handoff.undo": _r("undo your last edit or link", EVERYONE, "`undo`",
                       note="their own, within 10 minutes, unless someone changed that field since"),
    # releases and their knowledge thread
    "release.create": _r("create a release", EVERYONE, "`release new v2.3 …`"),
    "release.read": _r("see releases", EVERYONE, "`release list`, `release show`, `releases board`, `search`, `release export`, `release calendar`"),
    "release.note": _r("add a note to {subject}", EVERYONE, "`release note v2.3 …`", R),
    "release.decide": _r("record a decision for {subject}", {P.RELEASE_OWNER, P.AREA_DRIVER, *LEADS},
                         "`release decide v2.3 …`", R,
                         hint="Anyone can add it as a note: `release note {subject} …`.",
                         note="the driver counts of a grey area its handoffs are about, or that someone drives for it"),
    "release.owner": _r("change who owns {subject}", {P.RELEASE_OWNER, *LEADS}, "`release owner v2.3 @kim`", R),
    "release.slip": _r("move or keep the target date of {subject}", {P.RELEASE_OWNER, *LEADS},
                       "`release slip accept|reject v2.3`", R),
    "release.change": _r("rename, retarget, ship or close {subject}", {P.RELEASE_OWNER, *LEADS},
                         "`release rename|target|ship|close v2.3 …`", R),
    "release.brief": _r("write what {subject} does", {P.RELEASE_OWNER, P.AREA_DRIVER, *LEADS},
                        "`release brief v2.3 …`", R,
                        hint="Anyone can suggest wording as a note: `release note {subject} …`."),
    "release.confirm": _r("confirm what {subject} does", {P.LAUNCH_DRIVER, *LEADS}, "`release confirm v2.3`", R,
                          note="the launch driver is whoever drives the launch area for the release (a PMM "
                               "while nobody does); nobody confirms their own statement"),
    # launch plans
    "plan.read": _r("see launch plans", EVERYONE, "`release plan v2.3`, `plan template`"),
    "plan.change": _r("change the launch plan of {subject}", {P.RELEASE_OWNER, *LEADS},
                      "`release tier v2.3 2`, `release skip|unskip v2.3 <area>`", R),
    "plan.template": _r("change the launch-plan template", LEADS, "`plan template add|remove|reset`"),
    # grey areas
    "area.read": _r("see who owns what", EVERYONE, "`who owns …?`, `owner list|unowned|disputed|mine`"),
    "area.create": _r("add a grey area", EVERYONE, "`owner new …`"),
    "area.driver": _r("set who drives {subject}", {P.AREA_DRIVER, P.NO_DRIVER_YET, *LEADS},
                      "`owner set <area> @person`, `owner claim <area>`", A,
                      otherwise="anyone else's claim for themself is recorded as a dispute that the driver and the "
                                "leads are told of, and changes nothing until a lead decides"),
    "area.duty": _r("change the duties on {subject}", {P.SELF, P.AREA_DRIVER, P.NO_DRIVER_YET, *LEADS},
                    "`owner add|inform|remove <area> @person`", A),
    # people
    "person.read": _r("see people", EVERYONE, "`person`, `person list`"),
    "person.role": _r("set the role of {subject}", {P.SELF, *LEADS}, "`person me role pm|pmm|other`", "a person"),
    "person.lead": _r("make {subject} a lead", LEADS, "`person @kim role lead`", "someone",
                      hint="Admins are Slack's workspace owners and admins, and the people in HANDOFF_ADMINS."),
    "person.timezone": _r("set the time zone of {subject}", {P.SELF, *LEADS}, "`person me tz Europe/Paris`", "a person"),
    "workload.read": _r("see the workload", EVERYONE, "`load …`"),
    # launch gates
    "gate.read": _r("see gates", EVERYONE, "`gate v2.3`, `gate template`"),
    "gate.decide": _r("decide {subject}", {P.APPROVER, *LEADS}, "`gate approve|decline|waive v2.3 <gate>`", G),
    "gate.watch": _r("follow the gates of a release", EVERYONE, "`gate watch|unwatch v2.3` (for yourself)"),
    "gate.template": _r("change the gate template", LEADS, "`gate template add|rename|move|remove|reset`"),
    # disputes
    "dispute.read": _r("see disputes", EVERYONE, "`disputes`"),
    "dispute.handoff": _r("dispute {subject}", {P.REQUESTER, P.OWNER}, "`dispute 12 …`", H),
    "dispute.area": _r("dispute a grey area", EVERYONE, "`dispute <area> [for v2.3]: …`"),
    "dispute.side": _r("add a side to {subject}", {P.DISPUTE_PARTY}, "the same `dispute …` again", "a dispute"),
    "dispute.resolve": _r("decide a dispute", LEADS, "`dispute resolve 3 2`"),
    # reminders and digests
    "nudges.read": _r("see upcoming nudges", EVERYONE, "`nudges`"),
    "nudges.settings": _r("change the nudge settings", LEADS, "`nudges set …`"),
    "digest.read": _r("see a channel's digest", EVERYONE, "`digest`, `digest preview`"),
    "digest.settings": _r("set up a channel's digest", EVERYONE, "`digest here|off|tz|all-clear` (in that channel)"),
    # drafting
    "draft.start": _r("ask for a draft", EVERYONE, "`draft …`"),
    "draft.decide": _r("use, redo or discard {subject}", {P.DRAFT_AUTHOR, *LEADS}, "`draft use|again|discard 4`",
                       "a draft"),
    "help": _r("ask for help", EVERYONE, "`help`"),
    # what platforms do after a command (never typed)
    "platform": _r("do that", {P.PLATFORM}, "card and thread bookkeeping, saving a finished draft"),
}


def parties_of(actor: Person, holds: Iterable[Party] = ()) -> set[Party]:
    """What the actor holds: what the use case found, plus anyone, and their granted standing."""
    mine = {P.ANYONE, *holds}
    if actor.role is Role.LEAD:
        mine.add(P.LEAD)
    if actor.is_admin:
        mine.add(P.ADMIN)
    return mine


def allows(action: str, actor: Person, holds: Iterable[Party] = ()) -> bool:
    return bool(parties_of(actor, holds) & RIGHTS[action].who)


def require(action: str, actor: Person, holds: Iterable[Party] = (), *, subject: str = "",
            names: Mapping[Party, str] | None = None) -> None:
    """Refuse, saying who can, unless the actor holds one of the parties the table lets do it."""
    if not allows(action, actor, holds):
        raise NotAllowed(refusal(action, subject=subject, names=names))


def refusal(action: str, *, subject: str = "", names: Mapping[Party, str] | None = None) -> str:
    right = RIGHTS[action]
    sentence = f"Only {right.phrase(names, refusing=True)} can {right.verb.format(subject=subject or right.noun)}."
    return f"{sentence} {right.hint.format(subject=subject or '<release>')}" if right.hint else sentence


def open_to(action: str) -> bool:
    """True when the actor alone decides (anyone, or only leads and admins): dispatch checks those
    before the use case runs; the rest depend on the thing at hand, which the use case checks."""
    return RIGHTS[action].who <= LEADS | EVERYONE


def markdown_table() -> str:
    """README's "Who can do what", made from the table itself."""
    rows = ["| To … | Command | Who may |", "|---|---|---|"]
    for right in RIGHTS.values():
        if P.PLATFORM in right.who:
            continue
        who = right.phrase()
        if right.otherwise or right.note:
            who += f"; {right.otherwise or right.note}"
        command = right.command.replace("|", "\\|")  # a pipe inside a table cell, even in code, needs escaping
        rows.append(f"| {right.verb.format(subject=right.noun)} | {command} | {who} |")
    return "\n".join(rows)
