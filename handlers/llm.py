"""The drafting model: any OpenAI-compatible server through the official ``openai`` client.

Chat Completions (the widest common ground across OpenAI, Azure OpenAI, vLLM and Ollama), streamed
so a platform can show the draft filling in, with ``json_schema`` structured output where the
server accepts it and plain JSON mode where it does not. The client's own timeout and single
retry bound each call; the draft service adds a total deadline and a circuit breaker.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Awaitable, Callable
from typing import Any

from openai import (
    APIConnectionError,
    APIError,
    APIStatusError,
    APITimeoutError,
    AsyncOpenAI,
    BadRequestError,
    RateLimitError,
)

from bot.drafting.service import Completion, DraftUnavailable
from bot.settings import Settings

log = logging.getLogger("handoff.llm")

PROGRESS_EVERY = 1.0  # seconds: a platform updates the message at most this often
REQUEST_TIMEOUT = 20.0


class OpenAIDrafter:
    def __init__(self, api_key: str, model: str, base_url: str | None = None, *, timeout: float = REQUEST_TIMEOUT) -> None:
        self.client = AsyncOpenAI(api_key=api_key, base_url=base_url, timeout=timeout, max_retries=1)
        self.model = model
        self.structured = True  # until the server says it does not know json_schema

    async def complete(self, messages: list[dict[str, str]], schema: dict,
                       on_text: Callable[[str], Awaitable[None]] | None = None) -> Completion:
        try:
            stream = await self._create(messages, schema)
        except BadRequestError as exc:
            if not self.structured or ("response_format" not in str(exc) and "json_schema" not in str(exc)):
                raise DraftUnavailable(f"the model server refused the request ({exc.status_code})") from None
            log.info("the model server does not take json_schema; using JSON mode")
            self.structured = False
            stream = await self._guard(self._create(messages, schema))
        except (APITimeoutError, APIConnectionError, RateLimitError, APIStatusError) as exc:
            raise _unavailable(exc) from None
        return await self._read(stream, messages, on_text)

    async def _create(self, messages: list[dict[str, str]], schema: dict) -> Any:
        response_format: dict[str, Any] = (
            {"type": "json_schema", "json_schema": {"name": "customer_messaging", "schema": schema, "strict": True}}
            if self.structured else {"type": "json_object"}
        )
        return await self.client.chat.completions.create(
            model=self.model, messages=messages, temperature=0.3, stream=True, response_format=response_format,
            stream_options={"include_usage": True},
        )

    @staticmethod
    async def _guard(call: Awaitable[Any]) -> Any:
        try:
            return await call
        except (APITimeoutError, APIConnectionError, RateLimitError, APIStatusError) as exc:
            raise _unavailable(exc) from None

    @staticmethod
    async def _read(stream: Any, messages: list[dict[str, str]],
                    on_text: Callable[[str], Awaitable[None]] | None) -> Completion:
        parts: list[str] = []
        tokens = 0
        shown = 0.0
        try:
            async for chunk in stream:
                if chunk.usage:
                    tokens = chunk.usage.total_tokens or tokens
                for choice in chunk.choices or []:
                    if choice.delta and choice.delta.content:
                        parts.append(choice.delta.content)
                if on_text and parts and time.monotonic() - shown >= PROGRESS_EVERY:
                    shown = time.monotonic()
                    await on_text("".join(parts))
        except (APITimeoutError, APIConnectionError, APIError) as exc:
            raise _unavailable(exc) from None
        text = "".join(parts)
        if not tokens:  # a server that reports no usage: count roughly, a token is ~4 characters
            tokens = (sum(len(m["content"]) for m in messages) + len(text)) // 4
        return Completion(text, tokens)


def _unavailable(exc: Exception) -> DraftUnavailable:
    if isinstance(exc, APITimeoutError):  # a subclass of APIConnectionError: first
        return DraftUnavailable("it took too long")
    if isinstance(exc, APIConnectionError):
        return DraftUnavailable("the model server cannot be reached")
    if isinstance(exc, RateLimitError):
        return DraftUnavailable("the model server is rate limiting us")
    if isinstance(exc, APIStatusError):
        return DraftUnavailable(f"the model server answered {exc.status_code}")
    return DraftUnavailable("the model server broke off its answer")


def build_drafter(settings: Settings) -> OpenAIDrafter | None:
    """Drafting is on when a model and a key are set (a local server takes any key)."""
    if not (settings.handoff_draft_model and settings.openai_api_key):
        return None
    return OpenAIDrafter(settings.openai_api_key.get_secret_value(), settings.handoff_draft_model,
                         settings.openai_base_url)
