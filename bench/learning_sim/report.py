"""The figures of a simulation, with 95% intervals, from its Extract; printed like the other
benches (sizes first, then figures)."""

from __future__ import annotations

from dataclasses import dataclass, field
from zoneinfo import ZoneInfo

import numpy as np

from bench.learning_sim.extract import Extract, RunData
from bench.learning_sim.hidden import true_best_hour, typical_curve
from bench.learning_sim.stats import Interval, intervals, mean_of, paired, ratio_of_sums, wilson
from domain.learning.spacing import gap_label

WINDOW_MIN_CALLS = (3, 5, 8)  # own calls a user needs for their learned window to be judged
HOURS = tuple(range(8, 20))
STARTS = tuple(range(8, 19))  # the 2-hour windows a learner can choose
AIM = 1.15  # the issue's: at least +15% contacts per attempt
LONDON = ZoneInfo("Europe/London")


@dataclass
class Figures:
    sizes: dict[str, object] = field(default_factory=dict)
    figures: dict[str, Interval | float | str] = field(default_factory=dict)
    lines: list[str] = field(default_factory=list)

    def add(self, key: str, value: Interval | float | str, line: str) -> None:
        self.figures[key] = value
        self.lines.append(line)


def _per_user(data: Extract, run: RunData, users: list[int]
              ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(attempts, contacts, credited conversions) per user, in ``users`` order, over the
    compared days."""
    index = {u: i for i, u in enumerate(users)}
    attempts, contacts, credited = (np.zeros(len(users)) for _ in range(3))
    for a in data.attempts(run):
        attempts[index[a.user_id]] += 1
        contacts[index[a.user_id]] += a.contact
    for user_id, n in run.credited.items():
        credited[index[user_id]] = n
    return attempts, contacts, credited


def figures(data: Extract) -> Figures:
    cfg, out = data.config, Figures()
    users = sorted(data.people)
    att_a, con_a, conv_a = _per_user(data, data.a, users)
    att_b, con_b, conv_b = _per_user(data, data.b, users)
    hours = sum(h for d, h in data.a.log.agent_hours.items() if d >= data.second)
    found = intervals({
        "contacts_a": ratio_of_sums(con_a, att_a), "contacts_b": ratio_of_sums(con_b, att_b),
        "contacts_ratio": paired(ratio_of_sums(con_b, att_b), ratio_of_sums(con_a, att_a)),
        "conv_a": ratio_of_sums(conv_a, hours), "conv_b": ratio_of_sums(conv_b, hours),
        "conv_ratio": paired(ratio_of_sums(conv_b, hours), ratio_of_sums(conv_a, hours)),
    }, len(users), cfg.seed)
    days = f"days {data.second}-{cfg.days}"
    _sizes(data, out, days, hours, att_a, att_b)
    _shared_line(data, out)
    _contact_lines(out, found, (con_a, att_a), (con_b, att_b), days, _b_name(data))
    _daily_line(data, out)
    _where_line(data, out)
    _conversion_lines(out, found, data, (conv_a, conv_b), hours, days)
    _window_lines(data, out)
    _b_lines(data, out)
    return out


def _sizes(data: Extract, out: Figures, days: str, hours: float, att_a, att_b) -> None:
    cfg, a, b = data.config, data.a.log, data.b.log
    out.sizes.update({
        "users": cfg.users, "agents": cfg.agents, "days": cfg.days,
        "calling days": sum(d.calling for d in data.calendar),
        "learned after day": cfg.learn_after, "seed": cfg.seed,
        "first day": data.calendar[0].date.isoformat(),
        "calls A/B (all days)": f"{len(a.attempts)}/{len(b.attempts)}",
        f"calls A/B ({days})": f"{int(att_a.sum())}/{int(att_b.sum())}",
        f"agent hours ({days})": f"{hours:.0f}",
        "texts sent A/B": f"{a.texts_sent}/{b.texts_sent}",
        "text replies A/B": f"{a.replies}/{b.replies}",
        "conversions recorded from CDC A/B": f"{a.conversions}/{b.conversions}",
        "leads refused at dialling or disposition A/B": f"{sum(a.refused.values())}/"
                                                        f"{sum(b.refused.values())}",
        "asks for a lead that found none A/B": f"{a.idle_asks}/{b.idle_asks}",
        "agent matching (MATCH_WINDOW_POINTS, default)": data.matching_points,
    })


def _b_name(data: Extract) -> str:
    if getattr(data.config, "oracle_windows", False):  # runs saved before the option: no
        return "learned rule set, windows replaced by the TRUE ones"
    if getattr(data.config, "full_confidence", False):
        return "learned rule set, learned windows at confidence 1"
    changed = getattr(data.config, "learned_factors", None)
    when = ", learning every night" if getattr(data.config, "nightly", False) else ""
    return f"learned{when}, with {changed}" if changed else f"learned{when}"


def _shared_line(data: Extract, out: Figures) -> None:
    shared = [a for a in data.a.log.attempts if a.day < data.second]
    rate = wilson(sum(a.contact for a in shared), len(shared))
    out.add("contacts_per_attempt_shared", rate,
            f"contacts per attempt, days 1-{data.config.learn_after} (A and B alike, default "
            f"rule set): {rate.show()} over {len(shared)} calls")


def _daily_line(data: Extract, out: Figures) -> None:
    """Each compared calling day's contacts per attempt, A/B."""
    shown = []
    for day in data.calendar[data.config.learn_after:]:
        rates = []
        for run in (data.a, data.b):
            calls = [a for a in run.log.attempts if a.day == day.number]
            rates.append(sum(a.contact for a in calls) / len(calls) if calls else float("nan"))
        if day.calling:
            shown.append(f"{day.number}: {rates[0]:.3f}/{rates[1]:.3f}")
    out.add("daily", ", ".join(shown), "  by day, A/B: " + ", ".join(shown))


def _where_line(data: Extract, out: Figures) -> None:
    """Where a difference comes from: calling people at better hours of their own day
    (timing), or calling people who answer more (whom)."""
    curves: dict[int, tuple[dict[int, float], float]] = {}
    shown = []
    for name, run in (("A", data.a), ("B", data.b)):
        timing, level, users = [], [], set()
        for a in data.attempts(run):
            if a.user_id not in curves:
                curve = typical_curve(data.people[a.user_id], 4)
                curves[a.user_id] = curve, float(np.mean(list(curve.values())))
            curve, mean = curves[a.user_id]
            hour = a.start.astimezone(LONDON).hour
            if hour in curve and mean > 0:
                timing.append(curve[hour] / mean)
                level.append(mean)
                users.add(a.user_id)
        shown.append(f"{name}: the true p(answer) in the call's hour x{np.mean(timing):.3f} "
                     f"the user's weekday mean, which is {np.mean(level):.3f} ({len(users)} "
                     f"users called)")
        out.figures[f"timing_{name}"] = float(np.mean(timing))
        out.figures[f"level_{name}"] = float(np.mean(level))
    out.lines.append("  where it comes from, per call: " + "; ".join(shown))


def _contact_lines(out: Figures, found: dict, a: tuple, b: tuple, days: str,
                   b_name: str) -> None:
    naive_a, naive_b = (wilson(int(c.sum()), int(n.sum())) for c, n in (a, b))
    out.add("contacts_per_attempt_a", found["contacts_a"],
            f"contacts per attempt, {days}, A (default): {found['contacts_a'].show()} "
            f"(bootstrap over users; Wilson, ignoring clustering: {naive_a.show()})")
    out.add("contacts_per_attempt_b", found["contacts_b"],
            f"contacts per attempt, {days}, B ({b_name}): {found['contacts_b'].show()} "
            f"(Wilson: {naive_b.show()})")
    ratio = found["contacts_ratio"]
    verdict = "met" if ratio.estimate >= AIM else "not met"
    if ratio.low >= AIM:
        verdict += ", its interval clears it"
    out.add("contacts_ratio", ratio,
            f"contacts per attempt B/A: {ratio.show()} ({ratio.estimate - 1:+.1%}; "
            f"aim +15%: {verdict})")


def _conversion_lines(out: Figures, found: dict, data: Extract, credited: tuple,
                      hours: float, days: str) -> None:
    ratio = found["conv_ratio"]
    for key, run, conv in (("a", data.a, credited[0]), ("b", data.b, credited[1])):
        name = "A" if key == "a" else "B"
        out.add(f"conversions_per_agent_hour_{key}", found[f"conv_{key}"],
                f"conversions per agent hour, {days}, {name}: {found[f'conv_{key}'].show(4)} "
                f"({int(conv.sum())} credited to an agent's call of those days in {hours:.0f} "
                f"agent hours; {run.recorded} conversions recorded since)")
    holds = "holds" if ratio.low <= 1 <= ratio.high else "excludes"
    out.add("conversions_ratio", ratio,
            f"conversions per agent hour B/A: {ratio.show()} ({ratio.estimate - 1:+.1%}: "
            f"{'no worse' if ratio.estimate >= 1 else 'worse'}; the interval {holds} 1)")
    sim = [sum(a.converts for a in data.attempts(run)) for run in (data.a, data.b)]
    out.add("simulated_conversions", f"{sim[0]}/{sim[1]}",
            f"  (the simulator's own count of conversions decided on those calls, A/B: "
            f"{sim[0]}/{sim[1]})")


def _window_lines(data: Extract, out: Figures) -> None:
    """The learned best 2-hour windows against each user's hidden weekday curve."""
    own = np.array([sum(r["attempts"] or ()) for r in data.windows])
    if own.size:
        out.add("own_calls", float(np.median(own)),
                f"evidence at learning: {own.size} users with calls of their own, median "
                f"{np.median(own):.0f} calls each ({np.mean(own >= 3):.0%} with >= 3, "
                f"{np.mean(own >= 5):.0%} with >= 5) over {HOURS[-1] - HOURS[0] + 1} hours")
    curves = {}
    for need in WINDOW_MIN_CALLS:
        judged = [r for r in data.windows if sum(r["attempts"] or ()) >= need]
        if not judged:
            out.add(f"window_hits_{need}", float("nan"),
                    f"learned windows, users with >= {need} own calls: none")
            continue
        columns = np.zeros((6, len(judged)))
        for i, r in enumerate(judged):
            curve = curves.get(r["user_id"])
            if curve is None:
                curve = curves[r["user_id"]] = typical_curve(data.people[r["user_id"]])
            columns[:, i] = _judge(r, curve)
        _window_figures(out, need, columns, data.config.seed)
        confidence = float(np.median([r["best_confidence"] or 0.0 for r in judged]))
        raw = wilson(int(columns[5].sum()), len(judged))
        out.add(f"window_raw_{need}", raw,
                f"  the user's own best 2 hours by raw counts (unshrunk) hold it: "
                f"{raw.show(3, percent=True)}; median confidence of the learned windows "
                f"{confidence:.4f} (calling_window's points are multiplied by it)")


def _judge(row: dict, curve: dict[int, float]) -> list[float]:
    """(hit, a random window's chance of a hit, true p inside, the day's mean p, the true
    best window's p, the raw-count window's hit) for one user's learned window."""
    truth = true_best_hour(curve)
    window = range(row["best_start"], row["best_end"])
    return [truth in window, sum(truth in range(s, s + 2) for s in STARTS) / len(STARTS),
            float(np.mean([curve[h] for h in window])), float(np.mean(list(curve.values()))),
            max((curve[s] + curve[s + 1]) / 2 for s in STARTS),
            truth in _raw_window(row["contacts"], row["attempts"])]


def _raw_window(contacts, attempts) -> range:
    """The 2 hours with the most contacts per attempt of the user's own (no shrinkage)."""
    def rate(start: int) -> float:
        i = start - HOURS[0]
        tried = attempts[i] + attempts[i + 1]
        return (contacts[i] + contacts[i + 1]) / tried if tried else 0.0
    start = max(STARTS, key=lambda s: (rate(s), -s))
    return range(start, start + 2)


def _window_figures(out: Figures, need: int, columns: np.ndarray, seed: int) -> None:
    hit, chance, inside, day, best, _ = columns
    found = intervals({"random": mean_of(chance), "inside": mean_of(inside),
                       "day": mean_of(day), "lift": ratio_of_sums(inside, day),
                       "oracle": ratio_of_sums(best, day)}, len(hit), seed)
    hits, lift = wilson(int(hit.sum()), len(hit)), found["lift"]
    out.add(f"window_hits_{need}", hits,
            f"learned window holds the true best hour, users with >= {need} own calls "
            f"(n={len(hit)}): {hits.show(3, percent=True)}; a random 2-hour window: "
            f"{found['random'].show(3, percent=True)}")
    out.add(f"window_lift_{need}", lift,
            f"  true p(answer) inside the learned window {found['inside'].show()} vs the "
            f"user's day mean {found['day'].show()}: x{lift.show(2)} (the true best window "
            f"would give x{found['oracle'].show(2)})")


def _b_lines(data: Extract, out: Figures) -> None:
    """What B ran with: the snapshot, the rule set, agent matching, channel preferences."""
    s = data.snapshot
    out.add("snapshot", str(s["version"]),
            f"B: snapshot {s['version']} learned at the end of day {data.config.learn_after} "
            f"{_again(data)}({s['users']} users, {s['segments']} segments, "
            f"{s['seconds']:.1f} s); rule set active from day {data.second}: "
            f"{s['rule_set']!r} (rebuild {s['rebuild_seconds']:.1f} s); "
            f"queue entries scored with a snapshot at the end: {s['scored'][0]}/"
            f"{s['scored'][1]}; leases handed out by agent matching from day {data.second}: "
            f"{s['matched'][0]}/{s['matched'][1]}")
    if s.get("spacing"):  # runs saved before retry spacing have none
        out.add("spacing", str(len(s["spacing"])),
                "B: retries after a miss reach, against what their hours promise: " + "; ".join(
                    f"{gap_label(gap).removesuffix(' a missed call')} {ratio:.2f} ({calls} calls)"
                    for gap, calls, ratio in s["spacing"]))
    truth = {u for u, p in data.people.items()
             if p.text_reply > np.mean(list(typical_curve(p, 4).values())) + 0.05}
    right = len(data.texters & truth)
    out.add("text_preferring", str(len(data.texters)),
            f"B: learned 'prefers texts': {len(data.texters)} users, {right} of them truly "
            f"reply to texts more than they answer calls ({len(truth)} such users in all)")


def _again(data: Extract) -> str:
    if not getattr(data.config, "nightly", False):  # runs saved before the option: once
        return ""
    return "and again every night after (windows above: the last night's) "


def show(found: Figures, data: Extract) -> None:
    for name, value in found.sizes.items():
        print(f"{name}: {value}")
    for label, run in (("A", data.a), ("B", data.b)):
        for reason, n in run.log.refused.most_common():
            print(f"  refused in {label}: {n} x {reason}")
    for line in found.lines:
        print(line)
    calls = sum(data.service_calls.values())
    phases = ", ".join(f"{k} {v:.0f} s" for k, v in data.seconds.items())
    print(f"wall time {data.wall:.0f} s ({phases}); {calls} service calls, "
          f"{calls / max(data.wall, 1e-9):.0f} per second")
    print("mean wall time per service call (B, all days; agents act concurrently): " + ", ".join(
        f"{name} {data.call_seconds[name] / n * 1000:.1f} ms (n={n})"
        for name, n in data.call_counts.most_common()))
