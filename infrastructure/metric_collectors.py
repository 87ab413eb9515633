"""Gauges of the dialler's state for the alerts (deploy/monitoring): the CDC sync, queues,
agents, Redis and the calling window.

A background task reads them every REFRESH_SECONDS into a snapshot that a scrape only
copies out: the API renders /metrics on its event loop, where no query may be awaited.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable, Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime

import asyncpg
from prometheus_client.metrics_core import GaugeMetricFamily, Metric
from prometheus_client.registry import REGISTRY, Collector
from redis.exceptions import RedisError

from domain.agents.model import AgentStatus
from domain.queue.calling_window import CallingWindow
from infrastructure.logging import get_logger
from infrastructure.metrics import PER_PROCESS
from infrastructure.postgres.sync_store import PgSyncStore
from infrastructure.redis.resilient import ResilientRedis
from service_layer import periodic
from service_layer.queue_pages import QueuePages

log = get_logger(__name__)
REFRESH_SECONDS = 15.0
# A part not read for this long is left out of a scrape: no value beats a stale one.
STALE_AFTER_SECONDS = 4 * REFRESH_SECONDS
READ_TIMEOUT_SECONDS = 10.0
REDIS_PING_TIMEOUT_SECONDS = 3.0  # as the readiness check: a Redis that hangs is degraded

HELP = {
    "dialler_cdc_current_lag_seconds":
        "Commit in the main database to our committed effect, for the newest applied batch",
    "dialler_cdc_last_processed_timestamp_seconds": "When the worker last applied a CDC batch",
    "dialler_dead_letters": "CDC messages in the dead-letter queue or recorded and not replayed",
    "dialler_reconcile_last_drift": "Queue differences the last finished reconciliation fixed",
    "dialler_reconcile_last_timestamp_seconds": "When the last reconciliation finished",
    "dialler_queue_entries": "Entries in each queue",
    "dialler_queue_callable_entries": "Entries in each queue that may be called now",
    "dialler_agents": "Active human (not automated) agents by status",
    "dialler_redis_degraded": "1 while Redis does not answer (the API runs without it)",
    "dialler_calling_window_open": "1 inside the calling window (hours, days, bank holidays)",
    "dialler_state_read_timestamp_seconds": "When each part of the state gauges was last read",
}
LABELS = {"dialler_queue_entries": ["queue_type"], "dialler_queue_callable_entries": ["queue_type"],
          "dialler_agents": ["status"], "dialler_state_read_timestamp_seconds": ["part"]}
AGENTS_BY_STATUS = ("SELECT status, count(*) AS n FROM agents "
                    "WHERE is_active AND NOT automated GROUP BY status")


def gauge(name: str, value: float | None = None) -> GaugeMetricFamily:
    """The family ``name`` (HELP, LABELS), with ``value`` when it has no labels."""
    family = GaugeMetricFamily(name, HELP[name], labels=LABELS.get(name))
    if value is not None:
        family.add_metric([], value)
    return family


def _unix(at: datetime | None) -> float | None:
    return at.timestamp() if at else None


@dataclass(frozen=True, slots=True)
class Reading:
    at: float  # unix seconds
    families: tuple[Metric, ...]


class StateGauges(Collector):
    """The last reading of each part; a refresh replaces the dict, a scrape never waits."""

    def __init__(self) -> None:
        self._readings: dict[str, Reading] = {}

    def record(self, part: str, families: Sequence[Metric], at: float) -> None:
        self._readings = {**self._readings, part: Reading(at, tuple(families))}

    def collect(self) -> Iterator[Metric]:
        now, readings = time.time(), self._readings
        read_at = gauge("dialler_state_read_timestamp_seconds")
        for part, reading in sorted(readings.items()):
            read_at.add_metric([part], reading.at)
            if now - reading.at <= STALE_AFTER_SECONDS:
                yield from reading.families
        yield read_at

    def describe(self) -> Iterator[Metric]:
        return (gauge(name) for name in HELP)


@dataclass(frozen=True, slots=True)
class StateSource:
    """What the gauges are read from: one process's own adapters."""

    sync_store: PgSyncStore
    queue_pages: QueuePages
    pool: asyncpg.Pool
    redis: ResilientRedis
    calling_window: CallingWindow
    clock: Callable[[], datetime]

    def readers(self) -> dict[str, Callable[[], Awaitable[list[Metric]]]]:
        """One after another, each on a connection of its own: none is held while another
        is asked for."""
        return {"sync": self.sync, "queues": self.queues, "agents": self.agents,
                "redis": self.redis_state, "calling_window": self.window}

    async def sync(self) -> list[Metric]:
        status = await self.sync_store.status()
        optional = {"dialler_cdc_current_lag_seconds": status.lag_seconds,
                    "dialler_cdc_last_processed_timestamp_seconds":
                        _unix(status.last_processed_at),
                    "dialler_reconcile_last_drift": status.last_reconciliation_drift,
                    "dialler_reconcile_last_timestamp_seconds":
                        _unix(status.last_reconciliation_at)}
        # Never-seen values are left out rather than shown as 0 (a lag of 0 would look fine).
        return [gauge("dialler_dead_letters", status.dead_letters),
                *(gauge(name, value) for name, value in optional.items() if value is not None)]

    async def queues(self) -> list[Metric]:
        entries, callable_now = gauge("dialler_queue_entries"), gauge(
            "dialler_queue_callable_entries")
        for size in await self.queue_pages.sizes(self.clock()):
            entries.add_metric([size.queue_type.value], size.size)
            callable_now.add_metric([size.queue_type.value], size.callable_now)
        return [entries, callable_now]

    async def agents(self) -> list[Metric]:
        found = {r["status"]: r["n"] for r in await self.pool.fetch(AGENTS_BY_STATUS)}
        family = gauge("dialler_agents")
        for status in AgentStatus:  # every status, 0 included: alerts compare with it
            family.add_metric([status.value], found.get(status.value, 0))
        return [family]

    async def redis_state(self) -> list[Metric]:
        return [gauge("dialler_redis_degraded", 0 if await self._redis_answers() else 1)]

    async def _redis_answers(self) -> bool:
        if not self.redis.available:  # an operation failed moments ago
            return False
        try:
            async with asyncio.timeout(REDIS_PING_TIMEOUT_SECONDS):
                await self.redis.ping()
        except (RedisError, OSError, TimeoutError):
            return False
        return True

    async def window(self) -> list[Metric]:
        return [gauge("dialler_calling_window_open",
                      1 if self.calling_window.is_open(self.clock()) else 0)]


STATE = StateGauges()
REGISTRY.register(STATE)
PER_PROCESS.append(STATE)


async def refresh(source: StateSource, gauges: StateGauges = STATE) -> None:
    """Reads every part once; one that fails keeps its last reading until that is stale."""
    for part, read in source.readers().items():
        try:
            async with asyncio.timeout(READ_TIMEOUT_SECONDS):
                families = await read()
        except Exception as exc:  # noqa: BLE001 - any failure: this part is not read now
            log.warning("state gauges not read", part=part,
                        error=f"{type(exc).__name__}: {str(exc)[:300]}")
            continue
        gauges.record(part, families, time.time())


async def keep_fresh(source: StateSource, stop: asyncio.Event,
                     every: float = REFRESH_SECONDS) -> None:
    """Refreshes STATE every ``every`` seconds until ``stop``."""
    await periodic.every(every, lambda: refresh(source), stop, name="state gauges")
