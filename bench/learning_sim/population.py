"""The simulated customers: what the replica shows of them and what stays hidden.

Every one of them is callable at the start: a valid UK mobile, enabled and active, with open
claims, and either unsigned (UNSIGNED) or signed with one pending requirement
(OUTSTANDING_REQUESTS). Ages, areas and lenders look like the real book: about 30
postcode areas, the default rule set's scored lenders and many others, typed as staff type
them.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

import phonenumbers

from bench.learning_sim.hidden import Bump, Person, mixture

AREAS = ("LS", "BD", "M", "B", "BS", "S", "NE", "L", "CF", "NG", "NR", "PL", "EX", "G", "EH",
         "BT", "SE", "E", "SO", "BN", "YO", "SA", "LE", "HU", "CV", "DE", "ST", "WV", "PO",
         "RG")
AREA_WEIGHTS = (5, 3, 7, 8, 4, 4, 4, 5, 3, 3, 2, 2, 2, 5, 3, 2, 7, 6, 2, 2, 2, 2, 3, 2, 2,
                2, 2, 2, 2, 2)
# (true brand, share of claims, spellings as typed)
LENDERS = (
    ("santander", 12, ("Santander", "santander ", "SANTANDER UK", "Santander Consumer Finance")),
    ("lloyds", 9, ("Lloyds Bank", "lloyds", "LLOYDS")),
    ("barclays", 8, ("Barclays", "Barclays Partner Finance")),
    ("hsbc", 5, ("HSBC", "HSBC UK")),
    ("nationwide", 4, ("Nationwide Building Society", "nationwide")),
    ("halifax", 8, ("Halifax", "halifax ")),
    ("black horse", 9, ("Black Horse", "BLACK HORSE", "Blackhorse")),
    ("motonovo", 7, ("MotoNovo", "Motonovo Finance")),
    ("close brothers", 6, ("Close Brothers", "close brothers motor finance")),
    ("moneybarn", 6, ("Moneybarn",)),
    ("startline", 4, ("Startline",)),
    ("blue motor finance", 4, ("Blue Motor Finance",)),
    ("first response finance", 3, ("First Response Finance",)),
    ("oodle", 3, ("Oodle",)),
    ("advantage finance", 3, ("  Advantage Finance",)),
    ("v12 retail finance", 3, ("V12 Retail Finance",)),
)
FIRST = ("Amelia", "Oliver", "Isla", "George", "Ava", "Harry", "Mia", "Noah", "Grace", "Jack",
         "Sophie", "Leo", "Emily", "Susan", "Priya", "Aisha", "Connor", "Megan", "David",
         "Karen", "Gary", "Julie", "Wayne", "Tracey", "Margaret", "Muhammad")
LAST = ("Smith", "Jones", "Taylor", "Brown", "Williams", "Wilson", "Patel", "Wright", "Evans",
        "Walker", "Hughes", "Khan", "Murphy", "Singh", "Ahmed", "Kelly", "Campbell", "Begum")
# Lifestyles: the bumps they answer around (centre, width, weight).
STYLES = {
    "office": ((8.2, 0.4, 0.5), (12.8, 0.5, 1.0), (18.6, 0.8, 0.9)),
    "retired": ((10.0, 1.3, 1.0), (14.5, 1.1, 0.7), (17.5, 0.8, 0.3)),
    "parent": ((9.7, 0.7, 1.0), (13.3, 0.9, 0.6), (19.4, 0.5, 0.8)),
    "shift": (),  # drawn anywhere in the day
    "student": ((13.2, 1.0, 0.7), (16.8, 1.2, 1.0)),
}


@dataclass
class Population:
    people: dict[int, Person] = field(default_factory=dict)
    rows: dict[str, list[tuple]] = field(default_factory=lambda: {
        "users": [], "user_addresses": [], "claims": [], "claim_requirements": []})
    phones: dict[int, str] = field(default_factory=dict)  # E.164 by user
    requirement_of: dict[int, tuple[int, str]] = field(default_factory=dict)  # (claim, id)


def _style(rng: random.Random, age: int | None) -> str:
    years = age if age is not None else 45
    if years >= 66:
        weights = {"retired": 75, "office": 10, "parent": 5, "shift": 10}
    elif years < 25:
        weights = {"student": 45, "office": 25, "shift": 20, "parent": 10}
    else:
        weights = {"office": 45, "parent": 25, "shift": 20, "retired": 3, "student": 7}
    return rng.choices(list(weights), list(weights.values()))[0]


def _bumps(rng: random.Random, style: str) -> tuple[Bump, ...]:
    """One to three bumps around the lifestyle's, each moved and widened a little."""
    template = STYLES[style] or tuple((rng.uniform(8.5, 19.5), 1.0, 1.0) for _ in range(2))
    kept = rng.sample(template, k=min(len(template), rng.choices((1, 2, 3), (35, 45, 20))[0]))
    return tuple(Bump(c + rng.gauss(0, 0.6), w * rng.uniform(0.9, 1.8), wt * rng.uniform(0.5, 1.5))
                 for c, w, wt in kept)


