"""Playing a call's recording to whoever may hear it; every play goes to the audit trail."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import datetime

from domain.access.rule import AccessRule
from domain.agents.sessions import Principal
from domain.audit.model import AuditKind, AuditRecord
from domain.calls.ports import MediaStream, RecordingMedia, RecordingStore
from domain.calls.recordings import NoRecording, check_listener
from service_layer.audit import AuditWriter

PLAYED = "playRecording"  # the audit trail's operation


@dataclass(frozen=True)
class Recordings:
    store: RecordingStore
    media: RecordingMedia
    rule: AccessRule
    audit: AuditWriter
    clock: Callable[[], datetime]

    @asynccontextmanager
    async def play(self, asker: Principal, call_id: uuid.UUID, byte_range: str | None,
                   address: str | None) -> AsyncIterator[MediaStream]:
        """The audio (or its range); NoRecording (404) or MayNotListen (403) first, with
        nothing played and nothing recorded."""
        if not self.media.configured:
            raise NoRecording("recordings are played from Twilio, which is not configured "
                              "here (TWILIO_ACCOUNT_SID, TWILIO_AUTH_TOKEN)")
        now = self.clock()
        call = check_listener(await self.store.recorded_call(call_id), call_id, asker,
                              self.rule, now)
        async with self.media.open(call.recording_sid or "", byte_range) as stream:
            self.audit.record(AuditRecord(now, AuditKind.READ, asker.agent_id, call.user_id,
                                          PLAYED, address))
            yield stream
