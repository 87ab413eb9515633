"""Realistic, messy, deterministic rows for the replica's tables (pure: no I/O).

The same seed and user id give the same rows on every machine: each user draws
from its own ``random.Random`` seeded by (seed, user id), and every other id is
derived from the user's (claims ``user_id * 10 + k``, packages ``claim_id * 4 + j``,
UUIDs by ``uuid5``).
"""

from __future__ import annotations

import random
import uuid
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import Decimal

ANCHOR = datetime(2026, 11, 1, 9, 0, 0)
_NS = uuid.UUID("6f1c2b1e-8d6a-4c1e-9b55-3f0d2a7c9e10")

FIRST = (
    "Amelia", "Oliver", "Isla", "George", "Ava", "Harry", "Mia", "Noah", "Grace", "Jack",
    "Sophie", "Leo", "Emily", "Oscar", "Ella", "Arthur", "Freya", "Charlie", "Lily", "Thomas",
    "Poppy", "James", "Ruby", "William", "Evie", "Alfie", "Chloe", "Jacob", "Florence",
    "Muhammad", "Priya", "Aisha", "Connor", "Siobhan", "Dylan", "Megan", "Rhys", "Niamh",
    "Callum", "Zara",
)
LAST = (
    "Smith", "Jones", "Taylor", "Brown", "Williams", "Wilson", "Johnson", "Davies", "Patel",
    "Wright", "Robinson", "Wood", "Thompson", "Evans", "Walker", "White", "Roberts", "Green",
    "Hall", "Thomas", "Clarke", "Jackson", "Hughes", "Edwards", "Khan", "Lewis", "Harris",
    "Martin", "Morris", "O'Brien", "McDonald", "Murphy", "Singh", "Ahmed", "Kelly", "Price",
)
TOWNS = (("Leeds", "LS", "West Yorkshire"), ("Manchester", "M", "Greater Manchester"),
         ("Birmingham", "B", "West Midlands"), ("Bristol", "BS", "Bristol"),
         ("Sheffield", "S", "South Yorkshire"), ("Newcastle", "NE", "Tyne and Wear"),
         ("Liverpool", "L", "Merseyside"), ("Cardiff", "CF", "South Glamorgan"),
         ("Nottingham", "NG", "Nottinghamshire"), ("Norwich", "NR", "Norfolk"),
         ("Plymouth", "PL", "Devon"), ("Glasgow", "G", "Lanarkshire"), ("London", "SE", None))
STREETS = (
    "High", "Station", "Church", "Park", "Victoria", "Mill", "Queen", "King", "Albert", "Manor",
    "Chapel",
)
ROAD = ("Street", "Road", "Lane", "Avenue", "Close", "Drive", "Way", "Crescent")
LENDERS = ("Santander", "santander ", "SANTANDER UK", "Santander Consumer Finance",
           "santander consumer", "Lloyds", "lloyds bank", " Lloyds Bank", "Barclays",
           "Barclays Partner Finance", "BARCLAYS BANK", "HSBC", "HSBC UK", "hsbc",
           "Nationwide", "Nationwide Building Society", "Halifax", "Black Horse",
           "Barclaycard", "MotoNovo", "Close Brothers", "Moneybarn", "Startline",
           "Blue Motor Finance", "First Response Finance", "Oodle", "  Advantage Finance",
           "V12 Retail Finance", None)
MAKES = (("Ford", ("Fiesta", "Focus", "Kuga", "Puma")), ("Vauxhall", ("Corsa", "Astra", "Mokka")),
         ("Volkswagen", ("Golf", "Polo", "Tiguan")), ("BMW", ("1 Series", "3 Series", "X1")),
         ("Nissan", ("Qashqai", "Juke", "Micra")), ("Kia", ("Sportage", "Ceed", "Picanto")),
         ("Toyota", ("Yaris", "Corolla", "C-HR")), ("Audi", ("A3", "A1", "Q3")))
DEALERS = ("Arnold Clark", "Evans Halshaw", "Sytner", "Lookers", "Pendragon", "Marshall",
           "Jardine", "Vertu", "Cazoo", "Big Motoring World", "Carshop", None)
USER_STATUS = (("active", 80), ("pending", 7), ("suspended", 5), ("inactive", 7), (None, 1))
CLAIM_STATUS = (("new", 20), ("in_progress", 30), ("submitted", 20), ("complete", 20),
                ("rejected", 8), (None, 2))
REQ_STATUS = (("PENDING", 45), ("COMPLETED", 45), ("CANCELLED", 10))
REQ_TYPES = ("bank_statement", "id_document", "proof_of_address", "finance_agreement", "other")
REASONS = {"bank_statement": "Three months of bank statements covering the agreement",
           "id_document": "Photo ID: passport or driving licence",
           "proof_of_address": "A utility bill from the last 3 months",
           "finance_agreement": "A copy of the finance agreement",
           "other": "Please call us about your claim"}
CLAIMS_PER_USER = ((0, 4), (1, 15), (2, 22), (3, 24), (4, 17), (5, 10), (6, 8))
REQS_PER_CLAIM = ((0, 30), (1, 30), (2, 20), (3, 15), (4, 5))
PACKAGES_PER_CLAIM = ((0, 40), (1, 55), (2, 5))


POSTCODE_LETTERS = "ABDEFGHJLNPQRSTUWXYZ"
PLATE_LETTERS = "ABCDEFGHJKLMNOPRSTUVWXYZ"


def _letters(rng: random.Random, count: int, alphabet: str) -> str:
    return "".join(rng.choice(alphabet) for _ in range(count))


def _pick(rng: random.Random, weighted):
    return rng.choices([v for v, _ in weighted], [w for _, w in weighted])[0]


