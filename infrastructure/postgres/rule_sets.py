"""Rule sets and experiments in PostgreSQL; the active choice of rules per user."""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass, replace
from datetime import datetime

import asyncpg

from domain.queue.builder import RulesForUser, ScoringChoice
from domain.scoring.experiments import assign_arm
from domain.scoring.records import (
    Experiment,
    ExperimentStatus,
    RuleSetRecord,
    RuleSetStatus,
)
from domain.scoring.rules import DEFAULT_RULE_SET_DOCUMENT, RuleSet, parse_rule_set
from infrastructure.model_files import ModelFiles
from infrastructure.postgres.learned_scoring import snapshot_tables

_COLUMNS = "id, name, version, status, document, created_at"


def _record(row) -> RuleSetRecord:
    document = row["document"]
    return RuleSetRecord(row["id"], row["name"], row["version"], RuleSetStatus(row["status"]),
                         json.loads(document) if isinstance(document, str) else document,
                         row["created_at"])


async def ensure_default(conn: asyncpg.Connection) -> None:
    """The first start stores the default rule set as version 1, active."""
    await conn.execute(
        "INSERT INTO rule_sets (name, version, status, document) VALUES ('default', 1, $1, $2) "
        "ON CONFLICT (version) DO NOTHING", RuleSetStatus.ACTIVE.value,
        json.dumps(DEFAULT_RULE_SET_DOCUMENT))


async def list_rule_sets(conn: asyncpg.Connection) -> list[RuleSetRecord]:
    await ensure_default(conn)
    rows = await conn.fetch(f"SELECT {_COLUMNS} FROM rule_sets ORDER BY version")
    return [_record(r) for r in rows]


async def get_rule_set(conn: asyncpg.Connection, rule_set_id: int) -> RuleSetRecord | None:
    row = await conn.fetchrow(f"SELECT {_COLUMNS} FROM rule_sets WHERE id = $1", rule_set_id)
    return _record(row) if row else None


async def create_rule_set(conn: asyncpg.Connection, name: str, document: dict,
                          created_by: uuid.UUID | None) -> RuleSetRecord:
    """A new draft, numbered after every earlier version (concurrent creates serialise)."""
    await ensure_default(conn)
    await conn.execute("LOCK TABLE rule_sets IN SHARE ROW EXCLUSIVE MODE")
    row = await conn.fetchrow(
        "INSERT INTO rule_sets (name, version, status, document, created_by) "
        "SELECT $1, COALESCE(MAX(version), 0) + 1, $2, $3, $4 FROM rule_sets "
        f"RETURNING {_COLUMNS}", name, RuleSetStatus.DRAFT.value, json.dumps(document),
        created_by)
    return _record(row)


async def activate(conn: asyncpg.Connection, rule_set_id: int, at: datetime
                   ) -> RuleSetRecord | None:
    """Makes one version active and retires the one before; None if there is no such id."""
    target = await get_rule_set(conn, rule_set_id)
    if target is None:
        return None
    await conn.execute("UPDATE rule_sets SET status = $1 WHERE status = $2 AND id <> $3",
                       RuleSetStatus.RETIRED.value, RuleSetStatus.ACTIVE.value, rule_set_id)
    await conn.execute("UPDATE rule_sets SET status = $1, activated_at = $2 WHERE id = $3",
                       RuleSetStatus.ACTIVE.value, at, rule_set_id)
    return await get_rule_set(conn, rule_set_id)


async def active_rule_set(conn: asyncpg.Connection) -> RuleSetRecord:
    await ensure_default(conn)
    row = await conn.fetchrow(
        f"SELECT {_COLUMNS} FROM rule_sets WHERE status = $1 ORDER BY version DESC LIMIT 1",
        RuleSetStatus.ACTIVE.value)
    return _record(row)


def _experiment(row) -> Experiment:
    return Experiment(row["id"], row["name"], row["control_rule_set_id"],
                      row["variant_rule_set_id"], row["share"], ExperimentStatus(row["status"]),
                      row["started_at"])


async def running_experiment(conn: asyncpg.Connection) -> Experiment | None:
    row = await conn.fetchrow(
        "SELECT * FROM experiments WHERE status = $1 ORDER BY started_at DESC LIMIT 1",
        ExperimentStatus.RUNNING.value)
    return _experiment(row) if row else None


