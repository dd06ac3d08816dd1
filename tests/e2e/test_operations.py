"""Operations: /healthz, /metrics, JSON logs with request id and workspace, and shutdown on SIGTERM.

The HTTP checks run against the app built by ``build_web_app`` (the Slack harness); the shutdown
checks run ``python app.py worker`` and ``python app.py serve`` as real processes and signal them.
"""

from __future__ import annotations

import asyncio
import io
import json
import logging
import os
import signal
import socket
import subprocess
import sys
import time
import uuid
from collections import Counter
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager, contextmanager
from datetime import timedelta
from pathlib import Path
from typing import Any

import aiohttp
import pytest
from prometheus_client.parser import text_string_to_metric_families
from sqlalchemy.ext.asyncio import AsyncEngine

from app import build_web_app
from bot.chat.core import Core
from bot.records import DeliveryKind, NewDelivery
from bot.reply import Reply
from bot.settings import Settings
from handlers.ops.logs import ContextFilter, JsonFormatter
from storage.database import create_engine
from storage.migrate import upgrade
from storage.uow import SqlUnitOfWorkFactory
from tests.e2e.slack_harness import SECRET, SlackHarness, running_app
from tests.e2e.worker_harness import ROOT, seed, start_worker, statuses, until
from tests.fakes import slack_requests as sr
from tests.fakes.loopback import serve
from tests.fakes.slack_api import FakeSlackApi
from tests.fakes.tcp_proxy import TcpProxy
from tests.support import FakeClock

JOBS = {"digests", "nudges", "outbox"}


async def health(slack: SlackHarness) -> tuple[int, dict[str, Any], aiohttp.ClientResponse]:
    response = await slack.http.get(f"{slack.url}/healthz")
    return response.status, await response.json(), response


async def metrics(http: aiohttp.ClientSession, url: str) -> dict[str, float]:
    """Every sample as ``name{label="value",…}`` → value, labels sorted."""
    response = await http.get(f"{url}/metrics")
    assert response.status == 200 and response.headers["Content-Type"].startswith("text/plain")
    samples = {}
    for family in text_string_to_metric_families(await response.text()):
        for s in family.samples:
            labels = ",".join(f'{k}="{v}"' for k, v in sorted(s.labels.items()))
            samples[f"{s.name}{{{labels}}}"] = s.value
    return samples


async def add_delivery(engine: AsyncEngine, workspace_id: str, key: str, created: Any) -> None:
    async with SqlUnitOfWorkFactory(engine)(workspace_id) as uow:
        await uow.workspaces.ensure("UTC")
        await uow.deliveries.add(NewDelivery(key, DeliveryKind.DIGEST, "channel:COPS", Reply(title="ops digest")), created)
        await uow.commit()


# --- /healthz --------------------------------------------------------------------------------

async def test_healthz_reports_the_database_and_the_outbox_backlog(engine: AsyncEngine, clock: FakeClock) -> None:
    async with running_app(engine, clock) as slack:
        status, before, response = await health(slack)
        assert status == 200 and before["status"] == "ok" and before["database"] == "ok"
        assert before["scheduler"] == {"enabled": False}  # HANDOFF_SCHEDULER=off: a worker runs the jobs
        assert len(response.headers["X-Request-Id"]) == 32
        await add_delivery(engine, f"slack:{slack.team}", "digest:ops", clock.now - timedelta(seconds=90))
        status, after, _ = await health(slack)
    assert status == 200
    assert after["outbox"]["pending"] == before["outbox"]["pending"] + 1
    assert after["outbox"]["oldest_pending_age_seconds"] >= 90  # other tests' rows may be older still


async def test_healthz_and_metrics_follow_each_scheduled_job(tmp_path: Path, clock: FakeClock) -> None:
    """The scheduler on, on a database of its own (its passes would sweep other tests' workspaces)."""
    engine = create_engine(f"sqlite:///{tmp_path / 'ops.db'}")
    await upgrade(engine)
    await add_delivery(engine, "slack:TOPS", "digest:ops", clock.now)  # the first outbox tick sends it
    try:
        async with running_app(engine, clock, handoff_scheduler="on", handoff_nudge_interval=3600,
                               handoff_digest_interval=3600, handoff_outbox_interval=3600) as slack:
            async def all_ran() -> bool:
                jobs = (await health(slack))[1]["scheduler"]["jobs"]
                return set(jobs) == JOBS and all(j["result"] == "ok" for j in jobs.values())

            await until(all_ran, 10)
            status, body, _ = await health(slack)
            samples = await metrics(slack.http, slack.url)
    finally:
        await engine.dispose()
    assert status == 200 and body["scheduler"]["enabled"] and body["scheduler"]["running"]
    for name, job in body["scheduler"]["jobs"].items():
        assert 0 <= job["lag_seconds"] < 5, (name, job)
        assert job["last_due"] <= job["last_started"] <= job["last_finished"] < job["next_run"], (name, job)
        assert job["running"] is False and job["skipped_while_running"] == 0
        assert 0 <= samples[f'handoff_scheduler_lag_seconds{{job="{name}"}}'] < 5
        assert samples[f'handoff_scheduler_ticks_total{{job="{name}",outcome="ok"}}'] == 1
    assert body["outbox"] == {"pending": 0, "oldest_pending_age_seconds": None}
    assert samples['handoff_outbox_deliveries_total{kind="digest",status="sent"}'] == 1
    assert samples["handoff_outbox_pending{}"] == 0 and samples["handoff_database_up{}"] == 1
    assert samples['handoff_build_info{scheduler="on",version="0.1.0"}'] == 1


