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
form, and everything else. The claiming, leases and "acks first" are the shared
:class:`handlers.inbox_worker.InboxWorker`'s.
"""

from __future__ import annotations

import hashlib
import json
import logging
import re
from datetime import timedelta
from typing import Any

import aiohttp
from slack_bolt.async_app import AsyncApp
from slack_bolt.request.async_request import AsyncBoltRequest
from slack_sdk.webhook.async_client import AsyncWebhookClient

from bot.reply import RUN_PREFIX
from handlers.inbox_worker import AT_ONCE, LEASE, InboxWorker
from storage.inbox import Claimed, SqlInbox

log = logging.getLogger("handoff.slack")

SOURCE = "slack"
_DEFERRED_ACTIONS = re.compile(
    r"^(handoff\.(ack|start|done|reopen|snooze_1d|snooze_3d|draft)|draft\.(use|regenerate|discard)|"
    + re.escape(RUN_PREFIX) + r".*)$")
_DEFERRED_EVENTS = frozenset({"app_mention", "message"})
# Kept from the original request for bolt: how to parse the body, and whether it is Slack's retry.
_KEPT_HEADERS = ("content-type", "x-slack-retry-num", "x-slack-retry-reason")
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


class SlackInbox(InboxWorker):
    """Records deferred Slack requests at the edge, and runs them through bolt in the background."""

    source = SOURCE

    def __init__(self, bolt: AsyncApp, store: SqlInbox, *, at_once: int = AT_ONCE, lease: timedelta = LEASE) -> None:
        super().__init__(store, at_once=at_once, lease=lease)
        self.bolt = bolt
        self.session: aiohttp.ClientSession | None = None  # the app's pooled session, once it is serving

    async def accept(self, workspace_id: str, key: str, raw: bytes, headers: dict[str, str]) -> None:
        """Record the request (a repeat of one already recorded is dropped) and wake the handler."""
        await self.record(workspace_id, key, raw.decode(), {h: headers[h] for h in _KEPT_HEADERS if h in headers})

    async def run(self, row: Claimed) -> None:
        """Run one recorded request through bolt as the clicker or the sender, and answer it."""
        request = AsyncBoltRequest(body=row.body, headers=row.headers)
        try:
            response = await self.bolt.async_dispatch(request)
        except Exception:
            await self._answer(request.body, 500, "")
            raise
        await self._answer(request.body, response.status, response.body)

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
            response = await AsyncWebhookClient(url, timeout=10, session=self.session).send_dict(message)
            if response.status_code != 200:
                log.warning("Slack refused the answer on response_url (%s: %s)", response.status_code, response.body)
        except (TimeoutError, aiohttp.ClientError) as exc:
            log.warning("could not answer on response_url: %s", type(exc).__name__)
