"""Many rows into one statement: COPY them into a temporary table of the transaction, run
the statement that reads it, empty it for the next use on the same connection."""

from __future__ import annotations

from collections.abc import Iterable, Sequence

import asyncpg

FEW_ROWS = 100  # up to this many, arrays in one statement beat a staging table and COPY


async def through_staging(conn: asyncpg.Connection, table: str, columns: str,
                          rows: Iterable[Sequence], statement: str, *args) -> list:
    """``columns``: the table's column definitions ("user_id bigint, raw text"); the
    statement's rows (none for a statement that returns none)."""
    await conn.execute(f"CREATE TEMP TABLE IF NOT EXISTS {table} ({columns}) "
                       "ON COMMIT DELETE ROWS")
    await conn.copy_records_to_table(table, records=rows)
    found = await conn.fetch(statement, *args)
    await conn.execute(f"TRUNCATE {table}")
    return found
