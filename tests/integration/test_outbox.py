"""The outbox on SQLite and PostgreSQL: written once, claimed by one worker, retried, reconciled."""

from __future__ import annotations

import asyncio
import random
from dataclasses import dataclass, field
from datetime import timedelta

import pytest
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.delivery.outbox import LEASE, MAX_ATTEMPTS, DeliveryFailed, Outbox
from bot.ports import NewPerson
from bot.records import Delivery, DeliveryKind, DeliveryStatus, NewDelivery
from bot.reply import Reply
from storage.scheduling import SqlOutboxStore
from storage.uow import SqlUnitOfWorkFactory
from tests.support import FakeClock


@dataclass
class RecordingMessenger:
    """A test double for the Messenger port: records sends, fails on demand."""

    sent: list[str] = field(default_factory=list)
    already_there: set[str] = field(default_factory=set)  # keys an earlier, "crashed" attempt posted
    failures: dict[str, list[DeliveryFailed]] = field(default_factory=dict)
    looked: list[str] = field(default_factory=list)

    async def send(self, delivery: Delivery, reply: Reply) -> str:
        queued = self.failures.get(delivery.key)
        if queued:
            raise queued.pop(0)
        self.sent.append(delivery.key)
        return f"C1:{len(self.sent)}"

    async def find_sent(self, delivery: Delivery) -> str | None:
        self.looked.append(delivery.key)
        return "C1:earlier" if delivery.key in self.already_there else None


@pytest.fixture
def uow_factory(engine: AsyncEngine) -> SqlUnitOfWorkFactory:
    return SqlUnitOfWorkFactory(engine)


@pytest.fixture
def store(engine: AsyncEngine, uow_factory: SqlUnitOfWorkFactory) -> SqlOutboxStore:
    return SqlOutboxStore(engine, uow_factory.writer_lock)


async def _queue(uow_factory: SqlUnitOfWorkFactory, workspace_id: str, clock: FakeClock, *targets: str,
                 admin: bool = False) -> list[str]:
    keys = []
    async with uow_factory(workspace_id) as uow:
        await uow.workspaces.ensure("UTC")
        if admin:
            await uow.people.upsert(NewPerson("UADMIN", "alex", None, True))
        for i, target in enumerate(targets):
            key = f"test:{workspace_id}:{i}"
            assert await uow.deliveries.add(NewDelivery(key, DeliveryKind.DIGEST, target, Reply(title=f"n{i}")), clock())
            keys.append(key)
        await uow.commit()
    return keys


async def _status(uow_factory: SqlUnitOfWorkFactory, workspace_id: str, key: str) -> Delivery:
    async with uow_factory(workspace_id) as uow:
        found = await uow.deliveries.get(key)
    assert found is not None
    return found


def _outbox(store, uow_factory, messenger, clock, **kw) -> Outbox:
    return Outbox(store, uow_factory, lambda _ws: messenger, clock, rng=random.Random(1), **kw)


async def test_a_key_is_written_once(uow_factory, workspace_id, clock) -> None:
    await _queue(uow_factory, workspace_id, clock, "channel:C1")
    async with uow_factory(workspace_id) as uow:
        again = await uow.deliveries.add(NewDelivery(f"test:{workspace_id}:0", DeliveryKind.DIGEST, "channel:C1",
                                                     Reply(title="again")), clock())
        await uow.commit()
    assert again is False
    assert (await _status(uow_factory, workspace_id, f"test:{workspace_id}:0")).reply.title == "n0"


async def test_concurrent_claims_take_disjoint_rows(store, uow_factory, workspace_id, clock) -> None:
    keys = set(await _queue(uow_factory, workspace_id, clock, *[f"channel:C{i}" for i in range(40)]))
    claims = await asyncio.gather(*(store.claim(clock(), 15, LEASE, f"worker{i}") for i in range(4)))
    mine = [d.key for claim in claims for d in claim if d.workspace_id == workspace_id]
    assert len(mine) == len(set(mine)), "a row was claimed by two workers"
    assert set(mine) == keys


