"""Twilio SMS webhooks: message status callbacks and inbound messages.

Both check X-Twilio-Signature first (403, nothing done) and apply a retried webhook
once: the receipt is taken inside the effect's own transaction.
"""

from __future__ import annotations

from fastapi import APIRouter, Depends, Request, Response
from twilio.twiml.messaging_response import MessagingResponse

from graphql_api.webhooks.twilio_signature import receipt_key, verified_twilio_form
from infrastructure.bootstrap import Services

router = APIRouter(prefix="/twilio/sms", tags=["twilio"])


def _services(request: Request) -> Services:
    return request.app.state.services


@router.post("/status")
async def status_callback(request: Request, form: dict = Depends(verified_twilio_form)):
    """Twilio reports a message's status: it moves forward only, once per report."""
    raw_id = request.query_params.get("m", "")
    error = form.get("ErrorCode")
    services = _services(request)
    await services.sms.sms.status_reported(
        message_id=int(raw_id) if raw_id.isdigit() else None, sid=form.get("MessageSid"),
        twilio_status=form.get("MessageStatus") or form.get("SmsStatus"),
        error=f"Twilio error {error}" if error else None,
        receipt=receipt_key(request, form))
    return Response(status_code=204)


@router.post("/inbound")
async def inbound(request: Request, form: dict = Depends(verified_twilio_form)):
    """An SMS from someone: stored and threaded; STOP/START answered once in TwiML."""
    services = _services(request)
    reply = await services.sms.sms.received(
        from_number=form.get("From", ""), to_number=form.get("To", ""),
        body=form.get("Body", ""), sid=form.get("MessageSid") or form.get("SmsSid"),
        receipt=receipt_key(request, form))
    response = MessagingResponse()
    if reply:
        response.message(reply)
    return Response(str(response), media_type="application/xml")
