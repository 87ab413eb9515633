"""The password policy with the common passwords it refuses: the 20,000 Django ships,
kept beside this module (data/COMMON-PASSWORDS-LICENSE says where from)."""

from __future__ import annotations

import gzip
from functools import cache
from importlib.resources import files

from domain.agents.passwords import PasswordPolicy


@cache
def common_passwords() -> frozenset[str]:
    packed = files("infrastructure.security").joinpath("data/common-passwords.txt.gz")
    text = gzip.decompress(packed.read_bytes()).decode()
    return frozenset(word for line in text.splitlines() if (word := line.strip().lower()))


def password_policy() -> PasswordPolicy:
    return PasswordPolicy(common_passwords())