def _closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@asynccontextmanager
async def unreachable(kind: str, tmp_path: Path) -> AsyncIterator[AsyncEngine]:
    """An engine whose database is not there: a SQLite file in a removed directory, a
    PostgreSQL port nobody listens on, or one that accepts connections and never answers."""
    if kind == "sqlite-removed-directory":
        folder = tmp_path / "gone"
        folder.mkdir()
        engine = create_engine(f"sqlite:///{folder / 'handoff.db'}")
        folder.rmdir()
        yield engine
    elif kind == "postgres-closed-port":
        yield create_engine(f"postgresql://handoff:hunter2-secret@127.0.0.1:{_closed_port()}/handoff")
    else:
        async with TcpProxy("127.0.0.1", _closed_port()) as proxy:
            await proxy.hang()
            yield create_engine(f"postgresql://handoff:hunter2-secret@127.0.0.1:{proxy.port}/handoff")
            await proxy.down()


@pytest.mark.parametrize("kind", ["sqlite-removed-directory", "postgres-closed-port", "postgres-hanging"])
async def test_healthz_answers_503_with_the_reason_when_the_database_is_unreachable(kind: str, tmp_path: Path) -> None:
    async with unreachable(kind, tmp_path) as engine:
        settings = Settings(_env_file=None, handoff_scheduler="off")
        runner, port = await serve(build_web_app(settings, Core(SqlUnitOfWorkFactory(engine)), engine))
        try:
            async with aiohttp.ClientSession() as http:
                started = time.monotonic()
                response = await http.get(f"http://127.0.0.1:{port}/healthz")
                elapsed = time.monotonic() - started
                body = await response.json()
                samples = await metrics(http, f"http://127.0.0.1:{port}")
        finally:
            await runner.cleanup()
            await engine.dispose()
    assert response.status == 503 and body["status"] == "unavailable" and body["database"] == "unavailable", body
    assert elapsed < 3.0, elapsed
    expected = {"sqlite-removed-directory": "unable to open database file",
                "postgres-closed-port": "ConnectionRefusedError", "postgres-hanging": "no answer within 2 s"}[kind]
    assert expected in body["reason"], body["reason"]
    assert "hunter2" not in json.dumps(body)
    assert samples["handoff_database_up{}"] == 0


# --- /metrics --------------------------------------------------------------------------------

async def test_metrics_count_a_signed_slash_command_by_route_and_status(engine: AsyncEngine, clock: FakeClock) -> None:
    async with running_app(engine, clock) as slack:
        await slack.slash("help")
        await slack.http.get(f"{slack.url}/no/such/page?token=xoxb-nope")
        samples = await metrics(slack.http, slack.url)
    assert samples['handoff_http_requests_total{method="POST",route="/slack/events",status="200"}'] == 1
    assert samples['handoff_http_requests_total{method="GET",route="unmatched",status="404"}'] == 1  # not the raw URL
    assert not any("/no/such" in name for name in samples)
    assert samples['handoff_http_request_duration_seconds_count{route="/slack/events"}'] == 1
    buckets = {name for name in samples if name.startswith('handoff_http_request_duration_seconds_bucket{le=')
               and name.endswith('route="/slack/events"}')}
    assert {f'handoff_http_request_duration_seconds_bucket{{le="{le}",route="/slack/events"}}'
            for le in ("0.005", "0.1", "3.0", "+Inf")} <= buckets
    assert samples['handoff_http_request_duration_seconds_bucket{le="+Inf",route="/slack/events"}'] == 1
    assert samples['handoff_http_request_duration_seconds_bucket{le="3.0",route="/slack/events"}'] == 1  # acked in time
    assert samples["handoff_http_requests_in_flight{}"] == 1  # this scrape
    assert any(name.startswith("process_") for name in samples) or sys.platform != "linux"
    assert any(name.startswith("python_info") for name in samples)


# --- logs ------------------------------------------------------------------------------------

