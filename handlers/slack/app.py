"""Slack transport: the bolt AsyncApp, its Web API client, and the aiohttp routes that host it.

Bolt verifies signatures; this module only adds what bolt leaves out: a 401 (not a 500) for a
missing or non-numeric timestamp, a 400 (not a 500) for a body bolt cannot parse, a body-size
limit, OAuth routes, and Socket Mode start-up.
"""

from __future__ import annotations

import contextlib
import logging
from datetime import timedelta
from typing import Any

from aiohttp import web
from slack_bolt.adapter.aiohttp import to_aiohttp_response, to_bolt_request
from slack_bolt.async_app import AsyncApp
from slack_bolt.oauth.async_oauth_settings import AsyncOAuthSettings
from slack_sdk.http_retry.builtin_async_handlers import (
    AsyncConnectionErrorRetryHandler,
    AsyncRateLimitErrorRetryHandler,
    AsyncServerErrorRetryHandler,
)
from slack_sdk.oauth.state_store.sqlalchemy import AsyncSQLAlchemyOAuthStateStore
from slack_sdk.signature import SignatureVerifier
from slack_sdk.web.async_client import AsyncWebClient
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.chat.core import Core
from bot.log_context import bind_workspace
from bot.settings import Settings
from handlers.messengers import IsActive
from handlers.slack.inbox import SlackInbox, inbox_key, workspace_of_body
from handlers.slack.listeners import register
from handlers.slack.messenger import SlackMessenger
from handlers.slack.pool import pool
from handlers.slack.surface import SlackSurface
from storage.inbox import SqlInbox
from storage.slack_installations import EncryptedInstallationStore
from storage.slack_tables import OAUTH_STATES
from storage.uow import unreachable

log = logging.getLogger("handoff.slack")

# channels:history / groups:history let the outbox check, after a failure that may have posted,
# whether its message is already there (found by its metadata) before it posts again.
BOT_SCOPES = ("app_mentions:read", "channels:history", "channels:read", "chat:write", "commands", "files:write",
              "groups:history", "groups:read", "im:history", "im:write", "users:read")
OAUTH_STATE_SECONDS = 600
UNAVAILABLE = "The database is not answering; try again in a moment."  # what the core says in an outage
SLACK = web.AppKey("slack", AsyncApp)
SLACK_SURFACE = web.AppKey("slack_surface", SlackSurface)


def web_client(settings: Settings) -> AsyncWebClient:
    """The app's client: SLACK_API_URL, and retries for rate limits, 5xx and dropped connections
    (slack_sdk retries only connection errors unless told otherwise)."""
    token = settings.slack_bot_token.get_secret_value() if settings.slack_bot_token and not settings.slack_client_id else None
    return AsyncWebClient(
        token=token,
        base_url=settings.slack_api_url,
        timeout=10,
        retry_handlers=[
            AsyncConnectionErrorRetryHandler(max_retry_count=2),
            AsyncRateLimitErrorRetryHandler(max_retry_count=3),
            AsyncServerErrorRetryHandler(max_retry_count=2),
        ],
    )


def build_slack_messenger(settings: Settings, engine: AsyncEngine) -> tuple[SlackMessenger, IsActive]:
    """The outbox's Slack side: a client without retry handlers (the outbox retries, and looks
    before it repeats), and each workspace's bot token from the installation store."""
    client = AsyncWebClient(base_url=settings.slack_api_url, timeout=10, retry_handlers=[])
    if settings.slack_client_id:
        assert settings.handoff_secret_key is not None
        store = EncryptedInstallationStore(settings.slack_client_id, engine, settings.handoff_secret_key.get_secret_value())

        async def token_for(workspace_id: str) -> str | None:
            installation = await store.async_find_installation(
                enterprise_id=None, team_id=workspace_id.removeprefix("slack:"))
            return installation.bot_token if installation else None
    else:
        assert settings.slack_bot_token is not None
        single = settings.slack_bot_token.get_secret_value()

        async def token_for(workspace_id: str) -> str | None:
            return single

    async def is_active(workspace_id: str) -> bool:
        return bool(await token_for(workspace_id))

    return SlackMessenger(client, token_for), is_active


