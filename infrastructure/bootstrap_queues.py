"""The queue commands' composition root: connections, the queue area, the history import
and learning, nothing else.

`queue refresh` rebuilds the queues and publishes what moved, so it needs the dialler's
PostgreSQL, the replica and Redis; not Twilio, SQS, the audit trail or the API's machinery
(``bootstrap`` wires all of those, and loading them doubled the command's start-up).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from functools import partial

from infrastructure.clock import utc_now
from infrastructure.composition.connections import open_connections
from infrastructure.composition.learning import build_learning
from infrastructure.composition.queues import build_queues
from infrastructure.postgres.history import PgHistoryStore
from infrastructure.postgres.schema_version import database_revision
from infrastructure.replica.user_ids import known_users
from infrastructure.runtime import Runtime, resolve_runtime
from infrastructure.settings import Settings
from service_layer.history_import import HistoryImport
from service_layer.learning import Learning
from service_layer.queues import QueueMaintainer


@dataclass
class QueueCommandServices:
    runtime: Runtime
    queues: QueueMaintainer
    history: HistoryImport
    learning: Learning
    schema_revision: Callable[[], Awaitable[str | None]]
    closers: list[Callable[[], Awaitable[None]]] = field(default_factory=list)

    async def close(self) -> None:
        while self.closers:
            await self.closers.pop()()


async def bootstrap_queues(settings: Settings, *, spread: bool = True
                           ) -> QueueCommandServices:
    """``spread``: as build_queues'."""
    runtime = await resolve_runtime(settings)
    try:
        c = await open_connections(settings, runtime, serving=False)
    except BaseException:
        await runtime.close()
        raise

    async def revision() -> str | None:
        async with c.pg.acquire() as conn:
            return await database_revision(conn)

    area = build_queues(settings, c, utc_now, spread=spread)
    history = HistoryImport(PgHistoryStore(c.pg, utc_now), partial(known_users, c.replica_db),
                            area.queues.rules, area.queues.recompute, utc_now)
    learning = build_learning(c, utc_now)
    # Closed in reverse: the embedded server (if this process started it) goes last.
    return QueueCommandServices(runtime, area.queues, history, learning, revision,
                                [runtime.close, *c.closers()])
