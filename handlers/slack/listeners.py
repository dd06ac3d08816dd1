"""Bolt listeners, registered on an app by :func:`register` (never on a global app at import).

Each is short: read the payload, run one command through the core, ack, deliver in the
background. Button values carry ``number:version``; the core checks both against the caller's
own workspace, so a value from another workspace or an old message changes nothing.
"""

from __future__ import annotations

import dataclasses
import logging
import re
from typing import Any

from slack_bolt.async_app import AsyncAck, AsyncApp, AsyncBoltContext, AsyncRespond
from slack_bolt.response import BoltResponse
from slack_sdk.web.async_client import AsyncWebClient

from bot import commands as c
from bot.chat.core import Outcome
from bot.context import Caller
from bot.reply import ASK_PREFIX, RUN_PREFIX, Reply, Tone, message_of
from handlers.slack import views
from handlers.slack.render import fallback_text, render_dicts
from handlers.slack.surface import _DIRECT_MOVES, _REASON_MOVES, SlackSurface, without_bot_mention

log = logging.getLogger("handoff.slack")


def register(app: AsyncApp, surface: SlackSurface) -> None:
    """Wire every listener to ``app``: commands, buttons, forms, shortcuts, events, the error handler."""
    listeners = Listeners(surface)
    app.command("/handoff")(listeners.slash)
    app.action(re.compile(r"^handoff\.(ack|start|done|reopen)$"))(listeners.move)
    app.action(re.compile(r"^draft\.(use|regenerate|discard)$"))(listeners.draft_button)
    app.action("handoff.draft")(listeners.draft_from_handoff)
    app.shortcut("draft_message")(listeners.draft_message)
    app.action(re.compile("^" + re.escape(RUN_PREFIX)))(listeners.command_button)
    app.action(re.compile("^" + re.escape(ASK_PREFIX)))(listeners.command_button_with_text)
    app.view(views.COMMAND_TEXT)(listeners.submit_command_text)
    app.action(re.compile(r"^handoff\.snooze_(1d|3d)$"))(listeners.snooze)
    app.action(re.compile(r"^handoff\.(ask|answer|decline|block|cancel|comment|reassign|not_mine)$"))(listeners.open_form)
    app.action("handoff.edit")(listeners.open_edit)
    app.view(views.EDIT)(listeners.submit_edit)
    app.view(views.REASON)(listeners.submit_form)
    app.view(views.COMMENT)(listeners.submit_form)
    app.view(views.REASSIGN)(listeners.submit_form)
    app.view(views.NEW_HANDOFF)(listeners.submit_new)
    app.view(views.NEW_RELEASE)(listeners.submit_release)
    app.options("release")(listeners.release_options)
    app.shortcut("handoff_message")(listeners.hand_off_message)
    app.shortcut("add_to_release_thread")(listeners.add_to_thread)
    app.view(views.RELEASE_ENTRY)(listeners.submit_entry)
    app.event("app_mention")(listeners.mention)
    app.event("message")(listeners.direct_message)
    app.event("app_home_opened")(listeners.home)
    app.error(listeners.on_error)


