"""The outbox's way into Slack: post a delivery, and find out whether an earlier try got there.

Its client has no retry handlers on purpose. The outbox owns retries: it waits out 429's
Retry-After for that conversation, backs off with jitter on 5xx and timeouts, and before
repeating an attempt that may have landed, looks for the message by the delivery key that every
post carries in its message metadata. A retry inside slack_sdk would post twice instead.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from datetime import timedelta
from typing import Any

import aiohttp
from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from bot.delivery.outbox import DeliveryFailed
from bot.records import Delivery, Target
from bot.reply import Reply
from handlers.slack.render import fallback_text, render_dicts
from handlers.slack.surface import EVENT_TYPE, UNDELIVERABLE

log = logging.getLogger("handoff.slack.outbox")

CANNOT_LOOK = frozenset({"missing_scope", "not_in_channel", "channel_not_found", "not_allowed_token_type"})
LOOK_BACK = timedelta(minutes=2)  # before the row was written: clocks differ a little
DEFAULT_RETRY_AFTER = 30.0

TokenFor = Callable[[str], Awaitable[str | None]]


class SlackMessenger:
    def __init__(self, client: AsyncWebClient, token_for: TokenFor) -> None:
        self.client = client
        self.token_for = token_for

    async def send(self, delivery: Delivery, reply: Reply) -> str:
        token = await self._token(delivery)
        target = Target.parse(delivery.target)
        response = await self._call(self.client.chat_postMessage, token=token, channel=target.address,
                                    thread_ts=target.thread, text=fallback_text(reply), blocks=render_dicts(reply),
                                    unfurl_links=False, unfurl_media=False,
                                    metadata={"event_type": EVENT_TYPE, "event_payload": {"key": delivery.key}})
        return f"{response['channel']}:{response['ts']}"

    async def find_sent(self, delivery: Delivery) -> str | None:
        token = await self._token(delivery)
        target = Target.parse(delivery.target)
        oldest = f"{(delivery.created_at - LOOK_BACK).timestamp():.6f}"
        try:
            channel = target.address
            if target.kind == "dm":
                opened = await self._call(self.client.conversations_open, token=token, users=target.address)
                channel = opened["channel"]["id"]
            if target.thread:
                page = await self._call(self.client.conversations_replies, token=token, channel=channel, ts=target.thread,
                                        oldest=oldest, include_all_metadata=True, limit=200)
            else:
                page = await self._call(self.client.conversations_history, token=token, channel=channel, oldest=oldest,
                                        include_all_metadata=True, limit=200)
        except DeliveryFailed as exc:
            if exc.permanent:
                # We cannot look (a scope or the channel is missing): send, and let the send say why.
                log.warning("could not check %s for an earlier post: %s", delivery.key, exc.reason)
                return None
            raise
        for message in page.get("messages") or []:
            meta = message.get("metadata") or {}
            if meta.get("event_type") == EVENT_TYPE and (meta.get("event_payload") or {}).get("key") == delivery.key:
                return f"{channel}:{message['ts']}"
        return None

    async def _token(self, delivery: Delivery) -> str:
        token = await self.token_for(delivery.workspace_id)
        if not token:
            raise DeliveryFailed("not_installed", permanent=True)
        return token

    @staticmethod
    async def _call(fn: Callable[..., Awaitable[Any]], **kwargs: Any) -> Any:
        try:
            return await fn(**kwargs)
        except SlackApiError as exc:
            raise _failure(exc) from None
        except (TimeoutError, aiohttp.ClientError) as exc:
            raise DeliveryFailed(f"no answer from Slack ({type(exc).__name__})", uncertain=True) from None


def _failure(exc: SlackApiError) -> DeliveryFailed:
    status = exc.response.status_code
    error = str(exc.response.get("error") or f"http_{status}")
    if status == 429:
        try:
            wait = float(exc.response.headers.get("Retry-After", DEFAULT_RETRY_AFTER))
        except (TypeError, ValueError):
            wait = DEFAULT_RETRY_AFTER
        return DeliveryFailed("ratelimited", retry_after=wait)
    if status >= 500:
        return DeliveryFailed(error, uncertain=True)  # Slack may have posted it before failing
    if error in UNDELIVERABLE:
        return DeliveryFailed(error, permanent=True)
    return DeliveryFailed(error)

