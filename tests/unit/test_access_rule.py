"""The access rule: who works on which user, and who may change a personal callback."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

import pytest

from domain.access.rule import AccessRule, CallbackChanger, Tie, TieRecord
from domain.agents.model import Role

NOW = datetime(2026, 12, 1, 12, 0, tzinfo=UTC)
RULE = AccessRule(timedelta(hours=24))


@pytest.mark.parametrize(("record", "works_on"), [
    (TieRecord(1, Tie.LEASE, NOW + timedelta(minutes=5)), True),
    (TieRecord(1, Tie.LEASE, NOW), False),  # expired this instant
    (TieRecord(1, Tie.LEASE, None), False),
    (TieRecord(1, Tie.CALLBACK, NOW + timedelta(days=30), "pending"), True),
    (TieRecord(1, Tie.CALLBACK, NOW, "cancelled"), False),
    (TieRecord(1, Tie.RING, NOW, "RINGING"), True),
    (TieRecord(1, Tie.RING, NOW, "IN_PROGRESS"), False),  # answered: by whom, CONTACT says
    (TieRecord(1, Tie.RING, NOW, "NO_ANSWER"), False),
    (TieRecord(1, Tie.CONTACT, NOW - timedelta(hours=24)), True),
    (TieRecord(1, Tie.CONTACT, NOW - timedelta(hours=24, seconds=1)), False),
    (TieRecord(1, Tie.CONTACT, None), False),
])
def test_each_record_ties_the_agent_to_its_user_only_while_it_should(record, works_on):
    assert RULE.ties_at(record, NOW) is works_on
    assert RULE.worked_on([record], NOW) == (frozenset({1}) if works_on else frozenset())


def test_the_users_worked_on_are_those_with_any_live_tie():
    records = [TieRecord(1, Tie.CONTACT, NOW - timedelta(days=3)),
               TieRecord(1, Tie.LEASE, NOW + timedelta(minutes=1)),
               TieRecord(2, Tie.CONTACT, NOW - timedelta(days=3)),
               TieRecord(3, Tie.CALLBACK, NOW, "pending")]
    assert RULE.worked_on(records, NOW) == {1, 3}


def test_the_window_is_the_setting():
    short = AccessRule(timedelta(hours=1))
    record = TieRecord(1, Tie.CONTACT, NOW - timedelta(hours=2))
    assert not short.ties_at(record, NOW)
    assert RULE.ties_at(record, NOW)
    assert short.records_since(NOW) == NOW - timedelta(hours=1)


def test_roles():
    assert RULE.sees_everyone(Role.SUPERVISOR) and RULE.sees_everyone(Role.ADMIN)
    assert not RULE.sees_everyone(Role.AGENT) and not RULE.sees_everyone(Role.INTEGRATION)
    assert RULE.reads_contexts(Role.INTEGRATION) and not RULE.reads_contexts(Role.AGENT)


def test_a_personal_callback_is_changed_by_its_agent_or_a_supervisor_only():
    mine, other = uuid.uuid4(), uuid.uuid4()
    agent = CallbackChanger(mine, Role.AGENT)
    assert agent.may_change(mine, personal=True)
    assert not agent.may_change(other, personal=True)
    assert agent.may_change(other, personal=False)
    assert agent.may_change(None, personal=False)
    assert CallbackChanger(mine, Role.SUPERVISOR).may_change(other, personal=True)
    assert CallbackChanger(mine, Role.ADMIN).may_change(other, personal=True)
