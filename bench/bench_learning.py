"""Does learning help? A simulated call centre through the dialler's real service layer.

    .venv/bin/python bench/bench_learning.py                    # 20,000 users, 20 agents, 30 days
    .venv/bin/python bench/bench_learning.py --quick            # 2,000 users, 5 agents, 10 days
    .venv/bin/python bench/bench_learning.py --users N --agents N --days N --learn-after N --seed S
    .venv/bin/python bench/bench_learning.py --save run.pickle   # then --report run.pickle
    .venv/bin/python bench/bench_learning.py --oracle-windows    # what-if: B told the truth
    .venv/bin/python bench/bench_learning.py --full-confidence   # what-if: B's windows trusted
    .venv/bin/python bench/bench_learning.py --learned-factors '{"contact_hour": {"points": -40}}'

Customers with hidden habits and agents with hidden skill work through nextLead, the
TwiML webhook's call placing, Twilio's status callbacks, recordDisposition, the worker's
queue timers and SMS job, inbound texts, and CDC records of signatures and documents — all
on a simulated clock (Monday-Saturday 08:00-20:00 London, no Sundays or bank holidays, as
the dialler's calling window has it), from Monday 1 June 2026. Run A keeps the default rule
set for every day. Run B is A up to the end of day ``--learn-after`` (its databases and the
floor's state copied there, so the first days are identical, not merely alike); then
`dialler scoring learn` runs, the shipped ``learned`` rule set is stored and activated and
the queues rebuilt, and B goes on under it, learning again every night as the worker does
(``--learn-once``: never again). The two are compared over the remaining days.
Agents act concurrently, as on a floor (those due within 20 simulated seconds of each
other act together), so runs with the same seed agree in distribution, not call for call.

The hidden model (bench/learning_sim/hidden.py), and how it differs from what the learner
(domain/learning) assumes:

- Answering. The learner (domain/learning/day_shapes.py) takes each user's answers in each
  London hour 8..19 as Bernoulli trials, independent given one of a few discrete "kinds of
  day" (each twelve free rates, as many kinds as best predict a held-back call; it knows
  nothing of bumps, lifestyles or their number), every weekday alike, the user's own counts
  shrunk toward their kind-weighted curve; users without calls fall back on age band ×
  postcode area segments and then everyone. The truth is a continuous curve: a mixture of
  one to three Gaussian bumps in time of day (lunch, early evening, …, so the rate moves
  within an hour and a best hour straddles two) over a floor, drawn around a lifestyle
  (office, retired, parent, shift, student) that depends on age only loosely and on postcode
  area not at all (so the segments the learner falls back on are partly noise; a person's
  bumps move and widen around their lifestyle's, so no kind of day is anyone's exact curve);
  Saturday has its own later, broader bumps and level, Monday is lower, Friday evening much
  lower; each person-day has a log-normal "good day / bad day" factor and 7% of days they
  are away (calls are not independent: they cluster by day); every call in the last 24 hours
  multiplies the chance by 0.8 (fatigue: repeating calls at a good hour pays less than the
  counts suggest).
- Channel. The learner compares a call-answer rate with a text-reply rate (each shrunk
  toward everyone's). The truth is a latent trait: one person in seven barely answers calls
  but replies to most texts; text replies are their own Beta-distributed trait otherwise.
  The dialler only texts as follow-ups, so most users have one or two texts of evidence.
- Converting. The learner estimates a rate per age band × area × lender (as typed, aliased
  by the default rule set) × queue and per agent × queue × lender, shrunk toward the queue
  and the team. The truth is logistic: a smooth age curve (not bands), an area effect, a
  lender effect by the true brand (spelling variants of unscored lenders, e.g. "Black
  Horse"/"Blackhorse", are one brand to the customer but different lenders to the
  learner), interactions (older × high-street lender, young × sub-prime, some areas × one
  lender), a personal propensity, and the agent's skill, which differs per queue but not
  per lender. A conversion follows a real conversation, minutes to three days later.

Prints the sizes, then contacts per attempt (A, B, B/A), conversions per agent hour, the
learned windows' accuracy against the hidden truth, each with a 95% interval (bootstrap over
users: a user's calls are not independent), wall time and service calls per second; drops
every database it made.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.learning_sim.extract import Extract, extract  # noqa: E402
from bench.learning_sim.report import figures, show  # noqa: E402
from bench.learning_sim.run import Config, simulate  # noqa: E402
from infrastructure.logging import configure_logging  # noqa: E402

# Short shifts too, so that it finishes in minutes.
QUICK = {"users": 2_000, "agents": 5, "days": 10, "learn_after": 5, "shift_hours": 3.0}


def config(args: argparse.Namespace) -> Config:
    chosen = {**(QUICK if args.quick else {}),
              **{k: v for k, v in vars(args).items()
                 if k in ("users", "agents", "days", "learn_after", "seed", "shift_hours",
                          "oracle_windows", "full_confidence", "learned_factors", "nightly",
                          "rule_changes")
                 and v is not None}}
    if "learn_after" not in chosen and "days" in chosen:
        chosen["learn_after"] = chosen["days"] // 2
    return Config(**chosen)


async def main(args: argparse.Namespace) -> None:
    configure_logging("ERROR")
    if args.report:
        data = Extract.load(Path(args.report))
        show(figures(data), data)
        return
    cfg = config(args)
    print(f"simulating {cfg.users} users, {cfg.agents} agents, {cfg.days} days "
          f"(learning after day {cfg.learn_after}), seed {cfg.seed}", flush=True)
    started = time.perf_counter()
    outcome = await simulate(cfg)
    try:
        data = await extract(outcome, time.perf_counter() - started)
    finally:
        await outcome.env_a.drop()
        await outcome.env_b.drop()
    if args.save:
        data.save(Path(args.save))
    show(figures(data), data)


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--users", type=int)
    parser.add_argument("--agents", type=int)
    parser.add_argument("--days", type=int)
    parser.add_argument("--learn-after", type=int, dest="learn_after")
    parser.add_argument("--seed", type=int)
    parser.add_argument("--shift-hours", type=float, dest="shift_hours",
                        help="each agent's weekday shift (default 8: 7.5 h on the phones)")
    parser.add_argument("--quick", action="store_true",
                        help="2,000 users, 5 agents, 10 days, 3-hour shifts")
    parser.add_argument("--oracle-windows", action="store_true", dest="oracle_windows",
                        default=None, help="what-if: B's learned windows replaced by the "
                                           "hidden truth (the mechanism's ceiling)")
    parser.add_argument("--full-confidence", action="store_true", dest="full_confidence",
                        default=None, help="what-if: B's learned windows at confidence 1 "
                                           "(what scaling calling_window by it costs)")
    parser.add_argument("--learned-factors", dest="learned_factors",
                        help="B's learned section changed from the shipped one, as JSON, "
                             "e.g. '{\"contact_hour\": {\"points\": -40}}'")
    parser.add_argument("--rule-changes", dest="rule_changes",
                        help="what-if: B's other sections changed from the shipped ones, as "
                             "JSON, e.g. '{\"cooldowns\": {\"no_answer\": 1440}}'")
    parser.add_argument("--learn-once", action="store_false", dest="nightly", default=None,
                        help="B learns only at the end of day --learn-after (by default it "
                             "learns again every night, as the worker does)")
    parser.add_argument("--save", help="also keep the run's data in this file (pickle)")
    parser.add_argument("--report", help="print the report of a run kept with --save")
    asyncio.run(main(parser.parse_args()))
