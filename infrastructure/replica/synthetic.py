"""Realistic, messy, deterministic rows for the replica's tables (pure: no I/O).

The same seed and user id give the same rows on every machine and in any chunk:
each user draws from its own generator seeded by (seed, user id), and the ids of
the user's other rows derive from the user's (claims ``user_id * 10 + k``,
vehicle packages ``claim_id * 4 + j``, UUIDs from the user's generator).
Every tuple is in the contract's column order.
"""

from __future__ import annotations

import random
from bisect import bisect
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import Decimal
from itertools import accumulate

# Fixed rather than now(): the rows must not change with the day they are made.
ANCHOR = datetime(2026, 11, 1, 9, 0, 0)
THREE_YEARS = 3 * 365 * 86_400

FIRST = (
    "Amelia", "Oliver", "Isla", "George", "Ava", "Harry", "Mia", "Noah", "Grace", "Jack",
    "Sophie", "Leo", "Emily", "Oscar", "Ella", "Arthur", "Freya", "Charlie", "Lily", "Thomas",
    "Poppy", "James", "Ruby", "William", "Evie", "Alfie", "Chloe", "Jacob", "Florence", "Susan",
    "Muhammad", "Priya", "Aisha", "Connor", "Siobhan", "Dylan", "Megan", "Rhys", "Niamh", "Zara",
    "Callum", "Margaret", "David", "Karen", "Gary", "Julie", "Wayne", "Tracey", "Dean", "Kerry",
)
LAST = (
    "Smith", "Jones", "Taylor", "Brown", "Williams", "Wilson", "Johnson", "Davies", "Patel",
    "Wright", "Robinson", "Wood", "Thompson", "Evans", "Walker", "White", "Roberts", "Green",
    "Hall", "Thomas", "Clarke", "Jackson", "Hughes", "Edwards", "Khan", "Lewis", "Harris",
    "Martin", "Morris", "O'Brien", "McDonald", "Murphy", "Singh", "Ahmed", "Kelly", "Price",
    "Llewellyn", "MacLeod", "Nowak", "Okafor", "Begum", "Hussain", "Campbell", "Stewart",
)
DOMAINS = ("example.com", "example.co.uk", "example.org", "mail.example.net")
# (town, postcode area, lowest and highest district, county)
TOWNS = (
    ("Leeds", "LS", 1, 29, "West Yorkshire"), ("Bradford", "BD", 1, 24, "West Yorkshire"),
    ("Manchester", "M", 1, 50, "Greater Manchester"), ("Birmingham", "B", 1, 99, "West Midlands"),
    ("Bristol", "BS", 1, 49, "Avon"), ("Sheffield", "S", 1, 36, "South Yorkshire"),
    ("Newcastle upon Tyne", "NE", 1, 15, "Tyne and Wear"), ("Liverpool", "L", 1, 40, "Merseyside"),
    ("Cardiff", "CF", 10, 24, "South Glamorgan"), ("Nottingham", "NG", 1, 25, "Nottinghamshire"),
    ("Norwich", "NR", 1, 35, "Norfolk"), ("Plymouth", "PL", 1, 9, "Devon"),
    ("Exeter", "EX", 1, 6, "Devon"), ("Glasgow", "G", 1, 84, "Lanarkshire"),
    ("Edinburgh", "EH", 1, 17, "Midlothian"), ("Belfast", "BT", 1, 17, "County Antrim"),
    ("London", "SE", 1, 28, "Greater London"), ("London", "E", 1, 18, "Greater London"),
    ("Southampton", "SO", 14, 19, "Hampshire"), ("Brighton", "BN", 1, 3, "East Sussex"),
    ("York", "YO", 1, 32, "North Yorkshire"), ("Swansea", "SA", 1, 9, "West Glamorgan"),
    ("Leicester", "LE", 1, 5, "Leicestershire"), ("Hull", "HU", 1, 9, "East Riding of Yorkshire"),
)
STREETS = ("High", "Station", "Church", "Park", "Victoria", "Mill", "Queen", "King", "Albert",
           "Manor", "Chapel", "Green", "School", "New", "North", "Grange", "Windsor", "Mount")
ROADS = ("Street", "Road", "Lane", "Avenue", "Close", "Drive", "Way", "Crescent", "Gardens")
LANDLINE_CODES = ("0113", "0161", "0121", "0117", "0114", "0191", "0151", "029", "0115",
                  "0141", "0131", "01603", "01752", "020 7", "020 8")
