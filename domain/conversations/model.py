"""Intents of inbound texts and a classification of one."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class Intent(StrEnum):
    OPT_OUT = "OPT_OUT"
    OPT_IN = "OPT_IN"
    CALLBACK_REQUEST = "CALLBACK_REQUEST"
    ALREADY_DONE = "ALREADY_DONE"
    WRONG_PERSON = "WRONG_PERSON"
    QUESTION = "QUESTION"
    COMPLAINT = "COMPLAINT"
    OTHER = "OTHER"


class Source(StrEnum):
    """Who decided: a keyword rule, the local classifier, an operator's LLM, or a person."""

    KEYWORD = "KEYWORD"
    CLASSIFIER = "CLASSIFIER"
    LLM = "LLM"
    PERSON = "PERSON"


@dataclass(frozen=True, slots=True)
class Classification:
    intent: Intent
    confidence: float  # 0..1: the classifier's probability; 1.0 for a keyword rule
    source: Source
    # Probability of OPT_OUT whatever the top intent: a possible opt-out is reviewed even
    # when another intent came first.
    opt_out: float = 0.0

    def __post_init__(self) -> None:
        if not 0.0 <= self.confidence <= 1.0 or not 0.0 <= self.opt_out <= 1.0:
            raise ValueError("confidence and opt_out are probabilities (0..1)")
