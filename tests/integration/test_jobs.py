"""Nudge and digest passes on SQLite and PostgreSQL: recorded once, whoever runs them and how often."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from datetime import UTC, datetime

import pytest
from sqlalchemy import select

from bot import codec
from bot import commands as c
from bot.chat.core import Core
from bot.context import Caller
from bot.records import DeliveryStatus
from bot.reminders.jobs import Jobs
from bot.reply import plain_text
from storage.models import DeliveryRow
from tests.support import Chat, FakeClock


@dataclass
class OneWorkspace:
    workspace_id: str

    async def workspace_ids(self) -> list[str]:
        return [self.workspace_id]


@pytest.fixture
def chat(core: Core, workspace_id: str) -> Chat:
    return Chat(core, workspace_id, admins={"alex"})


@pytest.fixture
def jobs(core: Core, workspace_id: str, clock: FakeClock) -> Jobs:
    return Jobs(core.uow_factory, OneWorkspace(workspace_id), clock)


def in_channel(chat: Chat, who: str, channel: str, private: bool = False) -> Caller:
    base = chat.caller(who)
    return Caller(base.workspace_id, base.user_id, base.display_name, is_admin=base.is_admin,
                  names_create_people=True, conversation=channel, private_conversation=private)


async def deliveries(core: Core, workspace_id: str, prefix: str) -> list:
    async with core.uow_factory(workspace_id) as uow:
        rows = []
        for key in await _keys(uow, prefix):
            rows.append(await uow.deliveries.get(key))
    return rows


async def _keys(uow, prefix: str) -> list[str]:
    stmt = select(DeliveryRow.key).where(DeliveryRow.workspace_id == uow.workspace_id, DeliveryRow.key.like(f"{prefix}%"))
    return sorted((await uow.session.execute(stmt)).scalars())


async def test_an_unacknowledged_handoff_is_nudged_once_a_working_day_later(chat, jobs, core, workspace_id, clock) -> None:
    await chat.ok("sam", "@dana requirement: battlecards for the field")
    clock.now = datetime(2026, 11, 23, 17, 0, tzinfo=UTC)
    assert (await jobs.nudges()).queued == 0, "not yet a working day"
    clock.now = datetime(2026, 11, 24, 10, 5, tzinfo=UTC)
    first = await jobs.nudges()
    again = await jobs.nudges()
    assert first.queued == 1 and again.queued == 0
    (dm,) = await deliveries(core, workspace_id, "nudges:")
    assert dm.target == "dm:dana" and dm.status is DeliveryStatus.PENDING
    text = plain_text(codec.loads(dm.payload))
    assert "#1 battlecards for the field" in text and "Acknowledge #1" in text and "Not mine" in text


async def test_concurrent_passes_on_one_workspace_record_each_nudge_once(chat, core, workspace_id, clock) -> None:
    for i in range(5):
        await chat.ok("sam", f"@dana requirement: item {i} by today")
    passes = [Jobs(core.uow_factory, OneWorkspace(workspace_id), clock) for _ in range(4)]
    reports = await asyncio.gather(*(p.nudges() for p in passes))
    assert sum(r.queued for r in reports) == 1, "one batched DM, whichever pass got the workspace"
    (dm,) = await deliveries(core, workspace_id, "nudges:")
    assert all(f"item {i}" in plain_text(codec.loads(dm.payload)) for i in range(5))


async def test_snooze_and_done_stop_the_nudges(chat, jobs, clock) -> None:
    await chat.ok("sam", "@dana requirement: snoozed one by today")
    await chat.ok("sam", "@dana requirement: finished one by today")
    await chat.ok("dana", "snooze 1 3d")
    await chat.ok("dana", "done 2")
    assert (await jobs.nudges()).queued == 0


async def test_a_digest_missed_during_downtime_goes_out_once_that_day_not_the_next(chat, jobs, core, workspace_id, clock) -> None:
    clock.now = datetime(2026, 11, 23, 7, 0, tzinfo=UTC)  # Monday, before 09:00
    await core.execute(in_channel(chat, "sam", "CLAUNCH"), c.SubscribeDigest(at="09:00"))
    await chat.ok("sam", "@dana requirement: pricing page copy by fri")
    clock.now = datetime(2026, 11, 23, 8, 59, tzinfo=UTC)
    assert (await jobs.digests()).queued == 0
    clock.now = datetime(2026, 11, 23, 11, 30, tzinfo=UTC)  # the process was down from 08:50 to 11:30
    assert (await jobs.digests()).queued == 1
    for _ in range(4):  # every later tick that day
        clock.advance(minutes=1)
        assert (await jobs.digests()).queued == 0
    (digest,) = await deliveries(core, workspace_id, "digest:")
    assert digest.target == "channel:CLAUNCH" and "pricing page copy" in plain_text(codec.loads(digest.payload))
    clock.now = datetime(2026, 11, 28, 12, 0, tzinfo=UTC)  # Saturday: no digest
    assert (await jobs.digests()).queued == 0
    assert len(await deliveries(core, workspace_id, "digest:")) == 1


async def test_a_quiet_day_digest_is_skipped_not_sent(chat, jobs, core, workspace_id, clock) -> None:
    clock.now = datetime(2026, 11, 23, 7, 0, tzinfo=UTC)
    await chat.ok("alex", "release new v9")  # nothing due, nothing new after the window opens
    reply = await core.execute(in_channel(chat, "sam", "CQUIET"), c.SubscribeDigest(at="09:00"))
    assert not reply.reply.is_error
    clock.now = datetime(2026, 11, 24, 9, 1, tzinfo=UTC)  # Tuesday: Monday's creation is older than the window
    assert (await jobs.digests()).queued == 0
    (row,) = await deliveries(core, workspace_id, "digest:")
    assert row.status is DeliveryStatus.SKIPPED


async def test_private_channel_handoffs_only_reach_that_channels_digest(chat, jobs, core, workspace_id, clock) -> None:
    clock.now = datetime(2026, 11, 23, 7, 0, tzinfo=UTC)
    await core.execute(in_channel(chat, "sam", "CPUBLIC"), c.SubscribeDigest(at="09:00"))
    await core.execute(in_channel(chat, "sam", "GSECRET", private=True), c.SubscribeDigest(at="09:00"))
    secret = await core.handle(in_channel(chat, "sam", "GSECRET", private=True), "@dana requirement: secret acquisition copy")
    await core.execute(chat.caller("sam"), c.AttachHandoffMessage(secret.handoffs[0].handoff.number, "GSECRET:1.1"))
    await chat.ok("sam", "@dana requirement: public launch copy")
    clock.now = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)
    assert (await jobs.digests()).queued == 2
    by_channel = {d.target: plain_text(codec.loads(d.payload)) for d in await deliveries(core, workspace_id, "digest:")}
    assert "secret acquisition" not in by_channel["channel:CPUBLIC"]
    assert "public launch copy" in by_channel["channel:CPUBLIC"]
    assert "secret acquisition" in by_channel["channel:GSECRET"]


async def test_digest_commands(chat, core, clock) -> None:
    here = in_channel(chat, "sam", "CDIG")
    assert "no digest" in plain_text((await core.handle(here, "digest")).reply)
    await chat.ok("alex", "release new v2.3")
    assert "digest for v2.3 at 17:30 (UTC)" in plain_text((await core.handle(here, "digest here 17:30 v2.3")).reply)
    assert "Europe/Paris" in plain_text((await core.handle(here, "digest tz europe/paris")).reply)
    assert (await core.handle(here, "digest tz Mars/Olympus")).reply.is_error
    assert (await core.handle(here, "digest here 9 nosuchrelease")).reply.is_error
    assert (await core.handle(here, "digest preview")).reply.ephemeral
    assert "is off" in plain_text((await core.handle(here, "digest off")).reply)
    assert "no digest" in plain_text((await core.handle(here, "digest")).reply)


async def test_nudge_settings_are_for_leads_and_change_the_policy(chat, jobs, clock) -> None:
    assert "Only a lead" in await chat.fails("sam", "nudges set hours 07:00-15:00")
    assert "Mon, Tue, Wed, Thu 07:00–15:00" in await chat.ok("alex", "nudges set days mon-thu") + await chat.ok(
        "alex", "nudges set hours 07:00-15:00")
    assert "start before end" in await chat.fails("alex", "nudges set hours 18:00-09:00")
    await chat.ok("sam", "@dana requirement: due today thing by today")
    clock.now = datetime(2026, 11, 23, 16, 0, tzinfo=UTC)  # after the new 15:00 end
    assert (await jobs.nudges()).queued == 0
    assert "outside dana's working hours" in await chat.ok("sam", "nudges")
