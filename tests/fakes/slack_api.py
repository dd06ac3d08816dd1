"""A fake Slack Web API: a real aiohttp server on 127.0.0.1 that records every call.

Point slack_sdk at it with ``base_url=fake.base_url``. Replies are shaped like Slack's, enough
for slack_sdk and slack_bolt; failures can be queued per method (an HTTP status such as 429
with Retry-After, or an ``{"ok": false, "error": …}`` body).
"""

from __future__ import annotations

import asyncio
import itertools
import json
import random
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from types import TracebackType
from typing import Any
from urllib.parse import parse_qsl

from aiohttp import web

from tests.fakes.loopback import serve


@dataclass
class Call:
    method: str
    params: dict[str, Any]
    headers: dict[str, str]
    token: str | None = None
    response_key: str | None = None  # which response_url was posted to
    at: float = field(default_factory=time.perf_counter)  # when it arrived: benchmarks time answers with it
    peer: Any = None  # the caller's (host, port): calls on one kept-alive connection share it


@dataclass
class Upload:
    """A file uploaded the v2 way: a URL asked for, the bytes POSTed there, then shared (or not)."""

    file_id: str
    filename: str
    length: int
    data: bytes | None = None
    title: str | None = None
    channel: str | None = None  # set by files.completeUploadExternal


@dataclass
class _Failure:
    status: int = 200
    error: str | None = None
    headers: dict[str, str] = field(default_factory=dict)


