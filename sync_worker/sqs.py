"""The SQS side of the worker: receive, delete, delay, dead-letter (aioboto3)."""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Sequence
from contextlib import AsyncExitStack
from dataclasses import dataclass

import aioboto3
from aiobotocore.config import AioConfig

from infrastructure.logging import get_logger
from service_layer.cdc import Incoming

log = get_logger(__name__)


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


LONGEST_POLL_SECONDS = 20  # SQS's own limit on WaitTimeSeconds


class SqsQueue:
    """One queue and the dead-letter queue its redrive policy names."""

    def __init__(self, address: QueueAddress, timeout_seconds: float = 15.0):
        self.address = address
        self.timeout_seconds = timeout_seconds
        self._stack = AsyncExitStack()
        self.client = None
        self.dead_letter_url: str | None = None

    async def __aenter__(self) -> SqsQueue:
        session = aioboto3.Session()
        # A read may wait out a long poll before SQS answers; past that it has hung.
        config = AioConfig(connect_timeout=self.timeout_seconds,
                           read_timeout=self.timeout_seconds + LONGEST_POLL_SECONDS)
        self.client = await self._stack.enter_async_context(
            session.client("sqs", config=config, **client_kwargs(self.address)))
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

    async def delete(self, messages: Sequence[Incoming]) -> list[Incoming]:
        """Deletes in batches of 10; returns what SQS refused for a reason of its own (worth
        another try). One it refused as the sender's fault (a stale receipt) is logged and
        not returned: it comes back and is seen as a duplicate."""
        refused: list[Incoming] = []
        for chunk in _chunks(messages):
            response = await self.client.delete_message_batch(
                QueueUrl=self.address.url,
                Entries=[{"Id": str(i), "ReceiptHandle": m.receipt} for i, m in enumerate(chunk)])
            refused += _retryable(chunk, response, "delete")
        return refused

    async def delay(self, items: Sequence[tuple[Incoming, int]]) -> list[tuple[Incoming, int]]:
        """Makes messages visible again after their delay (the replica has not caught up);
        returns what SQS refused for a reason of its own, as ``delete`` does."""
        refused: list[tuple[Incoming, int]] = []
        for chunk in _chunks(items):
            response = await self.client.change_message_visibility_batch(
                QueueUrl=self.address.url,
                Entries=[{"Id": str(i), "ReceiptHandle": m.receipt, "VisibilityTimeout": delay}
                         for i, (m, delay) in enumerate(chunk)])
            refused += _retryable(chunk, response, "visibility change")
        return refused

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


def _retryable(chunk: Sequence, response: dict, what: str) -> list:
    retry = []
    for failure in response.get("Failed", []):
        item = chunk[int(failure["Id"])]
        if failure.get("SenderFault"):
            message = item[0] if isinstance(item, tuple) else item
            log.warning(f"sqs refused a {what}; the message will come back",
                        message_id=message.message_id, code=failure.get("Code"))
        else:
            retry.append(item)
    return retry


def _chunks(items: Sequence, size: int = 10):
    for start in range(0, len(items), size):
        yield items[start:start + size]
