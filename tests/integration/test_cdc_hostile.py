"""One message cannot stop the CDC worker: hostile bodies are poison, SQS faults while
settling are retried and never end a poller, and a worker that dies is started again."""

from __future__ import annotations

import asyncio
import logging
import time
import uuid
from dataclasses import replace

import pytest
from botocore.exceptions import ClientError
from prometheus_client import REGISTRY

from infrastructure.embedded_sqs import REGION, create_queues
from sync_worker.consumer import Consumer
from sync_worker.sqs import QueueAddress, SqsQueue
from sync_worker.supervisor import keep_running
from sync_worker.worker import run_worker
from tests.cdc_env import SAMPLES, dead_letters, drain, signed_update, sqs_queue
from tests.cdc_hostile import hostile_bodies
from tests.integration.test_cdc_worker import COMMITTED, STAMP, _sign, _unsigned_user
from tests.queue_env import queue_env, queue_of
from tests.waiting import wait_until

pytestmark = pytest.mark.integration


@pytest.fixture(scope="module")
async def env():
    async with queue_env(replica_schema_name="rmc", sync_retry_base_seconds=1) as built:
        yield built


def consumer_for(services, queue) -> Consumer:
    return Consumer(queue, services.changes, services.sync_store, pollers=1, wait_seconds=1,
                    retry_pause=0.01)


async def signed_user(env) -> int:
    """A user in UNSIGNED whom the replica now shows signed (the record is not sent yet)."""
    services, rows, _ = env
    user = await _unsigned_user(rows, services)
    await _sign(rows, user)
    return user


async def in_flight(queue: SqsQueue) -> int:
    """Messages still on the queue, visible or held by a receiver."""
    attributes = (await queue.client.get_queue_attributes(
        QueueUrl=queue.address.url, AttributeNames=[
            "ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible"]))
    return sum(int(v) for v in attributes["Attributes"].values())


async def test_every_hostile_body_is_dead_lettered_and_its_batch_goes_on(env, moto_endpoint):
    services, _, _ = env
    hostile = hostile_bodies() | {  # and the contract's own poison samples
        "a body without metadata": ((SAMPLES / "poison-no-metadata.json").read_text(),
                                    "neither"),
        "a body that is not JSON": ((SAMPLES / "poison-not-json.txt").read_text(),
                                    "not JSON")}
    users = [await signed_user(env) for _ in range(2)]
    async with sqs_queue(moto_endpoint) as queue:
        bodies = list(hostile.values())
        # The good records travel in the same receives as the hostile ones.
        for start, user in zip((0, 9), users, strict=True):
            for body, _ in bodies[start:start + 9]:
                await queue.send(body)
            await queue.send(signed_update(user, STAMP, COMMITTED))
        outcomes = await drain(consumer_for(services, queue), queue)
        dead = await dead_letters(queue)
        assert await in_flight(queue) == 0  # nothing left to come back
    assert [await queue_of(services, u) for u in users] == ["OUTSTANDING_REQUESTS"] * 2
    counts: dict[str, int] = {}
    for outcome in outcomes:
        for key, value in outcome.counts.items():
            counts[key] = counts.get(key, 0) + value
    assert "failed" not in counts and counts["applied"] == 2
    assert counts["dead_lettered"] == len(hostile)
    reasons = {m["Body"]: m["MessageAttributes"]["reason"]["StringValue"] for m in dead}
    assert len(reasons) == len(hostile)
    for name, (body, words) in hostile.items():
        assert words in reasons[body], name


async def test_a_body_that_was_not_utf8_is_dead_lettered_escaped(env, moto_endpoint):
    services, _, _ = env
    async with sqs_queue(moto_endpoint) as queue:
        await queue.send("placeholder")
        [received] = await queue.receive(10, 1)
        # What a body holding the byte 0xff looks like once decoded leniently.
        broken = replace(received, body=b'{"metadata": "\xff"}'.decode("utf-8",
                                                                     "surrogateescape"))
        outcome = await consumer_for(services, queue).handle([broken])
        dead = await dead_letters(queue)
        assert await in_flight(queue) == 0
    assert outcome.counts == {"dead_lettered": 1}
    assert [m["Body"] for m in dead] == ['{"metadata": "\\udcff"}']
    stored = await services.pg.fetchval("SELECT reason FROM dead_letters WHERE message_id = $1",
                                        received.message_id)
    assert "not valid UTF-8" in stored


class FaultySqs(SqsQueue):
    """moto cannot fail a delete or a visibility change on demand: this one fails the first
    ``fail`` calls of each, as SQS does when it errs or the network drops."""

    def __init__(self, address: QueueAddress, *, deletes: int = 0, delays: int = 0):
        super().__init__(address)
        self.failures = {"delete": deletes, "delay": delays}
        self.calls: dict[str, list] = {"delete": [], "delay": []}
        self.called = asyncio.Event()

    def _maybe_fail(self, what: str, items) -> None:
        self.calls[what].append(list(items))
        self.called.set()
        if self.failures[what]:
            self.failures[what] -= 1
            raise ClientError({"Error": {"Code": "InternalError",
                                         "Message": "We encountered an internal error."}},
                              "DeleteMessageBatch" if what == "delete"
                              else "ChangeMessageVisibilityBatch")

    async def delete(self, messages):
        self._maybe_fail("delete", messages)
        return await super().delete(messages)

    async def delay(self, items):
        self._maybe_fail("delay", items)
        return await super().delay(items)


