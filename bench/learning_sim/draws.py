"""Deterministic random numbers keyed by what they decide.

Every chance in the simulation is a uniform drawn from a hash of (seed, what, who, which),
never from one shared stream: the k-th call to a user meets the same uniform in both runs
whatever happened before it (common random numbers), so the runs differ by their policy, not
by which random numbers each happened to consume.
"""

from __future__ import annotations

import hashlib
import math
import struct

_SCALE = 1.0 / 2 ** 64


def uniform(seed: int, *key: object) -> float:
    """A uniform in [0, 1) fixed by the seed and the key."""
    digest = hashlib.blake2b(repr((seed, *key)).encode(), digest_size=8).digest()
    return struct.unpack("<Q", digest)[0] * _SCALE


def normal(seed: int, *key: object) -> float:
    """A standard normal fixed by the seed and the key (Box-Muller)."""
    u1 = max(uniform(seed, *key, "n1"), 1e-12)
    u2 = uniform(seed, *key, "n2")
    return math.sqrt(-2.0 * math.log(u1)) * math.cos(2 * math.pi * u2)


def lognormal(seed: int, sigma: float, *key: object) -> float:
    """exp(N(0, sigma²)) scaled to mean 1."""
    return math.exp(sigma * normal(seed, *key) - sigma * sigma / 2)


def pick(seed: int, weighted: tuple[tuple[object, float], ...], *key: object) -> object:
    """One of the values, by weight."""
    total = sum(w for _, w in weighted)
    target, running = uniform(seed, *key) * total, 0.0
    for value, weight in weighted:
        running += weight
        if target < running:
            return value
    return weighted[-1][0]


def sigmoid(x: float) -> float:
    return 1.0 / (1.0 + math.exp(-x))
