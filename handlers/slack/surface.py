"""The Slack surface: bolt listeners that parse at the edge, call the core, ack, then deliver.

Every listener follows one shape: build the Caller from the verified request, run the command
through the core (which commits), ack, and hand the Web API work — posting cards, thread lines
and DMs — to a tracked background task. So Slack is told "accepted" only once the change is in
the database, the ack never waits on Slack's own API, and a failed post never loses a handoff.
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import logging
import re
import time
import uuid
from collections.abc import Awaitable, Callable, Coroutine
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import aiohttp
from slack_sdk.errors import SlackApiError, SlackClientError
from slack_sdk.web.async_client import AsyncWebClient

from bot import commands as c
from bot.chat import home
from bot.chat.core import Core, Outcome
from bot.context import Caller
from bot.domain import Action, HandoffView, Release
from bot.drafting.prompt import progress_line
from bot.handoffs import presenters
from bot.ports import NewPerson
from bot.records import DeliveryKind, NewDelivery, Target
from bot.reply import Context, OutFile, Paragraph, Reply, Strong
from handlers.slack import views
from handlers.slack.home_tab import HomeTabs
from handlers.slack.render import fallback_text, render_dicts

if TYPE_CHECKING:
    from handlers.slack.inbox import SlackInbox

log = logging.getLogger("handoff.slack")

# Errors a retry cannot fix: report them once, never retry.
PERMANENT_ERRORS = frozenset(
    {"invalid_auth", "token_revoked", "account_inactive", "channel_not_found", "not_in_channel", "is_archived",
     "msg_too_long", "restricted_action", "cant_update_message", "message_not_found"}
)
UNDELIVERABLE = PERMANENT_ERRORS | {"user_not_found", "cannot_dm_bot", "user_disabled", "team_access_not_granted",
                                    "missing_scope", "not_authed", "no_permission", "invalid_blocks", "invalid_arguments"}
EVENT_TYPE = "handoff_delivery"  # message metadata naming the outbox key a post was made for
DRAIN_SECONDS = 10.0
BACKGROUND_AT_ONCE = 4
_BOT_MENTION = re.compile(r"^\s*<@(?P<id>[A-Z0-9]+)(?:\|[^>]*)?>[\s,:]*")


def without_bot_mention(text: str, bot_user_id: str | None) -> str:
    """``<@UBOT> <@U2> question: …`` -> ``<@U2> question: …``: only the bot's own mention goes."""
    m = _BOT_MENTION.match(text)
    if m and (bot_user_id is None or m.group("id") == bot_user_id):
        return text[m.end():]
    return text
_DIRECT_MOVES = {"handoff.ack": Action.ACK, "handoff.start": Action.START, "handoff.done": Action.DONE,
                 "handoff.reopen": Action.REOPEN}
_REASON_MOVES = {"handoff.ask": Action.ASK, "handoff.answer": Action.ANSWER, "handoff.decline": Action.DECLINE,
                 "handoff.block": Action.BLOCK, "handoff.cancel": Action.CANCEL}


def _upload_problem(error: str) -> str:
    if error in ("not_in_channel", "channel_not_found", "is_archived"):
        return (f"I couldn't upload the files here ({error}): invite me with `/invite @Handoff`, "
                "or run the export in a DM with me.")
    if error == "missing_scope":
        return "I can't upload files yet (missing_scope): a workspace admin needs to reinstall Handoff to allow it."
    return f"Slack refused the upload ({error}); run the export again in a moment."


def workspace_of(team_id: str) -> str:
    return f"slack:{team_id}"


def message_ref(channel: str, ts: str) -> str:
    return f"{channel}:{ts}"


def split_ref(ref: str) -> tuple[str, str]:
    channel, _, ts = ref.partition(":")
    return channel, ts


