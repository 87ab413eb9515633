"""Twilio Voice webhooks: browser calls, status and recording callbacks, inbound calls.

Every route checks X-Twilio-Signature first (403, nothing done). Callbacks that change a
call are applied once: the receipt is taken inside the change's own transaction.
"""

from __future__ import annotations

from datetime import datetime
from email.utils import parsedate_to_datetime

from fastapi import APIRouter, Depends, Request, Response

from domain.calls.status import InvalidCallReport
from graphql_api.webhooks.twilio_signature import receipt_key, verified_twilio_form
from infrastructure.bootstrap import Services
from infrastructure.logging import get_logger
from infrastructure.twilio import voice_twiml as twiml
from service_layer.voice import Effects

log = get_logger(__name__)
router = APIRouter(prefix="/twilio/voice", tags=["twilio"])


def _xml(body: str) -> Response:
    return Response(body, media_type="application/xml")


def _bad(exc: InvalidCallReport) -> Response:
    return Response(f"bad Twilio callback: {exc}", status_code=400, media_type="text/plain")


def _services(request: Request) -> Services:
    return request.app.state.services


def _urls(request: Request, services: Services) -> twiml.VoiceUrls:
    base = services.settings.public_base_url or str(request.base_url)
    return twiml.VoiceUrls(base.rstrip("/"))


def _when(form: dict[str, str], services: Services) -> datetime:
    """When Twilio says the event happened (its Timestamp), else now."""
    try:
        return parsedate_to_datetime(form["Timestamp"])
    except (KeyError, TypeError, ValueError):
        return services.clock()


async def _planned(services: Services, plan):
    """Runs ``plan(calls)`` in one committed unit and acts on its effects; 400 for bad fields."""
    try:
        async with services.voice.units() as calls:
            result = await plan(calls)
    except InvalidCallReport as exc:
        return _bad(exc)
    await services.voice.finish(result)
    return result


@router.post("")
async def browser_call(request: Request, form: dict = Depends(verified_twilio_form)):
    """The agent's browser placed a call (TwiML App voice URL): dial the user or refuse."""
    services = _services(request)
    plan = await _planned(services, lambda calls: services.voice.place_call(
        calls, call_sid=form.get("CallSid"), caller=form.get("From"),
        user_id=form.get("userId"), now=services.clock()))
    if isinstance(plan, Response):
        return plan
    if plan.refusal:
        log.info("call refused", reason=plan.refusal, caller=form.get("From"),
                 user_id=form.get("userId"))
        return _xml(twiml.refuse(plan.refusal))
    return _xml(twiml.dial_number(plan.call.to_number, plan.call.from_number,
                                  _urls(request, services)))


async def _once(request: Request, form: dict[str, str], apply) -> Response | Effects:
    """Applies a callback once: a retry finds its receipt and changes nothing (a Response
    then, as for bad fields); otherwise the committed change's effects, already acted on."""
    services = _services(request)
    try:
        async with services.voice.units() as calls:
            if not await calls.first_receipt(receipt_key(request, form)):
                return _xml(twiml.empty())
            result = await apply(services, calls)
    except InvalidCallReport as exc:
        return _bad(exc)
    await services.voice.finish(result)
    return result


@router.post("/status")
async def status_callback(request: Request, form: dict = Depends(verified_twilio_form)):
    async def apply(services: Services, calls):
        return await services.voice.apply_status(
            calls, call_sid=form.get("CallSid"), parent_sid=form.get("ParentCallSid"),
            status=form.get("CallStatus"), at=_when(form, services),
            duration=form.get("CallDuration"), to=form.get("To"))

    result = await _once(request, form, apply)
    return result if isinstance(result, Response) else _xml(twiml.empty())


@router.post("/recording")
async def recording_callback(request: Request, form: dict = Depends(verified_twilio_form)):
    async def apply(services: Services, calls):
        return await services.voice.apply_recording(
            calls, call_sid=form.get("CallSid"), recording_sid=form.get("RecordingSid"),
            url=form.get("RecordingUrl"), status=form.get("RecordingStatus"),
            at=services.clock())

    result = await _once(request, form, apply)
    return result if isinstance(result, Response) else _xml(twiml.empty())


@router.post("/inbound")
async def inbound_call(request: Request, form: dict = Depends(verified_twilio_form)):
    """A call to the company's number: ring the available agents, or take it as missed."""
    services = _services(request)
    plan = await _planned(services, lambda calls: services.voice.inbound(
        calls, call_sid=form.get("CallSid"), caller=form.get("From"),
        to=form.get("To"), now=services.clock()))
    if isinstance(plan, Response):
        return plan
    if not plan.identities:
        return _xml(twiml.missed())
    return _xml(twiml.ring_agents(plan.identities, plan.call.user_id, str(plan.call.id),
                                  services.settings.inbound_ring_seconds,
                                  _urls(request, services), services.settings.recording_notice))


@router.post("/notice")
async def recording_notice(request: Request, _form: dict = Depends(verified_twilio_form)):
    """An outbound call's customer answered: they hear that the call is recorded, and only
    then is the agent bridged (the dialled number's whisper URL). Changes nothing."""
    return _xml(twiml.recording_notice(_services(request).settings.recording_notice))


@router.post("/inbound/result")
async def inbound_result(request: Request, form: dict = Depends(verified_twilio_form)):
    """The Dial action of an inbound call: answered and finished, or missed."""
    async def apply(services: Services, calls):
        return await services.voice.dial_result(
            calls, call_sid=form.get("CallSid"), dial_status=form.get("DialCallStatus"),
            duration=form.get("DialCallDuration"), now=services.clock())

    result = await _once(request, form, apply)
    if isinstance(result, Response):
        return result
    return _xml(twiml.missed() if result.missed else twiml.empty())