class FakeSlackApi:
    def __init__(self) -> None:
        self.calls: list[Call] = []
        self.users: dict[str, dict[str, Any]] = {}
        self.oauth_codes: dict[str, dict[str, Any]] = {}
        self.private_channels: set[str] = set()  # conversations.info says is_private for these
        self.uploads: dict[str, Upload] = {}  # file id -> what files.getUploadURLExternal handed out
        self._responses: list[tuple[str, dict[str, Any]]] = []
        self._failures: dict[str, list[_Failure]] = {}
        self._ids = itertools.count(1)
        self._runner: web.AppRunner | None = None
        self.socket: web.WebSocketResponse | None = None  # the Socket Mode connection, once opened
        self.socket_replies: asyncio.Queue[dict[str, Any]] = asyncio.Queue()
        self.socket_opened = asyncio.Event()
        self.port = 0
        # Posted messages per channel, with their metadata: conversations.history/replies read them.
        self.messages: dict[str, list[dict[str, Any]]] = {}
        # Random faults on chat.postMessage: (share answered 429, share answered 500). Half of the
        # 500s come *after* the message was stored, as when Slack fails on the way back.
        self.fault_rates: tuple[float, float] = (0.0, 0.0)
        self.retry_after = "1"
        self.delay = 0.0  # seconds each chat.postMessage takes
        self.rng = random.Random(7)
        self.faults = {"429": 0, "500": 0, "500_after_post": 0}
        self.clock: Callable[[], float] = time.time  # tests on a fake clock set this to match it
        self._last_ts = 0.0

    # --- lifecycle ---------------------------------------------------------------------------

    async def start(self) -> FakeSlackApi:
        app = web.Application()
        app.router.add_post("/api/{method}", self._handle)
        app.router.add_get("/api/{method}", self._handle)
        app.router.add_post("/response/{key}", self._response_url)
        app.router.add_post("/upload/{file_id}", self._upload)
        app.router.add_get("/socket", self._socket)
        self._runner, self.port = await serve(app)
        return self

    async def stop(self) -> None:
        if self._runner:
            await self._runner.cleanup()

    async def __aenter__(self) -> FakeSlackApi:
        return await self.start()

    async def __aexit__(self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None) -> None:
        await self.stop()

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/api/"

    def response_url(self, key: str) -> str:
        return f"http://127.0.0.1:{self.port}/response/{key}"

    # --- scripting -----------------------------------------------------------------------------

    def add_user(self, user_id: str, *, name: str, real_name: str = "", tz: str = "UTC", is_admin: bool = False,
                 team_id: str = "T1") -> None:
        self.users[user_id] = {
            "id": user_id, "team_id": team_id, "name": name, "real_name": real_name or name, "tz": tz,
            "is_admin": is_admin, "is_owner": False, "deleted": False,
            "profile": {"display_name": real_name or name, "real_name": real_name or name},
        }

    def add_oauth_code(self, code: str, *, team_id: str, team_name: str, bot_token: str, bot_user_id: str,
                       enterprise_id: str | None = None) -> None:
        self.oauth_codes[code] = {"team_id": team_id, "team_name": team_name, "bot_token": bot_token,
                                  "bot_user_id": bot_user_id, "enterprise_id": enterprise_id}

    def fail_next(self, method: str, *, status: int = 200, error: str | None = None, headers: dict[str, str] | None = None) -> None:
        self._failures.setdefault(method, []).append(_Failure(status, error, headers or {}))

    def calls_to(self, method: str) -> list[Call]:
        return [c for c in self.calls if c.method == method]

    def responses(self, method: str) -> list[dict[str, Any]]:
        """The successful bodies this fake returned for ``method``, in order."""
        return [body for m, body in self._responses if m == method]

    # --- serving -------------------------------------------------------------------------------

    async def _params(self, request: web.Request) -> dict[str, Any]:
        params: dict[str, Any] = dict(request.query)
        raw = await request.text()
        if raw:
            if request.content_type == "application/json":
                params.update(json.loads(raw))
            else:
                params.update(dict(parse_qsl(raw, keep_blank_values=True)))
        for key in ("view", "blocks"):  # form-encoded JSON fields
            if isinstance(params.get(key), str) and params[key][:1] in "[{":
                params[key] = json.loads(params[key])
        return params

    async def _handle(self, request: web.Request) -> web.Response:
        method = request.match_info["method"]
        params = await self._params(request)
        auth = request.headers.get("Authorization", "")
        token = auth.removeprefix("Bearer ") if auth.startswith("Bearer ") else params.get("token")
        self.calls.append(Call(method, params, dict(request.headers), token, peer=_peer(request)))
        if method == "chat.postMessage":
            if self.delay:
                await asyncio.sleep(self.delay)
            if fault := self._random_fault(params):
                return fault
        queued = self._failures.get(method)
        if queued:
            failure = queued.pop(0)
            if failure.status != 200:
                return web.json_response({"ok": False, "error": "ratelimited" if failure.status == 429 else "fatal_error"},
                                         status=failure.status, headers=failure.headers)
            return web.json_response({"ok": False, "error": failure.error})
        body = self._reply(method, params, token)
        if body.get("ok"):
            self._responses.append((method, body))
        return web.json_response(body)

    def _random_fault(self, params: dict[str, Any]) -> web.Response | None:
        p429, p500 = self.fault_rates
        roll = self.rng.random()
        if roll < p429:
            self.faults["429"] += 1
            return web.json_response({"ok": False, "error": "ratelimited"}, status=429,
                                     headers={"Retry-After": self.retry_after})
        if roll < p429 + p500:
            if self.rng.random() < 0.5:
                self.faults["500_after_post"] += 1
                self._reply("chat.postMessage", params, None)  # stored, but the answer is lost
            else:
                self.faults["500"] += 1
            return web.json_response({"ok": False, "error": "fatal_error"}, status=500)
        return None

    def posted_keys(self) -> list[str]:
        """The outbox keys of every message stored, duplicates included."""
        return [m["metadata"]["event_payload"]["key"] for msgs in self.messages.values() for m in msgs
                if (m.get("metadata") or {}).get("event_type") == "handoff_delivery"]

    async def _socket(self, request: web.Request) -> web.WebSocketResponse:
        """Socket Mode: say hello, then collect the envelopes' acks the app sends back."""
        ws = web.WebSocketResponse()
        await ws.prepare(request)
        self.socket = ws
        self.socket_opened.set()
        await ws.send_json({"type": "hello", "num_connections": 1, "connection_info": {"app_id": "A1"}})
        async for message in ws:
            if message.type == web.WSMsgType.TEXT:
                await self.socket_replies.put(json.loads(message.data))
        return ws

    async def send_envelope(self, envelope_type: str, payload: dict[str, Any]) -> dict[str, Any]:
        """Deliver one Socket Mode envelope and return the app's ack (with its response payload)."""
        assert self.socket is not None, "the app has not opened its Socket Mode connection"
        envelope_id = f"env-{next(self._ids)}"
        await self.socket.send_json({"envelope_id": envelope_id, "type": envelope_type, "payload": payload,
                                     "accepts_response_payload": True, "retry_attempt": 0, "retry_reason": ""})
        async with asyncio.timeout(10):
            while True:
                reply = await self.socket_replies.get()
                if reply.get("envelope_id") == envelope_id:
                    return reply

    def shared(self) -> list[Upload]:
        """Files that files.completeUploadExternal shared in a channel, in upload order."""
        return [u for u in self.uploads.values() if u.channel]

    async def _upload(self, request: web.Request) -> web.Response:
        """The upload URL files.getUploadURLExternal returned: it takes the raw bytes, as Slack's does."""
        upload = self.uploads.get(request.match_info["file_id"])
        if upload is None:
            return web.Response(status=404, text="unknown upload")
        upload.data = await request.read()
        return web.Response(text=f"OK - {len(upload.data)}")

    async def _response_url(self, request: web.Request) -> web.Response:
        self.calls.append(Call("response_url", await self._params(request), dict(request.headers),
                               response_key=request.match_info["key"], peer=_peer(request)))
        return web.json_response({"ok": True})

    def answers_at(self, key: str) -> list[float]:
        """When each answer to ``response_url(key)`` arrived (``time.perf_counter()``)."""
        return [call.at for call in self.calls if call.method == "response_url" and call.response_key == key]

    def answers(self, key: str) -> list[dict[str, Any]]:
        """What was posted to ``response_url(key)``, in order."""
        return [call.params for call in self.calls if call.method == "response_url" and call.response_key == key]

    def _next_ts(self) -> str:
        """Slack's ts: the posting time in epoch seconds, unique per message."""
        self._last_ts = max(self.clock(), self._last_ts + 0.000001)
        return f"{self._last_ts:.6f}"

    def _complete_upload(self, params: dict[str, Any]) -> dict[str, Any]:
        files = json.loads(params.get("files") or "[]")
        found = [self.uploads.get(f.get("id", "")) for f in files]
        if not files or any(u is None or u.data is None or len(u.data) != u.length for u in found):
            return {"ok": False, "error": "invalid_arguments"}
        shared = []
        for upload, f in zip(found, files, strict=True):
            assert upload is not None
            upload.title, upload.channel = f.get("title"), params.get("channel_id") or params.get("channels")
            shared.append({"id": upload.file_id, "name": upload.filename, "title": upload.title, "size": upload.length})
        return {"ok": True, "files": shared}

    def _reply(self, method: str, params: dict[str, Any], token: str | None) -> dict[str, Any]:
        if method == "auth.test":
            team = next((c["team_id"] for c in self.oauth_codes.values() if c["bot_token"] == token), "T1")
            return {"ok": True, "url": "https://example.slack.com/", "team": "Team", "user": "handoff", "team_id": team,
                    "user_id": "UBOT", "bot_id": "B1", "is_enterprise_install": False}
        if method == "chat.postMessage":
            channel = str(params.get("channel", ""))
            channel = "D" + channel[1:] if channel.startswith("U") else channel
            ts = self._next_ts()
            metadata = params.get("metadata")
            if isinstance(metadata, str):
                metadata = json.loads(metadata)
            self.messages.setdefault(channel, []).append(
                {"ts": ts, "text": params.get("text"), "thread_ts": params.get("thread_ts"), "metadata": metadata})
            return {"ok": True, "channel": channel, "ts": ts, "message": {"text": params.get("text"), "ts": ts}}
        if method in ("conversations.history", "conversations.replies"):
            channel = str(params.get("channel", ""))
            found = self.messages.get(channel, [])
            if method == "conversations.replies":
                found = [m for m in found if m.get("thread_ts") == params.get("ts")]
            else:
                found = [m for m in found if not m.get("thread_ts")]
            oldest = float(params.get("oldest") or 0)
            found = [m for m in found if float(m["ts"]) > oldest]
            return {"ok": True, "messages": list(reversed(found)), "has_more": False}
        if method == "chat.update":
            return {"ok": True, "channel": params.get("channel"), "ts": params.get("ts"), "text": params.get("text")}
        if method == "chat.postEphemeral":
            return {"ok": True, "message_ts": self._next_ts()}
        if method == "chat.getPermalink":
            channel, ts = params.get("channel", ""), str(params.get("message_ts", ""))
            return {"ok": True, "channel": channel, "permalink": f"https://example.slack.com/archives/{channel}/p{ts.replace('.', '')}"}
        if method == "conversations.open":
            return {"ok": True, "channel": {"id": "D" + str(params.get("users", "X"))[1:]}}
        if method in ("views.open", "views.update", "views.push", "views.publish"):
            n = next(self._ids)
            return {"ok": True, "view": {"id": f"V{n}", "hash": f"h{n}", **(params.get("view") or {})}}
        if method == "conversations.info":
            channel = str(params.get("channel", ""))
            return {"ok": True, "channel": {"id": channel, "is_private": channel in self.private_channels,
                                            "is_im": channel.startswith("D"), "is_mpim": False}}
        if method == "users.info":
            user = self.users.get(str(params.get("user")))
            return {"ok": True, "user": user} if user else {"ok": False, "error": "user_not_found"}
        if method == "oauth.v2.access":
            grant = self.oauth_codes.get(str(params.get("code")))
            if not grant:
                return {"ok": False, "error": "invalid_code"}
            enterprise = {"id": grant["enterprise_id"], "name": "Org"} if grant["enterprise_id"] else None
            return {"ok": True, "access_token": grant["bot_token"], "token_type": "bot", "scope": "commands,chat:write",
                    "bot_user_id": grant["bot_user_id"], "app_id": "A1",
                    "team": {"id": grant["team_id"], "name": grant["team_name"]}, "enterprise": enterprise,
                    "is_enterprise_install": False,
                    "authed_user": {"id": "UINSTALLER", "scope": "", "access_token": None, "token_type": None}}
        if method == "files.getUploadURLExternal":
            file_id = f"F{next(self._ids)}"
            self.uploads[file_id] = Upload(file_id, str(params.get("filename")), int(params.get("length") or 0))
            return {"ok": True, "file_id": file_id, "upload_url": f"http://127.0.0.1:{self.port}/upload/{file_id}"}
        if method == "files.completeUploadExternal":
            return self._complete_upload(params)
        if method == "apps.connections.open":
            return {"ok": True, "url": f"ws://127.0.0.1:{self.port}/socket"}
        return {"ok": True}


def _peer(request: web.Request) -> Any:
    return request.transport.get_extra_info("peername") if request.transport else None
