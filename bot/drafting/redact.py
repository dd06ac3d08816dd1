"""Secrets and email addresses out of text, before a model, a post or the database sees it.

Every pattern is matched against the text as it is, the matches are merged (the earliest, then
the longest, wins an overlap), and each is replaced once. A marker already in the text
(``[redacted secret]``) is never matched or cut into, so redacting twice changes nothing:
``redact(redact(x)) == redact(x)``. A few inputs only reveal a secret once a neighbour is
replaced ("token: " followed by a key), so the pass runs again until nothing changes; each pass
shrinks the unredacted text, so that ends.
"""

from __future__ import annotations

import re

SECRET = "[redacted secret]"
EMAIL = "[redacted email]"

_MARKER = re.compile(re.escape(SECRET) + "|" + re.escape(EMAIL))
_NOT_A_MARKER = rf"(?!{re.escape(SECRET)}|{re.escape(EMAIL)})"
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
# "password: hunter2", "api_key=abc123", "secret → xyz": keep the label, drop the value (group 1),
# all of it: a password's last character may be punctuation too.
_LABELLED = re.compile(
    r"(?i)\b(?:pass(?:word|wd|phrase)?|pwd|secret|api[_ -]?key|access[_ -]?key|token|client[_ -]?secret)"
    rf"\s*(?:is|[:=]|=>|→)\s*{_NOT_A_MARKER}(\"[^\"]+\"|'[^']+'|(?:{_NOT_A_MARKER}\S)+)"
)
_EMAIL = re.compile(r"[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}")


def redact(text: str) -> str:
    for _ in range(len(text) + 1):  # in practice once or twice; the bound only guarantees an end
        again = _redact_once(text)
        if again == text:
            return text
        text = again
    return text


def _redact_once(text: str) -> str:
    kept = [m.span() for m in _MARKER.finditer(text)]
    found: list[tuple[int, int, str]] = []
    for pattern in _SECRETS:
        found += [(*m.span(), SECRET) for m in pattern.finditer(text)]
    found += [(*m.span(1), SECRET) for m in _LABELLED.finditer(text)]
    found += [(*m.span(), EMAIL) for m in _EMAIL.finditer(text)]
    out, at = [], 0
    for start, end, marker in sorted(found, key=lambda f: (f[0], -f[1])):
        if start < at:
            continue  # inside one already replaced
        out += [text[at:start], _around_markers(text[start:end], start, kept, marker)]
        at = end
    out.append(text[at:])
    return "".join(out)


def _around_markers(span: str, offset: int, kept: list[tuple[int, int]], marker: str) -> str:
    """The span replaced by ``marker``, except the markers already in it, which stay whole; what
    lies between them is replaced word by word (a quoted value around a marker leaks nothing)."""
    inside = [(s - offset, e - offset) for s, e in kept if s < offset + len(span) and offset < e]
    if not inside:
        return marker
    pieces, at = [], 0
    for s, e in inside:
        pieces += [_WORDS.sub(marker, span[at:max(s, at)]), span[max(s, 0):e]]
        at = e
    pieces.append(_WORDS.sub(marker, span[at:]))
    return "".join(pieces)


_WORDS = re.compile(r"\S+")
