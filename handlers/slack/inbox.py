"""Ack first, work second: Slack requests recorded at the edge and run through bolt just after.

The edge (``handlers.slack.app.events``) checks the signature, records a deferrable request in
the inbox (``storage.inbox``) and answers 200 at once; :class:`SlackInbox` then feeds the stored
body to the same bolt app and listeners as before. What a listener puts in its ack (a slash
command's ephemeral answer) goes to the request's ``response_url``, where Slack shows it the
same way. So a burst of fifty commands is acknowledged in about the time bolt takes to ack
fifty requests, and nothing a listener does can make Slack show "failed with the error
operation_timeout".

Deferred: slash commands with text, buttons that change something and need no modal, and the
messages people write to the bot (``app_mention``, DMs). Handled inline, because Slack reads
their answer from the ack or because they open a modal with a ``trigger_id`` that expires in
3 s: modal submissions, menus' options, shortcuts, ``/handoff`` alone, buttons that open a
form, and everything else.

Acks come first: a claimed row waits (at most ``QUIET_WAIT``, counted from when it arrived)
while any Slack request is being acknowledged, so the work of a burst runs after its acks.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import json
import logging
import re
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import aiohttp
from slack_bolt.async_app import AsyncApp
from slack_bolt.request.async_request import AsyncBoltRequest
from slack_sdk.webhook.async_client import AsyncWebhookClient

from bot.log_context import REQUEST_ID, bind_workspace
from bot.reply import RUN_PREFIX
from storage.inbox import CLAIM, Claim, Claimed, NewRequest, SqlInbox

log = logging.getLogger("handoff.slack")

SOURCE = "slack"
AT_ONCE = 4  # rows handled together: enough to overlap Slack and database waits
LEASE = timedelta(seconds=120)  # longer than any command takes; a dead process's rows are retaken after it
POLL_SECONDS = 5.0  # rows another process recorded, or left behind when it died
QUIET_WAIT = 0.5  # seconds a row may wait for the acks in flight
QUIET_GRACE = 0.002  # and how long no ack must have been open: the ack's bytes leave before the work starts
PURGE_AFTER = timedelta(days=1)
DRAIN_SECONDS = 10.0
_DEFERRED_ACTIONS = re.compile(
    r"^(handoff\.(ack|start|done|reopen|snooze_1d|snooze_3d|draft)|draft\.(use|regenerate|discard)|"
    + re.escape(RUN_PREFIX) + r".*)$")
_DEFERRED_EVENTS = frozenset({"app_mention", "message"})
# Kept from the original request for bolt: how to parse the body, and whether it is Slack's retry.
_KEPT_HEADERS = ("content-type", "x-slack-retry-num", "x-slack-retry-reason")
REQUEST_HEADER = "x-request-id"
APOLOGY = "Sorry, something went wrong on my side; please try again."


def inbox_key(body: dict[str, Any], raw: bytes) -> str | None:
    """The request's inbox key if it is deferred, else ``None`` (handle it inline).

    An event is its ``event_id``, so Slack's redeliveries are one row; anything else is the
    hash of its signed body, so a replay inside the signature's five minutes is one row too."""
    if b"\x00" in raw:
        return None  # Slack never sends a NUL byte; PostgreSQL cannot store one: the inline path copes
    if body.get("type") == "event_callback":
        event_id = body.get("event_id")
        event = body.get("event") or {}
        if event.get("type") in _DEFERRED_EVENTS and isinstance(event_id, str) and 0 < len(event_id) <= 128:
            return f"event:{event_id}"
        return None
    if body.get("command") and (body.get("text") or "").strip().lower() not in ("", "new"):
        return f"command:{hashlib.sha256(raw).hexdigest()}"
    if body.get("type") == "block_actions":
        actions = body.get("actions") or []
        if len(actions) == 1 and _DEFERRED_ACTIONS.match(str(actions[0].get("action_id") or "")):
            return f"action:{hashlib.sha256(raw).hexdigest()}"
    return None


def workspace_of_body(body: dict[str, Any]) -> str | None:
    team = body.get("team_id") or (body.get("team") or {}).get("id")
    return f"slack:{team}" if isinstance(team, str) and team else None


