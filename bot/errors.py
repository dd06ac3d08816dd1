"""Errors a user can cause, each carrying the one sentence the user should read.

    HandoffError                 base: ``str(error)`` is safe to show in chat
    ├── NotFound                 a handoff, release, person or area that is not in this workspace
    ├── InvalidInput             a bad date, a missing reason, a name that is taken ...
    ├── NotAllowed               the caller lacks the right for this move
    ├── IllegalTransition        the state machine refuses the move (names the allowed ones)
    ├── ConcurrentChange         someone else changed the handoff first (compare-and-set lost)
    ├── Contention               two transactions waited on each other (a deadlock): run it again
    └── TemporarilyUnavailable   the database is unreachable; try again in a moment

Anything else that escapes a use case is a bug: handlers log it with an error id and answer with
a short apology, never a traceback.
"""

from __future__ import annotations


class HandoffError(Exception):
    """A problem the user can fix; the message is the reply.

    ``field`` names the input it concerns (``due``, ``release``, ``area``, ``owner``, ``title``,
    ``details``, ``reason``) so a form can show the message beside that input.
    """

    def __init__(self, message: str, field: str | None = None) -> None:
        super().__init__(message)
        self.field = field


class NotFound(HandoffError):
    pass


class InvalidInput(HandoffError):
    pass


class NotAllowed(HandoffError):
    pass


class IllegalTransition(HandoffError):
    pass


class ConcurrentChange(HandoffError):
    pass


class Contention(HandoffError):
    """The database broke a deadlock (or a serialisation conflict) by rolling this transaction back;
    nothing of it was written, so the core runs the command again."""


class TemporarilyUnavailable(HandoffError):
    pass
