"""Twilio webhooks: X-Twilio-Signature checked by Twilio's validator; retries applied once."""

from __future__ import annotations

import hashlib

from fastapi import HTTPException, Request
from twilio.request_validator import RequestValidator

from infrastructure.bootstrap import Services


def public_url(request: Request, public_base_url: str | None) -> str:
    """The URL Twilio signed: behind a proxy, the configured public base plus path and query."""
    if not public_base_url:
        return str(request.url)
    query = f"?{request.url.query}" if request.url.query else ""
    return public_base_url.rstrip("/") + request.url.path + query


async def verified_twilio_form(request: Request) -> dict[str, str]:
    """The webhook's form fields, or 403 when the signature is missing or wrong (nothing done)."""
    services: Services = request.app.state.services
    token = services.settings.twilio_auth_token
    if token is None:
        raise HTTPException(403, "Twilio webhooks are refused: TWILIO_AUTH_TOKEN is not set")
    form = {key: str(value) for key, value in (await request.form()).items()}
    signature = request.headers.get("x-twilio-signature", "")
    url = public_url(request, services.settings.public_base_url)
    if not signature or not RequestValidator(token.get_secret_value()).validate(url, form,
                                                                                signature):
        raise HTTPException(403, "invalid X-Twilio-Signature")
    return form


def receipt_key(request: Request, form: dict[str, str]) -> str:
    """Twilio's idempotency token when sent, else a digest of the path and every field."""
    token = request.headers.get("i-twilio-idempotency-token")
    if token:
        return f"idem:{token}"[:128]
    material = request.url.path + "\n" + "\n".join(f"{k}={form[k]}" for k in sorted(form))
    return "sha:" + hashlib.sha256(material.encode()).hexdigest()
