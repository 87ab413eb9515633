"""TwiML the voice webhooks answer with, built with Twilio's VoiceResponse."""

from __future__ import annotations

from dataclasses import dataclass

from twilio.twiml.voice_response import VoiceResponse

RECORD = "record-from-answer-dual"
OUTBOUND_EVENTS = "initiated ringing answered completed"
MISSED_MESSAGE = ("Sorry, nobody can take your call right now. "
                  "We will call you back as soon as we can.")


@dataclass(frozen=True, slots=True)
class VoiceUrls:
    """Absolute URLs of the callbacks, as Twilio must reach (and sign) them."""

    base: str

    @property
    def status(self) -> str:
        return f"{self.base}/twilio/voice/status"

    @property
    def recording(self) -> str:
        return f"{self.base}/twilio/voice/recording"

    @property
    def inbound_result(self) -> str:
        return f"{self.base}/twilio/voice/inbound/result"

    @property
    def notice(self) -> str:
        """Where Twilio fetches what the customer hears on answer, before the bridge."""
        return f"{self.base}/twilio/voice/notice"


def refuse(message: str) -> str:
    """Says why and hangs up: nothing is dialled."""
    response = VoiceResponse()
    response.say(message, language="en-GB")
    response.hangup()
    return str(response)


def empty() -> str:
    return str(VoiceResponse())


def dial_number(e164: str, caller_id: str, urls: VoiceUrls) -> str:
    """Dials a customer from the company's number, recording both channels from answer.

    The customer hears the recording notice as soon as they answer, before the agent is
    bridged: Twilio plays the TwiML at the number's ``url`` to the called party first.
    """
    response = VoiceResponse()
    dial = response.dial(caller_id=caller_id, record=RECORD, answer_on_bridge=True,
                         recording_status_callback=urls.recording,
                         recording_status_callback_event="completed")
    dial.number(e164, url=urls.notice, method="POST", status_callback=urls.status,
                status_callback_event=OUTBOUND_EVENTS)
    return str(response)


def recording_notice(notice: str) -> str:
    """What the customer of an outbound call hears on answer (the number's whisper)."""
    response = VoiceResponse()
    response.say(notice, language="en-GB")
    return str(response)


def ring_agents(identities: list[str], user_id: int | None, call_id: str, timeout: int,
                urls: VoiceUrls, notice: str) -> str:
    """Tells the caller the call is recorded, then rings agents' browsers at once; the
    first to answer takes it, the action says how."""
    response = VoiceResponse()
    response.say(notice, language="en-GB")
    dial = response.dial(timeout=timeout, action=urls.inbound_result, record=RECORD,
                         recording_status_callback=urls.recording,
                         recording_status_callback_event="completed")
    for identity in identities:
        # Only "answered": the legs that lose the race end as canceled, which is not the call's end.
        client = dial.client(status_callback=urls.status, status_callback_event="answered")
        client.identity(identity)
        client.parameter(name="callId", value=call_id)
        if user_id is not None:
            client.parameter(name="userId", value=str(user_id))
    return str(response)


def missed() -> str:
    return refuse(MISSED_MESSAGE)
