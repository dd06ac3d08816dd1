from __future__ import annotations

from datetime import UTC, datetime

import pytest

from bot.domain import Action, Handoff, Kind, Person, Role, Status
from bot.errors import IllegalTransition, InvalidInput, NotAllowed
from bot.handoffs.lifecycle import ALLOWED, check_party, check_reassign, target_status

NOW = datetime(2026, 11, 23, tzinfo=UTC)
REQUESTER = Person(1, "w", "U1", "dana", Role.PM)
OWNER = Person(2, "w", "U2", "lee", Role.PMM)
BYSTANDER = Person(3, "w", "U3", "sam", Role.PMM)
LEAD = Person(4, "w", "U4", "alex", Role.LEAD)


def handoff(status: Status) -> Handoff:
    return Handoff(1, "w", 7, Kind.REQUIREMENT, "t", "", 1, 2, None, None, None, status, None, 1, NOW, NOW)


@pytest.mark.parametrize(
    ("start", "action", "end"),
    [
        (Status.OPEN, Action.ACK, Status.ACKNOWLEDGED),
        (Status.ACKNOWLEDGED, Action.START, Status.IN_PROGRESS),
        (Status.IN_PROGRESS, Action.DONE, Status.DONE),
        (Status.OPEN, Action.ASK, Status.NEEDS_INFO),
        (Status.NEEDS_INFO, Action.ANSWER, Status.OPEN),
        (Status.OPEN, Action.DECLINE, Status.DECLINED),
        (Status.IN_PROGRESS, Action.BLOCK, Status.BLOCKED),
        (Status.BLOCKED, Action.START, Status.IN_PROGRESS),
        (Status.DECLINED, Action.REOPEN, Status.OPEN),
        (Status.OPEN, Action.CANCEL, Status.CANCELLED),
    ],
)
def test_legal_moves(start: Status, action: Action, end: Status) -> None:
    assert target_status(handoff(start), action, "because") == end


def test_every_state_has_a_way_out_and_every_illegal_move_names_the_allowed_ones() -> None:
    for status in Status:
        assert ALLOWED[status], status
        for action in set(Action) - set(ALLOWED[status]):
            with pytest.raises(IllegalTransition) as err:
                target_status(handoff(status), action, "x")
            message = str(err.value)
            assert "#7" in message and all(a.value in message for a in ALLOWED[status])


@pytest.mark.parametrize("action", [Action.DECLINE, Action.BLOCK, Action.ASK])
def test_reasons_are_required(action: Action) -> None:
    with pytest.raises(InvalidInput, match=r"^Say why"):
        target_status(handoff(Status.OPEN), action, "  ")


def test_owner_moves_belong_to_the_owner_or_a_lead() -> None:
    h = handoff(Status.OPEN)
    check_party(h, OWNER, Action.ACK, OWNER, REQUESTER)
    check_party(h, LEAD, Action.DONE, OWNER, REQUESTER)
    with pytest.raises(NotAllowed, match="Only lee"):
        check_party(h, BYSTANDER, Action.ACK, OWNER, REQUESTER)
    with pytest.raises(NotAllowed):
        check_party(h, REQUESTER, Action.DONE, OWNER, REQUESTER)


def test_only_the_requester_cancels() -> None:
    h = handoff(Status.OPEN)
    check_party(h, REQUESTER, Action.CANCEL, OWNER, REQUESTER)
    for other in (OWNER, LEAD, BYSTANDER):
        with pytest.raises(NotAllowed, match="Only dana"):
            check_party(h, other, Action.CANCEL, OWNER, REQUESTER)


def test_reassign_rules() -> None:
    check_reassign(handoff(Status.IN_PROGRESS), REQUESTER)
    check_reassign(handoff(Status.DECLINED), LEAD)
    with pytest.raises(NotAllowed):
        check_reassign(handoff(Status.OPEN), BYSTANDER)
    with pytest.raises(IllegalTransition):
        check_reassign(handoff(Status.DONE), REQUESTER)