class Listeners:
    """Every Slack listener of one app, as methods bolt calls with the arguments they name."""

    def __init__(self, surface: SlackSurface) -> None:
        self.surface = surface
        self.core = surface.core

    async def caller_for(self, client: AsyncWebClient, body: dict[str, Any], context: AsyncBoltContext,
                         channel: str | None = None) -> Caller:
        team = context.team_id or body.get("team_id") or (body.get("team") or {}).get("id") or ""
        user = body.get("user_id") or (body.get("user") or {}).get("id") or ""
        channel = channel or body.get("channel_id") or (body.get("channel") or {}).get("id")
        return await self.surface.caller(client, team, user, channel)

    async def slash(self, ack: AsyncAck, body: dict[str, Any], client: AsyncWebClient, context: AsyncBoltContext) -> None:
        text = body.get("text") or ""
        if " ".join(text.lower().split()) == "release new":  # the form, with its tier choice
            await ack()
            await client.views_open(trigger_id=_trigger(body), view=views.new_release_modal(body.get("channel_id")))
            return
        if text.strip().lower() in ("", "new"):
            await ack()
            areas = await self.core.names(f"slack:{context.team_id}", "areas")
            await client.views_open(trigger_id=_trigger(body), view=views.new_handoff_modal(areas, channel=body.get("channel_id")))
            return
        caller = await self.caller_for(client, body, context)
        outcome = await self.core.handle(caller, text)
        # A public result (a new handoff) is posted as a card; the caller gets a one-line receipt.
        reply = outcome.reply if outcome.reply.ephemeral else Reply(title=message_of(outcome.reply), tone=Tone.SUCCESS)
        await ack(response_type="ephemeral", text=fallback_text(reply), blocks=render_dicts(reply))
        self.surface.background(self.surface.deliver(client, caller, outcome, origin_channel=body.get("channel_id")))

    async def run_click(self, ack: AsyncAck, body: dict[str, Any], client: AsyncWebClient, context: AsyncBoltContext,
                        command: c.Command) -> None:
        """A button that changes a handoff at once: record, ack, then refresh the cards or explain."""
        caller = await self.caller_for(client, body, context)
        outcome = await self.core.execute(caller, command)
        await ack()
        channel, ts = _container(body)
        if outcome.reply.is_error:
            self.surface.background(self.surface.tell(client, channel, caller.user_id, outcome.reply))
            return
        self.surface.background(self.surface.deliver(client, caller, outcome, origin_channel=channel, clicked=(channel, ts) if ts else None))

    async def move(self, ack: AsyncAck, body: dict[str, Any], action: dict[str, Any], client: AsyncWebClient, context: AsyncBoltContext) -> None:
        number, version = _number_version(action.get("value", ""))
        await self.run_click(ack, body, client, context, c.MoveHandoff(number, _DIRECT_MOVES[action["action_id"]], expected_version=version))

    async def draft_button(self, ack: AsyncAck, body: dict[str, Any], action: dict[str, Any], client: AsyncWebClient,
                           context: AsyncBoltContext) -> None:
        value = _text(action.get("value"))
        if not _ID.fullmatch(value):
            await ack()
            return
        command = {"draft.use": c.UseDraft, "draft.regenerate": c.RegenerateDraft, "draft.discard": c.DiscardDraft}[
            action["action_id"]](int(value))
        if isinstance(command, c.DiscardDraft):
            caller = await self.caller_for(client, body, context)
            outcome = await self.core.execute(caller, command)
            await ack()
            channel, ts = _container(body)
            if not outcome.reply.is_error and channel and ts:
                gone = Reply(title=f"Draft discarded by {caller.display_name}.")
                self.surface.background(_quietly(client.chat_update(channel=channel, ts=ts, text=fallback_text(gone),
                                                               blocks=render_dicts(gone))))
            elif outcome.reply.is_error:
                self.surface.background(self.surface.tell(client, channel, caller.user_id, outcome.reply))
            return
        await self.run_click(ack, body, client, context, command)

    async def draft_from_handoff(self, ack: AsyncAck, body: dict[str, Any], action: dict[str, Any], client: AsyncWebClient,
                                 context: AsyncBoltContext) -> None:
        number, _ = _number_version(action.get("value", ""))
        await self.run_click(ack, body, client, context, c.DraftMessaging(handoff=number))

    async def draft_message(self, ack: AsyncAck, body: dict[str, Any], client: AsyncWebClient, context: AsyncBoltContext) -> None:
        """"Draft customer messaging" on any message: the draft lands in that message's thread."""
        await ack()
        message = body.get("message") or {}
        channel = (body.get("channel") or {}).get("id")
        caller = await self.caller_for(client, body, context, channel)
        outcome = await self.core.execute(caller, c.DraftMessaging(notes=message.get("text") or ""))
        if outcome.reply.is_error or outcome.draft_id is None:
            self.surface.background(self.surface.tell(client, channel, caller.user_id, outcome.reply))
            return
        self.surface.background(self.surface.write_draft(client, caller, outcome.draft_id, channel,
                                               message.get("thread_ts") or message.get("ts")), gated=False)

    async def command_button(self, ack: AsyncAck, body: dict[str, Any], action: dict[str, Any], client: AsyncWebClient,
                             context: AsyncBoltContext, respond: AsyncRespond) -> None:
        """A button whose value is command text: run it as the clicker, then redraw the message with the answer."""
        caller = await self.caller_for(client, body, context)
        outcome = await self.core.handle(caller, _text(action.get("value")))
        await ack()
        await self.after_command(client, caller, outcome, _container(body), respond)

    async def command_button_with_text(self, ack: AsyncAck, body: dict[str, Any], action: dict[str, Any],
                                       client: AsyncWebClient) -> None:
        await ack()
        channel, ts = _container(body)
        label = _text((action.get("text") if isinstance(action.get("text"), dict) else {}).get("text")) or "Why?"
        await client.views_open(trigger_id=_trigger(body),
                                view=views.command_text_modal(label, _text(action.get("value")), channel, ts))

    async def submit_command_text(self, ack: AsyncAck, body: dict[str, Any], view: dict[str, Any], client: AsyncWebClient,
                                  context: AsyncBoltContext) -> None:
        text, channel, ts = views.read_command_text(view)
        caller = await self.caller_for(client, body, context, channel)
        outcome = await self.core.handle(caller, text)
        if outcome.reply.is_error:
            await ack(response_action="errors", errors={"reason": message_of(outcome.reply)[:150]})
            return
        await ack()
        await self.after_command(client, caller, outcome, (channel, ts), None)

    async def after_command(self, client: AsyncWebClient, caller: Caller, outcome: Outcome, clicked: tuple[str | None, str | None],
                            respond: AsyncRespond | None) -> None:
        """A refusal is told privately; an answer replaces the message that was clicked."""
        channel, ts = clicked
        if outcome.reply.is_error:
            self.surface.background(self.surface.tell(client, channel, caller.user_id, outcome.reply))
            return
        self.surface.background(self.surface.redraw(client, outcome.reply, channel, ts, respond))
        self.surface.background(self.surface.deliver(client, caller, dataclasses.replace(outcome, reply=Reply()), origin_channel=channel))

    async def snooze(self, ack: AsyncAck, body: dict[str, Any], action: dict[str, Any], client: AsyncWebClient, context: AsyncBoltContext) -> None:
        number, version = _number_version(action.get("value", ""))
        await self.run_click(ack, body, client, context, c.SnoozeHandoff(number, action["action_id"].split("_")[-1], version))

    async def open_form(self, ack: AsyncAck, body: dict[str, Any], action: dict[str, Any], client: AsyncWebClient) -> None:
        await ack()
        number, version = _number_version(action.get("value", ""))
        channel, ts = _container(body)
        target = views.Target(number, version, channel, ts, action["action_id"])
        name = action["action_id"]
        if name == "handoff.comment":
            view = views.comment_modal(target, f"#{number}")
        elif name in ("handoff.reassign", "handoff.not_mine"):
            view = views.reassign_modal(target, f"#{number}")
        else:
            view = views.reason_modal(_REASON_MOVES[name], target, f"#{number}")
        await client.views_open(trigger_id=_trigger(body), view=view)

    async def open_edit(self, ack: AsyncAck, body: dict[str, Any], action: dict[str, Any], client: AsyncWebClient,
                        context: AsyncBoltContext) -> None:
        """The Edit button: the form prefilled from the handoff as it is now, or why not, privately."""
        await ack()
        number, _ = _number_version(action.get("value", ""))
        channel, ts = _container(body)
        caller = await self.caller_for(client, body, context)
        outcome = await self.core.execute(caller, c.ShowEditForm(number))
        form = outcome.reply.form
        if form is None:
            self.surface.background(self.surface.tell(client, channel, caller.user_id, outcome.reply))
            return
        _, version = _number_version(form.value)
        target = views.Target(number, version, channel, ts, "handoff.edit")
        await client.views_open(trigger_id=_trigger(body), view=views.form_modal(form, target))

    async def submit_edit(self, ack: AsyncAck, body: dict[str, Any], view: dict[str, Any], client: AsyncWebClient,
                          context: AsyncBoltContext) -> None:
        command = views.read_edit(view)
        target = views.Target.load(view.get("private_metadata", ""))
        caller = await self.caller_for(client, body, context)
        outcome = await self.core.execute(caller, command)
        if outcome.reply.is_error:
            fields = [f for f, _ in command.changes] or ["title"]
            field = outcome.reply.field if outcome.reply.field in fields else fields[0]
            await ack(response_action="errors", errors={field: message_of(outcome.reply)[:150]})
            return
        await ack()
        clicked = (target.channel, target.ts) if target.channel and target.ts else None
        self.surface.background(self.surface.deliver(client, caller, outcome, origin_channel=target.channel, clicked=clicked))

    async def submit_form(self, ack: AsyncAck, body: dict[str, Any], view: dict[str, Any], client: AsyncWebClient, context: AsyncBoltContext) -> None:
        target = views.Target.load(view.get("private_metadata", ""))
        state = views.state_of(view)
        if view["callback_id"] == views.COMMENT:
            command: c.Command = c.CommentOnHandoff(target.number, views.text_of(state))
        elif view["callback_id"] == views.REASSIGN:
            command = c.ReassignHandoff(target.number, c.UserRef(platform_id=views.user_of(state) or ""), target.version)
        else:
            if target.action not in _REASON_MOVES:
                raise views.Malformed(f"no reason form for {target.action!r}")
            command = c.MoveHandoff(target.number, _REASON_MOVES[target.action], views.text_of(state) or None, target.version)
        caller = await self.caller_for(client, body, context)
        outcome = await self.core.execute(caller, command)
        if outcome.reply.is_error:
            block = "owner" if view["callback_id"] == views.REASSIGN else "reason"
            await ack(response_action="errors", errors={block: message_of(outcome.reply)[:150]})
            return
        await ack()
        clicked = (target.channel, target.ts) if target.channel and target.ts else None
        self.surface.background(self.surface.deliver(client, caller, outcome, origin_channel=target.channel, clicked=clicked))

    async def submit_release(self, ack: AsyncAck, body: dict[str, Any], view: dict[str, Any], client: AsyncWebClient,
                             context: AsyncBoltContext) -> None:
        command = views.read_new_release(views.state_of(view))
        caller = await self.caller_for(client, body, context, command.channel)
        outcome = await self.core.execute(caller, command)
        if outcome.reply.is_error:
            field = outcome.reply.field if outcome.reply.field in ("target", "channel") else "name"
            await ack(response_action="errors", errors={field: message_of(outcome.reply)[:150]})
            return
        await ack()
        self.surface.background(self.surface.deliver(client, caller, outcome, origin_channel=command.channel))
        self.surface.background(self.surface.tell(client, command.channel, caller.user_id, outcome.reply))

    async def submit_new(self, ack: AsyncAck, body: dict[str, Any], view: dict[str, Any], client: AsyncWebClient, context: AsyncBoltContext) -> None:
        command = views.read_new_handoff(views.state_of(view))
        origin = views.origin_of(view)
        caller = await self.caller_for(client, body, context, origin)
        outcome = await self.core.execute(caller, command)
        if outcome.reply.is_error:
            field = outcome.reply.field if outcome.reply.field in _MODAL_FIELDS else "title"
            await ack(response_action="errors", errors={field: message_of(outcome.reply)[:150]})
            return
        await ack()
        self.surface.background(self.surface.deliver(client, caller, outcome, origin_channel=origin))

    async def release_options(self, ack: AsyncAck, body: dict[str, Any], context: AsyncBoltContext) -> None:
        names = await self.core.names(f"slack:{context.team_id}", "releases", body.get("value") or "")
        await ack(options=[{"text": {"type": "plain_text", "text": n[:75]}, "value": n[:150]} for n in names[:100]])

    async def hand_off_message(self, ack: AsyncAck, body: dict[str, Any], client: AsyncWebClient, context: AsyncBoltContext) -> None:
        await ack()
        message = body.get("message") or {}
        text = message.get("text") or ""
        link = await _permalink(client, (body.get("channel") or {}).get("id"), message.get("ts"))
        areas = await self.core.names(f"slack:{context.team_id}", "areas")
        details = f"{text}\n\nFrom: {link}" if link else text
        view = views.new_handoff_modal(areas, channel=(body.get("channel") or {}).get("id"), title=text.split("\n", 1)[0][:150], details=details)
        await client.views_open(trigger_id=body["trigger_id"], view=view)

    async def add_to_thread(self, ack: AsyncAck, body: dict[str, Any], client: AsyncWebClient, context: AsyncBoltContext) -> None:
        await ack()
        message = body.get("message") or {}
        releases = await self.core.names(f"slack:{context.team_id}", "releases")
        if not releases:
            await client.chat_postEphemeral(channel=(body.get("channel") or {}).get("id"), user=body["user"]["id"],
                                            text="There is no release yet: create one with `/handoff release new v2.3 2026-12-15 #channel`.")
            return
        link = await _permalink(client, (body.get("channel") or {}).get("id"), message.get("ts"))
        text = message.get("text") or ""
        await client.views_open(trigger_id=body["trigger_id"], view=views.release_entry_modal(releases, f"{text}\n\nFrom: {link}" if link else text))

    async def submit_entry(self, ack: AsyncAck, body: dict[str, Any], view: dict[str, Any], client: AsyncWebClient, context: AsyncBoltContext) -> None:
        caller = await self.caller_for(client, body, context)
        outcome = await self.core.execute(caller, views.read_release_entry(views.state_of(view)))
        if outcome.reply.is_error:
            await ack(response_action="errors", errors={"reason": message_of(outcome.reply)[:150]})
            return
        await ack()
        self.surface.background(self.surface.deliver(client, caller, outcome))

    async def mention(self, body: dict[str, Any], event: dict[str, Any], client: AsyncWebClient, context: AsyncBoltContext) -> None:
        await self.answer_in_thread(body, event, client, context)

    async def direct_message(self, body: dict[str, Any], event: dict[str, Any], client: AsyncWebClient, context: AsyncBoltContext) -> None:
        if event.get("channel_type") == "im" and not event.get("bot_id") and not event.get("subtype"):
            await self.answer_in_thread(body, event, client, context, in_thread=False)

    async def answer_in_thread(self, body: dict[str, Any], event: dict[str, Any], client: AsyncWebClient,
                               context: AsyncBoltContext, in_thread: bool = True) -> None:
        if not all(isinstance(event.get(k), str) for k in ("channel", "user")) or not isinstance(event.get("text") or "", str):
            raise views.Malformed(f"a {event.get('type')} event without a channel, user or text")
        if not isinstance(body.get("event_id") or "", str) or len(body.get("event_id") or "") > 128:
            raise views.Malformed("an event id that is not Slack's")  # it is stored, in a 128-character column
        workspace = f"slack:{context.team_id}"
        event_id = body.get("event_id") or f"{event.get('channel')}:{event.get('ts')}"[:128]
        if not await self.core.claim_event(workspace, event_id):
            return  # a retry of an event already handled
        try:
            caller = await self.surface.caller(client, context.team_id or "", event.get("user", ""), event.get("channel"),
                                          posts_publicly=True)
            outcome = await self.core.handle(caller, without_bot_mention(event.get("text") or "", context.bot_user_id))
        except Exception:
            await self.core.forget_event(workspace, event_id)  # let Slack's retry try again
            raise
        thread_ts = (event.get("thread_ts") or event.get("ts")) if in_thread else event.get("thread_ts")

        async def reply_then_deliver() -> None:
            await client.chat_postMessage(channel=event["channel"], thread_ts=thread_ts, text=fallback_text(outcome.reply),
                                          blocks=render_dicts(outcome.reply), unfurl_links=False, unfurl_media=False)
            await self.surface.deliver(client, caller, outcome, origin_channel=event["channel"])

        self.surface.background(reply_then_deliver())

    async def home(self, body: dict[str, Any], event: dict[str, Any], client: AsyncWebClient, context: AsyncBoltContext) -> None:
        if event.get("tab", "home") != "home":
            return
        user = event.get("user")
        if not isinstance(user, str) or not user:
            raise views.Malformed("an app_home_opened event without a user")
        caller = await self.surface.caller(client, context.team_id or "", user)
        self.surface.home.opened(caller.workspace_id, user)
        self.surface.background(self.surface.publish_home(client, caller, user))

    async def on_error(self, error: Exception, body: dict[str, Any]) -> BoltResponse | None:
        if isinstance(error, views.Malformed):  # a signed request Slack would never send: no traceback, a 400
            log.warning("refused a malformed Slack payload: %s", error)
            return BoltResponse(status=400, body="")
        log.error("Slack listener failed: %s", type(error).__name__, exc_info=error)
        return None


