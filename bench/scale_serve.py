"""Resident memory of ``python app.py serve`` on the database ``bench.scale`` grew, idle and busy.

``serve`` runs the HTTP server only when a platform is configured (otherwise it opens the
shell), so the process gets single-workspace Slack settings pointed at the loopback fake Slack
API, and, listening on 127.0.0.1 with no Microsoft app id, the Teams route in emulator mode.
The requests are Teams activities from the seeded tenant (``list all``, ``release show``,
``who owns``), whose replies go to a loopback fake Bot Connector. The scheduler is off.
"""

from __future__ import annotations

import asyncio
import os
import re
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import aiohttp

from bench.ack import activity, fire
from bench.scale_seed import TENANT
from tests.fakes.slack_api import FakeSlackApi
from tests.fakes.teams_connector import TeamsConnector

ROOT = Path(__file__).resolve().parent.parent
REQUESTS, CONCURRENCY = 300, 10
IDLE_S = 2.0


def rss_kib(pid: int) -> dict[str, int]:
    """VmRSS (resident now) and VmHWM (resident at its peak) of a process, in KiB."""
    found = {}
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        key, _, value = line.partition(":")
        if key in ("VmRSS", "VmHWM"):
            found[key] = int(value.split()[0])
    return found


def _env(database_url: str, slack_api_url: str) -> dict[str, str]:
    keep = {k: v for k, v in os.environ.items()
            if not k.startswith(("SLACK_", "MICROSOFT_", "OPENAI_", "DATABASE_URL", "HANDOFF_", "PORT", "HOST"))}
    return {**keep, "DATABASE_URL": database_url, "SLACK_SIGNING_SECRET": "bench-secret",
            "SLACK_BOT_TOKEN": "xoxb-bench", "SLACK_API_URL": slack_api_url, "HOST": "127.0.0.1", "PORT": "0",
            "HANDOFF_SCHEDULER": "off", "HANDOFF_LOG_FORMAT": "json"}


async def _listening(process: asyncio.subprocess.Process, log: Path, seconds: float = 60) -> str:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        written = await asyncio.to_thread(log.read_text)
        if match := re.search(r"listening on (http://[\d.]+:\d+)", written):
            return match.group(1)
        if process.returncode is not None:
            raise RuntimeError(f"serve exited with {process.returncode}: {written[-2000:]}")
        await asyncio.sleep(0.1)
    raise TimeoutError(f"serve did not listen within {seconds} s: {written[-2000:]}")


async def serve_memory(database_url: str, releases: list[str], areas: list[str]) -> list[str]:
    """Start ``serve``, read its memory idle, drive ``REQUESTS`` turns at it, read it again."""
    with tempfile.TemporaryDirectory(prefix="handoff-serve-") as tmp:
        log = Path(tmp) / "serve.log"
        async with FakeSlackApi() as slack, TeamsConnector() as connector:
            with log.open("ab") as out:
                process = await asyncio.create_subprocess_exec(sys.executable, "app.py", "serve", cwd=ROOT, stdout=out,
                                                               stderr=subprocess.STDOUT, env=_env(database_url, slack.base_url))
            try:
                url = await _listening(process, log)
                await asyncio.sleep(IDLE_S)
                idle = rss_kib(process.pid)
                texts = [t for i in range(REQUESTS // 3) for t in
                         ("list all", f"release show {releases[i % len(releases)]}", f"who owns {areas[i % len(areas)]}?")]
                samples: list[float] = []
                started = time.perf_counter()
                async with aiohttp.ClientSession() as http:
                    for i in range(0, len(texts), CONCURRENCY):
                        bodies = [activity(connector, TENANT, f"user{j % 7}", t) for j, t in enumerate(texts[i:i + CONCURRENCY])]
                        samples += await asyncio.gather(*(fire(http, f"{url}/api/messages", b) for b in bodies))
                wall = time.perf_counter() - started
                await asyncio.sleep(IDLE_S)
                busy = rss_kib(process.pid)
            finally:
                process.send_signal(signal.SIGTERM)
                await asyncio.wait_for(process.wait(), 30)
        cuts = statistics.quantiles(samples, n=100)
        return [
            f"serve idle (after start-up, {IDLE_S:.0f} s):          VmRSS {idle['VmRSS'] / 1024:6.1f} MiB",
            f"serve after {len(samples)} Teams turns ({CONCURRENCY} at a time): VmRSS {busy['VmRSS'] / 1024:6.1f} MiB, "
            f"peak (VmHWM) {busy['VmHWM'] / 1024:6.1f} MiB",
            f"  those turns: p50 {statistics.median(samples):.1f} ms, p99 {cuts[98]:.1f} ms, "
            f"{len(samples) / wall:.0f} turns/s; {len(connector.sent)} replies reached the fake connector",
        ]
