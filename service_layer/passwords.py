"""Password hashing and checks off the event loop.

argon2 spends tens of milliseconds of CPU on each call (releasing the GIL while it does):
on the loop, a burst of logins would stall every other request of the process. The calls
run in a pool of their own, one thread per core, so they neither queue behind nor crowd out
other work of the loop's default executor (DNS lookups, for one).
"""

from __future__ import annotations

import asyncio
import os
import threading
from concurrent.futures import ThreadPoolExecutor

from domain.agents.ports import PasswordHasher

_pool: ThreadPoolExecutor | None = None
_pool_lock = threading.Lock()


def _executor() -> ThreadPoolExecutor:
    """Made on first use: a process that never checks a password starts no threads."""
    global _pool
    with _pool_lock:
        if _pool is None:
            _pool = ThreadPoolExecutor(max_workers=max(1, len(os.sched_getaffinity(0))),
                                       thread_name_prefix="argon2")
        return _pool


async def verify_password(hasher: PasswordHasher, password_hash: str | None,
                          password: str) -> bool:
    # None: an unknown e-mail, which the hasher still pays a verify for (same timing).
    return await asyncio.get_running_loop().run_in_executor(
        _executor(), hasher.verify, password_hash, password)


async def hash_password(hasher: PasswordHasher, password: str) -> str:
    return await asyncio.get_running_loop().run_in_executor(_executor(), hasher.hash, password)
