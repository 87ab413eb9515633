"""Whether an agent still holds a lease they can record a disposition on."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

from domain.queue.leads import ENDED_BY_DISPOSITION, LeaseHold, expired, why_not_held

NOW = datetime(2026, 11, 24, 10, 0, tzinfo=UTC)
AGENT, OTHER = uuid.uuid4(), uuid.uuid4()
SECOND = timedelta(seconds=1)


def test_a_live_lease_of_the_agent_is_held():
    assert why_not_held(LeaseHold(AGENT, NOW + SECOND), AGENT, NOW) is None


def test_no_lease_or_another_agents_is_not_theirs():
    assert why_not_held(None, AGENT, NOW) == "no such assignment of yours"
    assert why_not_held(LeaseHold(OTHER, NOW + SECOND), AGENT, NOW) == \
        "no such assignment of yours"


def test_a_lease_expires_at_its_expiry_instant():
    assert expired(NOW, NOW)
    assert not expired(NOW + SECOND, NOW)
    assert why_not_held(LeaseHold(AGENT, NOW), AGENT, NOW) == \
        "this assignment's lease expired; ask for the lead again"
    assert expired(NOW - SECOND, NOW)


def test_a_lease_with_its_disposition_says_so_before_anything_else():
    done = LeaseHold(AGENT, NOW - SECOND, NOW - SECOND, ENDED_BY_DISPOSITION)
    assert why_not_held(done, AGENT, NOW) == "this assignment already has a disposition"


def test_a_lease_ended_otherwise_says_why_even_if_not_yet_expired():
    ended = LeaseHold(AGENT, NOW + SECOND, NOW - SECOND, "asked for another lead")
    assert why_not_held(ended, AGENT, NOW) == "this assignment ended: asked for another lead"


def test_someone_elses_ended_lease_is_still_not_theirs():
    ended = LeaseHold(OTHER, NOW - SECOND, NOW - SECOND, ENDED_BY_DISPOSITION)
    assert why_not_held(ended, AGENT, NOW) == "no such assignment of yours"
