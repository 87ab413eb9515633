"""Stored rule sets and experiments, as the rest of the system sees them."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum


class RuleSetStatus(StrEnum):
    DRAFT = "DRAFT"
    ACTIVE = "ACTIVE"
    RETIRED = "RETIRED"


@dataclass(frozen=True, slots=True)
class RuleSetRecord:
    id: int
    name: str
    version: int
    status: RuleSetStatus
    document: dict
    created_at: datetime


class ExperimentStatus(StrEnum):
    RUNNING = "RUNNING"
    STOPPED = "STOPPED"


@dataclass(frozen=True, slots=True)
class Experiment:
    id: uuid.UUID
    name: str
    control_rule_set_id: int
    variant_rule_set_id: int
    share: float
    status: ExperimentStatus
    started_at: datetime
