"""Domain events to the handlers the composition root registered for their type."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Iterable, Mapping, Sequence

log = logging.getLogger(__name__)

Handler = Callable[..., Awaitable[object]]  # takes the one event type it is registered for


class MessageBus:
    """Dispatches events in order, each to its type's handlers in registration order.

    Events report what is already committed, so a handler's failure is logged and spares
    both the caller and the other handlers and events."""

    def __init__(self, handlers: Mapping[type, Sequence[Handler]] | None = None):
        self._handlers = {kind: tuple(each) for kind, each in (handlers or {}).items()}

    async def handle(self, events: Iterable[object]) -> None:
        for event in events:
            for handler in self._handlers.get(type(event), ()):
                try:
                    await handler(event)
                except Exception:  # noqa: BLE001 - what the event reports stands regardless
                    log.exception("%s failed on %s", _name(handler), event)


def _name(handler: Handler) -> str:
    # A handler's repr can carry the whole service it is bound to: name it only.
    return getattr(handler, "__qualname__", type(handler).__name__)
