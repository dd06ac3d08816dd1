"""What a log line should say about where it came from: the request and the workspace.

Context variables follow the asyncio task that set them (and tasks started from it), so the
HTTP layer sets the request id, the core sets the workspace as soon as it knows the caller, and
every log record written further down carries both without being passed them. A logging filter
at the edge (``handlers/ops/logs.py``) copies them onto each record.
"""

from __future__ import annotations

from contextvars import ContextVar

REQUEST_ID: ContextVar[str | None] = ContextVar("handoff_request_id", default=None)
WORKSPACE: ContextVar[str | None] = ContextVar("handoff_workspace", default=None)


def bind_workspace(workspace_id: str) -> None:
    """The workspace of the work in hand, until the request (or task) ends."""
    WORKSPACE.set(workspace_id)
