"""The message bus: events reach their type's handlers in order; a failure spares the rest."""

from __future__ import annotations

import logging
from dataclasses import dataclass

from service_layer.messagebus import MessageBus


@dataclass(frozen=True)
class Happened:
    n: int


@dataclass(frozen=True)
class Other:
    n: int


async def test_each_event_reaches_its_types_handlers_in_registration_order():
    seen: list[tuple[str, object]] = []

    async def first(event) -> None:
        seen.append(("first", event))

    async def second(event) -> None:
        seen.append(("second", event))

    async def other(event) -> None:
        seen.append(("other", event))

    bus = MessageBus({Happened: [first, second], Other: [other]})
    await bus.handle([Happened(1), Other(2), Happened(3)])
    assert seen == [("first", Happened(1)), ("second", Happened(1)), ("other", Other(2)),
                    ("first", Happened(3)), ("second", Happened(3))]


async def test_an_event_nobody_handles_is_dropped():
    await MessageBus().handle([Happened(1)])
    await MessageBus({Other: []}).handle([Other(1)])


async def test_a_failing_handler_is_logged_and_spares_the_caller_and_the_rest(caplog):
    seen: list[object] = []

    async def broken(event) -> None:
        raise RuntimeError("down")

    async def after(event) -> None:
        seen.append(event)

    bus = MessageBus({Happened: [broken, after]})
    with caplog.at_level(logging.ERROR, logger="service_layer.messagebus"):
        await bus.handle(Happened(n) for n in (1, 2))
    assert seen == [Happened(1), Happened(2)]
    failures = [r for r in caplog.records if r.name == "service_layer.messagebus"]
    assert len(failures) == 2 and "broken" in failures[0].getMessage()
    assert failures[0].exc_info[0] is RuntimeError
