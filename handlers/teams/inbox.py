"""Answer first, work second, for Teams: messages recorded before the HTTP answer, run just after.

A Teams turn used to do all its work (transactions, the card reply, DMs queued) before
``/api/messages`` answered, so a burst of fifty waited on each other: p99 near 3 s. Teams
replies to a message are not carried by the HTTP answer anyway; they are posted to the
connector. So the edge authenticates the activity, records it in the inbox (``storage.inbox``)
and answers 201; :class:`TeamsInbox` then runs the same CloudAdapter turn with the verified
identity it stored. A process that dies after the answer loses nothing: the row is claimed
again when its lease runs out, and the command's commit marks it done in the same transaction.

Deferred: ``message`` activities (typed commands and card submits) and ``conversationUpdate``
(the welcome). Handled inline, because Teams reads their answer from the HTTP response:
every ``invoke`` (dialogs, ``Action.Execute``, search, file consent) and anything else.
"""

from __future__ import annotations

import hashlib
import json
import logging
from datetime import timedelta
from typing import Any

from botbuilder.integration.aiohttp import CloudAdapter, ConfigurationBotFrameworkAuthentication
from botbuilder.schema import Activity
from botframework.connector.auth import AuthenticateRequestResult, ClaimsIdentity

from handlers.inbox_worker import AT_ONCE, LEASE, InboxWorker
from handlers.teams.surface import TeamsBot, workspace_of
from storage.inbox import Claimed, SqlInbox

log = logging.getLogger("handoff.teams")

SOURCE = "teams"
DEFERRED = frozenset({"message", "conversationUpdate"})
_CLAIMS, _AUTHENTICATED, _AUDIENCE, _CALLER = "claims", "authenticated", "audience", "caller-id"


def inbox_key(activity: Activity) -> str | None:
    """The activity's inbox key if it is deferred, else ``None`` (handle it inline).

    A channel that sends an activity again sends the same id in the same conversation: one row."""
    if activity.type not in DEFERRED or not isinstance(activity.id, str) or not activity.id:
        return None
    digest = hashlib.sha256(f"{activity.conversation.id}\n{activity.id}".encode()).hexdigest()
    return f"activity:{digest}"


class TeamsInbox(InboxWorker):
    """Records deferred Teams activities with their verified identity, and runs them as turns."""

    source = SOURCE

    def __init__(self, adapter: CloudAdapter, auth: ConfigurationBotFrameworkAuthentication, bot: TeamsBot,
                 store: SqlInbox, *, at_once: int = AT_ONCE, lease: timedelta = LEASE) -> None:
        super().__init__(store, at_once=at_once, lease=lease)
        self.adapter = adapter
        self.auth = auth
        self.bot = bot

    async def accept(self, key: str, body: dict[str, Any], activity: Activity, verified: AuthenticateRequestResult) -> None:
        """Record the activity and who Bot Framework said sent it (a repeat is dropped)."""
        identity = verified.claims_identity
        headers = {_CLAIMS: json.dumps(identity.claims, default=str), _AUTHENTICATED: "1" if identity.is_authenticated else "",
                   _AUDIENCE: verified.audience or "", _CALLER: verified.caller_id or ""}
        await self.record(workspace_of(activity), key, json.dumps(body), headers)

    async def run(self, row: Claimed) -> None:
        """The turn, exactly as the HTTP route would have run it, with the identity checked then."""
        activity = Activity().deserialize(json.loads(row.body))
        identity = ClaimsIdentity(json.loads(row.headers.get(_CLAIMS) or "{}"), bool(row.headers.get(_AUTHENTICATED)))
        verified = AuthenticateRequestResult()
        verified.claims_identity = identity
        verified.audience = row.headers.get(_AUDIENCE) or None
        verified.caller_id = row.headers.get(_CALLER) or None
        verified.connector_factory = self.auth.create_connector_factory(identity)
        await self.adapter.process_activity(verified, activity, self.bot.on_turn)
