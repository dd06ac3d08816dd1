"""The Teams surface: a botbuilder ActivityHandler that parses at the edge and calls the core.

Every activity's ConversationReference is stored first (proactive messages need it). A message
is a command in the core grammar once the bot's own @mention is removed and the other
mentions become ``<@id|name>``; a card button arrives as a message whose ``value`` names the
action. Replies are Adaptive Cards; a click updates the card it came from. DMs to other people
go through the outbox, so a turn never waits on, or loses, a message to someone else.
"""

from __future__ import annotations

import asyncio
import dataclasses
import html
import logging
import re
import uuid
from collections.abc import Callable
from typing import Any

from botbuilder.core import ActivityHandler, CardFactory, InvokeResponse, MessageFactory, TurnContext
from botbuilder.schema import (
    Activity,
    ActivityTypes,
    ChannelAccount,
    ConversationAccount,
    ConversationParameters,
    ConversationReference,
)
from botbuilder.schema.teams import FileConsentCardResponse, FileUploadInfo

from bot import commands as c
from bot.chat.core import Core, Outcome
from bot.chat.grammar import parse
from bot.context import Caller
from bot.domain import Action
from bot.drafting.prompt import progress_line
from bot.errors import TemporarilyUnavailable
from bot.handoffs.presenters import handoff_card
from bot.records import DeliveryKind, NewDelivery, Target
from bot.reply import ASK_PREFIX, RUN_PREFIX, Context, OutFile, Paragraph, Reply, Strong, Tone, message_of
from handlers.inbox_worker import unclaimed
from handlers.teams import actions, files, forms, home, pickers
from handlers.teams.people import platform_timezone
from handlers.teams.render import card_text, render_card

log = logging.getLogger("handoff.teams")

_DIRECT = {"handoff.ack": Action.ACK, "handoff.start": Action.START, "handoff.done": Action.DONE,
           "handoff.reopen": Action.REOPEN}
_WITH_TEXT = {"handoff.ask": Action.ASK, "handoff.answer": Action.ANSWER, "handoff.decline": Action.DECLINE,
              "handoff.block": Action.BLOCK, "handoff.cancel": Action.CANCEL}
_DRAFT_BUTTONS: dict[str, Callable[[int], c.Command]] = {
    "draft.use": c.UseDraft, "draft.regenerate": c.RegenerateDraft, "draft.discard": c.DiscardDraft}
_AT = re.compile(r"<at>(.*?)</at>", re.IGNORECASE | re.DOTALL)
REMEMBERED = 10_000  # conversation references known to be stored; beyond it the oldest is looked up again
_ID = re.compile(r"\d{1,9}")  # a handoff or version number, as the grammar reads one


def parse_or_none(text: str) -> c.Command | None:
    try:
        return parse(text)
    except Exception:  # the core answers unparseable text with usage; nothing to adjust here
        return None


def workspace_of(activity: Activity) -> str:
    """A Teams workspace is its tenant: data never crosses tenants."""
    tenant = getattr(activity.conversation, "tenant_id", None) if activity.conversation else None
    if not tenant and isinstance(activity.channel_data, dict):
        tenant = (activity.channel_data.get("tenant") or {}).get("id")
    return f"teams:{tenant or 'emulator'}"


def message_ref(conversation_id: str, activity_id: str) -> str:
    return f"{conversation_id}|{activity_id}"


def split_ref(ref: str) -> tuple[str, str]:
    conversation, _, activity_id = ref.rpartition("|")
    return conversation, activity_id


def command_text(activity: Activity) -> str:
    """The text without the bot's own mention; other mentions as ``<@id|name>`` for the grammar."""
    text = activity.text or ""
    bot_id = activity.recipient.id if activity.recipient else None
    for entity in activity.entities or []:
        props = entity.additional_properties if hasattr(entity, "additional_properties") else {}
        data = {**(props or {}), **(entity.serialize() if hasattr(entity, "serialize") else {})}
        if data.get("type") != "mention":
            continue
        mentioned = data.get("mentioned") or {}
        if not isinstance(mentioned, dict):
            continue  # Teams sends an account here; anything else names nobody
        marker = data.get("text") or f"<at>{mentioned.get('name', '')}</at>"
        if not isinstance(marker, str):
            continue
        if mentioned.get("id") == bot_id:
            text = text.replace(marker, " ", 1)
        else:
            name = _AT.sub(r"\1", marker).replace("|", " ").replace(">", " ").strip()
            text = text.replace(marker, f"<@{mentioned.get('id', '')}|{name}>", 1)
    return html.unescape(_AT.sub(r"@\1", text)).strip()


