"""What scoring needs from storage."""

from __future__ import annotations

import abc
from collections.abc import Sequence

from domain.scoring.model import CallScore


class CallScoreRepository(abc.ABC):
    @abc.abstractmethod
    async def get_many(self, user_ids: Sequence[int]) -> dict[int, CallScore]: ...
