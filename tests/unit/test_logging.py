"""Logs never carry a full phone number, e-mail address or token."""

from __future__ import annotations

import json
import logging

from infrastructure.logging import configure_logging, get_logger, redact_text

JWT = "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxIn0.c2lnbmF0dXJlLXBhcnQ"


def test_text_is_redacted():
    text = (f"called 07911 123456 and +447911123456 and (0)7911-123456 for ann.lee@example.com "
            f"with Bearer {JWT} and {JWT}")
    out = redact_text(text)
    for secret in ("07911 123456", "447911123456", "7911-123456", "ann.lee@", JWT):
        assert secret not in out
    assert "*********456" in out and "a***@example.com" in out


def test_events_are_redacted_and_json(capsys):
    configure_logging("INFO", json=True)
    get_logger("test").info("sms to 07911 123456", password="hunter2",
                            headers={"Authorization": f"Bearer {JWT}"},
                            numbers=["+447911123456"], user={"email": "bob@example.org"})
    logging.getLogger("uvicorn.error").warning("from stdlib: %s", "bob@example.org")
    lines = [json.loads(line) for line in capsys.readouterr().out.strip().splitlines()]
    assert lines[0]["event"] == "sms to ********456"
    assert lines[0]["password"] == "[redacted]"
    assert lines[0]["headers"] == {"Authorization": "[redacted]"}
    assert lines[0]["numbers"] == ["**********456"] or "447911123456" not in str(lines[0])
    assert lines[0]["user"] == {"email": "b***@example.org"}
    assert lines[1]["event"] == "from stdlib: b***@example.org" and lines[1]["level"] == "warning"


def test_ordinary_numbers_survive():
    assert redact_text("processed 1234 rows in 12.5 ms, user 42") == \
        "processed 1234 rows in 12.5 ms, user 42"
