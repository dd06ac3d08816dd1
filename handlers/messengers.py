"""Which messenger serves which workspace, and which workspaces the scheduled jobs should visit."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable

from bot.delivery.outbox import Messenger

log = logging.getLogger("handoff.jobs")

IsActive = Callable[[str], Awaitable[bool]]


async def _always(_: str) -> bool:
    return True


class Messengers:
    """Workspace ids carry their platform as a prefix (``slack:T1``, ``local``)."""

    def __init__(self) -> None:
        self._routes: list[tuple[str, Messenger, IsActive]] = []

    def register(self, prefix: str, messenger: Messenger, is_active: IsActive = _always) -> None:
        self._routes.append((prefix, messenger, is_active))

    def __call__(self, workspace_id: str) -> Messenger | None:
        route = self._route(workspace_id)
        return route[1] if route else None

    async def is_active(self, workspace_id: str) -> bool:
        """Installed and reachable: an uninstalled workspace gets no nudges or digests."""
        route = self._route(workspace_id)
        if route is None:
            return False
        try:
            return await route[2](workspace_id)
        except Exception:  # one workspace's broken installation must not stop the others' jobs
            log.exception("cannot tell whether workspace %s is installed; skipping it", workspace_id)
            return False

    def _route(self, workspace_id: str) -> tuple[str, Messenger, IsActive] | None:
        return next((r for r in self._routes if workspace_id == r[0] or workspace_id.startswith(r[0])), None)


class ActiveWorkspaces:
    """The workspaces a pass visits: those in the database that a messenger can still reach."""

    def __init__(self, list_ids: Callable[[], Awaitable[list[str]]], messengers: Messengers) -> None:
        self._list_ids = list_ids
        self._messengers = messengers

    async def workspace_ids(self) -> list[str]:
        return [w for w in await self._list_ids() if await self._messengers.is_active(w)]