JUNK_PHONES = ("n/a", "N/A", "123", "call me", "0", "07", "tbc", "+44", "none", "-",
               "ring after 6", "", "   ", "0800", "07911")
# Free text as staff type it: the same lender under several spellings.
LENDERS = (
    "Santander", "santander ", "SANTANDER UK", "Santander Consumer Finance",
    "santander consumer", "Lloyds Bank", "lloyds", " Lloyds Bank ", "LLOYDS", "Barclays",
    "Barclays Partner Finance", "BARCLAYS PARTNER FINANCE", "HSBC", "HSBC UK", "hsbc uk",
    "Nationwide Building Society", "nationwide", "Halifax", "halifax ", "Black Horse",
    "BLACK HORSE", "Blackhorse", "Barclaycard", "MotoNovo", "Motonovo Finance",
    "Close Brothers", "close brothers motor finance", "Moneybarn", "Startline",
    "Blue Motor Finance", "First Response Finance", "Oodle", "  Advantage Finance",
    "V12 Retail Finance", None,
)
CLAIM_TYPES = ("pcp", "hp", "motor_finance", "dca", "PCP", None)
INTRODUCERS = ("web", "facebook", "referral", "tiktok", "google", "radio", None)
SOLICITORS = ("Harbour Legal", "Courmacs Legal", "Sentinel Legal", None)
REASONS = {
    "bank_statement": ("Three months of bank statements covering the agreement",
                       "Statement showing the monthly finance payments",
                       "bank statements pls - the last ones were unreadable"),
    "id_document": ("Photo ID: passport or driving licence",
                    "ID expired, need a current passport or licence"),
    "proof_of_address": ("A utility bill or council tax letter from the last 3 months",
                         "Proof of address at the time of the agreement"),
    "finance_agreement": ("A copy of the finance agreement",
                          "Agreement number and the first page of the agreement"),
    "other": ("Please call us about your claim", "Lender asked for more information",
              "Signature on the letter of authority does not match"),
}
MAKES = (
    ("Ford", ("Fiesta", "Focus", "Kuga", "Puma")), ("Vauxhall", ("Corsa", "Astra", "Mokka")),
    ("Volkswagen", ("Golf", "Polo", "Tiguan")), ("BMW", ("1 Series", "3 Series", "X1")),
    ("Nissan", ("Qashqai", "Juke", "Micra")), ("Kia", ("Sportage", "Ceed", "Picanto")),
    ("Toyota", ("Yaris", "Corolla", "C-HR")), ("Audi", ("A3", "A1", "Q3")),
    ("Mercedes-Benz", ("A-Class", "C-Class", "GLA")), ("Hyundai", ("Tucson", "i10", "i30")),
    ("Peugeot", ("208", "2008", "3008")), ("MINI", ("Hatch", "Countryman")),
)
DEALERS = ("Arnold Clark", "Evans Halshaw", "Sytner", "Lookers", "Pendragon", "Marshall",
           "Jardine", "Vertu", "Cazoo", "Big Motoring World", "Carshop", "Trade Centre UK",
           "Bristol Street Motors", None)
# Age identifiers of current-style plates: March (10-26) and September (60-76).
PLATE_AGES = tuple(range(10, 27)) + tuple(range(60, 77))
POSTCODE_LETTERS = "ABDEFGHJLNPQRSTUWXYZ"
PLATE_AREA = "ABCDEFGHKLMNOPRSVWY"
PLATE_LETTERS = "ABCDEFGHJKLMNOPRSTUVWXYZ"
MOBILE_SECOND_DIGITS = "1345778899"  # 07x mobile ranges, weighted; never 076 (pagers)
REQ_TYPES = tuple(REASONS)


class Weighted:
    """Values with integer weights, drawn with one ``random()`` call."""

    def __init__(self, *pairs: tuple[object, int]):
        self.values = [v for v, _ in pairs]
        self.cumulative = list(accumulate(w for _, w in pairs))
        self.total = self.cumulative[-1]


USER_STATUS = Weighted(("active", 80), ("pending", 7), ("suspended", 5), ("inactive", 7),
                       (None, 1))
ENABLED = Weighted((1, 92), (0, 7), (None, 1))
CLAIM_STATUS = Weighted(("new", 20), ("in_progress", 30), ("submitted", 20), ("complete", 20),
                        ("rejected", 8), (None, 2))
