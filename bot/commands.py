"""Commands: what a person asked for, parsed but not yet checked against the database.

Each is a small frozen dataclass named in the imperative; :mod:`bot.chat.core` maps each type
to the use case that carries it out. Names of people, releases and areas stay text here:
resolving them needs the workspace, which only the use case has.
"""

from __future__ import annotations

from dataclasses import dataclass

from bot.domain import Action, Duty, EntryKind, Kind, Role, Side, Status


@dataclass(frozen=True)
class UserRef:
    """A person as the text named them: a platform id (``<@U123>``) or a bare ``@name``."""

    platform_id: str | None = None
    name: str | None = None

    def __str__(self) -> str:
        return f"@{self.name or self.platform_id}"


@dataclass(frozen=True)
class ShowHelp:
    topic: str | None = None


@dataclass(frozen=True)
class CreateHandoff:
    title: str
    owner: UserRef | None = None
    kind: Kind | None = None
    release: str | None = None
    area: str | None = None
    details: str = ""
    due: str | None = None
    due_from_title: bool = False  # ``due`` was a bare date at the end of the title: the reply says so


@dataclass(frozen=True)
class ListHandoffs:
    scope: str = "mine"  # mine | owed | asked | all | person
    person: UserRef | None = None
    release: str | None = None
    status: Status | None = None
    overdue: bool = False


@dataclass(frozen=True)
class ShowHandoff:
    number: int


@dataclass(frozen=True)
class MoveHandoff:
    number: int
    action: Action
    reason: str | None = None
    expected_version: int | None = None  # set by buttons, for compare-and-set


@dataclass(frozen=True)
class ReassignHandoff:
    number: int
    to: UserRef
    expected_version: int | None = None


@dataclass(frozen=True)
class SnoozeHandoff:
    """Quiet the nudges on a handoff for a while (``snooze 12 2d``, ``snooze 12 until fri``)."""

    number: int
    duration: str
    expected_version: int | None = None


@dataclass(frozen=True)
class CommentOnHandoff:
    number: int
    text: str


@dataclass(frozen=True)
class SetDueDate:
    number: int
    due: str


EDITABLE_FIELDS = ("title", "details", "kind", "release", "area", "reason")


@dataclass(frozen=True)
class EditHandoff:
    """Correct fields of a handoff (``edit 12 title …``; the edit form sends every field it shows).

    ``changes`` pairs a field of :data:`EDITABLE_FIELDS` with its new text; ``none`` clears a
    release or an area. Fields whose value is already that are left alone."""

    number: int
    changes: tuple[tuple[str, str], ...]
    expected_version: int | None = None


@dataclass(frozen=True)
class ShowEditForm:
    """The edit form of a handoff, prefilled (``edit 12``; the Edit button)."""

    number: int


@dataclass(frozen=True)
class LinkHandoff:
    """``link 12 needs #14``: #12 waits on #14; ``block 12 by #14`` also blocks #12 until it is done."""

    number: int
    needs: tuple[int, ...]
    block: bool = False


@dataclass(frozen=True)
class UndoLastChange:
    """``undo``: the caller's own last edit or link of a handoff, within a few minutes."""


@dataclass(frozen=True)
class UnlinkHandoff:
    number: int
    needs: tuple[int, ...]


@dataclass(frozen=True)
class CreateRelease:
    name: str
    target: str | None = None
    channel: str | None = None  # the release's home channel, where its knowledge thread lives
    tier: int | None = None  # a launch tier lays out the release's plan (bot.releases.plan)


@dataclass(frozen=True)
class SetReleaseTier:
    """``release tier v2.3 2``: lay out (or re-tier) the release's launch plan."""

    release: str
    tier: int


@dataclass(frozen=True)
class ShowPlan:
    """``release plan v2.3``: the launch plan as a checklist."""

    release: str


@dataclass(frozen=True)
class SkipArea:
    """``release skip v2.3 press relations: no press for a minor release``; ``unskip`` takes it back."""

    release: str
    area: str
    reason: str | None = None
    undo: bool = False


@dataclass(frozen=True)
class SetReleaseStatement:
    """``release brief v2.3 …``: what the release does, for whom, and what changes for them."""

    release: str
    text: str


@dataclass(frozen=True)
class ConfirmReleaseStatement:
    """``release confirm v2.3``: the other side stands behind the statement."""

    release: str


