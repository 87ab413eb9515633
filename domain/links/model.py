"""What a magic link is, what state it is in, and why one is refused."""

from __future__ import annotations

import enum
import uuid
from dataclasses import dataclass
from datetime import datetime
from urllib.parse import quote


class Purpose(enum.Enum):
    SIGN = "SIGN"
    UPLOAD_DOCUMENTS = "UPLOAD_DOCUMENTS"
    VIEW_CLAIM = "VIEW_CLAIM"


class Channel(enum.Enum):
    SMS = "SMS"
    EMAIL = "EMAIL"


class LinkState(enum.Enum):
    ACTIVE = "ACTIVE"
    EXPIRED = "EXPIRED"
    USED = "USED"


class Rejection(enum.Enum):
    """Why a link was not sent."""

    NO_SUCH_USER = "NO_SUCH_USER"
    NO_EMAIL = "NO_EMAIL"
    UNDIALABLE = "UNDIALABLE"
    OPTED_OUT = "OPTED_OUT"
    RATE_LIMITED = "RATE_LIMITED"
    SEND_FAILED = "SEND_FAILED"


class Invalidity(enum.Enum):
    """Why a link cannot be followed or redeemed (a tampered token is UNKNOWN)."""

    EXPIRED = "EXPIRED"
    USED = "USED"
    UNKNOWN = "UNKNOWN"


# Where each purpose lands in the main application.
PURPOSE_PATHS = {Purpose.SIGN: "/sign", Purpose.UPLOAD_DOCUMENTS: "/documents/upload",
                 Purpose.VIEW_CLAIM: "/claims"}

_WHAT_FOR = {Purpose.SIGN: "sign your claim documents",
             Purpose.UPLOAD_DOCUMENTS: "upload the documents your claim needs",
             Purpose.VIEW_CLAIM: "see how your claim is going"}


@dataclass(frozen=True, slots=True)
class MagicLink:
    id: uuid.UUID
    user_id: int
    purpose: Purpose
    channel: Channel
    sent_at: datetime
    expires_at: datetime
    clicked_at: datetime | None = None
    click_count: int = 0
    used_at: datetime | None = None
    revoked_at: datetime | None = None

    def state(self, now: datetime) -> LinkState:
        return state_of(self.used_at, self.expires_at, now, self.revoked_at)


def state_of(used_at: datetime | None, expires_at: datetime, now: datetime,
             revoked_at: datetime | None = None) -> LinkState:
    """Used wins over expired: a link used in time stays 'used' for ever. A revoked link
    (its token was exposed, or it was replaced) has expired early: the main app's contract
    knows EXPIRED, USED and UNKNOWN, and "expired, ask for a new one" is what the user needs."""
    if used_at is not None:
        return LinkState.USED
    if revoked_at is not None or now >= expires_at:
        return LinkState.EXPIRED
    return LinkState.ACTIVE


def invalidity(state: LinkState) -> Invalidity | None:
    return {LinkState.USED: Invalidity.USED, LinkState.EXPIRED: Invalidity.EXPIRED}.get(state)


def app_url(main_app_url: str, purpose: Purpose, token: str) -> str:
    """The main application's page for the purpose, carrying the token to redeem."""
    return f"{main_app_url.rstrip('/')}{PURPOSE_PATHS[purpose]}?token={quote(token, safe='')}"


def link_url(public_base_url: str, token: str) -> str:
    """The short URL sent to the user: our own /l/{token}, which records the click."""
    return f"{public_base_url.rstrip('/')}/l/{token}"


def sms_body(purpose: Purpose, url: str, hours: int) -> str:
    return f"RMC Claims: tap to {_WHAT_FOR[purpose]}: {url} (valid {hours} hours, one use)"


def email_content(purpose: Purpose, url: str, hours: int) -> tuple[str, str]:
    """(subject, plain-text body) of the e-mail carrying a link."""
    subject = {Purpose.SIGN: "Sign your claim documents",
               Purpose.UPLOAD_DOCUMENTS: "Upload your claim documents",
               Purpose.VIEW_CLAIM: "Your claim"}[purpose]
    body = (f"Hello,\n\nUse this secure link to {_WHAT_FOR[purpose]}:\n\n{url}\n\n"
            f"It works once and expires in {hours} hours. If you did not expect this e-mail, "
            "you can ignore it.\n\nRMC Claims\n")
    return subject, body


def looks_like_email(address: str | None) -> bool:
    """A deliverable-looking address: one @, something either side, a dot in the domain."""
    if not address or any(c.isspace() for c in address.strip()):
        return False
    local, at, domain = address.strip().rpartition("@")
    return bool(at and local and "." in domain.strip(".") and "@" not in local)


def mask_email(address: str) -> str:
    """An address safe to log: first letter and domain."""
    local, _, domain = address.strip().rpartition("@")
    return f"{local[:1]}***@{domain}"
