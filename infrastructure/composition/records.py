"""What resolvers and jobs read and record through the service layer: queue pages, call
history, rule sets and experiments, and the scheduled jobs' runs."""

from __future__ import annotations

from dataclasses import dataclass

from infrastructure.composition.connections import Connections
from infrastructure.model_files import ModelFiles
from infrastructure.postgres.call_history import PgCallHistory
from infrastructure.postgres.job_runs import PgJobRuns
from infrastructure.postgres.queue_page_reads import PgQueueReads
from infrastructure.postgres.rule_set_store import PgRuleSetStore
from infrastructure.replica.user_census import ReplicaUserCensus
from service_layer.call_history import CallRecords
from service_layer.job_runs import JobRuns
from service_layer.queue_pages import QueuePages
from service_layer.rule_sets import RuleSets


@dataclass(frozen=True)
class RecordsArea:
    queue_pages: QueuePages
    call_records: CallRecords
    rule_sets: RuleSets
    job_runs: JobRuns


def build_records(c: Connections, models: ModelFiles) -> RecordsArea:
    return RecordsArea(QueuePages(PgQueueReads(c.pg)), CallRecords(PgCallHistory(c.pg)),
                       RuleSets(PgRuleSetStore(c.pg), models.problem),
                       JobRuns(PgJobRuns(c.pg), ReplicaUserCensus(c.replica_db)))
