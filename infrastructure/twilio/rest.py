"""Twilio's REST API (SMS, recordings) through twilio.rest.Client, or record-only.

Calls go through Twilio's own AsyncTwilioHttpClient (aiohttp) and the ``*_async``
methods: sends happen on the event loop without a thread per request, so a burst of
follow-ups does not queue behind the default thread pool, and the transport stays
replaceable (tests pass a ``twilio.http.AsyncHttpClient`` that fakes only HTTP).
"""

from __future__ import annotations

import uuid

import aiohttp
from twilio.base.exceptions import TwilioRestException, TwilioServiceException
from twilio.http import AsyncHttpClient
from twilio.http.async_http_client import AsyncTwilioHttpClient
from twilio.rest import Client

from domain.messaging.ports import SentMessage, SmsGateway, TwilioSendFailed
from domain.users.phone import mask
from infrastructure.logging import get_logger

log = get_logger(__name__)
TIMEOUT_SECONDS = 15.0


class TimedTwilioHttpClient(AsyncTwilioHttpClient):
    """Twilio's aiohttp client with the timeout it was made with actually applied: the
    library passes on only a request's own timeout, which its REST calls never set, and
    aiohttp then waits without limit."""

    async def request(self, method, url, params=None, data=None, headers=None, auth=None,
                      timeout=None, allow_redirects=False):  # noqa: ASYNC109 - its signature
        return await super().request(method, url, params, data, headers, auth,
                                     self.timeout if timeout is None else timeout,
                                     allow_redirects)


class TwilioRest(SmsGateway):
    """One per process. With no account SID or auth token it only records what it would send."""

    def __init__(self, account_sid: str | None, auth_token: str | None, *,
                 sms_from: str | None = None, messaging_service_sid: str | None = None,
                 http_client: AsyncHttpClient | None = None,
                 timeout_seconds: float = TIMEOUT_SECONDS):
        self.record_only = not (account_sid and auth_token)
        self.timeout_seconds = timeout_seconds
        self.sms_from, self.messaging_service_sid = sms_from, messaging_service_sid
        self.recorded: list[dict] = []  # what record-only mode would have sent
        self._credentials = (account_sid, auth_token)
        self._http = http_client
        self._client: Client | None = None
        if self.record_only:
            log.warning("Twilio is in record-only mode: TWILIO_ACCOUNT_SID/TWILIO_AUTH_TOKEN "
                        "unset, nothing will be sent")

    @classmethod
    def from_settings(cls, settings, http_client: AsyncHttpClient | None = None) -> TwilioRest:
        token = settings.twilio_auth_token.get_secret_value() \
            if settings.twilio_auth_token else None
        return cls(settings.twilio_account_sid, token,
                   sms_from=settings.twilio_sms_from or settings.twilio_caller_id,
                   messaging_service_sid=settings.twilio_messaging_service_sid,
                   http_client=http_client,
                   timeout_seconds=settings.outbound_http_timeout_seconds)

    @property
    def client(self) -> Client:
        # Made on first use: aiohttp wants its session created inside a running loop.
        if self._client is None:
            self._http = self._http or TimedTwilioHttpClient(timeout=self.timeout_seconds)
            self._client = Client(*self._credentials, http_client=self._http)
        return self._client

    async def send_sms(self, to: str, body: str, status_callback: str | None) -> SentMessage:
        if self.record_only:
            return self._record("sms", to=to, body=body, status_callback=status_callback)
        sender = ({"messaging_service_sid": self.messaging_service_sid}
                  if self.messaging_service_sid else {"from_": self.sms_from})
        if not any(sender.values()):
            raise TwilioSendFailed("no sender configured: set TWILIO_SMS_FROM, "
                                   "TWILIO_CALLER_ID or TWILIO_MESSAGING_SERVICE_SID", False)
        extra = {"status_callback": status_callback} if status_callback else {}
        try:
            message = await self.client.messages.create_async(to=to, body=body, **sender,
                                                              **extra)
        except (TwilioRestException, TwilioServiceException) as exc:
            raise _rest_failure(exc) from exc
        except aiohttp.ClientConnectorError as exc:
            # Never reached Twilio: safe to try again.
            raise TwilioSendFailed(f"could not reach Twilio: {exc}", True) from exc
        except (TimeoutError, aiohttp.ClientError) as exc:
            # The request may have arrived: retrying could send the message twice.
            raise TwilioSendFailed(f"no answer from Twilio ({type(exc).__name__}); the "
                                   "message may or may not have gone, so it is not retried",
                                   False) from exc
        log.info("sms handed to Twilio", to=mask(to), sid=message.sid, status=message.status)
        return SentMessage(message.sid, str(message.status))

    async def delete_recording(self, sid: str) -> bool:
        if self.record_only:
            self._record("delete_recording", sid=sid)
            return True
        try:
            return bool(await self.client.recordings(sid).delete_async())
        except (TwilioRestException, TwilioServiceException) as exc:
            if exc.status == 404:
                return False
            raise _rest_failure(exc) from exc

    def _record(self, action: str, **details) -> SentMessage:
        self.recorded.append({"action": action, **details})
        shown = {k: (mask(v) if k == "to" else v) for k, v in details.items() if k != "body"}
        log.info("Twilio record-only: not sent", action=action, **shown)
        return SentMessage(f"SMrecorded{uuid.uuid4().hex[:24]}", "queued")

    async def close(self) -> None:
        if isinstance(self._http, AsyncTwilioHttpClient):
            await self._http.close()


def _rest_failure(exc: TwilioRestException | TwilioServiceException) -> TwilioSendFailed:
    """429 and 5xx are worth retrying; any other 4xx will fail the same way again."""
    retryable = exc.status == 429 or exc.status >= 500
    code = f" (Twilio error {exc.code})" if exc.code else ""
    text = getattr(exc, "msg", None) or getattr(exc, "detail", None) or getattr(exc, "title", "")
    return TwilioSendFailed(f"Twilio answered HTTP {exc.status}{code}: {text}", retryable)
