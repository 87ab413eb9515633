"""Pure rules about agents, their status and their credentials' shape."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from domain.agents.model import (
    AgentStatus,
    AgentStatusChanged,
    InvalidAgent,
    Role,
    check_new_agent,
    new_agent,
)
from domain.agents.passwords import PasswordPolicy

T0 = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)
POLICY = PasswordPolicy(frozenset({"password123"}))


def agent():
    return new_agent("a@example.com", "A", Role.AGENT, "hash", T0)


def test_new_agents_start_offline():
    assert agent().status is AgentStatus.OFFLINE


def test_a_status_change_raises_one_event_with_its_time():
    a = agent()
    later = T0 + timedelta(minutes=5)
    a.change_status(AgentStatus.PAUSED, "  lunch  ", later)
    assert (a.status, a.status_reason, a.status_since) == (AgentStatus.PAUSED, "lunch", later)
    assert a.events == [AgentStatusChanged(a.id, AgentStatus.OFFLINE, AgentStatus.PAUSED,
                                           "lunch", later)]


def test_the_same_status_again_changes_nothing():
    a = agent()
    a.change_status(AgentStatus.AVAILABLE, None, T0)
    a.change_status(AgentStatus.AVAILABLE, "", T0 + timedelta(minutes=1))
    assert len(a.events) == 1 and a.status_since == T0


def test_an_overlong_reason_is_refused_and_nothing_changes():
    a = agent()
    with pytest.raises(InvalidAgent, match="reason is longer"):
        a.change_status(AgentStatus.PAUSED, "x" * 201, T0)
    assert a.status is AgentStatus.OFFLINE and a.events == []


def test_new_agent_fields_are_checked_all_at_once():
    with pytest.raises(InvalidAgent) as caught:
        check_new_agent("nope", "short", " ", "boss", POLICY)
    message = str(caught.value)
    for part in ("email 'nope'", "password must be at least", "name must be", "role 'boss'"):
        assert part in message


def test_new_agent_fields_are_normalised():
    assert check_new_agent(" Ann@Example.COM ", "long enough pw", " Ann ", "supervisor",
                           POLICY) == (
        "ann@example.com", "Ann", Role.SUPERVISOR)