class SlackInbox:
    """Records deferred requests at the edge, and runs them through bolt in the background."""

    def __init__(self, bolt: AsyncApp, store: SqlInbox, *, at_once: int = AT_ONCE) -> None:
        self.bolt = bolt
        self.store = store
        self.at_once = at_once
        self._in_flight = 0  # Slack requests being acknowledged right now
        self._quiet = asyncio.Event()
        self._quiet.set()
        self._wake = asyncio.Event()
        self._recorded = 0  # requests this process recorded ...
        self._settled = 0  # ... all of which, up to this count, were handled (a later claim found none left)
        self._progress = asyncio.Condition()
        self._stopping = False
        self._runner: asyncio.Task[None] | None = None
        self._token = uuid.uuid4().hex
        self._last_purge = datetime.min.replace(tzinfo=UTC)

    # --- the edge ---------------------------------------------------------------------------

    @contextlib.contextmanager
    def acknowledging(self) -> Iterator[None]:
        """Around every Slack request the edge answers: while any is open, handling waits."""
        self._in_flight += 1
        self._quiet.clear()
        try:
            yield
        finally:
            self._in_flight -= 1
            if not self._in_flight:
                self._quiet.set()

    async def accept(self, workspace_id: str, key: str, raw: bytes, headers: dict[str, str]) -> None:
        """Record the request (a repeat of one already recorded is dropped) and wake the handler."""
        kept = {h: headers[h] for h in _KEPT_HEADERS if h in headers}
        if request_id := REQUEST_ID.get():
            kept[REQUEST_HEADER] = request_id  # the handler's log lines carry the request's id
        if not await self.store.record(NewRequest(workspace_id, key, SOURCE, raw.decode(), kept)):
            log.info("a repeated Slack request (%s) was dropped", key.partition(":")[0])
        self._recorded += 1
        self._wake.set()

    # --- the handler ------------------------------------------------------------------------

    def start(self) -> None:
        self._stopping = False
        if self._runner is None or self._runner.done():
            self._runner = asyncio.ensure_future(self._run())

    async def stop(self) -> None:
        """Finish the rows being handled and stop; rows not claimed yet wait for the next start."""
        self._stopping = True
        self._wake.set()
        if self._runner is not None:
            with contextlib.suppress(asyncio.CancelledError):
                await self._runner

    async def drain(self) -> None:
        """Wait until every request this process recorded so far has been handled (tests, shutdown).

        Gives up after ``DRAIN_SECONDS`` (the database may be away): the rows wait in the inbox."""
        target = self._recorded
        if self._settled >= target or self._runner is None or self._runner.done():
            return
        self._wake.set()
        try:
            async with asyncio.timeout(DRAIN_SECONDS), self._progress:
                await self._progress.wait_for(lambda: self._settled >= target or self._runner is None or self._runner.done())
        except TimeoutError:
            log.warning("requests recorded in the inbox are still waiting after %.0f s", DRAIN_SECONDS)

    async def _run(self) -> None:
        while not self._stopping:
            recorded = self._recorded  # an empty claim below means every one of these was handled
            self._wake.clear()
            now = datetime.now(UTC)
            try:
                rows = await self.store.claim(now, self.at_once, LEASE, self._token)
                if now - self._last_purge > timedelta(hours=1):
                    self._last_purge = now
                    await self.store.purge(now - PURGE_AFTER)
            except Exception as exc:  # the database is away: the rows wait, and so do we
                log.warning("could not read the inbox (%s); trying again in %.0f s", type(exc).__name__, POLL_SECONDS)
                rows = None
            if rows:
                await asyncio.gather(*(self._handle(row) for row in rows))
                continue
            if rows is not None:
                async with self._progress:
                    self._settled = recorded
                    self._progress.notify_all()
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(POLL_SECONDS):
                    await self._wake.wait()

    async def _handle(self, row: Claimed) -> None:
        """Run one recorded request through bolt as the clicker or the sender, answer it, mark it done."""
        await self._after_acks(row)
        claim = Claim(row, datetime.now(UTC))
        CLAIM.set(claim)  # this task's own context: gather() runs each row in a task of its own
        REQUEST_ID.set(row.headers.get(REQUEST_HEADER))
        bind_workspace(row.workspace_id)
        if row.attempts > 1:
            log.warning("inbox row %s: attempt %s (an earlier handler stopped part-way)", row.id, row.attempts)
        try:
            request = AsyncBoltRequest(body=row.body, headers=row.headers)
            response = await self.bolt.async_dispatch(request)
            claim.finished = True  # what it started (cards, DMs) commits on its own: the request is handled
            await self._answer(request.body, response.status, response.body)
        except Exception:
            claim.finished = True
            log.exception("a recorded Slack request failed (inbox row %s)", row.id)
        try:
            await self.store.finish(row, datetime.now(UTC))  # a no-op when the request's own commit did it
        except Exception as exc:
            log.warning("could not mark inbox row %s handled (%s): it runs again after its lease", row.id,
                        type(exc).__name__)

    async def _after_acks(self, row: Claimed) -> None:
        """Let the acks in flight go first: they are what Slack times; this row's answer can wait a moment."""
        waited = (datetime.now(UTC) - row.received_at).total_seconds()
        with contextlib.suppress(TimeoutError):
            async with asyncio.timeout(max(0.0, QUIET_WAIT - waited)):
                while True:
                    await self._quiet.wait()
                    await asyncio.sleep(QUIET_GRACE)
                    if self._quiet.is_set():
                        return

    async def _answer(self, body: dict[str, Any], status: int, ack_body: str) -> None:
        """Send what the listener acked with to the response_url; a slash command that failed gets an apology."""
        url = body.get("response_url")
        if not isinstance(url, str) or not url:
            return
        if status >= 500 and body.get("command"):
            message: dict[str, Any] = {"response_type": "ephemeral", "text": APOLOGY}
        elif status == 200 and ack_body:
            message = json.loads(ack_body)
        else:
            return
        try:
            response = await AsyncWebhookClient(url, timeout=10).send_dict(message)
            if response.status_code != 200:
                log.warning("Slack refused the answer on response_url (%s: %s)", response.status_code, response.body)
        except (TimeoutError, aiohttp.ClientError) as exc:
            log.warning("could not answer on response_url: %s", type(exc).__name__)