@dataclass
class Rows:
    """Rows per table, each a tuple in the contract's column order."""

    users: list[tuple] = field(default_factory=list)
    addresses: list[tuple] = field(default_factory=list)
    claims: list[tuple] = field(default_factory=list)
    requirements: list[tuple] = field(default_factory=list)
    packages: list[tuple] = field(default_factory=list)


def phone_number(rng: random.Random) -> str | None:
    """A number as a user might type it: mostly valid UK mobiles, some junk."""
    kind = rng.random()
    body = f"7{rng.randint(5, 9)}{rng.randint(0, 99999999):08d}"
    if kind < 0.30:
        return f"0{body[:4]} {body[4:]}"
    if kind < 0.50:
        return f"+44{body}"
    if kind < 0.62:
        return f"44{body}"
    if kind < 0.70:
        return f"(0){body[:4]}-{body[4:]}"
    if kind < 0.80:
        return f"0{body}"
    if kind < 0.85:
        return f"0{rng.choice(('113', '161', '121', '117', '191'))} {rng.randint(2000000, 9999999)}"
    if kind < 0.88:
        return f"07700 900{rng.randint(0, 999):03d}"  # Ofcom drama range: never valid
    if kind < 0.93:
        return rng.choice(("n/a", "123", "call me", "0", "07", "tbc", "+44", "0800"))
    if kind < 0.96:
        return f"+353 8{rng.randint(3, 9)} {rng.randint(1000000, 9999999)}"
    return None


def _when(rng: random.Random, days_back: int) -> datetime:
    return ANCHOR - timedelta(days=rng.randint(0, days_back), seconds=rng.randint(0, 86399))


def user_rows(seed: int, user_id: int, out: Rows) -> None:
    rng = random.Random(f"{seed}:{user_id}")
    first, last = rng.choice(FIRST), rng.choice(LAST)
    created = _when(rng, 3 * 365)
    updated = created + timedelta(days=rng.randint(0, max((ANCHOR - created).days, 0)))
    address_ids = [str(uuid.uuid5(_NS, f"{seed}:{user_id}:a{k}"))
                   for k in range(rng.choice((0, 1, 1, 1, 2)))]
    for k, address_id in enumerate(address_ids):
        town, area, county = rng.choice(TOWNS)
        post_code = (f"{area}{rng.randint(1, 28)} {rng.randint(1, 9)}"
                     f"{_letters(rng, 2, POSTCODE_LETTERS)}")
        street = f"{rng.randint(1, 220)} {rng.choice(STREETS)} {rng.choice(ROAD)}"
        out.addresses.append((address_id, user_id, f"{street}, {town}, {post_code}",
                              post_code if rng.random() > 0.02 else None, county,
                              created + timedelta(days=k), created + timedelta(days=k)))
    dob = None if rng.random() < 0.03 else date(rng.randint(1940, 2006), rng.randint(1, 12),
                                                 rng.randint(1, 28))
    signature = None if rng.random() < 0.40 else (0 if rng.random() < 0.03
                                                   else rng.randint(1, 10_000_000))
    email = None if rng.random() < 0.05 else \
        f"{first}.{last}{rng.randint(1, 999)}@example.co.uk".lower().replace("'", "")
    enabled = _pick(rng, ((1, 92), (0, 7), (None, 1)))
    out.users.append((user_id, first, last, email, phone_number(rng), dob,
                      _pick(rng, USER_STATUS), enabled, rng.choice(("web", "facebook", "referral",
                                                                     "tiktok", None)),
                      rng.choice(("Harbour Legal", "Courmacs", None)),
                      address_ids[-1] if address_ids and rng.random() > 0.05 else None,
                      signature, _when(rng, 60) if rng.random() > 0.2 else None, created, updated))
    for k in range(_pick(rng, CLAIMS_PER_USER)):
        _claim_rows(rng, seed, user_id * 10 + k, user_id, created, out)


def _claim_rows(rng: random.Random, seed: int, claim_id: int, user_id: int,
                user_created: datetime, out: Rows) -> None:
    created = user_created + timedelta(days=rng.randint(0, max((ANCHOR - user_created).days, 0)))
    updated = created + timedelta(hours=rng.randint(0, 2000))
    out.claims.append((claim_id, user_id, rng.choice(("pcp", "hp", "dca", "motor_finance")),
                       _pick(rng, CLAIM_STATUS), rng.choice(LENDERS),
                       rng.choice(("Harbour Legal", "Courmacs", None)),
                       updated if rng.random() > 0.3 else None, created, updated))
    for j in range(_pick(rng, REQS_PER_CLAIM)):
        kind = rng.choice(REQ_TYPES)
        at = created + timedelta(hours=rng.randint(1, 500))
        out.requirements.append((str(uuid.uuid5(_NS, f"{seed}:{claim_id}:r{j}")), claim_id, kind,
                                 _pick(rng, REQ_STATUS),
                                 REASONS[kind] if rng.random() > 0.1 else None, at, at))
    for j in range(_pick(rng, PACKAGES_PER_CLAIM)):
        make, models = rng.choice(MAKES)
        registration = (f"{_letters(rng, 2, PLATE_LETTERS)}{rng.randint(10, 74)} "
                        f"{_letters(rng, 3, PLATE_LETTERS)}")
        payment = Decimal(rng.randint(9900, 69900)) / 100 if rng.random() > 0.05 else None
        out.packages.append((claim_id * 4 + j, claim_id, registration, make, rng.choice(models),
                             rng.choice(DEALERS), payment, created, created))


def generate(seed: int, first_user_id: int, count: int) -> Rows:
    out = Rows()
    for user_id in range(first_user_id, first_user_id + count):
        user_rows(seed, user_id, out)
    return out
