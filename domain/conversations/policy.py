"""What the dialler does with a classified text: conservative about opt-outs.

A keyword or a confident classifier opts out at once; a text that may be an opt-out, or
that we read with little confidence, goes to a person and pauses automated texts.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from domain.conversations.model import Classification, Intent, Source


class Verdict(StrEnum):
    OPT_OUT = "OPT_OUT"
    OPT_IN = "OPT_IN"
    REVIEW = "REVIEW"
    NONE = "NONE"


@dataclass(frozen=True, slots=True)
class OptOutPolicy:
    opt_out_at: float = 0.9  # the classifier's OPT_OUT confidence that opts out unreviewed
    review_at: float = 0.3  # P(OPT_OUT) from which a person reads the text
    unsure_below: float = 0.5  # an actionable intent less sure than this is reviewed

    def __post_init__(self) -> None:
        if not all(0.0 <= t <= 1.0 for t in (self.opt_out_at, self.review_at,
                                             self.unsure_below)):
            raise ValueError("thresholds are probabilities (0..1)")
        if self.review_at >= self.opt_out_at:
            raise ValueError("review_at must be below opt_out_at")

    def decide(self, c: Classification) -> Verdict:
        keyword = c.source is Source.KEYWORD
        if c.intent is Intent.OPT_OUT and (keyword or c.confidence >= self.opt_out_at):
            return Verdict.OPT_OUT
        if c.intent is Intent.OPT_IN and keyword:
            return Verdict.OPT_IN
        if c.opt_out >= self.review_at:
            return Verdict.REVIEW
        if c.intent is not Intent.OTHER and c.confidence < self.unsure_below:
            return Verdict.REVIEW
        return Verdict.NONE
