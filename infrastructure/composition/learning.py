"""Learning from the call and text history: the run and where its snapshots go, what the
API reads back of them, and a run on demand."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from functools import partial

from infrastructure.composition.connections import Connections
from infrastructure.postgres.learning import PgLearningStore
from infrastructure.postgres.learning_reads import PgLearningReads
from infrastructure.replica.user_segments import user_facts
from service_layer.job_runs import JobRuns
from service_layer.learned_habits import LearnedHabits
from service_layer.learning import Learning
from service_layer.learning_on_demand import LearnOnDemand


def build_learning(c: Connections, clock: Callable[[], datetime]) -> Learning:
    return Learning(PgLearningStore(c.pg), partial(user_facts, c.replica_db), clock)


def build_learned_habits(c: Connections, clock: Callable[[], datetime]) -> LearnedHabits:
    return LearnedHabits(PgLearningReads(c.pg), clock)


def build_learn_on_demand(learning: Learning, job_runs: JobRuns, habits: LearnedHabits,
                          clock: Callable[[], datetime]) -> LearnOnDemand:
    return LearnOnDemand(learning, job_runs, habits, clock)