async def get_experiment(conn: asyncpg.Connection, experiment_id: uuid.UUID
                         ) -> Experiment | None:
    row = await conn.fetchrow("SELECT * FROM experiments WHERE id = $1", experiment_id)
    return _experiment(row) if row else None


async def start_experiment(conn: asyncpg.Connection, name: str, control_id: int,
                           variant_id: int, share: float, at: datetime) -> Experiment:
    """Stops any running experiment: one at a time keeps every user's arm unambiguous."""
    await conn.execute("UPDATE experiments SET status = $1, ended_at = $2 WHERE status = $3",
                       ExperimentStatus.STOPPED.value, at, ExperimentStatus.RUNNING.value)
    row = await conn.fetchrow(
        "INSERT INTO experiments (id, name, control_rule_set_id, variant_rule_set_id, share, "
        "status, started_at) VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING *", uuid.uuid4(),
        name, control_id, variant_id, share, ExperimentStatus.RUNNING.value, at)
    return _experiment(row)


@dataclass(frozen=True)
class RulesInPlay:
    """Who is scored by what, and the learning snapshots those rules read habits from."""

    rules_for: RulesForUser
    snapshots: frozenset[int]


async def rules_in_play(conn: asyncpg.Connection, models: ModelFiles) -> RulesInPlay:
    """Who is scored by what: the active rule set, or an experiment's variant for its share."""
    active = await active_rule_set(conn)
    control = ScoringChoice(await loaded_rules(conn, active.document, models), active.version)
    experiment = await running_experiment(conn)
    variant_record = experiment and await get_rule_set(conn, experiment.variant_rule_set_id)
    if not experiment or not variant_record:
        return RulesInPlay(lambda _user_id: control, _snapshots(control))
    key, share = str(experiment.id), experiment.share
    arms = {"control": ScoringChoice(control.rules, control.version, "control"),
            "variant": ScoringChoice(await loaded_rules(conn, variant_record.document, models),
                                     variant_record.version, "variant")}
    return RulesInPlay(lambda user_id: arms[assign_arm(user_id, key, share)],
                       _snapshots(*arms.values()))


def _snapshots(*choices: ScoringChoice) -> frozenset[int]:
    return frozenset(c.snapshot for c in choices if c.snapshot is not None)


async def loaded_rules(conn: asyncpg.Connection, document: dict, models: ModelFiles
                       ) -> RuleSet:
    """The rule set a stored document describes, its learned factors loaded with the
    snapshot's tables and the model's estimator (a snapshot that is not there: none)."""
    rules = parse_rule_set(document)
    learned = rules.learned
    if learned is None:
        return rules
    tables = await snapshot_tables(conn, learned.snapshot)
    return replace(rules, learned=learned.loaded(tables, models.predictor(learned.model)))


# What decides the rules: the active version and any running experiment's arms. Rule-set
# documents never change once stored, so the same stamp means the same rules.
STAMP_COLUMNS = (
    f"(SELECT id FROM rule_sets WHERE status = '{RuleSetStatus.ACTIVE.value}' "
    "ORDER BY version DESC LIMIT 1) AS rules_active, "
    "(SELECT id::text || ':' || variant_rule_set_id || ':' || share FROM experiments "
    f"WHERE status = '{ExperimentStatus.RUNNING.value}' ORDER BY started_at DESC LIMIT 1) "
    "AS rules_experiment, "
    "(SELECT max(version) FROM learning_snapshots WHERE status = 'ACTIVE') AS rules_snapshot")


class RuleBook:
    """The rules per user, parsed once per change of rule set or experiment.

    Checked with one cheap read on the caller's own connection (or read with the
    caller's own statement: STAMP_COLUMNS), so every process sees an activation at once
    and no second connection is needed.
    """

    def __init__(self, models: ModelFiles) -> None:
        self._models = models
        self._stamp: tuple | None = None
        self._rules: RulesInPlay | None = None

    async def current(self, conn: asyncpg.Connection, row=None) -> RulesForUser:
        """``row``: a record holding STAMP_COLUMNS, read already."""
        return (await self.in_play(conn, row)).rules_for

    async def in_play(self, conn: asyncpg.Connection, row=None) -> RulesInPlay:
        row = row or await conn.fetchrow(f"SELECT {STAMP_COLUMNS}")
        stamp = (row["rules_active"], row["rules_experiment"], row["rules_snapshot"])
        if self._rules is None or stamp != self._stamp or stamp[0] is None:
            self._rules = await rules_in_play(conn, self._models)
            self._stamp = stamp
        return self._rules