def build_slack_app(settings: Settings, core: Core, engine: AsyncEngine) -> tuple[AsyncApp, SlackSurface]:
    assert settings.slack_signing_secret is not None
    oauth_settings = None
    if settings.slack_client_id:
        assert settings.slack_client_secret and settings.handoff_secret_key
        oauth_settings = AsyncOAuthSettings(
            client_id=settings.slack_client_id,
            client_secret=settings.slack_client_secret.get_secret_value(),
            scopes=list(BOT_SCOPES),
            installation_store=EncryptedInstallationStore(
                settings.slack_client_id, engine, settings.handoff_secret_key.get_secret_value()),
            state_store=AsyncSQLAlchemyOAuthStateStore(
                expiration_seconds=OAUTH_STATE_SECONDS, engine=engine, table_name=OAUTH_STATES),
            install_path="/slack/install",
            redirect_uri_path="/slack/oauth_redirect",
        )
    app = AsyncApp(
        client=web_client(settings),
        signing_secret=settings.slack_signing_secret.get_secret_value(),
        oauth_settings=oauth_settings,
        # Listeners record through the core, then ack; Web API work runs after in the background.
        process_before_response=True,
        ignoring_self_events_enabled=True,
        # events() checks every signature before anything is parsed; the inbox then replays bodies
        # whose five minutes may have passed (after a restart), which bolt's own check would refuse.
        request_verification_enabled=False,
    )
    if oauth_settings:
        app.enable_token_revocation_listeners()
    surface = SlackSurface(core)
    surface.inbox = SlackInbox(app, SqlInbox(engine, getattr(core.uow_factory, "writer_lock", None)),
                               lease=timedelta(seconds=settings.handoff_inbox_lease))
    register(app, surface)
    return app, surface


def add_routes(web_app: web.Application, bolt: AsyncApp, surface: SlackSurface) -> None:
    web_app[SLACK] = bolt
    web_app[SLACK_SURFACE] = surface
    web_app.router.add_post("/slack/events", events)
    if bolt.oauth_flow is not None:
        web_app.router.add_get("/slack/install", install)
        web_app.router.add_get("/slack/oauth_redirect", oauth_redirect)
    web_app.on_startup.append(_open_session)
    if surface.inbox is not None:
        web_app.on_startup.append(_start_inbox)
    web_app.on_cleanup.append(_drain)


async def events(request: web.Request) -> web.Response:
    timestamp = request.headers.get("X-Slack-Request-Timestamp", "")
    if not (timestamp.isascii() and timestamp.isdigit()):
        # slack_sdk's verifier raises ValueError on these; bolt would answer 500.
        log.warning("refused a Slack request: missing or non-numeric timestamp")
        return web.Response(status=401, text="invalid request")
    bolt = request.app[SLACK]
    # Bolt parses the body before it checks the signature (and raises on some bodies), so the
    # signature is checked here first: a stranger's request is never parsed at all.
    signature = request.headers.get("X-Slack-Signature", "")
    if not SignatureVerifier(bolt._signing_secret).is_valid(await request.read(), timestamp, signature):
        log.warning("refused a Slack request: bad signature or a timestamp more than 5 minutes off")
        return web.Response(status=401, text="invalid request")
    inbox = request.app[SLACK_SURFACE].inbox
    with inbox.acknowledging() if inbox else contextlib.nullcontext():
        try:
            bolt_request = await to_bolt_request(request)
            problem = shape_problem(bolt_request.body)
            if problem is None:
                raw = await request.read()
                if inbox and (key := inbox_key(bolt_request.body, raw)) and (workspace := workspace_of_body(bolt_request.body)):
                    return await _record(inbox, workspace, key, raw, request, bolt_request.body)
                response = await bolt.async_dispatch(bolt_request)
        except (ValueError, TypeError, AttributeError, IndexError, KeyError) as exc:  # bolt's parsing and matching
            problem = type(exc).__name__
        if problem is not None:
            log.warning("refused a malformed Slack request: %s", problem)
            return web.Response(status=400, text="invalid request")
        return await to_aiohttp_response(response)


