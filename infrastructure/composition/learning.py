"""Learning from the call and text history: the run and where its snapshots go."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from functools import partial

from infrastructure.composition.connections import Connections
from infrastructure.postgres.learning import PgLearningStore
from infrastructure.replica.user_segments import user_facts
from service_layer.learning import Learning


def build_learning(c: Connections, clock: Callable[[], datetime]) -> Learning:
    return Learning(PgLearningStore(c.pg), partial(user_facts, c.replica_db), clock)