class Profiles:
    """``users.info`` with a short cache: names, time zones and admin flags stay fresh."""

    def __init__(self, ttl_seconds: float = 3600.0) -> None:
        self.ttl = ttl_seconds
        self._cache: dict[tuple[str, str], tuple[float, NewPerson]] = {}

    async def get(self, client: AsyncWebClient, team_id: str, user_id: str) -> NewPerson:
        key = (team_id, user_id)
        cached = self._cache.get(key)
        if cached and cached[0] > time.monotonic():
            return cached[1]
        try:
            user = (await client.users_info(user=user_id))["user"]
        except SlackApiError as exc:
            log.warning("users.info failed for %s: %s", user_id, exc.response.get("error"))
            return NewPerson(user_id, user_id)
        profile = user.get("profile") or {}
        name = profile.get("display_name") or user.get("real_name") or profile.get("real_name") or user.get("name") or user_id
        person = NewPerson(user_id, name, user.get("tz"), bool(user.get("is_admin") or user.get("is_owner")),
                           profile.get("email") or None)  # only with the users:read.email scope
        self._cache[key] = (time.monotonic() + self.ttl, person)
        return person

    async def many(self, client: AsyncWebClient, team_id: str, user_ids: list[str]) -> dict[str, NewPerson]:
        found = await asyncio.gather(*(self.get(client, team_id, u) for u in dict.fromkeys(user_ids)))
        return {p.platform_user_id: p for p in found}


class Conversations:
    """Whether a conversation is private (a private channel, DM or group DM), cached.

    Anything that cannot be checked counts as private: the safe side of RELIABILITY 17.
    """

    def __init__(self, ttl_seconds: float = 600.0) -> None:
        self.ttl = ttl_seconds
        self._cache: dict[str, tuple[float, bool]] = {}

    async def is_private(self, client: AsyncWebClient, channel: str | None) -> bool:
        if not channel:
            return False  # a form opened from App Home: the person's own words, for the release
        if channel.startswith("D"):
            return True
        cached = self._cache.get(channel)
        if cached and cached[0] > time.monotonic():
            return cached[1]
        try:
            info = (await client.conversations_info(channel=channel)).get("channel") or {}
            private = bool(not info or info.get("is_private") or info.get("is_im") or info.get("is_mpim"))
        except SlackApiError as exc:
            log.warning("conversations.info failed for %s (%s): treating it as private", channel, exc.response.get("error"))
            private = True
        self._cache[channel] = (time.monotonic() + self.ttl, private)
        return private


@dataclass
class Delivery:
    """One outcome's Web API work; collects what could not be posted to tell the caller once."""

    client: AsyncWebClient
    caller: Caller
    origin_channel: str | None = None
    problems: list[str] = field(default_factory=list)
    roots: dict[int, tuple[str, str]] = field(default_factory=dict)  # release id -> (channel, root ts)

    async def call(self, what: str, fn: Callable[..., Awaitable[Any]], **kwargs: Any) -> Any | None:
        try:
            return await fn(**kwargs)
        except SlackApiError as exc:
            self.refused(what, exc, kwargs.get("channel"))
            return None

    def refused(self, what: str, exc: SlackApiError, where: str | None) -> None:
        """Log it, and tell the caller (once, at the end) what they can do about it."""
        error = exc.response.get("error", "error")
        log.warning("Slack %s failed (%s) for channel %s", what, error, where)
        if error in ("not_in_channel", "channel_not_found", "is_archived") and where:
            self.problems.append(f"I couldn't post in <#{where}> ({error}); invite me there with `/invite @Handoff`.")
        elif error not in PERMANENT_ERRORS:
            self.problems.append(f"Slack refused to {what} ({error}); the change itself is saved.")


