"""Rule sets and experiments: list, create a draft, activate, start and read an experiment."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from domain.scoring.learned_rules import ModelRule
from domain.scoring.ports import ArmResult, RuleSetStore
from domain.scoring.problems import Problem
from domain.scoring.records import Experiment, RuleSetRecord
from domain.scoring.rules import RuleSet, parse_rule_set, validate_rule_set
from domain.text import NUL_REFUSED, has_nul

MAX_NAME = 200  # rule sets' and experiments' name columns


def rule_set_problems(name: str, document: dict) -> list[Problem]:
    """What is wrong with a new rule set's name and document; empty when it may be stored."""
    problems = validate_rule_set(document)
    if not name.strip() or len(name) > MAX_NAME:
        problems.insert(0, Problem("name", f"must be 1 to {MAX_NAME} characters"))
    elif has_nul(name):
        problems.insert(0, Problem("name", NUL_REFUSED))
    return problems


def experiment_refusal(name: str, share: float) -> str | None:
    """Why an experiment with this name and share cannot start, before anything is read."""
    if not 0 < share < 1:
        return "share must be between 0 and 1 (exclusive)"
    if not name.strip() or len(name) > MAX_NAME:
        return f"name must be 1 to {MAX_NAME} characters"
    if has_nul(name):
        return f"name {NUL_REFUSED}"
    return None


@dataclass(frozen=True, slots=True)
class RuleSets:
    store: RuleSetStore
    model_problem: Callable[[ModelRule], str | None]  # why a model file cannot serve

    async def list(self) -> list[RuleSetRecord]:
        return await self.store.list_rule_sets()

    async def create(self, name: str, document: dict, created_by: uuid.UUID | None
                     ) -> RuleSetRecord | list[Problem]:
        """A new draft, or every problem of it (its document's, then what it refers to)."""
        problems = rule_set_problems(name, document)
        if not problems:
            problems = await self._reference_problems(parse_rule_set(document))
        if problems:
            return problems
        return await self.store.create_rule_set(name.strip(), document, created_by)

    async def _reference_problems(self, rules: RuleSet) -> list[Problem]:
        """A snapshot that was never stored; a model that is on but cannot be read."""
        learned, found = rules.learned, []
        if learned is None:
            return found
        if learned.snapshot is not None and not await self.store.snapshot_exists(
                learned.snapshot):
            found.append(Problem("learned.snapshot", f"there is no learning snapshot "
                                                     f"{learned.snapshot}; learn one first "
                                                     "or name \"active\""))
        if learned.model is not None and learned.model.enabled:
            why = self.model_problem(learned.model)
            if why:
                found.append(Problem("learned.model.file", why))
        return found

    async def activate(self, rule_set_id: int, at: datetime) -> RuleSetRecord | None:
        return await self.store.activate(rule_set_id, at)

    async def start_experiment(self, name: str, variant_id: int, share: float,
                               at: datetime) -> Experiment | str:
        """The experiment against the active rule set, or why it was refused (check
        experiment_refusal first)."""
        async with self.store.unit() as unit:
            active = await unit.active_rule_set()
            variant = await unit.get_rule_set(variant_id)
            if variant is None:
                return f"there is no rule set {variant_id}"
            if variant.id == active.id:
                return "the variant is the active rule set itself"
            return await unit.start_experiment(name.strip(), active.id, variant.id, share, at)

    async def experiment(self, experiment_id: uuid.UUID) -> Experiment | None:
        return await self.store.get_experiment(experiment_id)

    async def arm_results(self, experiment: Experiment) -> list[ArmResult]:
        return await self.store.arm_results(experiment)
