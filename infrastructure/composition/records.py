"""What resolvers and jobs read and record through the service layer: queue pages, call
history, rule sets and experiments, the scheduled jobs' runs, and the user search."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from infrastructure.composition.connections import Connections
from infrastructure.model_files import ModelFiles
from infrastructure.postgres.call_history import PgCallHistory
from infrastructure.postgres.job_runs import PgJobRuns
from infrastructure.postgres.queue_page_reads import PgQueueReads
from infrastructure.postgres.rule_set_store import PgRuleSetStore
from infrastructure.postgres.user_search import PgSearchIndex
from infrastructure.replica.search_rows import ReplicaSearchRows
from infrastructure.replica.user_census import ReplicaUserCensus
from service_layer.call_history import CallRecords
from service_layer.job_runs import JobRuns
from service_layer.queue_pages import QueuePages
from service_layer.rule_sets import RuleSets
from service_layer.user_search import SearchKeeper, UserSearch


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


@dataclass(frozen=True)
class SearchArea:
    user_search: UserSearch
    keeper: SearchKeeper


def build_search(c: Connections, clock: Callable[[], datetime]) -> SearchArea:
    index = PgSearchIndex(c.pg)
    return SearchArea(UserSearch(index), SearchKeeper(ReplicaSearchRows(c.replica_db), index,
                                                      clock))
