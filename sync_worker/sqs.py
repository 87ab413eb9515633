"""The SQS side of the worker: receive, delete, delay, dead-letter (aioboto3)."""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Sequence
from contextlib import AsyncExitStack
from dataclasses import dataclass

import aioboto3

from service_layer.cdc import Incoming


@dataclass(frozen=True)
class QueueAddress:
    url: str
    endpoint_url: str | None
    region: str

    @property
    def is_fifo(self) -> bool:
        return self.url.endswith(".fifo")


def client_kwargs(address: QueueAddress) -> dict:
    kwargs: dict = {"region_name": address.region}
    if address.endpoint_url:
        kwargs["endpoint_url"] = address.endpoint_url
        if not os.environ.get("AWS_ACCESS_KEY_ID"):
            # A local endpoint (moto, localstack) takes any credentials.
            kwargs |= {"aws_access_key_id": "local", "aws_secret_access_key": "local"}
    return kwargs


class SqsQueue:
    """One queue and the dead-letter queue its redrive policy names."""

    def __init__(self, address: QueueAddress):
        self.address = address
        self._stack = AsyncExitStack()
        self.client = None
        self.dead_letter_url: str | None = None

    async def __aenter__(self) -> SqsQueue:
        session = aioboto3.Session()
        self.client = await self._stack.enter_async_context(
            session.client("sqs", **client_kwargs(self.address)))
        self.dead_letter_url = await self._dead_letter_url()
        return self

    async def __aexit__(self, *exc) -> None:
        await self._stack.aclose()

    async def _dead_letter_url(self) -> str | None:
        attributes = (await self.client.get_queue_attributes(
            QueueUrl=self.address.url, AttributeNames=["RedrivePolicy"])).get("Attributes", {})
        policy = attributes.get("RedrivePolicy")
        if not policy:
            return None
        name = json.loads(policy)["deadLetterTargetArn"].rsplit(":", 1)[-1]
        return (await self.client.get_queue_url(QueueName=name))["QueueUrl"]

    async def receive(self, max_messages: int, wait_seconds: int) -> list[Incoming]:
        response = await self.client.receive_message(
            QueueUrl=self.address.url, MaxNumberOfMessages=max_messages,
            WaitTimeSeconds=wait_seconds,
            MessageSystemAttributeNames=["ApproximateReceiveCount", "SentTimestamp"])
        return [Incoming(m["MessageId"], m["ReceiptHandle"], m.get("Body", ""),
                         int(m.get("Attributes", {}).get("ApproximateReceiveCount", 1)))
                for m in response.get("Messages", [])]

    async def delete(self, messages: Sequence[Incoming]) -> list[str]:
        """Deletes in batches of 10; returns the ids SQS refused."""
        failed: list[str] = []
        for chunk in _chunks(messages):
            response = await self.client.delete_message_batch(
                QueueUrl=self.address.url,
                Entries=[{"Id": str(i), "ReceiptHandle": m.receipt} for i, m in enumerate(chunk)])
            failed += [chunk[int(f["Id"])].message_id for f in response.get("Failed", [])]
        return failed

    async def delay(self, items: Sequence[tuple[Incoming, int]]) -> None:
        """Makes messages visible again after their delay (the replica has not caught up)."""
        for chunk in _chunks(items):
            await self.client.change_message_visibility_batch(
                QueueUrl=self.address.url,
                Entries=[{"Id": str(i), "ReceiptHandle": m.receipt, "VisibilityTimeout": delay}
                         for i, (m, delay) in enumerate(chunk)])

    async def dead_letter(self, message: Incoming, reason: str) -> bool:
        """Sends the body unchanged to the dead-letter queue with the reason; False: no DLQ."""
        if self.dead_letter_url is None:
            return False
        kwargs: dict = {
            "QueueUrl": self.dead_letter_url, "MessageBody": message.body or " ",
            "MessageAttributes": {
                "reason": {"DataType": "String", "StringValue": reason[:1000]},
                "original-message-id": {"DataType": "String", "StringValue": message.message_id},
            }}
        if self.dead_letter_url.endswith(".fifo"):
            kwargs |= {"MessageGroupId": "poison", "MessageDeduplicationId": message.message_id}
        await self.client.send_message(**kwargs)
        return True

    async def send(self, body: str, group: str = "cdc", dedupe: str | None = None) -> None:
        kwargs: dict = {"QueueUrl": self.address.url, "MessageBody": body}
        if self.address.is_fifo:
            kwargs |= {"MessageGroupId": group, "MessageDeduplicationId":
                       dedupe or hashlib.sha256(body.encode()).hexdigest()}
        await self.client.send_message(**kwargs)


def _chunks(items: Sequence, size: int = 10):
    for start in range(0, len(items), size):
        yield items[start:start + size]
