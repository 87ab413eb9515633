"""Free text the rules refuse before it is stored: NUL (PostgreSQL cannot hold it) and
lengths beyond the columns. Each was a server error the GraphQL fuzz found."""

from __future__ import annotations

import copy
import re
from datetime import UTC, datetime

import pytest

from domain.agents.model import InvalidAgent, check_new_agent, normalise_reason
from domain.agents.passwords import PasswordPolicy
from domain.calls.disposition import (
    MAX_CALL_SID,
    MAX_NOTES,
    InvalidDisposition,
    check_call_sid,
    check_callback_note,
    effects_of,
)
from domain.calls.outcomes import CallOutcome
from domain.messaging.model import InvalidSms, check_body
from domain.queue.calling_window import CallingWindow
from domain.scoring.rules import (
    DEFAULT_RULE_SET_DOCUMENT,
    RuleSetInvalid,
    default_rule_set,
    parse_rule_set,
    validate_rule_set,
)
from domain.text import NUL_REFUSED, has_nul, nul_paths

NOW = datetime(2026, 11, 24, 10, 0, tzinfo=UTC)


def test_nul_is_found_in_keys_strings_and_lists_in_document_order():
    value = {"a": "fine", "b\x00": 1, "c": [{"d": "x\x00"}, "ok", "\x00"], "e": {"f": 2}}
    assert nul_paths(value) == ["b\x00", "c[0].d", "c[2]"]
    assert nul_paths([1, "\x00"]) == ["$[1]"]
    assert nul_paths({"a": 1.5, "b": None, "c": True}) == []
    assert (has_nul("a\x00b"), has_nul("ab"), has_nul(None)) == (True, False, False)


def test_an_sms_body_with_nul_is_refused_naming_the_body():
    with pytest.raises(InvalidSms, match="NUL") as refused:
        check_body("hello\x00")
    assert refused.value.field == "body"
    assert check_body(" hello ") == "hello"


def test_disposition_notes_with_nul_are_refused():
    window, cooldowns = CallingWindow(), default_rule_set().cooldowns
    with pytest.raises(InvalidDisposition, match=re.escape(f"notes {NUL_REFUSED}")):
        effects_of(CallOutcome.CONTACTED, "spoke\x00", None, NOW, window, cooldowns)
    assert effects_of(CallOutcome.CONTACTED, "spoke", None, NOW, window, cooldowns).reached


@pytest.mark.parametrize(("call_sid", "message"), [
    ("CA" + "1" * (MAX_CALL_SID - 1), "callSid is longer than 64 characters"),
    ("CA\x00", f"callSid {NUL_REFUSED}"),
])
def test_a_call_sid_must_fit_its_column(call_sid, message):
    with pytest.raises(InvalidDisposition, match=re.escape(message)):
        check_call_sid(call_sid)


def test_a_sensible_call_sid_or_none_passes():
    check_call_sid("CA" + "0" * 32)
    check_call_sid(None)


@pytest.mark.parametrize(("note", "message"), [
    ("x" * (MAX_NOTES + 1), "note is longer than 4000 characters"),
    ("call \x00 back", f"note {NUL_REFUSED}"),
])
def test_a_callback_note_is_as_long_as_notes_and_without_nul(note, message):
    with pytest.raises(InvalidDisposition, match=re.escape(message)):
        check_callback_note(note)
    check_callback_note("x" * MAX_NOTES)
    check_callback_note(None)


def test_a_rule_set_with_nul_anywhere_names_each_place():
    document = copy.deepcopy(DEFAULT_RULE_SET_DOCUMENT)
    document["lenders"]["aliases"]["halifax\x00"] = "lloyds"
    document["adjustments"] = [{"name": "payday\x00", "points": 5}]
    problems = validate_rule_set(document)
    assert [(p.path, p.message) for p in problems] == [
        ("lenders.aliases.halifax\x00", NUL_REFUSED), ("adjustments[0].name", NUL_REFUSED)]
    with pytest.raises(RuleSetInvalid):
        parse_rule_set(document)
    assert validate_rule_set(copy.deepcopy(DEFAULT_RULE_SET_DOCUMENT)) == []


def test_a_status_reason_or_agent_name_with_nul_is_refused():
    with pytest.raises(InvalidAgent, match=re.escape(f"reason {NUL_REFUSED}")):
        normalise_reason("lunch\x00")
    assert normalise_reason(" lunch ") == "lunch"
    with pytest.raises(InvalidAgent, match=re.escape(f"name {NUL_REFUSED}")):
        check_new_agent("a@example.com", "long enough password", "Ann\x00", "AGENT",
                        PasswordPolicy(frozenset()))
