"""Pause reasons and the presence policy (pure rules)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from domain.agents.model import AgentStatus, InvalidAgent
from domain.agents.presence import PauseReasons, PresencePolicy

REASONS = PauseReasons.of(["Lunch", "comfort  break", "Training", "lunch", " "])


def test_the_list_is_tidied_and_deduplicated_in_order():
    assert REASONS.allowed == ("Lunch", "comfort break", "Training", "lunch")
    with pytest.raises(ValueError, match="at least one"):
        PauseReasons.of(["", "  "])


def test_paused_takes_a_listed_reason_in_any_case_stored_as_configured():
    assert REASONS.check(AgentStatus.PAUSED, "  TRAINING ") == "Training"
    assert REASONS.check(AgentStatus.PAUSED, "Comfort Break") == "comfort break"


@pytest.mark.parametrize("reason", [None, "", "   "])
def test_paused_without_a_reason_is_refused_listing_the_choices(reason):
    with pytest.raises(InvalidAgent, match="PAUSED needs a reason, one of: Lunch, comfort"):
        REASONS.check(AgentStatus.PAUSED, reason)


def test_an_unlisted_reason_is_refused_by_name():
    with pytest.raises(InvalidAgent, match="reason 'napping' is not a pause reason"):
        REASONS.check(AgentStatus.PAUSED, "napping")


def test_other_statuses_keep_a_free_reason():
    assert REASONS.check(AgentStatus.AVAILABLE, None) is None
    assert REASONS.check(AgentStatus.OFFLINE, " end of shift ") == "end of shift"
    with pytest.raises(InvalidAgent, match="longer than"):
        REASONS.check(AgentStatus.AVAILABLE, "x" * 201)


def test_policy_cutoffs():
    now = datetime(2026, 11, 24, 10, tzinfo=UTC)
    policy = PresencePolicy(timedelta(minutes=2), timedelta(seconds=30))
    assert policy.idle_cutoff(now) == now - timedelta(minutes=2)
    assert policy.wrap_up_cutoff(now) == now - timedelta(seconds=30)
    assert policy.wraps_up
    assert not PresencePolicy(timedelta(minutes=2), timedelta(0)).wraps_up


def test_settings_refuse_an_empty_pause_list_and_read_json(monkeypatch):
    from pydantic import ValidationError

    from infrastructure.settings import Settings

    with pytest.raises(ValidationError, match="PAUSE_REASONS must name at least one"):
        Settings(pause_reasons=[" "])
    monkeypatch.setenv("PAUSE_REASONS", '["Lunch", "Team huddle"]')
    monkeypatch.setenv("WRAP_UP_SECONDS", "45")
    settings = Settings()
    assert settings.pause_reasons == ["Lunch", "Team huddle"]
    assert settings.wrap_up_seconds == 45