async def test_each_delivery_is_sent_once_and_marked_with_its_message_id(store, uow_factory, workspace_id, clock) -> None:
    keys = await _queue(uow_factory, workspace_id, clock, "channel:C1", "dm:U1")
    messenger = RecordingMessenger()
    outbox = _outbox(store, uow_factory, messenger, clock)
    await outbox.drain()
    await outbox.drain()
    assert sorted(k for k in messenger.sent if workspace_id in k) == sorted(keys)
    row = await _status(uow_factory, workspace_id, keys[0])
    assert row.status is DeliveryStatus.SENT and row.message_id and row.sent_at == clock()


async def test_rate_limit_holds_the_conversation_until_retry_after(store, uow_factory, workspace_id, clock) -> None:
    first, second = await _queue(uow_factory, workspace_id, clock, "channel:C9", "channel:C9")
    messenger = RecordingMessenger(failures={first: [DeliveryFailed("ratelimited", retry_after=30)]})
    outbox = _outbox(store, uow_factory, messenger, clock)
    await outbox.drain()
    assert messenger.sent == [] or all(workspace_id not in k for k in messenger.sent), \
        "nothing may go to that conversation before Retry-After"
    assert (await _status(uow_factory, workspace_id, first)).next_attempt_at >= clock() + timedelta(seconds=30)
    clock.advance(seconds=29)
    await outbox.drain()
    assert not [k for k in messenger.sent if workspace_id in k]
    clock.advance(minutes=5)
    await outbox.drain()
    assert sorted(k for k in messenger.sent if workspace_id in k) == sorted([first, second])


async def test_a_permanent_failure_is_recorded_and_reported_once(store, uow_factory, workspace_id, clock) -> None:
    keys = await _queue(uow_factory, workspace_id, clock, "channel:CGONE", "channel:CGONE", admin=True)
    messenger = RecordingMessenger(failures={k: [DeliveryFailed("is_archived", permanent=True)] for k in keys})
    outbox = _outbox(store, uow_factory, messenger, clock)
    await outbox.drain()
    await outbox.drain()
    for key in keys:
        row = await _status(uow_factory, workspace_id, key)
        assert row.status is DeliveryStatus.FAILED and row.last_error == "is_archived" and row.attempts == 1
    reports = [k for k in messenger.sent if k.startswith("report:")]
    assert reports == ["report:channel:CGONE:is_archived"], "one report to the admin, not one per message"


async def test_transient_failures_back_off_then_give_up(store, uow_factory, workspace_id, clock) -> None:
    (key,) = await _queue(uow_factory, workspace_id, clock, "channel:C5")
    messenger = RecordingMessenger(failures={key: [DeliveryFailed("fatal_error") for _ in range(MAX_ATTEMPTS)]})
    outbox = _outbox(store, uow_factory, messenger, clock)
    waits = []
    for _ in range(MAX_ATTEMPTS):
        await outbox.drain()
        row = await _status(uow_factory, workspace_id, key)
        waits.append(row.next_attempt_at - clock())
        clock.advance(hours=1)
    assert row.status is DeliveryStatus.FAILED and row.attempts == MAX_ATTEMPTS
    assert waits[0] < waits[3], "the wait grows between tries"


async def test_a_crashed_send_is_reclaimed_and_not_repeated_when_it_had_landed(store, uow_factory, workspace_id, clock) -> None:
    landed, lost = await _queue(uow_factory, workspace_id, clock, "channel:C7", "channel:C8")
    crashed = await store.claim(clock(), 1000, LEASE, "crashed-worker")  # and then the process died
    assert {landed, lost} <= {d.key for d in crashed}
    messenger = RecordingMessenger(already_there={landed})
    outbox = _outbox(store, uow_factory, messenger, clock)
    await outbox.drain()
    assert not [k for k in messenger.sent if workspace_id in k], "nothing is resent while the lease runs"
    clock.advance(seconds=LEASE.total_seconds() + 1)
    await outbox.drain()
    assert landed in messenger.looked and lost in messenger.looked
    assert [k for k in messenger.sent if workspace_id in k] == [lost]
    assert (await _status(uow_factory, workspace_id, landed)).message_id == "C1:earlier"
    # The dead worker waking up cannot overwrite what the live one recorded.
    assert not await store.mark_sent((await _status(uow_factory, workspace_id, lost)).id, "crashed-worker", "X", clock())