@dataclass(frozen=True)
class ChangeRelease:
    """``release rename v2.3 v2.4``, ``release target v2.3 2027-01-15``, ``release ship v2.3``,
    ``release close v2.3``."""

    release: str
    action: str  # rename, target, ship or close
    value: str = ""  # the new name or target date


@dataclass(frozen=True)
class ShowPlanTemplate:
    pass


@dataclass(frozen=True)
class EditPlanTemplate:
    """``plan template add|remove|reset``: the workspace's launch-plan template."""

    action: str
    item: str = ""  # remove: its number or name
    name: str = ""
    area: str = ""
    kind: Kind = Kind.MESSAGING
    tiers: frozenset[int] = frozenset()
    offset_days: int = 0
    needs: str | None = None


@dataclass(frozen=True)
class ListReleases:
    pass


@dataclass(frozen=True)
class ShowRelease:
    name: str
    public: bool = False  # for a post many people see: leave out what was said privately


@dataclass(frozen=True)
class ExportRelease:
    """A Markdown launch brief and a CSV of handoffs, for a platform to deliver as files."""

    name: str
    public: bool = False  # the files go where many people see them: leave out what was said privately


@dataclass(frozen=True)
class SetReleaseOwner:
    """``release owner v2.3 @kim``: who answers for the release (slips, decisions, at-risk notices)."""

    release: str
    owner: UserRef


@dataclass(frozen=True)
class AddReleaseEntry:
    release: str
    kind: EntryKind  # note or decision
    text: str


@dataclass(frozen=True)
class AssignArea:
    area: str
    person: UserRef | None  # None: the caller ("owner claim")
    duty: Duty
    release: str | None = None
    owes: str | None = None


@dataclass(frozen=True)
class UnassignArea:
    area: str
    person: UserRef
    release: str | None = None


@dataclass(frozen=True)
class WhoOwns:
    query: str


@dataclass(frozen=True)
class ListAreas:
    which: str = "all"  # all | unowned | disputed
    release: str | None = None


@dataclass(frozen=True)
class CreateArea:
    name: str
    side: Side
    aliases: tuple[str, ...] = ()


@dataclass(frozen=True)
class SetPersonRole:
    person: UserRef | None
    role: Role


@dataclass(frozen=True)
class SetPersonTimezone:
    person: UserRef | None
    timezone: str


@dataclass(frozen=True)
class ShowPerson:
    person: UserRef | None = None


@dataclass(frozen=True)
class ListPeople:
    pass


@dataclass(frozen=True)
class SearchKnowledge:
    """``words``; ``release`` when the text ended in ``for <name>`` (a filter only if it is a
    release); ``everything`` with a trailing ``all``: the handoff lifecycle lines too."""

    words: str
    kind: EntryKind | None = None
    release: str | None = None
    everything: bool = False


@dataclass(frozen=True)
class AttachHandoffMessage:
    """A platform posted the handoff's card at ``message_ref``; later changes update it there."""

    number: int
    message_ref: str


@dataclass(frozen=True)
class AttachReleaseThread:
    """A platform posted the release's root message; its knowledge thread replies to it."""

    release_id: int
    channel_ref: str
    thread_ref: str


@dataclass(frozen=True)
class ShowNudges:
    """What the bot will nudge next, and what waits and why."""


@dataclass(frozen=True)
class SetNudgeOption:
    option: str  # hours | days | limit | escalate | quiet
    value: str


@dataclass(frozen=True)
class SubscribeDigest:
    """This conversation gets a digest at ``at`` (HH:MM) on working days."""

    at: str | None = None  # None: keep the current time (changing only the zone or all-clear)
    release: str | None = None
    timezone: str | None = None
    all_clear: bool | None = None


@dataclass(frozen=True)
class StopDigest:
    pass


@dataclass(frozen=True)
class PreviewDigest:
    pass


@dataclass(frozen=True)
class ShowDigest:
    pass


@dataclass(frozen=True)
class DraftMessaging:
    """Turn technical notes (or a handoff's title and details) into customer-facing messaging."""

    notes: str = ""
    release: str | None = None
    handoff: int | None = None
    audience: str | None = None
    tone: str | None = None
    format: str | None = None  # e.g. "release note", "email", "landing page"


@dataclass(frozen=True)
class SaveDraft:
    """Internal: what drafting produced, saved and shown (a platform never parses this)."""

    draft_id: int
    status: str  # drafted | brief
    result: dict | None
    problem: str | None = None


