"""A queue read's key condition in SQL."""

from __future__ import annotations

from domain.queue.ports import Keys


def where(keys: Keys, column: str = "user_id") -> tuple[str, list]:
    """``user_id BETWEEN $1 AND $2`` or ``user_id = ANY($1)``, with the arguments."""
    if keys.ids is not None:
        return f"{column} = ANY($1::bigint[])", [list(keys.ids)]
    return f"{column} BETWEEN $1 AND $2", [keys.low, keys.high]
