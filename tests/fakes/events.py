"""The event publisher port, recording what was published."""

from __future__ import annotations

from collections.abc import Iterable

from domain.events import EventPublisher


class FakeEventPublisher(EventPublisher):
    """Keeps every published event in order; ``fail`` makes the next publish raise."""

    def __init__(self) -> None:
        self.published: list[object] = []
        self.fail: Exception | None = None

    async def publish(self, events: Iterable[object]) -> None:
        if self.fail is not None:
            raise self.fail
        self.published.extend(events)

    def of_type(self, kind: type) -> list:
        return [e for e in self.published if isinstance(e, kind)]
