"""Requests shaped exactly like Slack's, signed like Slack signs them (v0 HMAC-SHA256)."""

from __future__ import annotations

import hashlib
import hmac
import json
import time
from typing import Any
from urllib.parse import urlencode

import aiohttp


def sign(body: str, secret: str, timestamp: int | None = None) -> dict[str, str]:
    ts = str(int(time.time()) if timestamp is None else timestamp)
    digest = hmac.new(secret.encode(), f"v0:{ts}:{body}".encode(), hashlib.sha256).hexdigest()
    return {"X-Slack-Request-Timestamp": ts, "X-Slack-Signature": f"v0={digest}"}


async def post(session: aiohttp.ClientSession, url: str, body: str, secret: str, *, content_type: str,
               timestamp: int | None = None, headers: dict[str, str] | None = None) -> aiohttp.ClientResponse:
    return await session.post(url, data=body.encode(), headers={
        **sign(body, secret, timestamp), "Content-Type": content_type, **(headers or {})})


def slash_command(text: str, *, team_id: str = "T1", user_id: str = "U1", user_name: str = "dana",
                  channel_id: str = "C1", command: str = "/handoff", response_url: str = "https://hooks.invalid/r",
                  trigger_id: str = "t1") -> str:
    return urlencode({
        "token": "legacy", "team_id": team_id, "team_domain": "example", "channel_id": channel_id,
        "channel_name": "general", "user_id": user_id, "user_name": user_name, "command": command, "text": text,
        "api_app_id": "A1", "is_enterprise_install": "false", "response_url": response_url, "trigger_id": trigger_id,
    })


def _payload(payload: dict[str, Any]) -> str:
    return urlencode({"payload": json.dumps(payload)})


def _user(team_id: str, user_id: str) -> dict[str, Any]:
    return {"id": user_id, "username": user_id.lower(), "name": user_id.lower(), "team_id": team_id}


def block_action(action_id: str, value: str, *, team_id: str = "T1", user_id: str = "U1", channel_id: str = "C1",
                 message_ts: str = "1.1", response_url: str = "https://hooks.invalid/b", trigger_id: str = "t1",
                 view: dict[str, Any] | None = None, container: dict[str, Any] | None = None) -> str:
    return _payload({
        "type": "block_actions", "user": _user(team_id, user_id), "team": {"id": team_id, "domain": "example"},
        "api_app_id": "A1", "token": "legacy", "trigger_id": trigger_id, "response_url": response_url,
        "container": container or {"type": "message", "message_ts": message_ts, "channel_id": channel_id, "is_ephemeral": False},
        "channel": {"id": channel_id, "name": "general"},
        "message": {"type": "message", "ts": message_ts, "text": "card", "blocks": []},
        **({"view": view} if view else {}),
        "actions": [{"action_id": action_id, "block_id": "b1", "value": value, "type": "button", "action_ts": str(time.time())}],
    })


def view_submission(callback_id: str, values: dict[str, Any], *, private_metadata: str = "", team_id: str = "T1",
                    user_id: str = "U1", view_id: str = "V1") -> str:
    return _payload({
        "type": "view_submission", "team": {"id": team_id, "domain": "example"}, "user": _user(team_id, user_id),
        "api_app_id": "A1", "token": "legacy", "trigger_id": "t1",
        "view": {"id": view_id, "type": "modal", "callback_id": callback_id, "private_metadata": private_metadata,
                 "team_id": team_id, "state": {"values": values}, "hash": "h1"},
    })


def message_shortcut(callback_id: str, *, message_text: str, message_ts: str, channel_id: str, team_id: str = "T1",
                     user_id: str = "U1", trigger_id: str = "t1") -> str:
    return _payload({
        "type": "message_action", "callback_id": callback_id, "trigger_id": trigger_id, "token": "legacy",
        "team": {"id": team_id, "domain": "example"}, "user": _user(team_id, user_id),
        "channel": {"id": channel_id, "name": "general"}, "message_ts": message_ts,
        "message": {"type": "message", "user": "U9", "text": message_text, "ts": message_ts},
        "response_url": "https://hooks.invalid/s", "api_app_id": "A1",
    })


def event_callback(event: dict[str, Any], *, team_id: str = "T1", event_id: str = "Ev1", api_app_id: str = "A1",
                   authorizations: list[dict[str, Any]] | None = None) -> str:
    return json.dumps({
        "token": "legacy", "team_id": team_id, "api_app_id": api_app_id, "event": event, "type": "event_callback",
        "event_id": event_id, "event_time": int(time.time()),
        "authorizations": authorizations or [{"team_id": team_id, "user_id": "UBOT", "is_bot": True, "enterprise_id": None}],
    })


def app_mention(text: str, *, user: str, channel: str, ts: str, thread_ts: str | None = None) -> dict[str, Any]:
    event = {"type": "app_mention", "user": user, "text": text, "ts": ts, "channel": channel, "event_ts": ts}
    return event | ({"thread_ts": thread_ts} if thread_ts else {})


def app_home_opened(user: str) -> dict[str, Any]:
    return {"type": "app_home_opened", "user": user, "channel": "D1", "tab": "home", "event_ts": str(time.time())}


def dm_message(text: str, *, user: str, channel: str = "D1", ts: str = "1.1") -> dict[str, Any]:
    return {"type": "message", "channel_type": "im", "user": user, "text": text, "ts": ts, "channel": channel, "event_ts": ts}


def url_verification(challenge: str) -> str:
    return json.dumps({"token": "legacy", "challenge": challenge, "type": "url_verification"})
