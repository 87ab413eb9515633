"""Recordings' audio from Twilio, with the dialler's own credentials, ranges passed on.

GET /2010-04-01/Accounts/{sid}/Recordings/{RE…}.mp3 (Twilio may redirect to its media
store; httpx drops the credentials on the way there). Only the network is faked in tests.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import httpx

from domain.calls.ports import MediaStream, RecordingMedia
from domain.calls.recordings import NoRecording, RecordingUnavailable

API = "https://api.twilio.com/2010-04-01"
_PASSED_ON = ("content-type", "content-length", "content-range", "accept-ranges")


class TwilioRecordingMedia(RecordingMedia):
    def __init__(self, account_sid: str | None, auth_token: str | None, *,
                 timeout_seconds: float = 10.0,
                 transport: httpx.AsyncBaseTransport | None = None):
        self.configured = bool(account_sid and auth_token)
        self._auth = (account_sid or "", auth_token or "")
        self._timeout, self._transport = timeout_seconds, transport
        self._client: httpx.AsyncClient | None = None

    @classmethod
    def from_settings(cls, settings,
                      transport: httpx.AsyncBaseTransport | None = None) -> TwilioRecordingMedia:
        token = settings.twilio_auth_token.get_secret_value() \
            if settings.twilio_auth_token else None
        return cls(settings.twilio_account_sid, token,
                   timeout_seconds=settings.outbound_http_timeout_seconds, transport=transport)

    def _http(self) -> httpx.AsyncClient:
        # Made on first use, inside the running loop that will use it.
        if self._client is None:
            self._client = httpx.AsyncClient(
                transport=self._transport, follow_redirects=True,
                timeout=httpx.Timeout(self._timeout, read=None))  # a long file streams on
        return self._client

    @asynccontextmanager
    async def open(self, recording_sid: str,
                   byte_range: str | None) -> AsyncIterator[MediaStream]:
        url = f"{API}/Accounts/{self._auth[0]}/Recordings/{recording_sid}.mp3"
        headers = {"Range": byte_range} if byte_range else {}
        try:
            async with self._http().stream("GET", url, headers=headers,
                                           auth=self._auth) as response:
                if response.status_code == 404:
                    raise NoRecording("Twilio no longer has this recording")
                if response.status_code not in (200, 206, 416):
                    raise RecordingUnavailable(
                        f"Twilio answered {response.status_code} for the recording")
                yield MediaStream(response.status_code,
                                  {k: response.headers[k] for k in _PASSED_ON
                                   if k in response.headers},
                                  response.aiter_bytes())
        except httpx.HTTPError as exc:
            raise RecordingUnavailable(f"Twilio could not be reached: {type(exc).__name__}"
                                       ) from exc

    async def close(self) -> None:
        if self._client is not None:
            await self._client.aclose()
            self._client = None