REQ_STATUS = Weighted(("PENDING", 45), ("COMPLETED", 45), ("CANCELLED", 10))
CLAIMS_PER_USER = Weighted((0, 4), (1, 15), (2, 22), (3, 24), (4, 17), (5, 10), (6, 8))
REQS_PER_CLAIM = Weighted((0, 30), (1, 30), (2, 20), (3, 15), (4, 5))
PACKAGES_PER_CLAIM = Weighted((0, 40), (1, 55), (2, 5))
ADDRESSES_PER_USER = Weighted((0, 20), (1, 65), (2, 12), (3, 3))


class Draw(random.Random):
    """random.Random with cheap draws (choice, randint and choices cost 3-5 times more)."""

    def one(self, values):
        return values[int(self.random() * len(values))]

    def between(self, low: int, high: int) -> int:
        return low + int(self.random() * (high - low + 1))

    def weighted(self, table: Weighted):
        return table.values[bisect(table.cumulative, self.random() * table.total)]

    def letters(self, count: int, alphabet: str) -> str:
        return "".join(alphabet[int(self.random() * len(alphabet))] for _ in range(count))

    def uuid(self) -> str:
        """A version-4-shaped UUID string from this generator (uuid4() would not repeat)."""
        h = f"{self.getrandbits(128):032x}"
        return f"{h[:8]}-{h[8:12]}-4{h[13:16]}-{'89ab'[int(h[16], 16) & 3]}{h[17:20]}-{h[20:]}"

    def after(self, start: datetime, skew: int = 1) -> datetime:
        """A moment between ``start`` and ANCHOR: near the start for skew > 1, near ANCHOR < 0."""
        # Products only, no pow(): libm's pow may round differently on another machine.
        fraction = self.random() if skew > 0 else 1.0 - self.random()
        base = fraction
        for _ in range(abs(skew) - 1):
            fraction *= base
        if skew < 0:
            fraction = 1.0 - fraction
        span = max(int((ANCHOR - start).total_seconds()), 0)
        return start + timedelta(seconds=int(span * fraction))


@dataclass
class Rows:
    """Rows per table, each a tuple in the contract's column order."""

    users: list[tuple] = field(default_factory=list)
    addresses: list[tuple] = field(default_factory=list)
    claims: list[tuple] = field(default_factory=list)
    requirements: list[tuple] = field(default_factory=list)
    packages: list[tuple] = field(default_factory=list)


def phone_number(rng: Draw) -> str | None:
    """A number as a user types it: mostly valid UK mobiles in many formats, some not."""
    kind = rng.random()
    mobile = f"7{rng.one(MOBILE_SECOND_DIGITS)}{rng.between(0, 99_999_999):08d}"
    formats = ((0.28, f"0{mobile[:4]} {mobile[4:]}"), (0.40, f"0{mobile}"),
               (0.55, f"+44{mobile}"), (0.60, f"+44 {mobile[:4]} {mobile[4:]}"),
               (0.68, f"44{mobile}"), (0.74, f"(0){mobile[:4]}-{mobile[4:]}"),
               (0.76, f"0{mobile[:4]}-{mobile[4:7]}-{mobile[7:]}"), (0.78, f" 0{mobile} "))
    for limit, text in formats:
        if kind < limit:
            return text
    if kind < 0.85:
        return f"{rng.one(LANDLINE_CODES)} {rng.between(2_000_000, 8_999_999)}"
    if kind < 0.89:
        return f"07700 900{rng.between(0, 999):03d}"  # Ofcom drama range: never valid
    if kind < 0.94:
        return rng.one(JUNK_PHONES)
    if kind < 0.96:
        return f"+353 8{rng.between(3, 9)} {rng.between(1_000_000, 9_999_999)}"
    return None


def email(rng: Draw, first: str, last: str, born: int) -> str | None:
    if rng.random() < 0.06:
        return None
    first, last = first.strip().lower(), last.strip().lower().replace("'", "")
    local = rng.one((f"{first}.{last}", f"{first[0]}{last}{rng.between(1, 99)}",
                     f"{first}_{last}{born}", f"{first}{last}"))
    text = f"{local}@{rng.one(DOMAINS)}"
    return text.upper() if rng.random() < 0.01 else text


def name(rng: Draw, names: tuple[str, ...]) -> str | None:
    """As typed at sign-up: now and then shouted, padded or missing."""
    value, kind = rng.one(names), rng.random()
    if kind < 0.01:
        return None
    if kind < 0.04:
        return value.upper()
    return f"{value} " if kind < 0.06 else value


