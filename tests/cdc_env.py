"""CDC tests' shared pieces: moto's SQS server, queues per test, samples with our ids."""

from __future__ import annotations

import json
import uuid
from contextlib import asynccontextmanager

from infrastructure.embedded_sqs import REGION, create_queues
from service_layer.cdc import BatchOutcome
from sync_worker.consumer import Consumer
from sync_worker.sqs import QueueAddress, SqsQueue
from tests.contracts import CDC_SAMPLES

SAMPLES = CDC_SAMPLES


def sample(name: str) -> str:
    return (SAMPLES / name).read_text()


def sample_json(name: str) -> dict:
    return json.loads(sample(name))


def with_position(document: dict, position: str | None = None) -> str:
    """The document as a distinct record (its own stream position)."""
    document = json.loads(json.dumps(document))
    document["metadata"]["stream-position"] = position or f"test:{uuid.uuid4().hex}"
    return json.dumps(document)


def signed_update(user_id: int, updated_at: str, committed: str) -> str:
    """The contract's signed-user sample, about one of our users."""
    document = sample_json("dms-users-update-signed.json")
    for image in (document["data"], document["before-image"]):
        image["id"] = user_id
        image["phone_number"] = "07911 123456"
    document["data"]["updated_at"] = updated_at
    document["metadata"]["commit-timestamp"] = committed
    document["metadata"]["partition-key-value"] = f"rmc.users.{user_id}"
    return with_position(document)


def requirement_update(requirement_id: str, claim_id: int | None, status: str,
                       updated_at: str, committed: str) -> str:
    document = sample_json("dms-claim-requirement-completed.json")
    document["data"].update(id=requirement_id, status=status, updated_at=updated_at)
    if claim_id is None:
        document["data"].pop("claim_id")
    else:
        document["data"]["claim_id"] = claim_id
    document["before-image"] = {"id": requirement_id}
    document["metadata"]["commit-timestamp"] = committed
    return with_position(document)


@asynccontextmanager
async def sqs_queue(endpoint: str, *, fifo: bool = False, max_receives: int = 3,
                    visibility: int | None = None):
    name = f"cdc-{uuid.uuid4().hex[:10]}"
    url = create_queues(endpoint, name, name + "-dlq", max_receives, fifo=fifo)
    queue = SqsQueue(QueueAddress(url, endpoint, REGION))
    async with queue:
        if visibility is not None:
            await queue.client.set_queue_attributes(
                QueueUrl=url, Attributes={"VisibilityTimeout": str(visibility)})
        yield queue


async def drain(consumer: Consumer, queue: SqsQueue, empty_polls: int = 2,
                max_rounds: int = 50) -> list[BatchOutcome]:
    """Receives and handles until the queue answers empty ``empty_polls`` times in a row."""
    outcomes, empty = [], 0
    for _ in range(max_rounds):
        messages = await queue.receive(10, 0)
        if not messages:
            empty += 1
            if empty >= empty_polls:
                break
            continue
        empty = 0
        outcome = await consumer.handle(messages)
        if outcome is not None:
            outcomes.append(outcome)
    return outcomes


async def dead_letters(queue: SqsQueue) -> list[dict]:
    found = []
    while True:
        response = await queue.client.receive_message(
            QueueUrl=queue.dead_letter_url, MaxNumberOfMessages=10, WaitTimeSeconds=0,
            MessageAttributeNames=["All"])
        if not response.get("Messages"):
            return found
        found += response["Messages"]
