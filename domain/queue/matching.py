"""Agent matching: which of the entries near the top of a queue an agent should get.

"Likeliest to convert" is the agent's shrunk conversion estimate for the entry's queue and
lender (the learning snapshot's, so three calls never make a habit). An entry is matched to
the agent only where that estimate beats the team's for the same queue and lender by at
least ``MATCH_MARGIN`` — the agent is better there than whoever else would take it — and
beats the agent's own estimate for the most urgent entry's lender by the margin too. Among
such entries the highest estimate wins, ties going to the more urgent. Anything less, or no
evidence at all, leaves the most urgent entry first, exactly as without matching.

Many agents ask at once, and those with the same strengths want the same entries: so the
choice is an order of preference (the matches, then urgency order), and the lease takes the
first of it nobody else holds.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from domain.learning.segments import UNKNOWN_LENDER, OpenClaims, learning_lender
from domain.scoring.habits import Evidence

# Two percentage points: below this, a shrunk difference is noise, not a reason to reorder.
MATCH_MARGIN = 0.02

# (queue type, lender) → (the agent's shrunk conversion Evidence, the team's estimate).
AgentRates = Mapping[tuple[str, str], tuple[Evidence, float]]


@dataclass(frozen=True, slots=True)
class Candidate:
    """A callable entry near the top, as matching sees it."""

    user_id: int
    score: float
    open_claims: OpenClaims  # (lender as typed, created at), as its score was worked out from
    passed_over_at: datetime | None = None  # when matching first handed out another instead
    personal: bool = False  # the agent's own personal callback: always first

    @property
    def lender(self) -> str:
        """The lender its conversion rates are learned under (worked out only when asked)."""
        return learning_lender(self.open_claims)


@dataclass(frozen=True, slots=True)
class Match:
    """An entry to lease; ``reason`` None: not matched (taken in urgency order)."""

    user_id: int
    reason: str | None = None


def preference(candidates: Sequence[Candidate], queue: str, rates: AgentRates,
               now: datetime, window: float, max_wait: timedelta) -> list[Match]:
    """The candidates (in urgency order) in the order to try leasing them to the agent."""
    top = candidates[0]
    matched = [] if top.personal or window <= 0 or not rates or _waited(top, now, max_wait) \
        else _matched(candidates, queue, rates, window)
    chosen = {m.user_id for m in matched}
    # Another agent may take any of them first: after the matches, urgency order as ever.
    return matched + [Match(c.user_id) for c in candidates if c.user_id not in chosen]


def choose(candidates: Sequence[Candidate], queue: str, rates: AgentRates, now: datetime,
           window: float, max_wait: timedelta) -> Match:
    """The candidate to lease when nobody else takes it first."""
    return preference(candidates, queue, rates, now, window, max_wait)[0]


def _waited(top: Candidate, now: datetime, max_wait: timedelta) -> bool:
    return top.passed_over_at is not None and now - top.passed_over_at >= max_wait


def _matched(candidates: Sequence[Candidate], queue: str, rates: AgentRates,
             window: float) -> list[Match]:
    """The candidates in the window the agent clearly converts better, best first."""
    top = candidates[0]
    lenders = [(c.user_id, c.lender) for c in candidates if c.score <= top.score + window]
    near = [(user, lender, rates.get((queue, lender))) for user, lender in lenders]
    at_top = near[0][2]
    bar = at_top[0].estimate + MATCH_MARGIN if at_top else 0.0
    better = [n for n in near if _beats_team(n[2]) and n[2][0].estimate >= bar]
    better.sort(key=lambda n: -n[2][0].estimate)  # stable: ties stay in urgency order
    return [Match(user, match_reason(queue, lender, rate)) for user, lender, rate in better]


def _beats_team(rate: tuple[Evidence, float] | None) -> bool:
    return rate is not None and rate[0].estimate >= rate[1] + MATCH_MARGIN


def match_reason(queue: str, lender: str, rate: tuple[Evidence, float]) -> str:
    """What explainScore says of a matched lease."""
    own, team = rate
    leads = f"{queue} leads with no lender named" if lender == UNKNOWN_LENDER \
        else f"{queue} {lender.title()} leads"
    return (f"matched: you convert {own.estimate:.0%} of {leads} against the team's "
            f"{team:.0%} ({own.successes} of {own.trials})")
