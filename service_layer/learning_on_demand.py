"""learnScores: a learning run now, unless one is already going (the worker's nightly job
or another request): both take the job lease the worker's "learn" job takes."""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from domain.learning.reads import SnapshotSummary
from service_layer.job_runs import JobRuns
from service_layer.learned_habits import LearnedHabits
from service_layer.learning import Learning

LEARN_JOB = "learn"  # the worker's job (sync_worker.jobs): one lease, one run at a time
ALREADY_RUNNING = ("a learning run is already going (the nightly job or another learnScores);"
                   " the active snapshot stays as it is: try again once it has finished")
log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class LearningRefused:
    message: str


@dataclass(frozen=True)
class LearnOnDemand:
    learning: Learning
    job_runs: JobRuns
    habits: LearnedHabits
    clock: Callable[[], datetime]

    async def run(self) -> SnapshotSummary | LearningRefused:
        """The new active snapshot; refused while another run holds the lease, or when the
        run fails (nothing is stored then, so the snapshot before stays active)."""
        async with self.job_runs.held(LEARN_JOB) as held:
            if not held:
                return LearningRefused(ALREADY_RUNNING)
            return await self._recorded()

    async def _recorded(self) -> SnapshotSummary | LearningRefused:
        # Recorded as the worker's job is: its schedule counts from this run too.
        run_id = await self.job_runs.start(LEARN_JOB, self.clock())
        try:
            report = await self.learning.run()
        except Exception as exc:  # noqa: BLE001 - answered as LearningFailed, logged whole
            log.exception("learning run failed")
            await self.job_runs.finish(run_id, self.clock(), "FAILED",
                                       error=f"{type(exc).__name__}: {exc}")
            return LearningRefused(f"the learning run failed ({type(exc).__name__}; the "
                                   "details are in the server log): the previous snapshot "
                                   "stays active")
        await self.job_runs.finish(run_id, self.clock(), "DONE", figures={
            "version": report.version, "users": report.users, "segments": report.segments,
            "seconds": round(report.seconds, 2)})
        summary = await self.habits.snapshot(report.version)
        if summary is None:  # the run stored it a moment ago: only a bug removes it
            raise LookupError(f"snapshot {report.version} is missing after its run")
        return summary