async def _record(inbox: SlackInbox, workspace: str, key: str, raw: bytes, request: web.Request,
                  body: dict[str, Any]) -> web.Response:
    """Ack once the request is in the inbox. If the database cannot take it, say so: a command
    hears "try again in a moment"; an event or a click gets a 503, so Slack retries the event
    and marks the button as failed, and nothing was accepted that is not recorded."""
    bind_workspace(workspace)
    try:
        await inbox.accept(workspace, key, raw, {k.lower(): v for k, v in request.headers.items()})
    except Exception as exc:
        if not unreachable(exc):
            raise
        log.warning("could not record a Slack request (%s): the database is not answering", type(exc).__name__)
        if body.get("command"):
            return web.json_response({"response_type": "ephemeral", "text": UNAVAILABLE})
        return web.Response(status=503, text="try again in a moment")
    return web.Response(status=200)


_OBJECTS = ("event", "team", "user", "channel", "container", "view", "message", "enterprise", "state")


def shape_problem(body: Any) -> str | None:
    """What bolt's middleware and matchers take for granted in a signed body, or ``None`` if it holds.

    Slack always sends these shapes; a body that breaks them (``"event": []``, ``"actions": []``)
    would raise inside bolt and come back as a 500."""
    if not isinstance(body, dict):
        return "the body is not an object"
    for key in _OBJECTS:  # null is fine for most ("enterprise": null is common); bolt reads into event and view
        if (body.get(key) is not None or (key in body and key in ("event", "view"))) and not isinstance(body[key], dict):
            return f"{key} is not an object"
    team = body.get("team_id") or (body.get("team") or {}).get("id")
    if team is not None and not (isinstance(team, str) and len(team) <= 64):  # "slack:<team>" is a 128-character key
        return "a team id that is not Slack's"
    if body.get("type") == "event_callback" and not isinstance(body.get("event"), dict):
        return "an event callback without an event"
    for key in ("actions", "authorizations"):
        items = body.get(key)
        if items is not None and not (isinstance(items, list) and items and all(isinstance(i, dict) for i in items)):
            return f"{key} is not a list of objects"
    return None


async def install(request: web.Request) -> web.Response:
    bolt = request.app[SLACK]
    assert bolt.oauth_flow is not None
    return await to_aiohttp_response(await bolt.oauth_flow.handle_installation(await to_bolt_request(request)))


async def oauth_redirect(request: web.Request) -> web.Response:
    bolt = request.app[SLACK]
    assert bolt.oauth_flow is not None
    return await to_aiohttp_response(await bolt.oauth_flow.handle_callback(await to_bolt_request(request)))


async def _start_inbox(web_app: web.Application) -> None:
    assert web_app[SLACK_SURFACE].inbox is not None
    web_app[SLACK_SURFACE].inbox.start()


async def _open_session(web_app: web.Application) -> None:
    """Every Web API call and response_url answer of this app reuses one pool of connections."""
    session = pool(web_app[SLACK].client)
    if web_app[SLACK_SURFACE].inbox is not None:
        web_app[SLACK_SURFACE].inbox.session = session


async def _drain(web_app: web.Application) -> None:
    """Shutdown: handle what was acknowledged (each row is safe in the database either way), then
    let the posts it started finish."""
    surface = web_app[SLACK_SURFACE]
    await surface.drain()
    if surface.inbox is not None:
        await surface.inbox.stop()
    if web_app[SLACK].client.session is not None:
        await web_app[SLACK].client.session.close()


def add_socket_mode(web_app: web.Application, bolt: AsyncApp, app_token: str) -> None:
    """Socket Mode: no public URL; the connection opens with the web app and closes with it."""
    from slack_bolt.adapter.socket_mode.async_handler import AsyncSocketModeHandler

    handler = AsyncSocketModeHandler(bolt, app_token)

    async def connect(_: web.Application) -> None:
        await handler.connect_async()

    async def close(_: web.Application) -> None:
        await handler.close_async()

    web_app.on_startup.append(connect)
    web_app.on_cleanup.append(close)
