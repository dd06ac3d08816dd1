"""Secrets and email addresses out of text, before a model, a post or the database sees it."""

from __future__ import annotations

import re

SECRET = "[redacted secret]"
EMAIL = "[redacted email]"

_SECRETS = [
    re.compile(r"\bxox[abposr]-[A-Za-z0-9-]{6,}"),  # Slack bot, user, app-level and refresh tokens
    re.compile(r"\bxapp-[A-Za-z0-9-]{6,}"),
    re.compile(r"\bsk-(?:proj-|ant-)?[A-Za-z0-9_-]{16,}"),  # OpenAI / Anthropic style API keys
    re.compile(r"\b(?:AKIA|ASIA)[A-Z0-9]{16}\b"),  # AWS access key ids
    re.compile(r"\bgh[pousr]_[A-Za-z0-9]{30,}\b"),  # GitHub tokens
    re.compile(r"\bAIza[0-9A-Za-z_-]{35}\b"),  # Google API keys
    re.compile(r"\beyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}"),  # JWTs
    re.compile(r"-----BEGIN [A-Z ]*PRIVATE KEY-----[\s\S]*?-----END [A-Z ]*PRIVATE KEY-----"),
    re.compile(r"(?i)\b(?:bearer|basic)\s+[A-Za-z0-9._~+/=-]{16,}"),
]
# "password: hunter2", "api_key=abc123", "secret → xyz": keep the label, drop the value.
_LABELLED = re.compile(
    r"(?i)\b(pass(?:word|wd|phrase)?|pwd|secret|api[_ -]?key|access[_ -]?key|token|client[_ -]?secret)"
    r"(\s*(?:is|[:=]|=>|→)\s*)(\"[^\"]+\"|'[^']+'|\S+)"
)
_EMAIL = re.compile(r"[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}")


def redact(text: str) -> str:
    for pattern in _SECRETS:
        text = pattern.sub(SECRET, text)
    text = _LABELLED.sub(lambda m: m.group(1) + m.group(2) + (m.group(3) if m.group(3) == SECRET else SECRET), text)
    return _EMAIL.sub(EMAIL, text)
