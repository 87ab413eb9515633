"""The embedded default's SQS: moto's server in this process, found by others via the data dir."""

from __future__ import annotations

import json
import logging
import os
import socket
from pathlib import Path

import boto3
from moto.server import ThreadedMotoServer

QUEUE, DEAD_LETTERS = "dialler-cdc", "dialler-cdc-dead-letters"
REGION = "eu-west-2"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class EmbeddedSqs:
    """Started by `dialler serve` on the embedded default; `dialler demo change` sends to it."""

    def __init__(self, data_dir: Path):
        self.state_file = Path(data_dir) / "sqs.json"
        self._server: ThreadedMotoServer | None = None
        self.endpoint_url = self.queue_url = ""

    def start(self, max_receives: int = 5) -> str:
        # moto's server logs every request through werkzeug; that is noise in our log.
        logging.getLogger("werkzeug").setLevel(logging.WARNING)
        port = _free_port()
        self._server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
        self._server.start()
        self.endpoint_url = f"http://127.0.0.1:{port}"
        self.queue_url = create_queues(self.endpoint_url, QUEUE, DEAD_LETTERS, max_receives)
        self.state_file.parent.mkdir(parents=True, exist_ok=True)
        self.state_file.write_text(json.dumps({"endpoint_url": self.endpoint_url,
                                               "queue_url": self.queue_url,
                                               "pid": os.getpid()}))
        return self.queue_url

    def stop(self) -> None:
        if self._server is not None:
            self._server.stop()
            self._server = None
        if self.state_file.exists():
            self.state_file.unlink()

    @staticmethod
    def running(data_dir: Path) -> dict | None:
        """The endpoint and queue of a serve process still alive, if any."""
        path = Path(data_dir) / "sqs.json"
        try:
            state = json.loads(path.read_text())
            os.kill(int(state["pid"]), 0)
        except (OSError, ValueError, KeyError):
            return None
        return state


def create_queues(endpoint_url: str, name: str, dead_letters: str, max_receives: int,
                  fifo: bool = False) -> str:
    """A queue with a dead-letter queue in its redrive policy; returns the queue's URL."""
    sqs = boto3.client("sqs", endpoint_url=endpoint_url, region_name=REGION,
                       aws_access_key_id="local", aws_secret_access_key="local")
    suffix = ".fifo" if fifo else ""
    extra = {"FifoQueue": "true", "ContentBasedDeduplication": "true"} if fifo else {}
    dlq_url = sqs.create_queue(QueueName=dead_letters + suffix, Attributes=extra)["QueueUrl"]
    dlq_arn = sqs.get_queue_attributes(QueueUrl=dlq_url, AttributeNames=["QueueArn"])[
        "Attributes"]["QueueArn"]
    policy = json.dumps({"deadLetterTargetArn": dlq_arn, "maxReceiveCount": str(max_receives)})
    return sqs.create_queue(QueueName=name + suffix,
                            Attributes={**extra, "RedrivePolicy": policy,
                                        "VisibilityTimeout": "30"})["QueueUrl"]
