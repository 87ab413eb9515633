"""Filling a replica with synthetic users, in bulk, at any scale."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from dataclasses import dataclass

from infrastructure.replica import synthetic
from infrastructure.replica.database import ReplicaDatabase
from infrastructure.replica.ddl import contract_columns, create_replica_tables

CHUNK = 2_000
# The synthetic tuples follow the contract's column order (a unit test checks their widths).
COLUMNS = contract_columns()


@dataclass(frozen=True)
class SeedSummary:
    """Rows added to each table by one seeding run, and how long it took."""

    users: int
    addresses: int
    claims: int
    requirements: int
    vehicle_packages: int
    first_user_id: int
    seconds: float

    def __str__(self) -> str:
        return (f"users={self.users} addresses={self.addresses} claims={self.claims} "
                f"requirements={self.requirements} vehicle_packages={self.vehicle_packages} "
                f"(ids from {self.first_user_id}) in {self.seconds:.1f} s")


async def seed_replica(db: ReplicaDatabase, users: int, seed: int = 1,
                       progress: Callable[[int], None] | None = None) -> SeedSummary:
    """Adds ``users`` users after the highest id present, with their claims and the rest."""
    started = time.perf_counter()
    await create_replica_tables(db)
    first = ((await db.fetch("SELECT MAX(id) FROM users"))[0][0] or 0) + 1
    counts = dict.fromkeys(COLUMNS, 0)
    loop = asyncio.get_running_loop()
    chunks = [(seed, first + offset, min(CHUNK, users - offset))
              for offset in range(0, users, CHUNK)]
    pending = loop.run_in_executor(None, synthetic.generate, *chunks[0]) if chunks else None
    for index, (_, _, size) in enumerate(chunks):
        rows = await pending
        if index + 1 < len(chunks):  # the next chunk is generated while this one is written
            pending = loop.run_in_executor(None, synthetic.generate, *chunks[index + 1])
        await _write(db, rows, counts)
        if progress:
            progress(size)
    if db.dialect == "postgresql" and users > 0:
        await _advance_identities(db)
    return SeedSummary(counts["users"], counts["user_addresses"], counts["claims"],
                       counts["claim_requirements"], counts["claim_vehicle_packages"], first,
                       time.perf_counter() - started)


async def _write(db: ReplicaDatabase, rows: synthetic.Rows, counts: dict[str, int]) -> None:
    batches = {"users": rows.users, "user_addresses": rows.addresses, "claims": rows.claims,
               "claim_requirements": rows.requirements, "claim_vehicle_packages": rows.packages}
    for table, batch in batches.items():
        if batch:
            await db.insert_rows(table, COLUMNS[table], batch)
            counts[table] += len(batch)


async def _advance_identities(db: ReplicaDatabase) -> None:
    """Explicit ids leave PostgreSQL's identity sequences behind; move them past the max."""
    for table in ("users", "claims", "claim_vehicle_packages"):
        await db.execute(
            f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
            f"(SELECT COALESCE(MAX(id), 0) + 1 FROM {table}), false)")
