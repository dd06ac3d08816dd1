"""When App Home tabs are republished: on opening, and once per burst of changes for people who look.

Slack sends ``app_home_opened`` every time a person opens the Home tab, and the tab is published
fresh then; so refreshing it after a change only matters for someone who has it open. A create
touches two people, and publishing each of their Homes costs a read of four sections and a
``views.publish``: done for everyone on every change, that was most of a command's work. Here:

* only people who opened their Home while this process ran are refreshed after a change (the
  others get an up-to-date tab the moment they open it);
* a burst of changes for one person publishes their Home once, when no change has come for
  ``quiet`` seconds (or every ``longest`` seconds while changes keep coming);
* waiting holds no delivery slot: only the publish itself takes one.
"""

from __future__ import annotations

import asyncio
from collections import OrderedDict
from collections.abc import Awaitable, Callable, Coroutine
from typing import Any

from slack_sdk.web.async_client import AsyncWebClient

from bot.context import Caller

QUIET = 0.5  # seconds without a change that end a burst
LONGEST = 5.0  # seconds a steady stream of changes may delay a refresh
VIEWERS_KEPT = 10_000  # people remembered as looking at their Home, most recent first

Key = tuple[str, str]  # (workspace id, Slack user id)
Publish = Callable[[AsyncWebClient, Caller, str], Awaitable[None]]


class HomeTabs:
    def __init__(self, publish: Publish, spawn: Callable[[Coroutine[Any, Any, None]], None], slots: asyncio.Semaphore) -> None:
        self.publish = publish
        self.spawn = spawn  # runs a coroutine in the background, holding no slot
        self.slots = slots  # the delivery slots the publish itself takes one of
        self.quiet = QUIET
        self.longest = LONGEST
        self._viewers: OrderedDict[Key, None] = OrderedDict()
        self._pending: dict[Key, float] = {}  # person -> when their latest unpublished change came

    def opened(self, workspace_id: str, user_id: str) -> None:
        """They opened their Home (and it is being published): refresh it after changes from now on."""
        key = (workspace_id, user_id)
        self._viewers[key] = None
        self._viewers.move_to_end(key)
        while len(self._viewers) > VIEWERS_KEPT:
            self._viewers.popitem(last=False)

    def looking(self, workspace_id: str, user_id: str) -> bool:
        return (workspace_id, user_id) in self._viewers

    def changed(self, client: AsyncWebClient, caller: Caller, user_id: str) -> None:
        """Something on ``user_id``'s Home changed: publish it once this burst is over."""
        key = (caller.workspace_id, user_id)
        if key not in self._viewers:
            return
        now = asyncio.get_running_loop().time()
        first = key not in self._pending
        self._pending[key] = now
        if first:
            self.spawn(self._after_burst(client, caller, user_id, key, now))

    async def _after_burst(self, client: AsyncWebClient, caller: Caller, user_id: str, key: Key, first: float) -> None:
        loop = asyncio.get_running_loop()
        while True:
            last = self._pending[key]
            wait = min(last + self.quiet, first + self.longest) - loop.time()
            if wait <= 0:
                break
            await asyncio.sleep(wait)
            if self._pending[key] == last or loop.time() >= first + self.longest:
                break
        del self._pending[key]  # a change from here on needs a publish of its own
        async with self.slots:
            await self.publish(client, caller, user_id)
