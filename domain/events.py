"""The port through which committed domain events leave the process."""

from __future__ import annotations

import abc
from collections.abc import Iterable


class EventPublisher(abc.ABC):
    @abc.abstractmethod
    async def publish(self, events: Iterable[object]) -> None:
        """Send events to live subscribers; a failure here loses no stored data."""
