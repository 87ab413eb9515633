"""Twilio Voice through Twilio's own classes: access tokens and recording deletion.

Without credentials the gateway is record-only: no token is ever signed with a made-up
key (VoiceNotConfigured says what is missing) and deletions are logged, not sent.
"""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime

from twilio.base.exceptions import TwilioRestException
from twilio.http import HttpClient
from twilio.http.http_client import TwilioHttpClient
from twilio.jwt.access_token import AccessToken
from twilio.jwt.access_token.grants import VoiceGrant
from twilio.rest import Client

from domain.calls.ports import IssuedVoiceToken, VoiceGateway
from domain.calls.voice import VoiceNotConfigured
from infrastructure.logging import get_logger
from infrastructure.settings import Settings

log = get_logger(__name__)


class TwilioVoiceGateway(VoiceGateway):
    def __init__(self, settings: Settings, http_client: HttpClient | None = None):
        self.account_sid = settings.twilio_account_sid
        self.app_sid = settings.twilio_twiml_app_sid
        self.caller_id = settings.twilio_caller_id
        token = settings.twilio_auth_token.get_secret_value() \
            if settings.twilio_auth_token else None
        key_secret = settings.twilio_api_key_secret.get_secret_value() \
            if settings.twilio_api_key_secret else None
        # An API key is what Twilio asks for; the account's own sid and token also sign.
        if settings.twilio_api_key_sid and key_secret:
            self._key = (settings.twilio_api_key_sid, key_secret)
        else:
            self._key = (self.account_sid, token) if self.account_sid and token else None
        # twilio's default HTTP client waits forever: ours gives up after the timeout.
        self._http_client = http_client or TwilioHttpClient(
            timeout=settings.outbound_http_timeout_seconds)
        self._client: Client | None = None

    def _missing(self, *, token: bool) -> list[str]:
        missing = [] if self.account_sid else ["TWILIO_ACCOUNT_SID"]
        if self._key is None:
            missing.append("TWILIO_AUTH_TOKEN (or TWILIO_API_KEY_SID and TWILIO_API_KEY_SECRET)")
        if token and not self.app_sid:
            missing.append("TWILIO_TWIML_APP_SID")
        return missing

    def issue_token(self, identity: str, ttl_seconds: int, now: datetime) -> IssuedVoiceToken:
        missing = self._missing(token=True)
        if missing:
            raise VoiceNotConfigured("Twilio is not configured (record-only mode): set "
                                     + ", ".join(missing))
        issued = int(now.timestamp())
        grant = VoiceGrant(outgoing_application_sid=self.app_sid, incoming_allow=True)
        jwt = AccessToken(self.account_sid, self._key[0], self._key[1], grants=[grant],
                          identity=identity, nbf=issued, ttl=ttl_seconds,
                          valid_until=issued + ttl_seconds)
        return IssuedVoiceToken(jwt.to_jwt(), identity,
                                datetime.fromtimestamp(issued + ttl_seconds, UTC))

    def client(self) -> Client:
        if self._client is None:
            self._client = Client(self._key[0], self._key[1], account_sid=self.account_sid,
                                  http_client=self._http_client)
        return self._client

    async def delete_recording(self, recording_sid: str) -> bool:
        if self._missing(token=False):
            log.info("record-only: would delete the Twilio recording", recording=recording_sid)
            return False

        def delete() -> bool:
            try:
                return self.client().recordings(recording_sid).delete()
            except TwilioRestException as exc:
                if exc.status == 404:  # already gone at Twilio: what retention wants
                    return True
                raise

        # twilio.rest's default HTTP client blocks: keep it off the event loop.
        return await asyncio.to_thread(delete)
