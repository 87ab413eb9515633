"""Who may listen to a call's recording, and what stands in the way of playing it."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime

from domain.access.rule import AccessRule
from domain.agents.sessions import Principal


@dataclass(frozen=True, slots=True)
class RecordedCall:
    call_id: uuid.UUID
    user_id: int | None
    agent_id: uuid.UUID | None  # the agent on the call
    started_at: datetime
    recording_sid: str | None
    deleted_at: datetime | None  # retention deleted it


class NoRecording(LookupError):
    """Nothing to play, and why (404)."""


class MayNotListen(PermissionError):
    """The asker may not hear this call (403)."""


class RecordingUnavailable(RuntimeError):
    """The media server did not answer with the audio (502: try again)."""


def recording_path(call_id: uuid.UUID) -> str:
    """Where the API plays a call's recording (Call.recordingUrl)."""
    return f"/recordings/{call_id}"


def check_listener(call: RecordedCall | None, call_id: uuid.UUID, asker: Principal,
                   rule: AccessRule, now: datetime) -> RecordedCall:
    """SUPERVISOR and ADMIN hear every call; an agent the calls they were on, for
    WORK_ON_HOURS after them."""
    if call is None:
        raise NoRecording(f"there is no call {call_id}")
    if not AccessRule.sees_everyone(asker.role):
        if call.agent_id != asker.agent_id:
            raise MayNotListen("only a SUPERVISOR or ADMIN, or the agent on the call, may "
                               "listen to it")
        if now - call.started_at > rule.work_on:
            hours = rule.work_on.total_seconds() / 3600
            raise MayNotListen(f"an agent may listen to their own call for {hours:g} hours; "
                               "ask a supervisor")
    if call.deleted_at is not None:
        raise NoRecording("the recording was deleted after its retention period")
    if call.recording_sid is None:
        raise NoRecording("this call was not recorded")
    return call
