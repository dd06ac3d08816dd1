"""The handoff state machine: which move is legal from which state, and who may make it.

    open ──ack──> acknowledged ──start──> in_progress ──done──> done
      │  ╲            │                      │
      │   ask ──> needs_info ──answer──> back to where it was asked from
      ├─decline(reason)──> declined ──reopen──> open
      ├─block(reason)──> blocked ──start──> in_progress
      └─cancel (requester)──> cancelled ──reopen──> open
"""

from __future__ import annotations

from bot import rights
from bot.domain import Action, Handoff, Person, Status
from bot.errors import IllegalTransition, InvalidInput
from bot.rights import Party

_S = Status
_TARGET: dict[Action, Status] = {
    Action.ACK: _S.ACKNOWLEDGED,
    Action.START: _S.IN_PROGRESS,
    Action.DONE: _S.DONE,
    Action.ASK: _S.NEEDS_INFO,
    Action.ANSWER: _S.OPEN,
    Action.DECLINE: _S.DECLINED,
    Action.BLOCK: _S.BLOCKED,
    Action.CANCEL: _S.CANCELLED,
    Action.REOPEN: _S.OPEN,
}

# From each state, the actions that may leave it.
ALLOWED: dict[Status, tuple[Action, ...]] = {
    _S.OPEN: (Action.ACK, Action.START, Action.DONE, Action.ASK, Action.DECLINE, Action.BLOCK, Action.CANCEL),
    _S.ACKNOWLEDGED: (Action.START, Action.DONE, Action.ASK, Action.DECLINE, Action.BLOCK, Action.CANCEL),
    _S.IN_PROGRESS: (Action.DONE, Action.ASK, Action.BLOCK, Action.CANCEL),
    _S.NEEDS_INFO: (Action.ANSWER, Action.CANCEL),
    _S.BLOCKED: (Action.START, Action.DONE, Action.CANCEL),
    _S.DECLINED: (Action.REOPEN, Action.CANCEL),
    _S.DONE: (Action.REOPEN,),
    _S.CANCELLED: (Action.REOPEN,),
}

OWNER_ACTIONS = frozenset({Action.ACK, Action.START, Action.DONE, Action.ASK, Action.DECLINE, Action.BLOCK})
REQUESTER_ACTIONS = frozenset({Action.ANSWER, Action.CANCEL, Action.REOPEN})
NEEDS_REASON = frozenset({Action.DECLINE, Action.BLOCK, Action.ASK, Action.ANSWER})

# Where a question can be asked from, and so where an answer returns to.
ASKABLE_FROM = frozenset(s for s, actions in ALLOWED.items() if Action.ASK in actions)

# Statuses from which a handoff may be given to someone else.
REASSIGNABLE = frozenset(
    {_S.OPEN, _S.ACKNOWLEDGED, _S.IN_PROGRESS, _S.NEEDS_INFO, _S.BLOCKED, _S.DECLINED}
)


def allowed_actions(status: Status) -> tuple[Action, ...]:
    return ALLOWED[status]


def target_status(handoff: Handoff, action: Action, reason: str | None, asked_from: Status | None = None) -> Status:
    """The status ``action`` leads to, or an error naming the moves that are allowed.

    An answer returns the handoff to where the question was asked from (``asked_from``): work that
    was acknowledged or under way stays so; without that, it goes back to open."""
    if action not in ALLOWED[handoff.status]:
        allowed = ", ".join(a.value for a in ALLOWED[handoff.status])
        raise IllegalTransition(
            f"{handoff.ref} is {handoff.status.label}, so it can't be {_past(action)}; "
            f"from {handoff.status.label} you can: {allowed}."
        )
    if action in NEEDS_REASON and not (reason and reason.strip()):
        raise InvalidInput(f"Say why: `{action.value} {handoff.number} <{_reason_word(action)}>`.")
    if action is Action.ANSWER and asked_from in ASKABLE_FROM:
        return asked_from
    return _TARGET[action]


def parties(handoff: Handoff, actor: Person) -> set[Party]:
    """How the actor stands to the handoff: its requester, its owner, both or neither."""
    holds = set()
    if actor.id == handoff.requester_id:
        holds.add(Party.REQUESTER)
    if actor.id == handoff.owner_id:
        holds.add(Party.OWNER)
    return holds


def check_party(handoff: Handoff, actor: Person, action: Action, owner: Person | None, requester: Person) -> None:
    """Owner moves are the owner's (or a lead's); requester moves are the requester's (:mod:`bot.rights`)."""
    rights.require(f"handoff.{action.value}", actor, parties(handoff, actor), subject=handoff.ref,
                   names=party_names(owner, requester))


def check_reassign(handoff: Handoff, actor: Person, owner: Person | None = None, requester: Person | None = None) -> None:
    if handoff.status not in REASSIGNABLE:
        raise IllegalTransition(
            f"{handoff.ref} is {handoff.status.label}; reopen it before giving it to someone else."
        )
    rights.require("handoff.reassign", actor, parties(handoff, actor), subject=handoff.ref, names=party_names(owner, requester))


def party_names(owner: Person | None, requester: Person | None) -> dict[Party, str]:
    """Who the owner and the requester are, for a refusal that names them."""
    return {Party.OWNER: owner.display_name if owner else "", Party.REQUESTER: requester.display_name if requester else ""}


def _past(action: Action) -> str:
    return {
        Action.ACK: "acknowledged",
        Action.START: "started",
        Action.DONE: "marked done",
        Action.ASK: "sent back with a question",
        Action.ANSWER: "answered",
        Action.DECLINE: "declined",
        Action.BLOCK: "blocked",
        Action.CANCEL: "cancelled",
        Action.REOPEN: "reopened",
    }[action]


def _reason_word(action: Action) -> str:
    return {Action.ASK: "question", Action.ANSWER: "answer"}.get(action, "reason")
