"""The in-memory fan-out behind the event bus: order, sharing, stalled listeners."""

from __future__ import annotations

import asyncio

import pytest

from infrastructure.redis.fanout import Channel


async def test_every_listener_gets_every_payload_in_order_from_when_it_started():
    channel = Channel()
    channel.put(b"before")
    first, second = channel.reader(), channel.reader()
    for n in range(3):
        channel.put(str(n).encode())
    assert [await anext(first) for _ in range(3)] == [b"0", b"1", b"2"]
    assert [await anext(second) for _ in range(3)] == [b"0", b"1", b"2"]


async def test_a_payload_is_decoded_once_and_shared_by_every_listener():
    calls = []

    def decode(raw: bytes) -> dict:
        calls.append(raw)
        return {"raw": raw}

    channel = Channel()
    readers = [channel.reader(decode) for _ in range(50)]
    raw_reader = channel.reader()
    channel.put(b"x")
    got = [await anext(r) for r in readers]
    assert calls == [b"x"]
    assert all(g is got[0] for g in got)
    assert await anext(raw_reader) == b"x"


async def test_a_listener_waiting_is_woken_by_the_next_payload():
    channel = Channel()
    readers = [channel.reader() for _ in range(20)]
    waiting = [asyncio.create_task(anext(r)) for r in readers]
    await asyncio.sleep(0)
    channel.put(b"now")
    assert await asyncio.gather(*waiting) == [b"now"] * 20


async def test_a_stalled_listener_loses_its_oldest_payloads_and_nobody_else_does():
    channel = Channel(size=3)
    stalled, keeping_up = channel.reader(), channel.reader()
    seen = []
    for n in range(6):
        channel.put(str(n).encode())
        seen.append(await anext(keeping_up))
    assert seen == [b"0", b"1", b"2", b"3", b"4", b"5"]
    assert [await anext(stalled) for _ in range(3)] == [b"3", b"4", b"5"]


async def test_a_cancelled_listener_does_not_disturb_the_others():
    channel = Channel()
    leaving, staying = channel.reader(), channel.reader()
    gone = asyncio.create_task(anext(leaving))
    waiting = asyncio.create_task(anext(staying))
    await asyncio.sleep(0)
    gone.cancel()
    with pytest.raises(asyncio.CancelledError):
        await gone
    channel.put(b"still here")
    assert await waiting == b"still here"


async def test_a_payload_that_does_not_decode_fails_its_listeners_not_the_channel():
    def decode(raw: bytes) -> str:
        if raw == b"bad":
            raise ValueError(raw)
        return raw.decode()

    channel = Channel()
    decoded, raw = channel.reader(decode), channel.reader()
    channel.put(b"bad")
    with pytest.raises(ValueError):
        await anext(decoded)
    assert await anext(raw) == b"bad"
