"""Teams transport: ``POST /api/messages`` with botbuilder's CloudAdapter, handled by hand.

``CloudAdapter.process()`` answers 500 for an invoke reply with a body (STACK-NOTES), and lets
some token errors escape as 500s; so this route reads the activity itself, authenticates it
first (any failure is a 401, and the bot never runs), then hands the verified request to
``process_activity``. With no ``MICROSOFT_APP_ID`` it is the Bot Framework Emulator's
unauthenticated mode, which the app only mounts when it listens on loopback.

Messages are recorded in the inbox and answered 201 before they run (``handlers.teams.inbox``);
invokes run inline, since Teams reads their answer from the HTTP response.
"""

from __future__ import annotations

import contextlib
import json
import logging
from dataclasses import dataclass
from typing import Any

from aiohttp import web
from botbuilder.core import ShowTypingMiddleware, TurnContext
from botbuilder.integration.aiohttp import CloudAdapter, ConfigurationBotFrameworkAuthentication
from botbuilder.schema import Activity, ActivityEventNames, CallerIdConstants
from botframework.connector.auth import AuthenticationConstants

from bot.chat.core import Core
from bot.settings import Settings
from handlers.teams.inbox import TeamsInbox, inbox_key
from handlers.teams.surface import TeamsBot

log = logging.getLogger("handoff.teams")

MAX_BODY = 256 * 1024  # Teams activities are far smaller; anything larger is refused unread
TEAMS_BOT = web.AppKey("teams_bot", TeamsBot)
TEAMS_ADAPTER = web.AppKey("teams_adapter", CloudAdapter)
TEAMS_AUTH = web.AppKey("teams_auth", ConfigurationBotFrameworkAuthentication)
TEAMS_INBOX = web.AppKey("teams_inbox", TeamsInbox)
# A turn that has not answered after this long shows "typing…" (Teams clears it when the reply lands).
TYPING_AFTER = 0.4


@dataclass
class BotConfig:
    """The attribute names ConfigurationBotFrameworkAuthentication reads."""

    APP_ID: str = ""
    APP_PASSWORD: str = ""
    APP_TYPE: str = "MultiTenant"
    APP_TENANTID: str = ""
    # Set only to move the key metadata (tests, sovereign clouds); then every public-cloud value
    # must be spelled out, since botbuilder switches to its fully parameterised authentication.
    TO_BOT_FROM_CHANNEL_OPENID_METADATA_URL: str | None = None
    TO_BOT_FROM_EMULATOR_OPENID_METADATA_URL: str | None = None
    TO_BOT_FROM_CHANNEL_TOKEN_ISSUER: str | None = None
    TO_CHANNEL_FROM_BOT_LOGIN_URL: str | None = None
    TO_CHANNEL_FROM_BOT_OAUTH_SCOPE: str | None = None
    OAUTH_URL: str | None = None
    CALLER_ID: str | None = None


def bot_config(settings: Settings) -> BotConfig:
    password = settings.microsoft_app_password.get_secret_value() if settings.microsoft_app_password else ""
    config = BotConfig(settings.microsoft_app_id or "", password, settings.microsoft_app_type,
                       settings.microsoft_app_tenant_id or "")
    if metadata := settings.microsoft_openid_metadata_url:
        config.TO_BOT_FROM_CHANNEL_OPENID_METADATA_URL = config.TO_BOT_FROM_EMULATOR_OPENID_METADATA_URL = metadata
        config.TO_BOT_FROM_CHANNEL_TOKEN_ISSUER = AuthenticationConstants.TO_BOT_FROM_CHANNEL_TOKEN_ISSUER
        config.TO_CHANNEL_FROM_BOT_LOGIN_URL = AuthenticationConstants.TO_CHANNEL_FROM_BOT_LOGIN_URL_PREFIX + (
            settings.microsoft_app_tenant_id or AuthenticationConstants.DEFAULT_CHANNEL_AUTH_TENANT)
        config.TO_CHANNEL_FROM_BOT_OAUTH_SCOPE = AuthenticationConstants.TO_CHANNEL_FROM_BOT_OAUTH_SCOPE
        config.OAUTH_URL = AuthenticationConstants.OAUTH_URL
        config.CALLER_ID = CallerIdConstants.public_azure_channel.value
    return config