def addresses(rng: Draw, user_id: int, created: datetime, out: Rows) -> list[str]:
    ids = []
    for k in range(rng.weighted(ADDRESSES_PER_USER)):
        town, area, low, high, county = rng.one(TOWNS)
        post_code = f"{area}{rng.between(low, high)} {rng.between(1, 9)}" \
                    f"{rng.letters(2, POSTCODE_LETTERS)}"
        street = f"{rng.between(1, 240)} {rng.one(STREETS)} {rng.one(ROADS)}"
        if rng.random() < 0.12:
            street = f"Flat {rng.between(1, 40)}, {street}"
        if rng.random() < 0.05:
            post_code = post_code.lower().replace(" ", "")
        at = min(created + timedelta(days=200 * k), ANCHOR)
        ids.append(rng.uuid())
        out.addresses.append((ids[-1], user_id, f"{street}, {town}, {post_code}",
                              None if rng.random() < 0.02 else post_code,
                              None if rng.random() < 0.05 else county, at, at))
    return ids


def user_rows(seed: int, user_id: int, out: Rows) -> None:
    rng = Draw(f"{seed}:{user_id}")
    first, last = name(rng, FIRST), name(rng, LAST)
    created = ANCHOR - timedelta(seconds=rng.between(0, THREE_YEARS))
    address_ids = addresses(rng, user_id, created, out)
    current = address_ids[-1] if address_ids and rng.random() > 0.04 else None
    dob = None if rng.random() < 0.03 else date(rng.between(1940, 2006), rng.between(1, 12),
                                                 rng.between(1, 28))
    signature = None if rng.random() < 0.40 else (0 if rng.random() < 0.03
                                                   else rng.between(1, 9_999_999))
    last_login = rng.after(created, -2) if rng.random() > 0.2 else None
    contact = email(rng, first or "user", last or "unknown", dob.year if dob else 1980)
    out.users.append((user_id, first, last, contact,
                      phone_number(rng), dob, rng.weighted(USER_STATUS), rng.weighted(ENABLED),
                      rng.one(INTRODUCERS), rng.one(SOLICITORS), current, signature, last_login,
                      created, max(rng.after(created, -2), last_login or created)))
    for k in range(rng.weighted(CLAIMS_PER_USER)):
        claim_rows(rng, user_id * 10 + k, user_id, created, out)


def claim_rows(rng: Draw, claim_id: int, user_id: int, user_created: datetime,
               out: Rows) -> None:
    created = rng.after(user_created, 4)  # most claims come soon after signing up
    updated = rng.after(created, 2)
    out.claims.append((claim_id, user_id, rng.one(CLAIM_TYPES), rng.weighted(CLAIM_STATUS),
                       rng.one(LENDERS), rng.one(SOLICITORS),
                       rng.after(created, 2) if rng.random() > 0.3 else None, created, updated))
    for _ in range(rng.weighted(REQS_PER_CLAIM)):
        kind = rng.one(REQ_TYPES)
        at = rng.after(created, 3)
        reason = rng.one(REASONS[kind]) if rng.random() > 0.08 else None
        out.requirements.append((rng.uuid(), claim_id, kind, rng.weighted(REQ_STATUS), reason,
                                 at, rng.after(at, 3)))
    for j in range(rng.weighted(PACKAGES_PER_CLAIM)):
        out.packages.append(vehicle_package(rng, claim_id * 4 + j, claim_id, created))


def registration(rng: Draw) -> str | None:
    kind = rng.random()
    if kind < 0.03:
        return None
    plate = (f"{rng.letters(1, PLATE_AREA)}{rng.letters(1, PLATE_LETTERS)}{rng.one(PLATE_AGES)}"
             f" {rng.letters(3, PLATE_LETTERS)}")
    return plate.replace(" ", "").lower() if kind < 0.08 else plate


def vehicle_package(rng: Draw, package_id: int, claim_id: int, created: datetime) -> tuple:
    make, models = rng.one(MAKES)
    payment = None if rng.random() < 0.05 else Decimal(rng.between(8_900, 79_900)).scaleb(-2)
    return (package_id, claim_id, registration(rng), make, rng.one(models), rng.one(DEALERS),
            payment, created, rng.after(created, 4))


def generate(seed: int, first_user_id: int, count: int) -> Rows:
    """The rows of users ``first_user_id`` … ``first_user_id + count - 1``."""
    out = Rows()
    for user_id in range(first_user_id, first_user_id + count):
        user_rows(seed, user_id, out)
    return out