_MODAL_FIELDS = frozenset({"title", "details", "owner", "release", "area", "due", "kind"})


def _text(value: Any) -> str:
    """A payload string; anything else (Slack never sends it) reads as empty."""
    return value if isinstance(value, str) else ""


def _trigger(body: dict[str, Any]) -> str:
    """The trigger a modal opens with; a payload without one is not Slack's."""
    trigger = body.get("trigger_id")
    if not isinstance(trigger, str) or not trigger:
        raise views.Malformed("no trigger_id to open a modal with")
    return trigger


_ID = re.compile(r"\d{1,9}")  # what the grammar takes as a number: int() reads it, and the database column holds it


def _number_version(value: Any) -> tuple[int, int | None]:
    number, _, version = _text(value).partition(":")
    return int(number) if _ID.fullmatch(number) else 0, int(version) if _ID.fullmatch(version) else None


def _container(body: dict[str, Any]) -> tuple[str | None, str | None]:
    container = body.get("container") or {}
    channel = container.get("channel_id") or (body.get("channel") or {}).get("id")
    ts = None if container.get("is_ephemeral") else container.get("message_ts")
    return channel, ts


async def _permalink(client: AsyncWebClient, channel: str | None, ts: str | None) -> str | None:
    if not channel or not ts:
        return None
    try:
        return (await client.chat_getPermalink(channel=channel, message_ts=ts)).get("permalink")
    except Exception:
        return None



async def _quietly(call: Any) -> None:
    try:
        await call
    except Exception as exc:
        log.warning("Slack call failed: %s", exc)
