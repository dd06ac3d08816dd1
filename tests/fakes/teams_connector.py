"""A fake Bot Connector service: a real aiohttp server on 127.0.0.1 that records what the bot sends.

Activities carry it as their ``serviceUrl``; botbuilder's connector client (``requests`` in a
thread) posts replies, updates and new conversations here. Failures can be queued per route.
"""

from __future__ import annotations

import asyncio
import itertools
import time
from dataclasses import dataclass, field
from types import TracebackType
from typing import Any

from aiohttp import web

from tests.fakes.loopback import serve


@dataclass
class Sent:
    method: str  # POST | PUT
    conversation: str
    activity: dict[str, Any]
    reply_to: str | None = None
    activity_id: str | None = None
    authorization: str | None = None
    at: float = field(default_factory=time.perf_counter)  # when it arrived: the bench times replies by it


@dataclass
class TeamsConnector:
    sent: list[Sent] = field(default_factory=list)
    typing: list[Sent] = field(default_factory=list)  # "typing…" indicators, kept apart from what was said
    created: list[dict[str, Any]] = field(default_factory=list)
    fail_statuses: list[int] = field(default_factory=list)  # the next sends answer these, in order
    create_fail_statuses: list[int] = field(default_factory=list)  # the next new conversations answer these
    # Files PUT to upload_url(): name -> (bytes, request headers); as OneDrive's upload session takes them.
    uploads: dict[str, tuple[bytes, dict[str, str]]] = field(default_factory=dict)
    upload_fail_statuses: list[int] = field(default_factory=list)
    # The tenant's people, as GET /v3/conversations/{id}/members/{memberId} answers for them (by
    # their AAD object id or their Teams user id); anyone else is 404, as Teams answers a stranger.
    members: dict[str, dict[str, Any]] = field(default_factory=dict)
    member_lookups: list[tuple[str, str]] = field(default_factory=list)  # (conversation, member id) asked for
    port: int = 0
    send_delay: float = 0.0  # seconds each message POST takes to answer: a slow Teams

    def __post_init__(self) -> None:
        self._ids = itertools.count(1)
        self._runner: web.AppRunner | None = None

    async def __aenter__(self) -> TeamsConnector:
        app = web.Application()
        app.router.add_post("/v3/conversations", self._create)
        app.router.add_post("/v3/conversations/{conversation}/activities", self._send)
        app.router.add_post("/v3/conversations/{conversation}/activities/{reply_to}", self._send)
        app.router.add_put("/v3/conversations/{conversation}/activities/{activity_id}", self._update)
        app.router.add_put("/upload/{name}", self._upload)
        app.router.add_get("/v3/conversations/{conversation}/members/{member}", self._member)
        self._runner, self.port = await serve(app)
        return self

    async def __aexit__(self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None) -> None:
        if self._runner:
            await self._runner.cleanup()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/"

    def add_member(self, user: str, name: str | None = None) -> dict[str, Any]:
        """Someone in the tenant, shaped like the harness's senders (``29:<user>``, ``aad-<user>``)."""
        account = {"id": f"29:{user}", "name": name or user.title(), "aadObjectId": f"aad-{user}",
                   "givenName": (name or user.title()).split()[0], "email": f"{user}@example.com",
                   "userPrincipalName": f"{user}@example.com", "tenantId": "tenant", "userRole": "user"}
        self.members[account["aadObjectId"]] = self.members[account["id"]] = account
        return account

    async def _member(self, request: web.Request) -> web.Response:
        self.member_lookups.append((request.match_info["conversation"], request.match_info["member"]))
        account = self.members.get(request.match_info["member"])
        if account is None:
            return web.json_response({"error": {"code": "MemberNotFoundInConversation",
                                                "message": "The member was not found."}}, status=404)
        return web.json_response(account)

    def upload_url(self, name: str) -> str:
        """Where a fileConsent/invoke in a test tells the bot to PUT the file."""
        return f"{self.url}upload/{name}"

    def attachments(self, content_type: str, conversation: str | None = None) -> list[dict[str, Any]]:
        """Attachments of one content type that the bot sent (file consent and file info cards)."""
        return [a for s in self.sent if conversation in (None, s.conversation)
                for a in s.activity.get("attachments") or [] if a.get("contentType") == content_type]

    async def _upload(self, request: web.Request) -> web.Response:
        if self.upload_fail_statuses:
            return web.json_response({"error": "scripted"}, status=self.upload_fail_statuses.pop(0))
        self.uploads[request.match_info["name"]] = (await request.read(), dict(request.headers))
        return web.json_response({"id": request.match_info["name"]}, status=201)

    def cards(self, conversation: str | None = None) -> list[dict[str, Any]]:
        """The Adaptive Cards sent (posted or updated), oldest first."""
        return [a["content"] for s in self.sent if conversation in (None, s.conversation)
                for a in s.activity.get("attachments") or [] if a.get("contentType") == "application/vnd.microsoft.card.adaptive"]

    async def _send(self, request: web.Request) -> web.Response:
        body = await request.json()
        if body.get("type") == "typing":
            self.typing.append(Sent("POST", request.match_info["conversation"], body))
            return web.json_response({})
        if self.send_delay:
            await asyncio.sleep(self.send_delay)
        if self.fail_statuses:
            return web.json_response({"error": {"code": "Fail", "message": "scripted"}}, status=self.fail_statuses.pop(0))
        activity_id = f"act-{next(self._ids)}"
        self.sent.append(Sent("POST", request.match_info["conversation"], body, request.match_info.get("reply_to"),
                              activity_id, request.headers.get("Authorization")))
        return web.json_response({"id": activity_id})

    async def _update(self, request: web.Request) -> web.Response:
        body = await request.json()
        self.sent.append(Sent("PUT", request.match_info["conversation"], body, None, request.match_info["activity_id"],
                              request.headers.get("Authorization")))
        return web.json_response({"id": request.match_info["activity_id"]})

    async def _create(self, request: web.Request) -> web.Response:
        """A 1:1 chat, or (with channelData.channel) a new post in a channel, as Teams answers them."""
        body = await request.json()
        if self.create_fail_statuses:
            return web.json_response({"error": {"code": "Fail", "message": "scripted"}},
                                     status=self.create_fail_statuses.pop(0))
        self.created.append(body)
        channel = ((body.get("channelData") or {}).get("channel") or {}).get("id")
        if channel:
            activity_id = f"act-{next(self._ids)}"
            self.sent.append(Sent("POST", channel, body.get("activity") or {}, None, activity_id,
                                  request.headers.get("Authorization")))
            return web.json_response({"id": f"{channel};messageid={activity_id}", "activityId": activity_id})
        return web.json_response({"id": f"a:chat-{next(self._ids)}", "serviceUrl": self.url})
