"""`python app.py serve` with no credentials, as a real process: the Bot Framework Emulator's mode.

On loopback it serves ``/api/messages`` unauthenticated and says so in one log line; anywhere
else it refuses to start. ``python app.py`` with no command stays the local shell (test_shell).
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from pathlib import Path
from typing import Any

import aiohttp

from tests.e2e.teams_harness import assert_valid_card, card_text
from tests.e2e.worker_harness import ROOT, until
from tests.fakes.teams_connector import TeamsConnector

EMULATOR_LINE = "no Slack or Teams credentials: serving /api/messages unauthenticated for the Bot Framework Emulator"


def clean_env(tmp_path: Path, **extra: str) -> dict[str, str]:
    """No platform credentials, a SQLite file of its own, JSON logs to read the lines from."""
    base = {k: v for k, v in os.environ.items() if not k.startswith(("SLACK_", "MICROSOFT_", "OPENAI_", "DATABASE_URL",
                                                                     "HANDOFF_", "PORT", "HOST"))}
    return {**base, "DATABASE_URL": f"sqlite:///{tmp_path / 'emulator.db'}", "HANDOFF_LOG_FORMAT": "json",
            "HANDOFF_SCHEDULER": "off", "PORT": "0", **extra}


def log_messages(path: Path) -> list[str]:
    return [json.loads(line)["message"] for line in path.read_text().splitlines() if line.startswith("{")]


def emulator_message(connector: TeamsConnector, text: str) -> dict[str, Any]:
    """What the Emulator posts: channel ``emulator``, no tenant, no token, replies to its own serviceUrl."""
    return {
        "type": "message", "id": "emu-1", "channelId": "emulator", "serviceUrl": connector.url,
        "timestamp": "2026-11-23T10:00:00.000Z", "localTimestamp": "2026-11-23T11:00:00.000+01:00", "locale": "en-US",
        "from": {"id": "emulator-user-1", "name": "User", "role": "user"},
        "conversation": {"id": "emulator-conversation-1"},
        "recipient": {"id": "emulator-bot-1", "name": "Bot", "role": "bot"},
        "text": text, "textFormat": "plain",
    }


def launch(env: dict[str, str], log: Path) -> subprocess.Popen[bytes]:
    return subprocess.Popen([sys.executable, "app.py", "serve"], cwd=ROOT, env=env, stdout=log.open("ab"),
                            stderr=subprocess.STDOUT)


async def stop(process: subprocess.Popen[bytes]) -> None:
    """SIGTERM without blocking the loop (the connector the process talks to runs on it)."""
    process.send_signal(signal.SIGTERM)
    try:
        await until(lambda: process.poll() is not None, 10)
    except TimeoutError:
        process.kill()
        process.wait(5)


async def test_serve_without_credentials_on_loopback_answers_the_emulator(tmp_path: Path) -> None:
    log = tmp_path / "serve.log"
    server = launch(clean_env(tmp_path, HOST="127.0.0.1"), log)
    try:
        async with TeamsConnector() as connector:
            await until(lambda: any(EMULATOR_LINE in m for m in log_messages(log)) or server.poll() is not None, 30)
            assert server.poll() is None, log.read_text()[-2000:]
            messages = log_messages(log)
            assert sum(EMULATOR_LINE in m for m in messages) == 1, messages
            url = next(m for m in messages if m.startswith("listening on ")).split(" on ", 1)[1]
            async with aiohttp.ClientSession() as http, http.post(
                    f"{url}/api/messages", json=emulator_message(connector, "who owns battlecards?")) as r:
                assert r.status in (200, 201), await r.text()
            await until(lambda: connector.cards("emulator-conversation-1"), 10)  # in the turn, or just after it
            replies = [s for s in connector.sent if s.conversation == "emulator-conversation-1"]
            assert replies and all(s.method == "POST" and s.authorization is None for s in replies)
            [card] = connector.cards("emulator-conversation-1")
            assert_valid_card(card)
            assert "competitive messaging" in card_text(card).lower()
    finally:
        await stop(server)
    assert server.returncode == 0, log.read_text()[-2000:]
    assert "Traceback" not in log.read_text()


def test_serve_without_credentials_off_loopback_refuses_to_start(tmp_path: Path) -> None:
    result = subprocess.run([sys.executable, "app.py", "serve"], cwd=ROOT, env=clean_env(tmp_path, HOST="0.0.0.0"),
                            capture_output=True, text=True, timeout=60)
    assert result.returncode == 2, (result.stdout, result.stderr)
    assert result.stderr.strip() == (
        "Refusing to serve on 0.0.0.0 without Slack or Teams credentials: with none, /api/messages is unauthenticated "
        "(Bot Framework Emulator mode), so it listens on loopback only (HOST=127.0.0.1).")
    assert not (tmp_path / "emulator.db").exists(), "it refused before touching the database"
    assert "listening" not in result.stdout
