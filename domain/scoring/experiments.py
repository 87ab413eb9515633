"""A/B experiments: stable arm assignment and a two-proportion significance test."""

from __future__ import annotations

import hashlib
import math


def assign_arm(user_id: int, experiment_id: str, share: float) -> str:
    """"variant" for a stable ``share`` of users, the same on every process and machine.

    sha256, not hash(): Python salts str hashes per process, and arms must never move.
    """
    if not 0 <= share <= 1:  # also refuses NaN
        raise ValueError(f"share must be from 0 to 1, got {share!r}")
    digest = hashlib.sha256(f"{experiment_id}:{user_id}".encode()).digest()
    position = int.from_bytes(digest[:8], "big") / 2**64  # uniform in [0, 1)
    return "variant" if position < share else "control"


def two_proportion_p_value(successes_a: int, n_a: int, successes_b: int, n_b: int
                           ) -> float | None:
    """Two-sided p-value of a z-test with pooled proportion; None when it is undefined."""
    if n_a <= 0 or n_b <= 0:
        return None
    if not (0 <= successes_a <= n_a and 0 <= successes_b <= n_b):
        raise ValueError("successes must be from 0 to the number of trials")
    pooled = (successes_a + successes_b) / (n_a + n_b)
    if pooled in (0.0, 1.0):
        return None
    se = math.sqrt(pooled * (1 - pooled) * (1 / n_a + 1 / n_b))
    z = (successes_a / n_a - successes_b / n_b) / se
    return min(1.0, math.erfc(abs(z) / math.sqrt(2)))
