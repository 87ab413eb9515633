"""Logs are JSON lines and never carry a full phone number, e-mail address or token."""

from __future__ import annotations

import json
import logging

import jwt
import pytest

from infrastructure.logging import (
    REDACTED,
    configure_logging,
    get_logger,
    redact_text,
    redact_value,
)

TOKEN = jwt.encode({"sub": "5b0e3c1a-agent", "role": "AGENT"}, "k" * 40, algorithm="HS256")
PHONES = {  # as people and systems write them -> the digits that must not survive
    "07700 900123": "7700900",
    "07700900123": "7700900",
    "+44 7700 900123": "7700900",
    "+447700900123": "7700900",
    "(0)7700-900123": "7700900",
    "0044 7700 900 123": "7700900",
    "447700900123": "7700900",
    "+44 (0)20 7946 0018": "2079460",
    "(020) 7946 0018": "2079460",
    "020-7946-0018": "2079460",
    "+1 415-555-2671": "415555",
}


@pytest.fixture
def log_lines(capsys):
    """Logging configured for the test (JSON to stdout); returns a reader of parsed lines."""
    root = logging.getLogger()
    saved = root.handlers[:], root.level
    configure_logging("DEBUG", json=True)
    capsys.readouterr()

    def read() -> list[dict]:
        return [json.loads(line) for line in capsys.readouterr().out.splitlines() if line]

    yield read
    root.handlers[:], level = saved
    root.setLevel(level)


@pytest.mark.parametrize("written, hidden", PHONES.items())
def test_phone_numbers_keep_only_their_last_three_digits(written, hidden):
    masked = redact_text(f"dialling {written} now")
    digits = "".join(c for c in masked if c.isdigit())
    assert hidden not in digits and hidden not in masked
    assert masked.startswith("dialling *") and masked.endswith(f"{written[-3:]} now")


@pytest.mark.parametrize("text", [
    "agent 550e8400-e29b-41d4-a716-446655440000 took lead",
    "at 2026-11-23T22:55:06.373805+00:00",
    "user 1234567 moved from UNSIGNED to CALLBACK",
    "pi is 3.14159265358979",
    "connected to 127.0.0.1:54321/dialler",
    "short",
])
def test_ordinary_values_are_left_alone(text):
    assert redact_text(text) == text


def test_email_addresses_keep_one_letter_and_the_domain():
    assert redact_text("sent to jane.doe+claims@example.co.uk") == "sent to j***@example.co.uk"
    assert redact_text("From: A@B.COM") == "From: A***@B.COM"


def test_tokens_are_replaced_wherever_they_appear():
    assert TOKEN not in redact_text(f"issued {TOKEN} to agent")
    assert redact_text(f"issued {TOKEN}.") == f"issued {REDACTED}."
    assert redact_text("Authorization: Bearer abc123.def") == f"Authorization: Bearer {REDACTED}"
    assert redact_text("GET /m/open?token=s3cr3t&next=%2F") == (
        f"GET /m/open?token={REDACTED}&next=%2F")


def test_secret_keys_are_redacted_at_any_depth():
    event = {"request": {"headers": {"Authorization": f"Bearer {TOKEN}", "Accept": "*/*"},
                         "body": {"password": "hunter2hunter2", "email": "bob@example.com"}},
             "config": [{"jwt_secret": "x" * 40}, {"twilio_auth_token": "abc"}, {"API-Key": 1}]}
    redacted = redact_value(event)
    assert redacted["request"]["headers"] == {"Authorization": REDACTED, "Accept": "*/*"}
    assert redacted["request"]["body"] == {"password": REDACTED, "email": "b***@example.com"}
    assert redacted["config"] == [{"jwt_secret": REDACTED}, {"twilio_auth_token": REDACTED},
                                  {"API-Key": REDACTED}]
    assert event["request"]["body"]["password"] == "hunter2hunter2"  # the input is not changed


def test_structlog_events_are_json_lines_with_the_essentials_and_nothing_personal(log_lines):
    get_logger("dialler.calls").info(
        "call to 07700 900123 for jane@example.com", user_id=42, agent={"email": "a@b.co"},
        numbers=("+447700900123", ["(0)7700-900124"]), headers={"authorization": TOKEN})
    [line] = log_lines()
    assert list(line)[:4] == ["timestamp", "level", "logger", "event"]
    assert line["level"] == "info" and line["logger"] == "dialler.calls"
    assert line["timestamp"].endswith("Z")
    assert line["event"] == "call to ********123 for j***@example.com"
    assert line["user_id"] == 42
    assert line["agent"] == {"email": "a***@b.co"}
    assert line["numbers"] == ["*********123", ["********124"]]
    assert line["headers"] == {"authorization": REDACTED}


def test_stdlib_records_go_through_the_same_renderer_and_redaction(log_lines):
    logging.getLogger("uvicorn.error").warning("login %s from %s with %s", "jo@example.com",
                                               "447700900123", f"Bearer {TOKEN}")
    [line] = log_lines()
    assert line["logger"] == "uvicorn.error" and line["level"] == "warning"
    assert line["event"] == f"login j***@example.com from *********123 with Bearer {REDACTED}"


def test_tracebacks_are_redacted_too(log_lines):
    try:
        raise ValueError("no user with phone 07700900123")
    except ValueError:
        get_logger("worker").exception("failed for bob@example.com")
    [line] = log_lines()
    assert "07700900123" not in json.dumps(line) and "bob@" not in json.dumps(line)
    assert "ValueError: no user with phone ********123" in line["exception"]


def test_objects_are_rendered_as_masked_text(log_lines):
    class Lead:
        def __repr__(self) -> str:
            return "Lead(phone='07700900123')"

    get_logger("queue").info("lead", lead=Lead())
    assert log_lines()[0]["lead"] == "Lead(phone='********123')"


def test_plain_text_output_is_redacted_as_well(capsys):
    root = logging.getLogger()
    saved = root.handlers[:]
    try:
        configure_logging("INFO", json=False)
        get_logger("cli").info("created agent", email="new@example.com", password="pw")
        out = capsys.readouterr().out
    finally:
        root.handlers[:] = saved
    assert "n***@example.com" in out and "new@" not in out and "password=[redacted]" in out
