"""The handoff state machine: which move is legal from which state, and who may make it.

    open ──ack──> acknowledged ──start──> in_progress ──done──> done
      │  ╲            │                      │
      │   ask ──> needs_info ──answer──> open
      ├─decline(reason)──> declined ──reopen──> open
      ├─block(reason)──> blocked ──start──> in_progress
      └─cancel (requester)──> cancelled ──reopen──> open
"""

from __future__ import annotations

from enum import StrEnum

from bot.domain import Handoff, Person, Status
from bot.errors import IllegalTransition, InvalidInput, NotAllowed


class Action(StrEnum):
    ACK = "ack"
    START = "start"
    DONE = "done"
    ASK = "ask"
    ANSWER = "answer"
    DECLINE = "decline"
    BLOCK = "block"
    CANCEL = "cancel"
    REOPEN = "reopen"


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

# Statuses from which a handoff may be given to someone else.
REASSIGNABLE = frozenset(
    {_S.OPEN, _S.ACKNOWLEDGED, _S.IN_PROGRESS, _S.NEEDS_INFO, _S.BLOCKED, _S.DECLINED}
)


def allowed_actions(status: Status) -> tuple[Action, ...]:
    return ALLOWED[status]


def target_status(handoff: Handoff, action: Action, reason: str | None) -> Status:
    """The status ``action`` leads to, or an error naming the moves that are allowed."""
    if action not in ALLOWED[handoff.status]:
        allowed = ", ".join(a.value for a in ALLOWED[handoff.status])
        raise IllegalTransition(
            f"{handoff.ref} is {handoff.status.label}, so it can't be {_past(action)}; "
            f"from {handoff.status.label} you can: {allowed}."
        )
    if action in NEEDS_REASON and not (reason and reason.strip()):
        raise InvalidInput(f"Say why: `{action.value} {handoff.number} <{_reason_word(action)}>`.")
    return _TARGET[action]


def check_party(handoff: Handoff, actor: Person, action: Action, owner: Person | None, requester: Person) -> None:
    """Owner moves are the owner's (or a lead's); requester moves are the requester's."""
    if action in OWNER_ACTIONS:
        if actor.id == handoff.owner_id or actor.can_lead:
            return
        who = owner.display_name if owner else "its owner"
        raise NotAllowed(f"Only {who} (the owner) or a lead can {_verb(action)} {handoff.ref}.")
    if action is Action.CANCEL:
        if actor.id == handoff.requester_id:
            return
        raise NotAllowed(f"Only {requester.display_name}, who asked for {handoff.ref}, can cancel it.")
    if actor.id == handoff.requester_id or actor.can_lead:
        return
    raise NotAllowed(f"Only {requester.display_name} (who asked) or a lead can {_verb(action)} {handoff.ref}.")


def check_reassign(handoff: Handoff, actor: Person) -> None:
    if handoff.status not in REASSIGNABLE:
        raise IllegalTransition(
            f"{handoff.ref} is {handoff.status.label}; reopen it before giving it to someone else."
        )
    if actor.id in (handoff.owner_id, handoff.requester_id) or actor.can_lead:
        return
    raise NotAllowed(f"Only the owner, the requester or a lead can reassign {handoff.ref}.")


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


def _verb(action: Action) -> str:
    return {Action.ACK: "acknowledge", Action.DONE: "mark done", Action.ASK: "ask for info on"}.get(action, action.value)


def _reason_word(action: Action) -> str:
    return {Action.ASK: "question", Action.ANSWER: "answer"}.get(action, "reason")
