"""Where the audit trail is kept."""

from __future__ import annotations

import abc
from collections.abc import Sequence
from datetime import datetime

from domain.audit.model import AuditPage, AuditQuery, AuditRecord


class AuditTrail(abc.ABC):
    @abc.abstractmethod
    async def append_many(self, records: Sequence[AuditRecord]) -> None:
        """Stores all of them or none (one statement); raises when the store cannot."""

    @abc.abstractmethod
    async def page(self, query: AuditQuery) -> AuditPage:
        """The query's entries, newest first (ties: the later-stored first)."""

    @abc.abstractmethod
    async def delete_before(self, cutoff: datetime, limit: int) -> int:
        """Deletes at most ``limit`` entries older than ``cutoff``; returns how many."""