def build_teams(settings: Settings, core: Core) -> tuple[CloudAdapter, ConfigurationBotFrameworkAuthentication, TeamsBot]:
    auth = ConfigurationBotFrameworkAuthentication(bot_config(settings))
    adapter = CloudAdapter(auth)
    bot = TeamsBot(core, settings.microsoft_app_id or "")

    async def on_error(turn_context: TurnContext, error: Exception) -> None:
        if turn_context.activity.name in (ActivityEventNames.continue_conversation,
                                          ActivityEventNames.create_conversation):
            raise error  # a proactive send: its caller (the outbox, an export's offer) must see it fail
        log.error("Teams turn failed", exc_info=error)
        await turn_context.send_activity("Sorry, something went wrong on my side. Please try again.")

    adapter.on_turn_error = on_error
    adapter.use(ShowTypingMiddleware(delay=TYPING_AFTER, period=2.0))
    return adapter, auth, bot


def add_routes(app: web.Application, adapter: CloudAdapter, auth: ConfigurationBotFrameworkAuthentication,
               bot: TeamsBot, inbox: TeamsInbox | None = None) -> None:
    app[TEAMS_ADAPTER] = adapter
    app[TEAMS_AUTH] = auth
    app[TEAMS_BOT] = bot
    app.router.add_post("/api/messages", messages)
    if inbox is not None:
        app[TEAMS_INBOX] = inbox
        app.on_startup.append(_start_inbox)
        app.on_shutdown.append(_stop_inbox)


async def _start_inbox(app: web.Application) -> None:
    app[TEAMS_INBOX].start()


async def _stop_inbox(app: web.Application) -> None:
    """Requests in flight have been answered: finish the turns being run; the rest wait in the inbox."""
    await app[TEAMS_INBOX].stop()


async def messages(request: web.Request) -> web.Response:
    inbox = request.app.get(TEAMS_INBOX)
    with inbox.acknowledging() if inbox is not None else contextlib.nullcontext():
        return await _messages(request, inbox)


async def _messages(request: web.Request, inbox: TeamsInbox | None) -> web.Response:
    if (request.content_length or 0) > MAX_BODY:
        return web.Response(status=413, text="too large")
    raw = await request.content.read(MAX_BODY + 1)
    if len(raw) > MAX_BODY:
        return web.Response(status=413, text="too large")
    try:
        body = json.loads(raw)
        activity = Activity().deserialize(body) if isinstance(body, dict) else None
    except (ValueError, TypeError, AttributeError):
        activity = None
    if activity is None or not _well_formed(activity):
        return web.Response(status=400, text="not a Bot Framework activity")
    try:
        verified = await request.app[TEAMS_AUTH].authenticate_request(activity, request.headers.get("Authorization", ""))
    except Exception as exc:  # PermissionError, jwt errors, KeyError on a bad key id: all mean "not Teams"
        log.warning("refused a Teams request: %s", type(exc).__name__)
        return web.Response(status=401, text="unauthorized")
    if inbox is not None and (key := inbox_key(activity)):
        try:
            await inbox.accept(key, body, activity, verified)
            return web.Response(status=201)
        except Exception as exc:  # the database cannot take it: run the turn now, which answers for itself
            log.warning("could not record a Teams activity (%s); running it inline", type(exc).__name__)
    invoke = await request.app[TEAMS_ADAPTER].process_activity(verified, activity, request.app[TEAMS_BOT].on_turn)
    if invoke is not None:
        return web.json_response(_plain(invoke.body), status=invoke.status)
    return web.Response(status=201)


def _well_formed(activity: Activity) -> bool:
    """What every activity from a Bot Framework channel carries: a type, who sent it, in which
    conversation, and where to answer. Without them a turn cannot be answered or attributed."""
    return all(isinstance(v, str) and v for v in (
        activity.type, activity.service_url, getattr(activity.from_property, "id", None),
        getattr(activity.conversation, "id", None)))


def _plain(body: Any) -> Any:
    return body.serialize() if hasattr(body, "serialize") else body
