"""Subscription events: plain selections are completed once per event and shared."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncGenerator

import pytest
import strawberry
from strawberry.permission import BasePermission

from graphql_api import execution
from graphql_api.execution import DiallerExecutionContext


@strawberry.type
class Detail:
    code: int
    note: str | None


@strawberry.type
class Event:
    name: str
    size: int
    detail: Detail | None

    @strawberry.field
    def upper(self) -> str:
        return self.name.upper()

    @strawberry.field
    def prefixed(self, prefix: str) -> str:
        return prefix + self.name


class IsAllowed(BasePermission):
    message = "not allowed"

    def has_permission(self, source, info, **kwargs) -> bool:
        return info.context["allowed"]


@strawberry.type
class EventWithSecret(Event):
    secret: str = strawberry.field(permission_classes=[IsAllowed], default="s")


class Hub:
    """Hands every listener the very same event object, as the event bus does."""

    def __init__(self) -> None:
        self.listeners: list[asyncio.Queue] = []

    async def listen(self) -> AsyncGenerator[object, None]:
        queue: asyncio.Queue = asyncio.Queue()
        self.listeners.append(queue)
        while True:
            yield await queue.get()

    def put(self, event: object) -> None:
        for queue in self.listeners:
            queue.put_nowait(event)


def _schema(hub: Hub, direct: bool = True) -> strawberry.Schema:
    @strawberry.type
    class Query:
        ok: bool = True

    @strawberry.type
    class Subscription:
        @strawberry.subscription
        async def events(self, kind: str | None = None) -> AsyncGenerator[EventWithSecret]:
            async for event in hub.listen():
                if kind is None or event.name.startswith(kind):
                    yield event

    return strawberry.Schema(Query, subscription=Subscription, execution_context_class=(
        DiallerExecutionContext if direct else None))


def _event(name: str = "ev", size: int = 1, detail: Detail | None = None) -> EventWithSecret:
    return EventWithSecret(name=name, size=size, detail=detail or Detail(code=7, note=None))


PLAIN = "subscription($k: String) { events(kind: $k) { name size detail { code note } } }"


@pytest.fixture(autouse=True)
def _empty_shared_results():
    execution.SHARED_RESULTS.clear()
    yield
    execution.SHARED_RESULTS.clear()


async def _subscribe(schema, hub: Hub, query: str, count: int, variables=None,
                     contexts=None) -> list:
    listening = len(hub.listeners) + count
    streams = [await schema.subscribe(query, variable_values=variables or {},
                                      context_value=(contexts or [{"allowed": True}] * count)[i])
               for i in range(count)]
    pending = [asyncio.ensure_future(anext(s)) for s in streams]
    for _ in range(100):  # a subscription listens once it is first awaited
        if len(hub.listeners) >= listening:
            break
        await asyncio.sleep(0)
    assert len(hub.listeners) == listening
    return [streams, pending]


async def _next(subscribed: list) -> list:
    streams, pending = subscribed
    results = await asyncio.gather(*pending)
    subscribed[1] = [asyncio.ensure_future(anext(s)) for s in streams]
    return results


async def _close(subscribed: list) -> None:
    for task in subscribed[1]:
        task.cancel()
    await asyncio.gather(*subscribed[1], return_exceptions=True)
    for stream in subscribed[0]:
        await stream.aclose()


async def test_two_subscribers_of_a_plain_selection_share_one_completed_result(monkeypatch):
    puts = []
    original = execution.SHARED_RESULTS.put
    monkeypatch.setattr(execution.SHARED_RESULTS, "put",
                        lambda *args: puts.append(args[0]) or original(*args))
    hub = Hub()
    subscribed = await _subscribe(_schema(hub), hub, PLAIN, 2)
    event = _event()
    hub.put(event)
    first, second = await _next(subscribed)
    await _close(subscribed)
    assert first.errors is None and second.errors is None
    assert first.data == {"events": {"name": "ev", "size": 1,
                                     "detail": {"code": 7, "note": None}}}
    assert first.data["events"] is second.data["events"]
    assert len(puts) == 1


async def test_shared_results_equal_strawberrys_own_execution():
    results = []
    for direct in (False, True):
        hub = Hub()
        subscribed = await _subscribe(_schema(hub, direct), hub, PLAIN, 1)
        hub.put(_event(detail=Detail(code=3, note="n")))
        results.append((await _next(subscribed))[0])
        await _close(subscribed)
    assert results[0].data == results[1].data and results[1].errors is None


async def test_each_event_and_each_variables_get_their_own_result():
    hub = Hub()
    schema = _schema(hub)
    everyone = await _subscribe(schema, hub, PLAIN, 1)
    only_a = await _subscribe(schema, hub, PLAIN, 1, variables={"k": "a"})
    for name in ("a1", "a2"):
        hub.put(_event(name))
        [mine], [theirs] = await _next(everyone), await _next(only_a)
        assert mine.data == theirs.data and mine.data["events"]["name"] == name
        assert mine.data["events"] is not theirs.data["events"]
    await _close(everyone)
    await _close(only_a)


@pytest.mark.parametrize("query", [
    "subscription { events { name upper } }",
    "subscription { events { name prefixed(prefix: \"p-\") } }",
    "subscription { events { name secret } }",
    "subscription { events { name size @include(if: true) } }",
], ids=["resolver", "argument", "permission", "directive"])
async def test_a_selection_that_is_not_plain_is_executed_for_each_subscriber(query):
    hub = Hub()
    subscribed = await _subscribe(_schema(hub), hub, query, 2)
    hub.put(_event())
    first, second = await _next(subscribed)
    await _close(subscribed)
    assert first.errors is None and first.data == second.data
    assert first.data["events"] is not second.data["events"]


async def test_a_field_of_some_rights_is_never_shared_with_a_subscriber_without_them():
    hub = Hub()
    subscribed = await _subscribe(_schema(hub), hub, "subscription { events { name secret } }",
                                  2, contexts=[{"allowed": True}, {"allowed": False}])
    hub.put(_event())
    allowed, refused = await _next(subscribed)
    await _close(subscribed)
    assert allowed.errors is None and allowed.data == {"events": {"name": "ev", "secret": "s"}}
    assert refused.data is None and [e.message for e in refused.errors] == ["not allowed"]


async def test_an_event_that_gives_errors_is_executed_for_each_subscriber_exactly():
    results = []
    for direct in (False, True):
        hub = Hub()
        subscribed = await _subscribe(_schema(hub, direct), hub, PLAIN, 2)
        hub.put(_event(size=None))  # null for a non-null field
        results.append(await _next(subscribed))
        await _close(subscribed)
    (expected, _), (first, second) = results
    assert first.errors and first.errors is not second.errors
    assert [(e.message, e.path) for e in first.errors] == \
        [(e.message, e.path) for e in expected.errors]
    assert first.data == second.data == expected.data
    assert not execution.SHARED_RESULTS._entries


async def test_many_events_on_one_subscription_do_not_grow_its_memos(monkeypatch):
    subscriptions: list[DiallerExecutionContext] = []
    original = DiallerExecutionContext.build_per_event_executor

    def recorded(self, payload):
        if self not in subscriptions:
            subscriptions.append(self)
        return original(self, payload)

    monkeypatch.setattr(DiallerExecutionContext, "build_per_event_executor", recorded)
    hub = Hub()
    schema = _schema(hub)
    plain = await _subscribe(schema, hub, PLAIN, 1)
    resolved = await _subscribe(schema, hub, "subscription { events { upper detail { code } } }",
                                1)

    def sizes() -> list[int]:
        return [len(getattr(s, memo)) for s in subscriptions
                for memo in ("_planned", "_subtrees", "_relevant_sub_fields")]

    for n in range(40):
        hub.put(_event(f"e{n}"))
        [a], [b] = await _next(plain), await _next(resolved)
        assert a.errors is None and b.data == {"events": {"upper": f"E{n}",
                                                          "detail": {"code": 7}}}
        if n == 2:
            early = sizes()
    assert len(subscriptions) == 2 and sizes() == early
    await _close(plain)
    await _close(resolved)


def test_the_shared_results_are_bounded():
    shared = execution._SharedResults(3)
    events = [object() for _ in range(5)]
    for n, event in enumerate(events):
        shared.put((id(event),), event, "schema", n)
    assert len(shared._entries) == 3
    assert shared.get((id(events[0]),), events[0], "schema") is execution.Undefined
    assert shared.get((id(events[4]),), events[4], "schema") == 4
    assert shared.get((id(events[4]),), events[3], "schema") is execution.Undefined
    assert shared.get((id(events[4]),), events[4], "another") is execution.Undefined
