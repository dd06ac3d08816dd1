"""A request id for every HTTP request, echoed in the response, and one access-log line per request.

The id is the caller's ``X-Request-Id`` when it looks like an id (a load balancer or Heroku's
router sets one, so its logs and ours line up), else a new uuid4. It lives in a context
variable for the length of the request, so every log line the request causes carries it.
aiohttp may serve several requests of one keep-alive connection in one task: both the request
id and the workspace are reset when the request ends, so nothing leaks into the next.
"""

from __future__ import annotations

import logging
import re
import time
import uuid

from aiohttp import web
from aiohttp.typedefs import Handler

from bot.log_context import REQUEST_ID, WORKSPACE

HEADER = "X-Request-Id"
_SANE = re.compile(r"[A-Za-z0-9._:-]{1,128}")
QUIET = frozenset({"/healthz", "/metrics"})  # polled every few seconds: their lines are DEBUG

log = logging.getLogger("handoff.http")


def request_id_from(given: str | None) -> str:
    return given if given and _SANE.fullmatch(given) else uuid.uuid4().hex


@web.middleware
async def request_context(request: web.Request, handler: Handler) -> web.StreamResponse:
    request_id = request_id_from(request.headers.get(HEADER))
    id_token, workspace_token = REQUEST_ID.set(request_id), WORKSPACE.set(None)
    started = time.perf_counter()
    status = 500
    try:
        try:
            response = await handler(request)
        except web.HTTPException as exc:
            status = exc.status
            exc.headers[HEADER] = request_id
            raise
        status = response.status
        if not response.prepared:
            response.headers[HEADER] = request_id
        return response
    finally:
        # The path only: a query string may hold an OAuth code or state.
        log.log(logging.DEBUG if request.path in QUIET else logging.INFO, "%s %s %s in %.1f ms",
                request.method, request.path, status, (time.perf_counter() - started) * 1000)
        REQUEST_ID.reset(id_token)
        WORKSPACE.reset(workspace_token)