@contextmanager
def json_log() -> Iterator[io.StringIO]:
    """What the production handler would write, captured: JSON lines with the context filter."""
    out = io.StringIO()
    handler = logging.StreamHandler(out)
    handler.setFormatter(JsonFormatter())
    handler.addFilter(ContextFilter())
    root, handoff = logging.getLogger(), logging.getLogger("handoff")
    old_level = handoff.level
    root.addHandler(handler)
    handoff.setLevel(logging.INFO)
    try:
        yield out
    finally:
        root.removeHandler(handler)
        handoff.setLevel(old_level)


async def test_json_log_lines_carry_the_request_id_and_the_workspace(engine: AsyncEngine, clock: FakeClock) -> None:
    async with running_app(engine, clock) as slack:
        with json_log() as out:
            given = await slack.send(sr.slash_command("help", team_id=slack.team, response_url=slack.fake.response_url("r")),
                                     headers={"X-Request-Id": "req-ops-1"})
            junk = await slack.send(sr.slash_command("help", team_id=slack.team, response_url=slack.fake.response_url("r")),
                                    headers={"X-Request-Id": "not a sane id " + "x" * 200})
            await slack.surface.drain()
            await slack.http.get(f"{slack.url}/healthz")
    assert given.status == 200 and given.headers["X-Request-Id"] == "req-ops-1"
    fresh = junk.headers["X-Request-Id"]
    assert len(fresh) == 32 and int(fresh, 16) >= 0  # a new uuid4, not what was sent
    lines = [json.loads(line) for line in out.getvalue().splitlines()]  # every line is one JSON object
    access = [e for e in lines if e["logger"] == "handoff.http" and e["message"].startswith("POST /slack/events 200")]
    assert [e["request_id"] for e in access] == ["req-ops-1", fresh]
    assert {e["workspace"] for e in access} == {f"slack:{slack.team}"}
    assert set(access[0]) == {"time", "level", "logger", "message", "request_id", "workspace"}
    assert not [e for e in lines if "/healthz" in e["message"]]  # polled: DEBUG, below INFO
    for secret in ("xoxb-test-token", SECRET):
        assert secret not in out.getvalue()


def test_the_json_formatter_writes_the_error_id_and_the_traceback_without_secrets() -> None:
    try:
        raise RuntimeError("Slack said no to xoxb-1234-abcdefghij")
    except RuntimeError:
        record = logging.getLogger("handoff.core").makeRecord(
            "handoff.core", logging.ERROR, __file__, 1, "error %s: %s failed", ("ab12cd34", "ShowHelp"),
            sys.exc_info(), extra={"error_id": "ab12cd34", "workspace": "slack:T1"})
    ContextFilter().filter(record)
    entry = json.loads(JsonFormatter().format(record))
    assert entry["message"] == "error ab12cd34: ShowHelp failed" and entry["error_id"] == "ab12cd34"
    assert entry["workspace"] == "slack:T1" and entry["request_id"] is None and entry["level"] == "ERROR"
    assert "RuntimeError" in entry["exception"] and "Traceback" in entry["exception"]
    assert "xoxb-1234" not in json.dumps(entry)


# --- shutdown --------------------------------------------------------------------------------

def _env(**extra: str) -> dict[str, str]:
    base = {k: v for k, v in os.environ.items() if not k.startswith(("SLACK_", "MICROSOFT_", "OPENAI_", "DATABASE_URL",
                                                                     "HANDOFF_", "PORT", "HOST"))}
    return {**base, "HANDOFF_LOG_FORMAT": "json", **extra}


def _log_lines(path: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in path.read_text().splitlines() if line.startswith("{")]


def _logged(path: Path, text: str) -> bool:
    return any(text in e["message"] for e in _log_lines(path))


def _launch(command: str, env: dict[str, str], log: Path) -> subprocess.Popen[bytes]:
    return subprocess.Popen([sys.executable, "app.py", command], cwd=ROOT, env=env, stdout=log.open("ab"),
                            stderr=subprocess.STDOUT)


async def _stop(process: subprocess.Popen[bytes], seconds: float = 5.0) -> float:
    """SIGTERM; returns how long the process took to exit (and kills it if it did not). Waits
    without blocking the loop: the fakes the process is still talking to run on it."""
    started = time.monotonic()
    process.send_signal(signal.SIGTERM)
    while process.poll() is None:
        if time.monotonic() - started > seconds:
            process.kill()
            process.wait(5)
            raise TimeoutError(f"still running {seconds} s after SIGTERM")
        await asyncio.sleep(0.05)
    return time.monotonic() - started


