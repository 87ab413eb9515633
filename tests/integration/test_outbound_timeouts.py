"""Every outbound HTTP call gives up: Twilio's REST (SMS, recordings) and Voice clients
against a server that accepts and never answers, and the SQS client's limits."""

from __future__ import annotations

import asyncio
from contextlib import asynccontextmanager

import pytest
import requests

from domain.messaging.ports import TwilioSendFailed
from infrastructure.settings import Settings
from infrastructure.twilio.rest import TwilioRest
from infrastructure.twilio.voice import TwilioVoiceGateway
from sync_worker.sqs import LONGEST_POLL_SECONDS, QueueAddress, SqsQueue

pytestmark = pytest.mark.integration
ACCOUNT, TOKEN = "AC" + "1" * 32, "0123456789abcdef" * 2
GUARD = 30  # far longer than any timeout here: only a call without one would reach it


@asynccontextmanager
async def silent_server():
    """A loopback server that accepts connections and reads, but never answers."""
    held = []

    async def hold(reader, writer):
        held.append(writer)
        await reader.read(65536)

    server = await asyncio.start_server(hold, "127.0.0.1", 0)
    try:
        yield f"http://127.0.0.1:{server.sockets[0].getsockname()[1]}"
    finally:
        for writer in held:
            writer.close()
        server.close()


async def test_an_sms_to_a_twilio_that_never_answers_fails_instead_of_hanging():
    rest = TwilioRest(ACCOUNT, TOKEN, sms_from="+441615550100", timeout_seconds=0.2)
    async with silent_server() as url:
        rest.client.api.base_url = url  # Twilio's REST domain, here on loopback
        try:
            with pytest.raises(TwilioSendFailed, match="no answer from Twilio") as failed:
                await asyncio.wait_for(rest.send_sms("+447911123456", "hello", None), GUARD)
        finally:
            await rest.close()
    assert failed.value.retryable is False  # it may have arrived: never sent twice


def test_the_rest_client_takes_its_timeout_from_the_settings():
    settings = Settings(_env_file=None, twilio_account_sid=ACCOUNT, twilio_auth_token=TOKEN,
                        outbound_http_timeout_seconds=7.5)
    assert TwilioRest.from_settings(settings).timeout_seconds == 7.5


async def test_the_voice_client_gives_up_too():
    settings = Settings(_env_file=None, twilio_account_sid=ACCOUNT, twilio_auth_token=TOKEN,
                        outbound_http_timeout_seconds=0.2)
    gateway = TwilioVoiceGateway(settings)
    async with silent_server() as url:
        client = gateway.client()
        client.api.base_url = url
        with pytest.raises(requests.exceptions.Timeout):
            await asyncio.wait_for(asyncio.to_thread(
                lambda: client.recordings("RE" + "3" * 32).delete()), GUARD)


async def test_the_sqs_client_connects_and_reads_within_its_limits(moto_endpoint):
    address = QueueAddress(f"{moto_endpoint}/123456789012/none", moto_endpoint, "eu-west-2")
    queue = SqsQueue(address, timeout_seconds=4.0)
    with pytest.raises(Exception, match="NonExistentQueue|does not exist"):
        await queue.__aenter__()  # opening asks for the redrive policy: the queue is absent
    config = queue.client.meta.config
    await queue.__aexit__(None, None, None)
    # A long poll may wait up to 20 s for SQS's answer; past that the read has hung.
    assert (config.connect_timeout, config.read_timeout) == (4.0, 4.0 + LONGEST_POLL_SECONDS)
