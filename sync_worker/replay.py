"""Sending dead-lettered messages back to the main queue once their cause is fixed."""

from __future__ import annotations

from dataclasses import dataclass

from domain.sync.changes import PoisonMessage, parse_body
from infrastructure.bootstrap import Services
from sync_worker.sqs import SqsQueue


@dataclass
class ReplayReport:
    replayed: int = 0
    kept: int = 0  # still unparseable: left in the dead-letter queue


async def replay_dead_letters(services: Services, queue: SqsQueue, *, include_poison: bool,
                              limit: int = 10_000, progress=None) -> ReplayReport:
    """Moves messages from the dead-letter queue to the main one; poison stays unless asked."""
    if queue.dead_letter_url is None:
        raise ValueError("the queue has no dead-letter queue in its redrive policy")
    report, kept_receipts = ReplayReport(), set()
    while report.replayed + report.kept < limit:
        response = await queue.client.receive_message(
            QueueUrl=queue.dead_letter_url, MaxNumberOfMessages=10, WaitTimeSeconds=1,
            VisibilityTimeout=60, MessageAttributeNames=["All"])
        messages = response.get("Messages", [])
        if not messages or all(m["MessageId"] in kept_receipts for m in messages):
            break
        for message in messages:
            if message["MessageId"] in kept_receipts:
                continue
            body = message.get("Body", "")
            if not include_poison and _is_poison(body):
                kept_receipts.add(message["MessageId"])
                report.kept += 1
                continue
            await queue.send(body, dedupe=f"replay-{message['MessageId']}")
            await queue.client.delete_message(QueueUrl=queue.dead_letter_url,
                                               ReceiptHandle=message["ReceiptHandle"])
            original = message.get("MessageAttributes", {}).get("original-message-id", {})
            await services.job_runs.mark_replayed(
                original.get("StringValue", message["MessageId"]), services.clock())
            report.replayed += 1
            if progress:
                progress(1)
    return report


def _is_poison(body: str) -> bool:
    try:
        parse_body(body)
    except PoisonMessage:
        return True
    return False
