"""Call scores in PostgreSQL."""

from __future__ import annotations

from collections.abc import Sequence

from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from domain.calls.outcomes import known_outcome
from domain.scoring.model import CallScore
from domain.scoring.ports import CallScoreRepository
from infrastructure.postgres.tables import CallScoreRow


def to_call_score(row: CallScoreRow) -> CallScore:
    outcome = row.last_outcome
    return CallScore(
        user_id=row.user_id, current_score=row.current_score,
        total_attempts=row.total_attempts, failed_attempts=row.failed_attempts,
        last_outcome=known_outcome(outcome),
        last_called_at=row.last_called_at, last_contact_at=row.last_contact_at,
        next_call_after=row.next_call_after, updated_at=row.updated_at,
    )


class SqlCallScoreRepository(CallScoreRepository):
    def __init__(self, session: AsyncSession):
        self._session = session

    async def get_many(self, user_ids: Sequence[int]) -> dict[int, CallScore]:
        if not user_ids:
            return {}
        rows = await self._session.exec(
            select(CallScoreRow).where(col(CallScoreRow.user_id).in_(list(user_ids))))
        return {row.user_id: to_call_score(row) for row in rows}
