"""The outbox's way into Teams: proactive messages through stored ConversationReferences.

A DM goes to the person's 1:1 chat, created with the connector when there is none yet (the
service URL and tenant come from any conversation of the same tenant). 403/404 from the
connector mean the bot was removed or the person left: the reference is marked dead and the
delivery fails for good (the outbox reports it once). 429/412/502/504 are retried by the outbox
with backoff and jitter. The connector cannot be searched for an earlier post, so a timeout
after Teams accepted a message may repeat it once; Slack has no such gap.
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime
from typing import Any

from botbuilder.core import CardFactory, MessageFactory, TurnContext
from botbuilder.integration.aiohttp import CloudAdapter
from botbuilder.schema import ChannelAccount, ConversationParameters, ConversationReference
from msrest.exceptions import ClientRequestError, HttpOperationError

from bot.delivery.outbox import DeliveryFailed
from bot.ports import UnitOfWorkFactory
from bot.records import Delivery, Target
from bot.reply import Reply
from handlers.teams.render import card_text, render_card

log = logging.getLogger("handoff.teams.outbox")

GONE = frozenset({403, 404})
RETRY = frozenset({412, 429, 502, 503, 504})


class TeamsMessenger:
    max_attempts = 5  # RELIABILITY 12: Teams' throttling answers get at most five tries

    def __init__(self, adapter: CloudAdapter, app_id: str, uow_factory: UnitOfWorkFactory) -> None:
        self.adapter = adapter
        self.app_id = app_id
        self.uow_factory = uow_factory

    async def send(self, delivery: Delivery, reply: Reply) -> str:
        target = Target.parse(delivery.target)
        conversation = target.address if target.kind != "dm" else None
        reference = await self._reference(delivery.workspace_id, target)
        sent: dict[str, Any] = {}

        def card() -> Any:
            activity = MessageFactory.attachment(CardFactory.adaptive_card(render_card(reply)))
            activity.summary = card_text(reply)
            return activity

        async def post(turn_context: TurnContext) -> None:
            response = await turn_context.send_activity(card())
            sent["id"] = response.id if response else ""
            sent["conversation"] = turn_context.activity.conversation.id

        async def started(turn_context: TurnContext) -> None:
            # Teams names the new post in the conversation id it returns ("19:…;messageid=…"); the
            # activity id botbuilder fills in when the connector gives none is a made-up uuid.
            created = turn_context.activity.conversation.id if turn_context.activity.conversation else ""
            sent["conversation"], _, sent["id"] = created.partition(";messageid=")

        try:
            if target.kind == "channel" and _is_channel(reference):
                # A digest is a new post in the channel, not one more reply in the chain it was asked from.
                channel = reference.conversation.id.split(";", 1)[0]
                tenant = reference.conversation.tenant_id
                params = ConversationParameters(is_group=True, activity=card(), tenant_id=tenant,
                                                channel_data={"channel": {"id": channel},
                                                              **({"tenant": {"id": tenant}} if tenant else {})})
                await self.adapter.create_conversation(self.app_id, started, params, reference.channel_id or "msteams",
                                                       reference.service_url)
            else:
                await self.adapter.continue_conversation(reference, post, bot_app_id=self.app_id)
        except HttpOperationError as exc:
            status = exc.response.status_code if exc.response is not None else 0
            if status in GONE:
                await self._mark_dead(delivery.workspace_id, conversation or reference.conversation.id)
                raise DeliveryFailed(f"teams_{status}", permanent=True) from None
            retry_after = _retry_after(exc) if status == 429 else None
            raise DeliveryFailed(f"teams_{status}", retry_after=retry_after, uncertain=status >= 500) from None
        except (OSError, ClientRequestError) as exc:
            raise DeliveryFailed(f"no answer from Teams ({type(exc).__name__})", uncertain=True) from None
        return f"{sent.get('conversation', '')}|{sent.get('id', '')}"

    async def find_sent(self, delivery: Delivery) -> str | None:
        return None  # the Bot Connector cannot list a conversation's messages

    async def _reference(self, workspace_id: str, target: Target) -> ConversationReference:
        async with self.uow_factory(workspace_id) as uow:
            if target.kind == "dm":
                stored = await uow.conversations.personal(target.address)
                template = None if stored else await uow.conversations.any_reference()
            else:
                conversation = target.address if not target.thread else f"{target.address};messageid={target.thread}"
                stored = await uow.conversations.get(target.address)
                if stored and target.thread:
                    stored = {**stored, "conversation": {**stored.get("conversation", {}), "id": conversation}}
                if stored is None and _bare_channel(target.address):
                    # Teams names every message's conversation by its reply chain ("19:…;messageid=…"), never
                    # the bare channel: the tenant's service URL and bot, with the channel, start a new post.
                    stored = _in_channel(await uow.conversations.any_reference(), target.address)
                template = None
        if stored:
            return ConversationReference().deserialize(stored)
        if template is None:
            raise DeliveryFailed("no_conversation", permanent=True)
        return await self._open_chat(workspace_id, target.address, ConversationReference().deserialize(template))

    async def _open_chat(self, workspace_id: str, user_id: str, template: ConversationReference) -> ConversationReference:
        """Create the 1:1 chat with a person the bot has not spoken with yet, and remember it."""
        tenant = template.conversation.tenant_id if template.conversation else None
        params = ConversationParameters(is_group=False, bot=template.bot, members=[ChannelAccount(id=user_id)],
                                        tenant_id=tenant, channel_data={"tenant": {"id": tenant}} if tenant else None)
        created: dict[str, Any] = {}

        async def remember(turn_context: TurnContext) -> None:
            created["reference"] = TurnContext.get_conversation_reference(turn_context.activity)

        try:
            await self.adapter.create_conversation(self.app_id, remember, params, template.channel_id or "msteams",
                                                   template.service_url)
        except HttpOperationError as exc:
            status = exc.response.status_code if exc.response is not None else 0
            raise DeliveryFailed(f"teams_{status}", permanent=status in GONE) from None
        reference: ConversationReference = created["reference"]
        reference.user = ChannelAccount(id=user_id)
        async with self.uow_factory(workspace_id) as uow:
            await uow.conversations.save(reference.conversation.id, "personal", user_id, reference.serialize(),
                                         datetime.now(UTC))
            await uow.commit()
        return reference

    async def _mark_dead(self, workspace_id: str, conversation_id: str) -> None:
        async with self.uow_factory(workspace_id) as uow:
            if await uow.conversations.mark_dead(conversation_id):
                log.warning("Teams says the bot can no longer post in %s: marked inactive", conversation_id)
            await uow.commit()


def _bare_channel(address: str) -> bool:
    return address.startswith("19:") and "@thread" in address and ";" not in address


def _in_channel(template: dict | None, channel: str) -> dict | None:
    if template is None:
        return None
    tenant = (template.get("conversation") or {}).get("tenantId")
    return {**template, "activityId": None, "user": None,
            "conversation": {"id": channel, "conversationType": "channel", "isGroup": True, "tenantId": tenant}}


def _is_channel(reference: ConversationReference) -> bool:
    return bool(reference.conversation and reference.conversation.conversation_type == "channel")


def _retry_after(exc: HttpOperationError) -> float | None:
    try:
        return float(exc.response.headers.get("Retry-After", "")) if exc.response is not None else None
    except ValueError:
        return None