class SlackSurface:
    def __init__(self, core: Core) -> None:
        self.core = core
        self.profiles = Profiles()
        self.conversations = Conversations()
        self._tasks: set[asyncio.Task[None]] = set()
        self._gate = asyncio.Semaphore(BACKGROUND_AT_ONCE)
        self.home = HomeTabs(self.publish_home, lambda work: self.background(work, gated=False), self._gate)
        self.inbox: SlackInbox | None = None  # requests acknowledged before they are handled

    # --- plumbing -----------------------------------------------------------------------

    def background(self, work: Coroutine[Any, Any, None], *, gated: bool = True) -> None:
        """Run Web API work after the ack; keep a reference so it is not garbage-collected.

        At most ``BACKGROUND_AT_ONCE`` run together: in a burst, the acks Slack waits for must
        not queue behind a hundred deliveries for the event loop and the database. Drafts are not
        gated: they mostly wait on the model, and must not hold up the deliveries behind them."""
        async def in_turn() -> None:
            if self.inbox is not None:
                await self.inbox.answers_first()
            async with self._gate:
                await work

        task = asyncio.ensure_future(in_turn() if gated else work)
        self._tasks.add(task)
        task.add_done_callback(self._finished)

    def _finished(self, task: asyncio.Task[None]) -> None:
        self._tasks.discard(task)
        if not task.cancelled() and task.exception():
            log.error("background Slack work failed", exc_info=task.exception())

    async def drain(self) -> None:
        """Handle the requests already acknowledged, then let in-flight deliveries (and the ones
        they start) finish: tests, graceful shutdown."""
        if self.inbox is not None:
            await self.inbox.drain()
        async with asyncio.timeout(DRAIN_SECONDS):
            while self._tasks:
                await asyncio.wait(set(self._tasks))

    async def caller(self, client: AsyncWebClient, team_id: str, user_id: str, channel: str | None = None,
                     posts_publicly: bool = False) -> Caller:
        me = await self.profiles.get(client, team_id, user_id)

        async def lookup(ids: list[str]) -> dict[str, NewPerson]:
            return await self.profiles.many(client, team_id, ids)

        private = await self.conversations.is_private(client, channel)
        return Caller(workspace_of(team_id), user_id, me.display_name, me.timezone, me.is_admin,
                      aliases=(me.email,) if me.email else (), lookup=lookup,
                      private_conversation=private, public_reply=posts_publicly and not private, conversation=channel)

    # --- delivery -----------------------------------------------------------------------

    async def deliver(self, client: AsyncWebClient, caller: Caller, outcome: Outcome, *,
                      origin_channel: str | None = None, clicked: tuple[str, str] | None = None) -> None:
        d = Delivery(client, caller, origin_channel)
        for line in outcome.thread_lines:
            if line.release.channel_ref and not line.release.thread_ref and line.release.id not in d.roots:
                await self._post_root(d, line.release)
        carded: set[int] = set()
        for view in outcome.handoffs:
            if await self._show_card(d, view, outcome, clicked):
                carded.add(view.handoff.id)
        for line in outcome.thread_lines:
            thread = self._thread(d, line.release)
            if thread and line.entry.private and thread[0] != origin_channel:
                continue  # said in private: never posted where more people can see it
            if thread and line.entry.handoff_id not in carded:
                reply = Reply(blocks=(Paragraph((Strong(f"{line.entry.kind.value.capitalize()}: "), line.entry.body)),))
                await self._post(d, "post in the release thread", reply, Target("thread", thread[0], thread[1]))
        for release in {line.release.id: line.release for line in outcome.thread_lines}.values():
            if thread := self._thread(d, release):
                await self._refresh_root(d, release, thread)
        cards = {v.handoff.number: v for v in outcome.handoffs}
        for notice in outcome.notices:
            reply = Reply(title=notice.text)
            if notice.reply is not None:
                reply = Reply(title=notice.text, blocks=notice.reply.blocks, buttons=notice.reply.buttons)
            elif notice.handoff_number in cards and outcome.today:
                card = presenters.handoff_card(cards[notice.handoff_number], outcome.today)
                reply = Reply(title=notice.text, blocks=card.blocks, buttons=card.buttons)
            await self._post(d, "send a direct message", reply, Target("dm", notice.to.platform_user_id))
        if outcome.files:
            await self._upload(d, outcome.files)
        await self._report_problems(d)
        if outcome.draft_id is not None:  # minutes of waiting on a model: not in a delivery slot
            self.background(self.write_draft(client, caller, outcome.draft_id, origin_channel), gated=False)
        if outcome.handoffs or outcome.notices:
            for user_id in {caller.user_id, *(n.to.platform_user_id for n in outcome.notices)}:
                self.home.changed(client, caller, user_id)

    async def write_draft(self, client: AsyncWebClient, caller: Caller, draft_id: int, channel: str | None,
                          thread_ts: str | None = None) -> None:
        """Post a placeholder, let it fill in as the model writes (one update a second at most),
        then replace it with the draft card; the draft's knowledge entry goes to the release thread."""
        where = channel or caller.user_id
        placeholder = Reply(title="Drafting customer messaging…", blocks=(Context("Writing from your notes; this takes a few seconds."),))
        try:
            posted = await client.chat_postMessage(channel=where, thread_ts=thread_ts, text=fallback_text(placeholder),
                                                   blocks=render_dicts(placeholder), unfurl_links=False, unfurl_media=False)
        except SlackApiError as exc:
            log.warning("could not post the draft placeholder: %s", exc.response.get("error"))
            posted = None
        spot = (posted["channel"], posted["ts"]) if posted else None

        async def progress(partial: str) -> None:
            if spot:
                update = Reply(title="Drafting customer messaging…", blocks=(Context(progress_line(partial)),))
                with contextlib.suppress(SlackApiError):
                    await client.chat_update(channel=spot[0], ts=spot[1], text=fallback_text(update), blocks=render_dicts(update))

        outcome = await self.core.drafts.run(caller, draft_id, progress)
        final = {"text": fallback_text(outcome.reply), "blocks": render_dicts(outcome.reply)}
        try:
            if spot:
                await client.chat_update(channel=spot[0], ts=spot[1], **final)
            else:
                await client.chat_postMessage(channel=caller.user_id, unfurl_links=False, unfurl_media=False, **final)
        except SlackApiError as exc:
            log.warning("could not show the draft: %s", exc.response.get("error"))
        if outcome.thread_lines:
            await self.deliver(client, caller, dataclasses.replace(outcome, reply=Reply(), draft_id=None), origin_channel=channel)

    async def _show_card(self, d: Delivery, view: HandoffView, outcome: Outcome, clicked: tuple[str, str] | None) -> bool:
        """Refresh the card where it lives; a new handoff's card goes to its release thread or the channel."""
        if outcome.today is None:
            return False
        card = presenters.handoff_card(view, outcome.today)
        payload = {"text": fallback_text(card), "blocks": render_dicts(card, more_url=None)}
        if clicked and (not view.handoff.message_ref or split_ref(view.handoff.message_ref) != clicked):
            await d.call("update the message", d.client.chat_update, channel=clicked[0], ts=clicked[1], **payload)
        if view.handoff.message_ref:
            channel, ts = split_ref(view.handoff.message_ref)
            await d.call("update the handoff card", d.client.chat_update, channel=channel, ts=ts, **payload)
            return False
        thread = self._thread(d, view.release) if view.release else None
        if thread and view.handoff.private and thread[0] != d.origin_channel:
            thread = None  # made in private: the card stays in the conversation it came from
        channel = thread[0] if thread else d.origin_channel
        if not channel or channel.startswith("D"):
            return False
        posted = await d.call("post the handoff card", d.client.chat_postMessage, channel=channel,
                              thread_ts=thread[1] if thread else None, unfurl_links=False, unfurl_media=False, **payload)
        if posted:
            await self.core.execute(d.caller, c.AttachHandoffMessage(view.handoff.number, message_ref(posted["channel"], posted["ts"])))
        return bool(posted)

    async def _post(self, d: Delivery, what: str, reply: Reply, target: Target) -> None:
        """Post a thread line or a DM; when Slack cannot take it now (429 after retries, 5xx, no
        answer), queue it in the outbox, which retries it. The post carries its outbox key in
        its metadata, so a retry after an answer lost on the way finds it instead of repeating it."""
        key = f"notice:{uuid.uuid4().hex}"
        try:
            await d.client.chat_postMessage(
                channel=target.address, thread_ts=target.thread, text=fallback_text(reply), blocks=render_dicts(reply),
                unfurl_links=False, unfurl_media=False, metadata={"event_type": EVENT_TYPE, "event_payload": {"key": key}})
            return
        except SlackApiError as exc:
            error = exc.response.get("error", "error")
            status = exc.response.status_code
            if status != 429 and status < 500 and error in UNDELIVERABLE:
                d.refused(what, exc, target.address)  # no retry can fix it: the caller is told
                return
            uncertain = status >= 500
        except (TimeoutError, aiohttp.ClientError):
            error, uncertain = "no answer", True
        log.warning("Slack could not %s now (%s): queued for retry", what, error)
        await self.core.queue(d.caller.workspace_id,
                              NewDelivery(key, DeliveryKind.NOTICE, str(target), reply, uncertain=uncertain))

    async def _post_root(self, d: Delivery, release: Release) -> None:
        reply = (await self.core.execute(d.caller, c.ShowRelease(release.name, public=True))).reply
        posted = await d.call("post the release thread", d.client.chat_postMessage, channel=release.channel_ref,
                              text=fallback_text(reply), blocks=render_dicts(reply), unfurl_links=False, unfurl_media=False)
        if posted:
            d.roots[release.id] = (posted["channel"], posted["ts"])
            await self.core.execute(d.caller, c.AttachReleaseThread(release.id, posted["channel"], posted["ts"]))

    @staticmethod
    def _thread(d: Delivery, release: Release) -> tuple[str, str] | None:
        if release.id in d.roots:
            return d.roots[release.id]
        if release.channel_ref and release.thread_ref:
            return release.channel_ref, release.thread_ref
        return None

    async def _refresh_root(self, d: Delivery, release: Release, thread: tuple[str, str]) -> None:
        """The root message carries live counts and the latest decisions."""
        outcome = await self.core.execute(d.caller, c.ShowRelease(release.name, public=True))
        if not outcome.reply.is_error:
            await d.call("update the release summary", d.client.chat_update, channel=thread[0], ts=thread[1],
                         text=fallback_text(outcome.reply), blocks=render_dicts(outcome.reply))

    async def _upload(self, d: Delivery, files: tuple[OutFile, ...]) -> None:
        """Share an export's files in the conversation the command came from (``files:write``).

        files_upload_v2 asks files.getUploadURLExternal for a URL per file, POSTs the bytes there,
        then files.completeUploadExternal shares them all in one message. A refusal is told to the
        caller privately, in one line."""
        if not d.origin_channel:
            log.warning("an export came with no conversation to upload it to")
            return
        uploads = [{"filename": f.name, "content": f.content, "title": f.title} for f in files]
        try:
            await d.client.files_upload_v2(file_uploads=uploads, channel=d.origin_channel)
        except SlackApiError as exc:
            error = exc.response.get("error", "error")
            log.warning("Slack refused the export upload (%s) in %s", error, d.origin_channel)
            d.problems.append(_upload_problem(error))
        except (SlackClientError, aiohttp.ClientError, TimeoutError) as exc:
            log.warning("the export upload failed in %s: %s", d.origin_channel, type(exc).__name__)
            d.problems.append("I couldn't upload the files just now; run the export again in a moment.")

    async def _report_problems(self, d: Delivery) -> None:
        if not d.problems or not d.origin_channel:
            return
        text = " ".join(dict.fromkeys(d.problems))
        try:
            await d.client.chat_postEphemeral(channel=d.origin_channel, user=d.caller.user_id, text=text)
            return
        except SlackApiError as exc:
            log.warning("could not report a delivery problem in %s (%s): sending it as a DM", d.origin_channel,
                        exc.response.get("error"))
        try:  # the bot is not in that conversation: the caller's DM with the bot still works
            await d.client.chat_postMessage(channel=d.caller.user_id, text=text, unfurl_links=False, unfurl_media=False)
        except SlackApiError as exc:
            log.warning("could not report a delivery problem: %s", exc.response.get("error"))

    async def publish_home(self, client: AsyncWebClient, caller: Caller, user_id: str) -> None:
        viewer = caller if user_id == caller.user_id else await self.caller(client, caller.workspace_id.removeprefix("slack:"), user_id)
        sections = await self.core.read_many(viewer, home.TAB_SECTIONS)
        try:
            await client.views_publish(user_id=user_id, view=views.home_view(sections))
        except SlackApiError as exc:
            log.warning("views.publish failed: %s", exc.response.get("error"))

    async def redraw(self, client: AsyncWebClient, reply: Reply, channel: str | None, ts: str | None,
                     respond: Any = None) -> None:
        """Replace the clicked message with ``reply``: through the click's response_url when there is
        one (it reaches ephemeral messages too), else with chat.update."""
        kwargs = {"text": fallback_text(reply), "blocks": render_dicts(reply)}
        try:
            if respond is not None and respond.response_url:
                await respond(replace_original=True, unfurl_links=False, unfurl_media=False, **kwargs)
            elif channel and ts:
                await client.chat_update(channel=channel, ts=ts, **kwargs)
        except (TimeoutError, SlackApiError, aiohttp.ClientError) as exc:
            log.warning("could not redraw the clicked message: %s", exc)

    async def tell(self, client: AsyncWebClient, channel: str | None, user_id: str, reply: Reply) -> None:
        """An ephemeral answer in the channel the click came from (or a DM when there is none)."""
        kwargs = {"text": fallback_text(reply), "blocks": render_dicts(reply)}
        try:
            if channel:
                await client.chat_postEphemeral(channel=channel, user=user_id, **kwargs)
            else:
                await client.chat_postMessage(channel=user_id, **kwargs)
        except SlackApiError as exc:
            log.warning("could not answer %s: %s", user_id, exc.response.get("error"))
