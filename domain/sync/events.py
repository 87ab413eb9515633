"""Domain events the CDC worker raises once what they report is committed."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class ConversionRecorded:
    """A conversion was recorded for ``user_id`` (at most once per user)."""

    user_id: int
