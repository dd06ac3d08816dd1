"""Redaction is idempotent and never mangles its own markers (issue 14, finding 6)."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from bot.drafting.redact import EMAIL, SECRET, redact

KEY = "sk-abcdefghijklmnopqrstuvwx"
PIECES = st.sampled_from([
    "My api key is ", "password: ", "token=", "secret → ", "api_key is ", "Bearer ", "the token bucket ",
    KEY, "xoxb-123456789012-abcdef", "hunter2", "dana.s@example.co.uk", SECRET, EMAIL, "[", "]", " ", "\n", "is",
    ":", "=", "'quoted value'", '"two words"', "AKIAABCDEFGHIJKLMNOP", "word", "é", "ghp_" + "a" * 36,
])
TEXTS = st.lists(PIECES | st.text(max_size=6), max_size=14).map("".join)


@settings(max_examples=600, deadline=None)
@given(TEXTS)
def test_redacting_twice_is_redacting_once(text: str) -> None:
    once = redact(text)
    assert redact(once) == once


@settings(max_examples=600, deadline=None)
@given(st.lists(PIECES.filter(lambda p: "[" not in p and "]" not in p) | st.text(alphabet="ab :=\n", max_size=5),
                max_size=14).map("".join))
def test_every_bracket_in_the_output_belongs_to_a_whole_marker(text: str) -> None:
    out = redact(text)
    markers = out.count(SECRET) + out.count(EMAIL)
    assert out.count("]") == markers and out.count("[") == markers


def test_the_reported_note_comes_out_whole() -> None:
    note = f"My api key is {KEY} and my password: hunter2, mail dana@example.com"
    assert redact(note) == f"My api key is {SECRET} and my password: {SECRET} mail {EMAIL}"  # the comma could be the password's
    assert redact(redact(note)) == redact(note)
    assert redact(f"token: {SECRET}") == f"token: {SECRET}"
    assert redact(f"use {KEY}. Then password is abc!") == f"use {SECRET}. Then password is {SECRET}"
    quoted = redact(f'password: "a {SECRET} b"')  # a marker inside a quoted value: the words around it go too
    assert "a " not in quoted.split(":", 1)[1] and " b" not in quoted and redact(quoted) == quoted