@dataclass(frozen=True)
class UseDraft:
    draft_id: int


@dataclass(frozen=True)
class RegenerateDraft:
    draft_id: int


@dataclass(frozen=True)
class DiscardDraft:
    draft_id: int


@dataclass(frozen=True)
class ListGates:
    release: str


@dataclass(frozen=True)
class DecideGate:
    release: str
    decision: str  # approve | decline | waive
    gate_and_note: str  # the gate's name (or number) and, after it, a note or a reason


@dataclass(frozen=True)
class WatchGates:
    """Follow (or stop following) a release's gate decisions, whatever one's role."""

    release: str
    watching: bool


@dataclass(frozen=True)
class ShowGateTemplate:
    pass


@dataclass(frozen=True)
class EditGateTemplate:
    """``add``, ``rename``, ``move``, ``remove`` or ``reset`` one item of the workspace's gate template."""

    action: str
    gate: str = ""  # the item acted on: its number or name
    name: str = ""  # add / rename: the new name
    offset_days: int | None = None  # add: days from the target date (negative: before)
    approver_roles: tuple[Role, ...] = ()  # add: who approves
    position: int | None = None  # move: the new place (1-based)


@dataclass(frozen=True)
class AnswerSlip:
    """The release owner accepts or rejects the proposed new target date."""

    release: str
    accept: bool
    note: str = ""
    slip_id: int | None = None  # the proposal a button showed (``S12``): a newer one is not answered by it


@dataclass(frozen=True)
class RaiseDispute:
    """Flag a handoff (``number``) or a grey area (``area``, maybe for a release) as disputed."""

    reason: str
    number: int | None = None
    area: str | None = None
    release: str | None = None


@dataclass(frozen=True)
class ListDisputes:
    pass


@dataclass(frozen=True)
class ResolveDispute:
    dispute_id: int
    option: int  # 1-based, as the card's buttons number the outcomes
    note: str = ""


@dataclass(frozen=True)
class ShowWorkload:
    """Open load, overdue, areas driven and time to acknowledge, per person (``load``, ``load pm``, ``load @dana``)."""

    role: Role | None = None  # only people with this role
    person: UserRef | None = None  # only this person (still measured against the whole team)


@dataclass(frozen=True)
class ExportAllReleases:
    """``release export all``: every open release's handoffs in one CSV, for a platform to deliver."""

    public: bool = False  # the file goes where many people see it: leave out what was said privately


@dataclass(frozen=True)
class ShowHome:
    """``home``: a person's own view: what they owe, what is owed to them, their grey areas,
    the gates waiting on their decision, the disputes they must settle and their drafts to review."""


@dataclass(frozen=True)
class ShowReleaseBoard:
    """``releases board``: every open release in one reply, its gates as a row of marks."""


@dataclass(frozen=True)
class ReleaseCalendar:
    """``release calendar [name]``: an iCalendar file of target dates and gate due dates."""

    name: str | None = None  # one release; None: every open one


Command = (
    ShowHelp | ShowWorkload | CreateHandoff | ListHandoffs | ShowHandoff | MoveHandoff | ReassignHandoff
    | CommentOnHandoff | SnoozeHandoff | SetDueDate | EditHandoff | ShowEditForm | LinkHandoff | UnlinkHandoff | UndoLastChange | CreateRelease | ListReleases | ShowRelease | AddReleaseEntry
    | SetReleaseOwner | SetReleaseTier | ShowPlan | SkipArea | SetReleaseStatement | ConfirmReleaseStatement
    | ChangeRelease | ShowPlanTemplate | EditPlanTemplate
    | AssignArea | UnassignArea | WhoOwns | ListAreas | CreateArea | SetPersonRole | ExportRelease
    | SetPersonTimezone | ShowPerson | ListPeople | SearchKnowledge | AttachHandoffMessage | AttachReleaseThread
    | ShowNudges | SetNudgeOption | SubscribeDigest | StopDigest | PreviewDigest | ShowDigest
    | DraftMessaging | SaveDraft | UseDraft | RegenerateDraft | DiscardDraft | ListGates | DecideGate
    | WatchGates | ShowGateTemplate | EditGateTemplate | AnswerSlip | RaiseDispute | ListDisputes | ResolveDispute
    | ExportAllReleases | ShowReleaseBoard | ReleaseCalendar | ShowHome
)