def _saturday(rng: random.Random, weekday: tuple[Bump, ...], style: str) -> tuple[Bump, ...]:
    if style == "office":  # free all day, later up
        return (Bump(rng.uniform(10.5, 12.5), rng.uniform(1.5, 2.5), 1.0),)
    shift = rng.uniform(0.5, 2.0)
    return tuple(Bump(min(19.5, b.centre + shift), b.width * 1.3, b.weight) for b in weekday)


def _norm(bumps: tuple[Bump, ...]) -> float:
    peak = max(mixture(bumps, 8 + k / 10) for k in range(121))
    return 1.0 / peak if peak > 0 else 1.0


def person(seed: int, user_id: int, age: int | None, area: str, lender: str, queue: str
           ) -> Person:
    rng = random.Random(f"hidden:{seed}:{user_id}")
    style = _style(rng, age)
    weekday = _bumps(rng, style)
    text_lover = rng.random() < 0.15
    responsiveness = rng.betavariate(2.5, 2.0) * (0.2 if text_lover else 1.0)
    text_reply = rng.betavariate(5, 2) if text_lover else rng.betavariate(1.2, 5)
    return Person(user_id, age, area, lender, queue, style, weekday,
                  _saturday(rng, weekday, style), rng.uniform(0.12, 0.4), _norm(weekday),
                  responsiveness, rng.lognormvariate(0, 0.3), text_reply, rng.gauss(0, 0.6))


def _phone(rng: random.Random) -> tuple[str, str]:
    """(as typed, E.164): a valid UK mobile."""
    while True:
        digits = f"7{rng.choice('45789')}{rng.randrange(10 ** 8):08d}"
        number = phonenumbers.parse("0" + digits, "GB")
        if phonenumbers.is_valid_number(number):
            typed = rng.choice((f"0{digits[:4]} {digits[4:]}", f"0{digits}", f"+44{digits}"))
            return typed, f"+44{digits}"


def _age(rng: random.Random) -> int | None:
    if rng.random() < 0.02:
        return None
    return int(min(88, max(18, rng.triangular(18, 88, 42))))


def generate(seed: int, users: int, start: datetime) -> Population:
    """``users`` customers with ids 1..users, their rows dated before ``start`` (UTC)."""
    out = Population()
    for user_id in range(1, users + 1):
        _one(seed, user_id, start.replace(tzinfo=None), out)
    return out


def _one(seed: int, user_id: int, start: datetime, out: Population) -> None:
    rng = random.Random(f"visible:{seed}:{user_id}")
    age = _age(rng)
    born = None if age is None else _birthday(rng, age, start.date())
    area = rng.choices(AREAS, AREA_WEIGHTS)[0]
    post_code = f"{area}{rng.randint(1, 20)} {rng.randint(1, 9)}" \
                f"{rng.choice('ABDEFGHJLNPQRSTUWXYZ')}{rng.choice('ABDEFGHJLNPQRSTUWXYZ')}"
    unsigned = rng.random() < 0.65
    typed, e164 = _phone(rng)
    created = start - timedelta(days=rng.uniform(30, 500))
    address = f"{user_id:08x}-0000-4000-8000-{seed % 10 ** 12:012d}"
    out.rows["users"].append((
        user_id, rng.choice(FIRST), rng.choice(LAST), f"user{user_id}@example.com", typed, born,
        "active", 1, "web", "Harbour Legal", address,
        None if unsigned else rng.randint(1, 9_999_999), None, created, created))
    out.rows["user_addresses"].append((address, user_id, f"{rng.randint(1, 200)} High Street",
                                       post_code, None, created, created))
    lenders = _claims(rng, user_id, start, out)
    if not unsigned:
        claim_id = user_id * 10
        requirement = f"{user_id:08x}-1111-4000-8000-{seed % 10 ** 12:012d}"
        out.rows["claim_requirements"].append((
            requirement, claim_id, rng.choice(("bank_statement", "id_document",
                                               "proof_of_address", "finance_agreement")),
            "PENDING", "Please send it", start - timedelta(days=rng.uniform(1, 20)),
            start - timedelta(days=1)))
        out.requirement_of[user_id] = (claim_id, requirement)
    out.phones[user_id] = e164
    out.people[user_id] = person(seed, user_id, age, area, lenders[0],
                                 "UNSIGNED" if unsigned else "OUTSTANDING_REQUESTS")


def _birthday(rng: random.Random, age: int, today: date) -> date:
    """A date of birth ``age`` completed years before ``today``."""
    return today - timedelta(days=int(365.25 * age) + rng.randint(1, 360))


def _claims(rng: random.Random, user_id: int, start: datetime, out: Population) -> list[str]:
    """One to three open claims, oldest first; their true brands."""
    brands = []
    count = rng.choices((1, 2, 3), (55, 30, 15))[0]
    for k in range(count):
        brand, _, spellings = rng.choices(LENDERS, [w for _, w, _ in LENDERS])[0]
        created = start - timedelta(days=rng.uniform(2, 90) + 30 * (count - k))
        out.rows["claims"].append((user_id * 10 + k, user_id, "pcp",
                                   rng.choice(("new", "in_progress", "submitted")),
                                   rng.choice(spellings), "Harbour Legal", None, created,
                                   created))
        brands.append(brand)
    return brands
