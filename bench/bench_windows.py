"""How well the contact learner finds each user's hours, in seconds, without the service layer.

    .venv/bin/python bench/bench_windows.py                  # 5,000 users, 15 days
    .venv/bin/python bench/bench_windows.py --users 50000 --seed 3

The simulator's customers (bench/learning_sim: hidden habits, good and bad days, fatigue)
are each called 1 + Poisson(3.5) times at uniformly random moments of 15 calling days, as a
floor whose order ignores the hour calls them; domain.learning.contact_windows then learns
from those counts alone. Prints the learning time and, against each user's hidden weekday
curve: how often the learned best two hours hold the true best hour, the true answer rate
inside them as a ratio to the user's day mean, and the rank correlation of the learned
curve with the true one, next to what the raw counts, knowing each user's lifestyle (the
mean curve of their hidden style) and knowing the truth give. bench/bench_learning.py is
the end-to-end measure; this one is for trying learners quickly.
"""

from __future__ import annotations

import argparse
import random
import sys
import time
from datetime import datetime, timedelta
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.learning_sim.hidden import answer_probability, typical_curve  # noqa: E402
from bench.learning_sim.population import generate  # noqa: E402
from domain.learning.contact_windows import HOURS, learn_contact  # noqa: E402
from domain.learning.segments import contact_segment  # noqa: E402

START = datetime(2026, 6, 1)
MEAN_CALLS = 3.5


def calls_of(seed: int, users: int):
    """Each user's (contacts, attempts) per London hour, the hidden curves, the styles."""
    population = generate(seed, users, START)
    rng, draws = random.Random(seed), np.random.default_rng(seed)
    days = [START + timedelta(d) for d in range(15) if (START + timedelta(d)).weekday() != 6]
    calls = {}
    for user_id, person in population.people.items():
        times = sorted(rng.choice(days) + timedelta(hours=8 + 12 * rng.random())
                       for _ in range(1 + draws.poisson(MEAN_CALLS)))
        hours: dict[int, tuple[int, int]] = {}
        for i, t in enumerate(times):
            recent = sum(1 for s in times[:i] if t - s < timedelta(hours=24))
            answered = rng.random() < answer_probability(seed, person, t, recent)
            c, n = hours.get(t.hour, (0, 0))
            hours[t.hour] = (c + answered, n + 1)
        calls[user_id] = hours
    born = {r[0]: r[5] for r in population.rows["users"]}
    post = {r[1]: r[3] for r in population.rows["user_addresses"]}
    segments = {u: contact_segment(born[u], post[u], START.date()) for u in calls}
    truth = np.array([[typical_curve(population.people[u])[h] for h in HOURS] for u in calls])
    styles = np.array([population.people[u].style for u in calls])
    return calls, segments, truth, styles


def judged(name: str, estimates: np.ndarray, truth: np.ndarray) -> None:
    pairs = estimates[:, :-1] + estimates[:, 1:]
    start = np.argmax(pairs - 1e-9 * np.arange(pairs.shape[1]), axis=1)
    best = np.argmax(truth, axis=1)
    hits = (best == start) | (best == start + 1)
    rows = np.arange(len(start))
    inside = (truth[rows, start] + truth[rows, start + 1]) / 2
    lifts = inside / truth.mean(axis=1)
    lo, hi = _interval(hits.astype(float), inside, truth.mean(axis=1))
    ranks = [_spearman(e, t) for e, t in zip(estimates, truth, strict=True)]
    print(f"  {name:34s} holds the best hour {hits.mean():6.1%}   inside/day x"
          f"{inside.sum() / truth.mean(axis=1).sum():.3f} [{lo:.3f}, {hi:.3f}]   median "
          f"x{np.median(lifts):.2f}   rank corr. median {np.nanmedian(ranks):+.2f}")


def _interval(hits, inside, day, rounds: int = 400) -> tuple[float, float]:
    rng = np.random.default_rng(0)
    ratios = []
    for _ in range(rounds):
        i = rng.integers(0, len(hits), len(hits))
        ratios.append(inside[i].sum() / day[i].sum())
    return float(np.percentile(ratios, 2.5)), float(np.percentile(ratios, 97.5))


def _spearman(a: np.ndarray, b: np.ndarray) -> float:
    ra, rb = np.argsort(np.argsort(a)), np.argsort(np.argsort(b))
    if ra.std() == 0 or rb.std() == 0:
        return float("nan")
    return float(np.corrcoef(ra, rb)[0, 1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--users", type=int, default=5_000)
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()
    calls, segments, truth, styles = calls_of(args.seed, args.users)
    attempts = np.array([sum(n for _, n in h.values()) for h in calls.values()])
    print(f"{args.users} users, {attempts.sum()} calls over 15 days (median "
          f"{np.median(attempts):.0f} each, {np.mean(attempts >= 3):.0%} with >= 3)")
    began = time.perf_counter()
    model = learn_contact(calls, segments)
    seconds = time.perf_counter() - began
    learned = np.array([[model.users[u][h].estimate for h in HOURS] for u in calls])
    contacts = np.array([[calls[u].get(h, (0, 0))[0] for h in HOURS] for u in calls])
    tried = np.array([[calls[u].get(h, (0, 0))[1] for h in HOURS] for u in calls])
    style_mean = truth.copy()
    for style in set(styles):
        style_mean[styles == style] = truth[styles == style].mean(axis=0)
    print(f"learning: {seconds:.2f} s; own counts weigh against "
          f"{next(iter(model.users.values()))[HOURS[0]].strength:g} pseudo-calls")
    judged("learned (domain.learning)", learned, truth)
    judged("raw counts", np.where(tried > 0, contacts / np.maximum(tried, 1), 0.0), truth)
    judged("knowing their lifestyle", style_mean, truth)
    judged("knowing the truth", truth, truth)


if __name__ == "__main__":
    main()