async def test_sigterm_stops_a_worker_cleanly(tmp_path: Path) -> None:
    log = tmp_path / "worker.log"
    env = _env(DATABASE_URL=f"sqlite:///{tmp_path / 'worker.db'}", HANDOFF_OUTBOX_INTERVAL="0.2")
    worker = _launch("worker", env, log)
    try:
        await until(lambda: _logged(log, "worker running"), 30)
        await asyncio.sleep(0.5)  # a few outbox ticks
        took = await _stop(worker)
    finally:
        if worker.poll() is None:
            worker.kill()
    assert worker.returncode == 0 and took < 5, (worker.returncode, took)
    messages = [e["message"] for e in _log_lines(log)]
    assert "SIGTERM received: shutting down" in messages and messages[-1] == "worker stopped", messages
    assert all(line.startswith("{") for line in log.read_text().splitlines())  # JSON, nothing else


async def test_sigterm_mid_send_leaves_claimed_deliveries_to_the_next_worker(tmp_path: Path,
                                                                              monkeypatch: pytest.MonkeyPatch) -> None:
    """The pass outlives the shutdown timeout, so it is cut short holding claimed rows; the next
    worker takes them over after the lease and each message is posted exactly once."""
    database_url = f"sqlite:///{tmp_path / 'workers.db'}"
    items = 60
    keys = await seed(database_url, items, workspaces=1, channels=6)  # 6 conversations x 10 posts, one at a time
    monkeypatch.setenv("HANDOFF_SHUTDOWN_TIMEOUT", "0.3")
    monkeypatch.setenv("HANDOFF_LOG_FORMAT", "json")
    async with FakeSlackApi() as fake:
        fake.delay = 0.3
        first = start_worker(database_url, fake, tmp_path / "first.log")
        try:
            await until(lambda: len(fake.posted_keys()) >= 6, 30)
            took = await _stop(first)
        finally:
            if first.poll() is None:
                first.kill()
        assert first.returncode == 0 and took < 5, (first.returncode, took)
        assert _logged(tmp_path / "first.log", "still running after 0.3 s"), (tmp_path / "first.log").read_text()[-2000:]
        assert not [e for e in _log_lines(tmp_path / "first.log") if e["level"] == "ERROR"]  # a cut-short pass is no error
        left = await statuses(database_url)
        assert left["sending"] > 0 and left["sent"] < items, left  # claimed, leased, not finished
        second = start_worker(database_url, fake, tmp_path / "second.log")
        try:
            await until(lambda: _all_sent(database_url, items), 30)
            await asyncio.sleep(0.5)  # a duplicate still in flight would show up now
        finally:
            await _stop(second)
        posted = Counter(fake.posted_keys())
    assert {k: n for k, n in posted.items() if n > 1} == {}
    assert set(posted) == keys


async def _all_sent(database_url: str, items: int) -> bool:
    return await statuses(database_url) == Counter({"sent": items})


async def test_sigterm_lets_serve_finish_its_background_posts(tmp_path: Path) -> None:
    """A slash command is acked, its card is still being posted when SIGTERM arrives: the card
    goes out before the process exits, and the exit is clean."""
    log = tmp_path / "serve.log"
    team = "T" + uuid.uuid4().hex[:8].upper()
    async with FakeSlackApi() as fake:
        for user, name in (("U1", "dana"), ("U2", "lee")):
            fake.add_user(user, name=name, team_id=team)
        fake.delay = 1.0  # each chat.postMessage
        env = _env(DATABASE_URL=f"sqlite:///{tmp_path / 'serve.db'}", SLACK_SIGNING_SECRET=SECRET,
                   SLACK_BOT_TOKEN="xoxb-serve-test", SLACK_API_URL=fake.base_url, PORT="0", HANDOFF_SCHEDULER="off")
        server = _launch("serve", env, log)
        try:
            await until(lambda: _logged(log, "listening on http://"), 30)
            url = next(e["message"] for e in _log_lines(log) if "listening on" in e["message"]).split(" on ")[1]
            async with aiohttp.ClientSession() as http:
                body = sr.slash_command("<@U2|lee> requirement: pricing page", team_id=team,
                                        response_url=fake.response_url("r"))
                ack = await sr.post(http, f"{url}/slack/events", body, SECRET, content_type="application/x-www-form-urlencoded",
                                    headers={"X-Request-Id": "req-serve-1"})
                assert ack.status == 200, await ack.text()
            await until(lambda: fake.calls_to("chat.postMessage"), 5)  # the card's post has started
            assert not fake.messages  # …and is not finished
            took = await _stop(server, 15)
        finally:
            if server.poll() is None:
                server.kill()
        assert server.returncode == 0, log.read_text()[-2000:]
        assert any("pricing page" in json.dumps(m) for msgs in fake.messages.values() for m in msgs)
    lines = _log_lines(log)
    assert lines[-1]["message"] == "server stopped" and took >= 0.5
    access = [e for e in lines if e["message"].startswith("POST /slack/events 200")]
    assert access and access[0]["request_id"] == "req-serve-1" and access[0]["workspace"] == f"slack:{team}"
    assert "xoxb-serve-test" not in log.read_text()
