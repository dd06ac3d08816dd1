"""One pooled HTTP session for a process's Slack calls.

Without a session of its own, slack_sdk's ``AsyncWebClient`` (and ``AsyncWebhookClient``) opens a
new ``aiohttp.ClientSession`` for every call: a new TCP and TLS connection to Slack each time, which
was about a fifth of a command's CPU in ``bench.paths``. bolt hands the app client's session on to
the client it makes for each request, so setting it once here covers every listener.
"""

from __future__ import annotations

import aiohttp
from slack_sdk.web.async_client import AsyncWebClient

TIMEOUT_SECONDS = 10  # what each client was built with; a pooled session carries it instead


def open_session() -> aiohttp.ClientSession:
    """A keep-alive session for Slack calls; open it in a running event loop, close it at shutdown."""
    return aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=TIMEOUT_SECONDS))


def pool(client: AsyncWebClient) -> aiohttp.ClientSession:
    """Give ``client`` a pooled session unless it has an open one; returns the session it uses."""
    if client.session is None or client.session.closed:
        client.session = open_session()
    return client.session
