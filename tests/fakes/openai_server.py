"""A fake OpenAI-compatible server on 127.0.0.1: the real ``openai`` client talks to it over HTTP.

Answers are scripted per request: a JSON body, a stream of chunks (SSE), an HTTP status (429,
500, 400 for ``json_schema``), or a hang. Every request body is kept, so tests can read the
prompt the bot sent.
"""

from __future__ import annotations

import asyncio
import json
from dataclasses import dataclass, field
from types import TracebackType
from typing import Any

from aiohttp import web

from tests.fakes.loopback import serve


@dataclass
class Script:
    kind: str  # "text" | "status" | "hang" | "no_json_schema"
    text: str = ""
    status: int = 200
    chunks: int = 4  # a text answer is streamed in this many pieces when the client streams
    delay: float = 0.0  # between chunks


@dataclass
class FakeOpenAI:
    requests: list[dict[str, Any]] = field(default_factory=list)
    script: list[Script] = field(default_factory=list)
    default: Script | None = None
    port: int = 0

    async def __aenter__(self) -> FakeOpenAI:
        self._closing = asyncio.Event()
        app = web.Application()
        app.router.add_post("/v1/chat/completions", self._complete)
        self._runner, self.port = await serve(app)
        return self

    async def __aexit__(self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None) -> None:
        self._closing.set()
        await self._runner.cleanup()

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/v1"

    def answer(self, text: str, **kw: Any) -> None:
        self.script.append(Script("text", text, **kw))

    def fail(self, status: int) -> None:
        self.script.append(Script("status", status=status))

    def hang(self) -> None:
        self.script.append(Script("hang"))

    def prompt(self, index: int = -1) -> str:
        return "\n".join(m["content"] for m in self.requests[index]["messages"])

    async def _complete(self, request: web.Request) -> web.StreamResponse:
        body = await request.json()
        self.requests.append(body)
        step = self.script.pop(0) if self.script else self.default
        if step is None:
            return web.json_response({"error": {"message": "nothing scripted"}}, status=500)
        if step.kind == "hang":
            await self._closing.wait()  # until the test ends: the client must give up first
        if step.kind == "no_json_schema" and (body.get("response_format") or {}).get("type") == "json_schema":
            return web.json_response({"error": {"message": "response_format json_schema is not supported", "type": "invalid_request_error"}},
                                     status=400)
        if step.kind == "status":
            headers = {"retry-after": "0"} if step.status == 429 else {}
            return web.json_response({"error": {"message": f"scripted {step.status}"}}, status=step.status, headers=headers)
        if not body.get("stream"):
            return web.json_response(_completion(step.text))
        response = web.StreamResponse(headers={"Content-Type": "text/event-stream"})
        await response.prepare(request)
        size = max(1, -(-len(step.text) // step.chunks))
        for i in range(0, len(step.text), size):
            await response.write(_sse(_chunk(step.text[i:i + size])))
            if step.delay:
                await asyncio.sleep(step.delay)
        await response.write(_sse({**_chunk(None), "choices": [],
                                   "usage": {"prompt_tokens": 100, "completion_tokens": 50, "total_tokens": 150}}))
        await response.write(b"data: [DONE]\n\n")
        return response


def _chunk(text: str | None) -> dict[str, Any]:
    return {"id": "c1", "object": "chat.completion.chunk", "created": 0, "model": "fake",
            "choices": [{"index": 0, "delta": {"content": text} if text is not None else {}, "finish_reason": None}]}


def _completion(text: str) -> dict[str, Any]:
    return {"id": "c1", "object": "chat.completion", "created": 0, "model": "fake",
            "choices": [{"index": 0, "message": {"role": "assistant", "content": text}, "finish_reason": "stop"}],
            "usage": {"prompt_tokens": 100, "completion_tokens": 50, "total_tokens": 150}}


def _sse(data: dict[str, Any]) -> bytes:
    return f"data: {json.dumps(data)}\n\n".encode()
