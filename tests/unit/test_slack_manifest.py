"""The install kit matches the code: commands, shortcuts, events and scopes the app relies on."""

from __future__ import annotations

import re
from pathlib import Path

from handlers.slack.app import BOT_SCOPES

MANIFEST = (Path(__file__).resolve().parents[2] / "deploy" / "slack-manifest.yml").read_text()


def test_manifest_declares_what_the_listeners_handle() -> None:
    for needed in ("command: /handoff", "callback_id: handoff_message", "callback_id: add_to_release_thread",
                   "- app_mention", "- app_home_opened", "- message.im", "- tokens_revoked", "- app_uninstalled",
                   "home_tab_enabled: true", "should_escape: true", "/slack/oauth_redirect"):
        assert needed in MANIFEST, needed


def test_manifest_scopes_are_exactly_the_ones_oauth_asks_for() -> None:
    bot_section = MANIFEST.split("bot:", 1)[1].split("settings:", 1)[0]
    scopes = re.findall(r"^\s+- ([a-z:._]+)", bot_section, re.MULTILINE)
    assert sorted(scopes) == sorted(BOT_SCOPES)
