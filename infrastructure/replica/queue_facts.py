"""The replica facts the queue rules need, read set-based: three statements per batch.

A batch is either a range of user ids (rebuilds walk the id space in ranges so
memory stays bounded at any scale) or an explicit list (incremental recompute).
Each user row and claim row comes with a digest the database works out from the columns
the facts are made of, so a rebuild can tell whose facts moved without fetching them.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence

from domain.queue.facts import ReplicaFacts
from domain.queue.ports import FactsRead, Keys, PendingCounts, ReplicaFactsSource
from domain.users.model import is_open_status
from infrastructure.replica import rows
from infrastructure.replica.database import ReplicaDatabase, in_list
from infrastructure.replica.user_ids import user_id_bounds

# The columns each digest covers, with a NULL flag before each nullable one (CONCAT_WS
# skips NULLs, so without it a NULL and a neighbour's value could be confused).
_USER_PARTS = ("u.phone_number IS NULL", "u.phone_number", "u.date_of_birth IS NULL",
               "u.date_of_birth", "u.status IS NULL", "u.status", "u.is_enabled IS NULL",
               "u.is_enabled", "u.current_signature_file_id IS NULL", "a.post_code IS NULL",
               "a.post_code")
_CLAIM_PARTS = ("id", "status IS NULL", "status", "lender IS NULL", "lender",
                "created_at IS NULL", "created_at")


def digest_sql(dialect: str, parts: Sequence[str]) -> str:
    """A 64-bit digest of these columns in the replica's own SQL: two CRC32s (forward and
    reversed, both in MySQL and MariaDB) or PostgreSQL's 64-bit text hash."""
    if dialect == "mysql":
        text = f"CONCAT_WS(0x1f, {', '.join(parts)})"
        return f"(CRC32({text}) << 32 | CRC32(REVERSE({text})))"
    return f"hashtextextended(CONCAT_WS(chr(31), {', '.join(parts)}), 0)"


_USERS = ("SELECT u.id, {digest}{columns} FROM users u "
          "LEFT JOIN user_addresses a ON a.id = u.current_user_address_id WHERE {where}")
_USER_COLUMNS = (", u.phone_number, u.date_of_birth, u.status, u.is_enabled, "
                 "u.current_signature_file_id, a.post_code")
_CLAIMS = "SELECT user_id, id, {digest}{columns} FROM claims WHERE {where}"
_CLAIM_COLUMNS = ", status, lender, created_at"
_PENDING = ("SELECT c.user_id, COUNT(*) FROM claim_requirements r "
            "JOIN claims c ON c.id = r.claim_id WHERE r.status = 'PENDING' AND {where} "
            "GROUP BY c.user_id")


class ReplicaFactsReader(ReplicaFactsSource):
    def __init__(self, db: ReplicaDatabase):
        self.db = db
        self._user_digest = digest_sql(db.dialect, _USER_PARTS)
        self._claim_digest = digest_sql(db.dialect, _CLAIM_PARTS)

    async def read(self, keys: Keys, pending: PendingCounts | None = None) -> FactsRead:
        condition, args = _condition(keys)
        if args is None:
            return FactsRead({}, {})
        users, claims = await self._rows(condition, args, wide=True)
        if pending is None:
            found = await self.db.fetch(
                _PENDING.format(where=condition.format(col="c.user_id")), args)
            by_user = {int(u): int(n) for u, n in found}
        else:
            by_user = _pending_of_users(claims, pending)
        return FactsRead(assemble(users, claims, by_user), _digests(users, claims, by_user))

    async def digests(self, keys: Keys, pending: PendingCounts) -> dict[int, int]:
        condition, args = _condition(keys)
        if args is None:
            return {}
        users, claims = await self._rows(condition, args, wide=False)
        return _digests(users, claims, _pending_of_users(claims, pending))

    async def pending_counts(self) -> PendingCounts:
        # One pass over the requirements' status index: joined to the claims per id range,
        # the same counts cost ten times as much (and far more on a replica whose working
        # set exceeds its buffer pool).
        counts: dict[int, int] = defaultdict(int)
        for (claim_id,) in await self.db.fetch(
                "SELECT claim_id FROM claim_requirements WHERE status = 'PENDING'"):
            counts[claim_id] += 1
        return PendingCounts(dict(counts))

    async def id_bounds(self) -> tuple[int, int] | None:
        return await user_id_bounds(self.db)

    async def _rows(self, condition: str, args: Sequence, wide: bool
                    ) -> tuple[list[tuple], list[tuple]]:
        users = await self.db.fetch(_USERS.format(
            digest=self._user_digest, columns=_USER_COLUMNS if wide else "",
            where=condition.format(col="u.id")), args)
        claims = await self.db.fetch(_CLAIMS.format(
            digest=self._claim_digest, columns=_CLAIM_COLUMNS if wide else "",
            where=condition.format(col="user_id")), args)
        return users, claims


def _condition(keys: Keys) -> tuple[str, Sequence | None]:
    """The statement's key condition (``{col}`` for the column) and its arguments (None:
    no user at all)."""
    if keys.ids is not None:
        ids = sorted(set(keys.ids))
        return ("{col} IN " + in_list(ids), ids) if ids else ("", None)
    return "{col} BETWEEN %s AND %s", (keys.low, keys.high)


def _pending_of_users(claims: list[tuple], pending: PendingCounts) -> dict[int, int]:
    counts: dict[int, int] = {}
    by_claim = pending.by_claim
    for user_id, claim_id, *_ in claims:
        found = by_claim.get(claim_id)
        if found:
            counts[user_id] = counts.get(user_id, 0) + found
    return counts


def _digests(users: list[tuple], claims: list[tuple], pending: dict[int, int]
             ) -> dict[int, int]:
    """Each user's digest: their row's, their claims' (combined in any order: ids are
    unique, so no two rows cancel out) and their pending count."""
    of_claims: dict[int, int] = {}
    for user_id, _, digest, *_ in claims:
        of_claims[user_id] = of_claims.get(user_id, 0) ^ int(digest)
    return {int(user_id): hash((int(digest), of_claims.get(user_id, 0), pending.get(user_id, 0)))
            for user_id, digest, *_ in users}


def _clean(value):
    """Strings trimmed (empty: None); anything else as the driver gave it."""
    if value.__class__ is str:
        value = value.strip()
        return value or None
    return rows.text_value(value)


def assemble(users: list[tuple], claims: list[tuple], pending_by_user: dict[int, int]
             ) -> dict[int, ReplicaFacts]:
    """Facts from the wide rows (each a key, a digest, then the columns)."""
    by_user: dict[int, list[tuple]] = defaultdict(list)
    for user_id, claim_id, _, status, lender, created_at in claims:
        by_user[user_id].append((claim_id, _clean(status), lender, created_at))
    facts = {}
    for user_id, _, phone, dob, status, enabled, signature, post_code in users:
        user_claims = by_user.get(user_id, ())
        facts[int(user_id)] = ReplicaFacts(
            user_id=int(user_id), phone_raw=_clean(phone), date_of_birth=rows.date_value(dob),
            status=_clean(status), is_enabled=rows.flag_value(enabled),
            signed=signature is not None, post_code=_clean(post_code),
            open_claims=tuple((_clean(lender), rows.utc_value(created))
                              for _, status, lender, created in user_claims
                              if is_open_status(status)),
            claim_keys=tuple((int(c[0]), c[1]) for c in user_claims),
            pending_requirements=pending_by_user.get(int(user_id), 0),
        )
    return facts