def channel_of(conversation_id: str) -> str:
    """``19:x@thread.tacv2;messageid=123`` (a reply chain) -> ``19:x@thread.tacv2`` (the channel)."""
    return conversation_id.split(";", 1)[0]


def is_teams_channel(ref: str | None) -> bool:
    return bool(ref) and ref.startswith("19:") and "@thread" in ref


class TeamsBot(ActivityHandler):
    def __init__(self, core: Core, app_id: str = "", on_queued: Callable[[], None] | None = None) -> None:
        self.core = core
        self.app_id = app_id
        self.on_queued = on_queued or (lambda: None)
        self._tasks: set[asyncio.Task[None]] = set()
        self._references: dict[tuple[str, str], dict[str, Any]] = {}  # stored this process's lifetime, oldest first
        self.roster = pickers.Roster()

    async def on_turn(self, turn_context: TurnContext) -> None:
        await self._remember(turn_context)
        await super().on_turn(turn_context)

    async def on_message_activity(self, turn_context: TurnContext) -> None:
        activity = turn_context.activity
        caller = self.caller(activity)
        if isinstance(activity.value, dict) and activity.value.get("handoff_action") == forms.NEW_HANDOFF:
            await self._submit_new(turn_context, caller, activity.value)
            return
        if isinstance(activity.value, dict) and activity.value.get("handoff_action"):
            await self._click(turn_context, caller, activity.value)
            return
        if command_text(activity).lower() in ("", "new", "handoff", "handoff new"):
            await turn_context.send_activity(_attach(await self._new_form(caller, kind=pickers.kind_of(activity))))
            return
        command = self._in_this_channel(parse_or_none(command_text(activity)), activity)
        if isinstance(command, c.ShowHome):
            await home.show(self, turn_context, caller)
            return
        if command is None:
            outcome = await self.core.handle(caller, command_text(activity))
        else:
            outcome = await self.core.execute(caller, command)
        if outcome.files and isinstance(command, files.FILE_COMMANDS):
            await self._export(turn_context, caller, command, outcome)
        else:
            await self._deliver(turn_context, caller, outcome)
        await self._release_threads(turn_context, caller, outcome)

    @staticmethod
    def _in_this_channel(command: c.Command | None, activity: Activity) -> c.Command | None:
        """``release new v2.3`` typed in a channel makes that channel the release's home."""
        kind = activity.conversation.conversation_type if activity.conversation else None
        if isinstance(command, c.CreateRelease) and not command.channel and kind == "channel":
            return dataclasses.replace(command, channel=channel_of(activity.conversation.id))
        return command

    async def on_members_added_activity(self, members_added: list[ChannelAccount], turn_context: TurnContext) -> None:
        bot_id = turn_context.activity.recipient.id if turn_context.activity.recipient else None
        if any(m.id == bot_id for m in members_added):
            hello = Reply(title="Hi, I'm Handoff.", blocks=(Paragraph((
                "I keep PMs and PMMs in step. Try `help`, or `handoff @Dana requirement for v2.3: battlecards by fri`.",)),))
            await turn_context.send_activity(_card(hello))
            if home.is_personal(turn_context):
                await home.show(self, turn_context, self.caller(turn_context.activity))

    # --- edges ---------------------------------------------------------------------------

    def caller(self, activity: Activity) -> Caller:
        user = activity.from_property or ChannelAccount(id="unknown", name="someone")
        kind = (activity.conversation.conversation_type if activity.conversation else None) or "personal"
        return Caller(
            workspace_id=workspace_of(activity), user_id=user.id, display_name=user.name or user.id,
            timezone=platform_timezone(activity),
            aliases=tuple(a for a in (getattr(user, "aad_object_id", None),) if a),
            private_conversation=kind != "channel", public_reply=kind == "channel",
            # A channel is one conversation however many reply chains it has: its digest is the channel's.
            conversation=(channel_of(activity.conversation.id) if kind == "channel" else activity.conversation.id)
            if activity.conversation else None,
        )

    async def _remember(self, turn_context: TurnContext) -> None:
        activity = turn_context.activity
        if not activity.conversation or not activity.service_url:
            return
        reference = TurnContext.get_conversation_reference(activity).serialize()
        kind = activity.conversation.conversation_type or "personal"
        if kind not in ("personal", "channel", "groupChat"):
            kind = "groupChat"  # a type Teams never sent: private (never a channel), and never a person's DM
        user = activity.from_property.id if kind == "personal" and activity.from_property else None
        seen = (workspace_of(activity), activity.conversation.id)
        same = {k: v for k, v in reference.items() if k != "activityId"}  # the rest is the conversation's
        if self._references.get(seen) == same:
            return  # stored already: a turn costs no write for it
        try:
            with unclaimed():  # bookkeeping: its commit must not count as this turn's change being made
                await self.core.remember_conversation(seen[0], seen[1], kind, user, reference)
            self._references[seen] = same
            if len(self._references) > REMEMBERED:
                self._references.pop(next(iter(self._references)))
        except TemporarilyUnavailable:
            # The turn still runs: its command answers "try again in a moment" the same way, and the
            # reference is stored on the next turn from this conversation.
            log.warning("database unavailable; conversation reference not stored this turn")

    # --- the new-handoff form ----------------------------------------------------------------

    async def _new_form(self, caller: Caller, values: dict[str, Any] | None = None, problem: str | None = None,
                        field: str | None = None, kind: str = "personal") -> dict[str, Any]:
        releases = await self.core.names(caller.workspace_id, "releases")
        areas = await self.core.names(caller.workspace_id, "areas")
        return forms.new_handoff_form(releases, areas, values, problem, field, kind)

    async def _submit_new(self, turn_context: TurnContext, caller: Caller, value: dict[str, Any]) -> None:
        """Like a Slack modal: a refusal comes back as the same form, the problem next to its field."""
        outcome = await self.roster.execute(self.core, turn_context, caller, value.get("owner"),
                                            lambda owner: forms.read_new_handoff(value, owner))
        if outcome.reply.is_error:
            form = await self._new_form(caller, value, message_of(outcome.reply), outcome.reply.field,
                                        pickers.kind_of(turn_context.activity))
            await turn_context.send_activity(_attach(form))
            return
        await self._deliver(turn_context, caller, outcome)
        await self._release_threads(turn_context, caller, outcome)

    # --- clicks ---------------------------------------------------------------------------

    async def _click(self, turn_context: TurnContext, caller: Caller, value: dict[str, Any]) -> None:
        action = str(value.get("handoff_action"))
        if action.startswith((RUN_PREFIX, ASK_PREFIX)):
            await self._command_click(turn_context, caller, action, value)
            return
        number, _, version = str(value.get("value", "")).partition(":")
        if not _ID.fullmatch(number):  # not str.isdigit(): "²" is a digit that int() refuses
            await turn_context.send_activity(_card(Reply(title="That button has expired; try `list`.")))
            return
        n, v = int(number), int(version) if _ID.fullmatch(version) else None
        text = str(value.get("text") or "").strip()
        command: c.Command | None = None
        if action in _DRAFT_BUTTONS:
            command = _DRAFT_BUTTONS[action](n)
        elif action == "handoff.draft":
            command = c.DraftMessaging(handoff=n)
        elif action in _DIRECT:
            command = c.MoveHandoff(n, _DIRECT[action], expected_version=v)
        elif action.startswith("handoff.snooze_"):
            command = c.SnoozeHandoff(n, action.rsplit("_", 1)[-1], v)
        elif action in _WITH_TEXT and text:
            command = c.MoveHandoff(n, _WITH_TEXT[action], text, v)
        elif action == "handoff.comment" and text:
            command = c.CommentOnHandoff(n, text)
        elif action in _WITH_TEXT or action == "handoff.comment":
            await turn_context.send_activity(_attach(forms.text_form(action, n, v)))
            return
        elif action == "handoff.edit":
            await self._edit_form(turn_context, caller, n)
            return
        elif action == forms.EDIT_SAVE:
            await self._submit_edit(turn_context, caller, forms.read_edit(value, n, v))
            return
        elif action in ("handoff.reassign", "handoff.not_mine"):
            await turn_context.send_activity(_attach(pickers.reassign_form(action, n, v, pickers.kind_of(turn_context.activity))))
            return
        elif action == pickers.REASSIGN_SAVE:
            await self._submit_reassign(turn_context, caller, n, v, value)
            return
        if command is None:
            await turn_context.send_activity(_card(Reply(title="I don't know that button.")))
            return
        outcome = await self.core.execute(caller, command)
        clicked = turn_context.activity.reply_to_id
        await self._deliver(turn_context, caller, outcome, clicked=clicked)
        await self._release_threads(turn_context, caller, outcome)

    async def _edit_form(self, turn_context: TurnContext, caller: Caller, number: int) -> None:
        """The Edit button: a card form prefilled from the handoff as it is now, or why not."""
        outcome = await self.core.execute(caller, c.ShowEditForm(number))
        form = outcome.reply.form
        await turn_context.send_activity(_attach(forms.form_card(form)) if form else _card(outcome.reply))

    async def _submit_edit(self, turn_context: TurnContext, caller: Caller, command: c.EditHandoff) -> None:
        """Saved: the form card becomes the handoff's card. Refused: the form again, the problem by its field."""
        outcome = await self.core.execute(caller, command)
        if outcome.reply.is_error:
            again = await self.core.execute(caller, c.ShowEditForm(command.number))
            if again.reply.form is None:
                await turn_context.send_activity(_card(outcome.reply))
                return
            await turn_context.send_activity(_attach(forms.form_card(
                again.reply.form, {f: v for f, v in command.changes}, message_of(outcome.reply), outcome.reply.field)))
            return
        await self._deliver(turn_context, caller, outcome, clicked=turn_context.activity.reply_to_id)
        await self._release_threads(turn_context, caller, outcome)

    async def _submit_reassign(self, turn_context: TurnContext, caller: Caller, number: int, version: int | None,
                               value: dict[str, Any]) -> None:
        """Reassigned: the form card becomes the handoff's card. Refused: the form again, the problem by the picker."""
        outcome = await self.roster.execute(self.core, turn_context, caller, value.get("owner"),
                                            lambda owner: c.ReassignHandoff(number, owner or c.UserRef(platform_id=""), version))
        if outcome.reply.is_error:
            await turn_context.send_activity(_attach(pickers.reassign_form(
                str(value.get("form") or ""), number, version, pickers.kind_of(turn_context.activity),
                pickers.picked(value.get("owner")), message_of(outcome.reply))))
            return
        await self._deliver(turn_context, caller, outcome, clicked=turn_context.activity.reply_to_id)
        await self._release_threads(turn_context, caller, outcome)

    async def _command_click(self, turn_context: TurnContext, caller: Caller, action: str, value: dict[str, Any]) -> None:
        """A button whose value is command text: run it as the clicker and redraw the card with the answer.
        One that needs a few words (a decline reason) asks for them in a card form first."""
        command, text = str(value.get("value") or ""), str(value.get("text") or "").strip()
        if action.startswith(ASK_PREFIX) and not text:
            await turn_context.send_activity(_attach(forms.command_text_form(action, str(value.get("label") or "Decline"), command)))
            return
        outcome = await self.core.handle(caller, f"{command} {text}".strip())
        clicked = turn_context.activity.reply_to_id
        if outcome.reply.is_error or not clicked or action.startswith(ASK_PREFIX):
            await self._deliver(turn_context, caller, outcome)
        else:
            update = _card(outcome.reply)
            update.id = clicked
            await turn_context.update_activity(update)
            await self._deliver(turn_context, caller, dataclasses.replace(outcome, reply=Reply()), silent=True)
        await self._release_threads(turn_context, caller, outcome)

    # --- exports: file consent in a 1:1 chat (see handlers.teams.files) ---------------------------

    async def on_invoke_activity(self, turn_context: TurnContext) -> InvokeResponse | None:
        if turn_context.activity.name == "fileConsent/invoke":
            await self._file_consent(turn_context)
            return InvokeResponse(status=200)
        if turn_context.activity.name in actions.INVOKES:  # a message action: its dialog, then its result
            return await actions.answer(self, turn_context)
        if turn_context.activity.name == pickers.SEARCH_INVOKE:
            return await pickers.search(self.core, workspace_of(turn_context.activity), turn_context.activity.value)
        if turn_context.activity.name == "adaptiveCard/action":
            return await home.answer(self, turn_context)
        return await super().on_invoke_activity(turn_context)

    async def _export(self, turn_context: TurnContext, caller: Caller, command: files.FileCommand,
                      outcome: Outcome) -> None:
        offers = [(f, files.Offer.of(command, caller, f)) for f in outcome.files]
        if (turn_context.activity.conversation.conversation_type or "personal") == "personal":
            await self._deliver(turn_context, caller, outcome)
            for file, offer in offers:
                await turn_context.send_activity(files.consent_card(file, offer))
            return
        sent = await self._offer_in_personal_chat(turn_context, caller, offers)
        line = ("I've sent you the files in our 1:1 chat." if sent else
                f"Teams sends files only in a 1:1 chat: message me there and type `{offers[0][1].again}`.")
        reply = dataclasses.replace(outcome.reply, blocks=(*outcome.reply.blocks, Context(line)))
        await self._deliver(turn_context, caller, dataclasses.replace(outcome, reply=reply))

    async def _offer_in_personal_chat(self, turn_context: TurnContext, caller: Caller,
                                      offers: list[tuple[OutFile, files.Offer]]) -> bool:
        """Open (or find) the caller's 1:1 chat with the bot and send the consent cards there."""
        activity = turn_context.activity
        tenant = getattr(activity.conversation, "tenant_id", None)
        user = ChannelAccount(id=caller.user_id, name=caller.display_name)
        params = ConversationParameters(is_group=False, bot=activity.recipient, members=[user], tenant_id=tenant,
                                        channel_data={"tenant": {"id": tenant}} if tenant else None)

        async def offer(tc: TurnContext) -> None:
            reference = TurnContext.get_conversation_reference(tc.activity)
            reference.user = user
            await self.core.remember_conversation(caller.workspace_id, reference.conversation.id, "personal", user.id,
                                                  reference.serialize())
            for file, o in offers:
                outgoing = TurnContext.apply_conversation_reference(files.consent_card(file, o), reference)
                outgoing.reply_to_id = None
                await tc.adapter.send_activities(tc, [outgoing])

        try:
            await turn_context.adapter.create_conversation(self.app_id, offer, params, activity.channel_id or "msteams",
                                                           activity.service_url, None)
        except Exception as exc:  # the reply still answers in the conversation, saying how to get the files
            log.warning("could not offer the export's files in a 1:1 chat: %s", type(exc).__name__)
            return False
        return True

    async def _file_consent(self, turn_context: TurnContext) -> None:
        value = turn_context.activity.value
        response = FileConsentCardResponse().deserialize(value) if isinstance(value, dict) else None
        offer = files.Offer.read(response.context) if response else None
        info = response.upload_info if response else None
        if offer is None or response is None or response.action not in ("accept", "decline"):
            await turn_context.send_activity(_card(Reply(title="That file offer has expired; export the release again.")))
            return
        if response.action == "decline":
            await turn_context.send_activity(_card(Reply(title=f"Not sent: {offer.file}.")))
            return
        url = info.upload_url if info else None
        if not url or (self.app_id and not url.startswith("https://")):
            log.warning("a file consent came without a usable upload URL")
            await turn_context.send_activity(_card(Reply(title=f"Teams gave me nowhere to put {offer.file}; export it again.")))
            return
        reference = TurnContext.get_conversation_reference(turn_context.activity)
        self._later(self._upload(turn_context.adapter, reference, self.caller(turn_context.activity), offer, info))

    async def _upload(self, adapter: Any, reference: ConversationReference, caller: Caller, offer: files.Offer,
                      info: FileUploadInfo) -> None:
        """After the invoke is answered: export again, PUT the one file, then show it with a file card."""
        outcome = await self.core.execute(caller, offer.command())
        file = next((f for f in outcome.files if f.name == offer.file), None)
        if file is None:
            gone = Reply(title=f"{offer.file} is no longer part of the export; type `{offer.again}`.")
            await self._send_later(adapter, reference, _card(outcome.reply if outcome.reply.is_error else gone))
            return
        try:
            await files.upload(info.upload_url, file.content)
        except files.UploadFailed as exc:
            log.warning("uploading %s to Teams failed: %s", file.name, exc)
            failed = Reply(title=f"I couldn't upload {file.name} ({exc}); type `{offer.again}` to try again.",
                           tone=Tone.ERROR)
            await self._send_later(adapter, reference, _card(failed))
            return
        await self._send_later(adapter, reference, files.info_card(info))

    async def _send_later(self, adapter: Any, reference: ConversationReference, activity: Activity) -> None:
        async def send(tc: TurnContext) -> None:
            await tc.send_activity(activity)

        try:
            await adapter.continue_conversation(reference, send, bot_app_id=self.app_id)
        except Exception as exc:  # nothing was changed; a lost message must not kill the task quietly
            log.warning("could not send the export's result: %s", exc)

    # --- drafts, after the turn ----------------------------------------------------------------

    def _later(self, work: Any) -> None:
        """Slow work (drafting) runs after the turn has answered; keep a reference to the task."""
        task = asyncio.ensure_future(work)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def drain(self) -> None:
        while self._tasks:
            await asyncio.gather(*list(self._tasks), return_exceptions=True)

    async def _write_draft(self, turn_context: TurnContext, caller: Caller, draft_id: int, placeholder_id: str) -> None:
        """Fill the "Drafting…" card in as the model writes, then replace it with the draft."""
        reference = TurnContext.get_conversation_reference(turn_context.activity)
        adapter = turn_context.adapter

        async def show(reply: Reply) -> None:
            update = _card(reply)
            update.id = placeholder_id

            async def run(tc: TurnContext) -> None:
                await tc.update_activity(update)

            try:
                await adapter.continue_conversation(reference, run, bot_app_id=self.app_id)
            except Exception as exc:  # the draft is saved; a refused update must not lose it
                log.warning("could not update the draft card: %s", exc)

        async def progress(partial: str) -> None:
            await show(Reply(title="Drafting customer messaging…", blocks=(Context(progress_line(partial)),)))

        outcome = await self.core.drafts.run(caller, draft_id, progress)
        await show(outcome.reply)

    # --- release reply chains ---------------------------------------------------------------

    async def _release_threads(self, turn_context: TurnContext, caller: Caller, outcome: Outcome) -> None:
        """Every new line of a release's knowledge goes to the reply chain under its root card in
        the release's channel; the root card is posted once, then refreshed with live counts."""
        here = channel_of(turn_context.activity.conversation.id)
        roots: dict[int, str] = {}
        touched = {}
        for line in outcome.thread_lines:
            release = line.release
            if not is_teams_channel(release.channel_ref):
                continue
            channel = release.channel_ref
            if line.entry.private and channel != here:
                continue  # said in private: never posted where more people can see it
            root = roots.get(release.id) or release.thread_ref
            if not root:
                summary = (await self.core.execute(caller, c.ShowRelease(release.name, public=True))).reply
                root = await self._new_thread(turn_context, channel, _card(summary))
                if not root:
                    continue
                await self.core.execute(caller, c.AttachReleaseThread(release.id, channel, root))
            roots[release.id] = root
            touched[release.id] = release
            text = Reply(blocks=(Paragraph((Strong(f"{line.entry.kind.value.capitalize()}: "), line.entry.body)),))
            await self._post(turn_context, f"{channel};messageid={root}", _card(text))
        for release_id, release in touched.items():
            summary = (await self.core.execute(caller, c.ShowRelease(release.name, public=True))).reply
            if not summary.is_error:
                update = _card(summary)
                update.id = roots[release_id]
                await self._proactive(turn_context, release.channel_ref or "", lambda tc, u=update: tc.update_activity(u))

    async def _new_thread(self, turn_context: TurnContext, channel: str, activity: Activity) -> str | None:
        """Start a new conversation (a root post) in a channel; what TeamsInfo.send_message_to_teams_channel
        does, but also in emulator mode, where that helper takes a path CloudAdapter lacks."""
        params = ConversationParameters(is_group=True, channel_data={"channel": {"id": channel}}, activity=activity)
        created: dict[str, str] = {}

        async def remember(tc: TurnContext) -> None:
            created["id"] = tc.activity.id or ""

        try:
            await turn_context.adapter.create_conversation(self.app_id, remember, params, "msteams",
                                                           turn_context.activity.service_url, None)
        except Exception as exc:  # the release is saved; a refused post must not fail the turn
            log.warning("could not start the release thread in %s: %s", channel, exc)
        return created.get("id") or None

    async def _post(self, turn_context: TurnContext, conversation_id: str, activity: Activity) -> None:
        """A message in another conversation (a reply chain); not a reply to this turn's activity."""

        async def send(tc: TurnContext) -> None:
            outgoing = TurnContext.apply_conversation_reference(
                activity, TurnContext.get_conversation_reference(tc.activity))
            outgoing.reply_to_id = None  # a new message in the chain, not a reply to the continuation event
            await tc.adapter.send_activities(tc, [outgoing])

        await self._proactive(turn_context, conversation_id, send)

    async def _proactive(self, turn_context: TurnContext, conversation_id: str, work: Callable[[TurnContext], Any]) -> None:
        """Speak in another conversation of the same team, from inside a turn."""
        reference = TurnContext.get_conversation_reference(turn_context.activity)
        reference.conversation = ConversationAccount(
            id=conversation_id, conversation_type="channel",
            tenant_id=getattr(turn_context.activity.conversation, "tenant_id", None), is_group=True)
        reference.activity_id = None

        async def run(tc: TurnContext) -> None:
            await work(tc)

        try:
            await turn_context.adapter.continue_conversation(reference, run, bot_app_id=self.app_id)
        except Exception as exc:  # the change is saved; a refused post must not fail the turn
            log.warning("could not post in %s: %s", conversation_id, exc)

    # --- delivery -------------------------------------------------------------------------

    async def _deliver(self, turn_context: TurnContext, caller: Caller, outcome: Outcome, clicked: str | None = None,
                       silent: bool = False) -> None:
        """Answer the turn (unless ``silent``: the answer was shown already) and queue DMs to other people."""
        if not silent:
            await self._answer(turn_context, caller, outcome, clicked)
        await self._queue_notices(caller, outcome)

    async def _answer(self, turn_context: TurnContext, caller: Caller, outcome: Outcome, clicked: str | None,
                      link: str | None = None) -> None:
        reply = outcome.reply
        if clicked and not reply.is_error and outcome.handoffs and outcome.today:
            card = handoff_card(outcome.handoffs[0], outcome.today, reply.title)
            update = _card(card)
            update.id = clicked
            await turn_context.update_activity(update)
            return
        sent = await turn_context.send_activity(_card(reply, link))
        if outcome.draft_id is not None and sent and sent.id:
            self._later(self._write_draft(turn_context, caller, outcome.draft_id, sent.id))
        created = [v for v in outcome.handoffs if not v.handoff.message_ref]
        if sent and sent.id and created and not reply.is_error and not reply.ephemeral:
            ref = message_ref(turn_context.activity.conversation.id, sent.id)
            await self.core.execute(caller, c.AttachHandoffMessage(created[0].handoff.number, ref))

    async def _queue_notices(self, caller: Caller, outcome: Outcome) -> None:
        queued = False
        cards = {v.handoff.number: v for v in outcome.handoffs}
        for notice in outcome.notices:
            note = Reply(title=notice.text)
            if notice.reply is not None:
                note = Reply(title=notice.text, blocks=notice.reply.blocks, buttons=notice.reply.buttons)
            elif notice.handoff_number in cards and outcome.today:
                card = handoff_card(cards[notice.handoff_number], outcome.today)
                note = Reply(title=notice.text, blocks=card.blocks, buttons=card.buttons)
            queued |= await self.core.queue(caller.workspace_id, NewDelivery(
                f"notice:{uuid.uuid4().hex}", DeliveryKind.NOTICE, str(Target("dm", notice.to.platform_user_id)), note))
        if queued:
            self.on_queued()


def _card(reply: Reply, link: str | None = None) -> Activity:
    """``link``: a message the reply came from (a message action), opened by a button on the card."""
    card = render_card(reply)
    if link:
        card["actions"] = [{"type": "Action.OpenUrl", "title": "Open the message", "url": link}]
    return _attach(card, card_text(reply))


def _attach(card: dict[str, Any], summary: str = "Handoff") -> Activity:
    activity = MessageFactory.attachment(CardFactory.adaptive_card(card))
    activity.summary = summary
    activity.type = ActivityTypes.message
    return activity
