"""The SMS gateway port (Twilio), recording what it was handed."""

from __future__ import annotations

from dataclasses import dataclass

from domain.messaging.ports import SentMessage, SmsGateway


@dataclass(frozen=True)
class Handed:
    to: str
    body: str
    status_callback: str | None


class FakeSmsGateway(SmsGateway):
    """Takes every message unless ``failures`` holds the next exception to raise."""

    def __init__(self, status: str = "queued") -> None:
        self.sent: list[Handed] = []
        self.failures: list[Exception] = []
        self.deleted: list[str] = []
        self.status = status

    async def send_sms(self, to: str, body: str, status_callback: str | None) -> SentMessage:
        if self.failures:
            raise self.failures.pop(0)
        self.sent.append(Handed(to, body, status_callback))
        return SentMessage(f"SM{len(self.sent):032d}", self.status)

    async def delete_recording(self, sid: str) -> bool:
        if sid in self.deleted:
            return False
        self.deleted.append(sid)
        return True