async def faulty_queue(endpoint: str, **faults) -> FaultySqs:
    name = f"cdc-{uuid.uuid4().hex[:10]}"
    url = create_queues(endpoint, name, name + "-dlq", 3)
    return FaultySqs(QueueAddress(url, endpoint, REGION), **faults)


async def test_a_delete_that_fails_once_is_retried(env, moto_endpoint, caplog):
    services, _, _ = env
    user = await signed_user(env)
    async with await faulty_queue(moto_endpoint, deletes=1) as queue:
        await queue.send(signed_update(user, STAMP, COMMITTED))
        outcome = await consumer_for(services, queue).handle(await queue.receive(10, 1))
        assert await in_flight(queue) == 0  # deleted on the second try
    assert outcome.counts == {"applied": 1}
    assert len(queue.calls["delete"]) == 2 and queue.calls["delete"][0] == \
        queue.calls["delete"][1]
    assert any("sqs delete failed; trying again" in str(r.msg) for r in caplog.records)
    assert await queue_of(services, user) == "OUTSTANDING_REQUESTS"


async def test_a_delete_that_keeps_failing_never_ends_the_poller(env, moto_endpoint):
    services, _, _ = env
    user = await signed_user(env)
    async with await faulty_queue(moto_endpoint, deletes=1000) as queue:
        consumer = consumer_for(services, queue)
        stop = asyncio.Event()
        poller = asyncio.create_task(consumer.run(stop))
        await queue.send(signed_update(user, STAMP, COMMITTED))
        deadline = time.monotonic() + 30
        while len(queue.calls["delete"]) < consumer.sqs_attempts:
            assert time.monotonic() < deadline and not poller.done()
            queue.called.clear()
            await asyncio.wait_for(queue.called.wait(), 30)
        await queue.send(signed_update(await signed_user(env), STAMP, COMMITTED))
        # The poller gave up on that delete and went on: it still takes new messages.
        while len(queue.calls["delete"]) < consumer.sqs_attempts + 1:
            assert time.monotonic() < deadline and not poller.done()
            queue.called.clear()
            await asyncio.wait_for(queue.called.wait(), 30)
        assert not poller.done()
        assert await in_flight(queue) == 2  # not deleted, so not lost: both come back
        stop.set()
        await asyncio.wait_for(poller, 30)  # ends when told to, without an error
    assert await queue_of(services, user) == "OUTSTANDING_REQUESTS"


async def test_a_visibility_change_that_fails_once_is_retried(env, moto_endpoint):
    services, rows, _ = env
    user = await _unsigned_user(rows, services)
    async with await faulty_queue(moto_endpoint, delays=1) as queue:
        # Newer than the replica's row: it must wait, through a visibility change.
        await queue.send(signed_update(user, "2026-11-24 09:59:30", "2026-11-24T09:59:30Z"))
        outcome = await consumer_for(services, queue).handle(await queue.receive(10, 1))
    assert outcome.counts == {"retried": 1}
    first, second = queue.calls["delay"]
    assert first == second and [delay for _, delay in second] == [1]


def restarts(task: str) -> float:
    return REGISTRY.get_sample_value("dialler_task_restarts_total", {"task": task}) or 0.0


async def test_a_worker_that_dies_is_started_again_and_then_consumes(env, moto_endpoint,
                                                                     caplog):
    services, _, _ = env
    user = await signed_user(env)
    first = f"cdc-{uuid.uuid4().hex[:10]}"
    known = create_queues(moto_endpoint, first, first + "-dlq", 3)
    name = f"cdc-later-{uuid.uuid4().hex[:8]}"
    # The queue does not exist yet (SQS not ready at start-up): the worker dies at once.
    address = QueueAddress(known.rsplit("/", 1)[0] + "/" + name, moto_endpoint, REGION)
    stop, task = asyncio.Event(), "cdc worker under test"
    before = restarts(task)
    supervisor = asyncio.create_task(keep_running(task, lambda: run_worker(
        services, stop, address=address, cdc=True, scheduled=False, sms_jobs=False), stop,
        pause=0.05, longest_pause=0.5))
    try:
        await wait_until(lambda: restarts(task) >= before + 1, "the worker was restarted")
        assert create_queues(moto_endpoint, name, name + "-dlq", 3) == address.url
        async with SqsQueue(address) as queue:
            await queue.send(signed_update(user, STAMP, COMMITTED))

        async def consumed() -> bool:
            return await queue_of(services, user) == "OUTSTANDING_REQUESTS"

        await wait_until(consumed, "the restarted worker consumed")
    finally:
        stop.set()
        await asyncio.wait_for(supervisor, 30)
    said = [str(r.msg) for r in caplog.records if r.levelno >= logging.ERROR]
    assert any(f"{task} died; restarting it" in line for line in said)
