"""One client process's share of bench_queue_fanout's websocket subscribers.

    .venv/bin/python -m bench.fanout_client WS_URL COUNT TYPED_EVERY < tokens
Reads tokens (one a line) from the first stdin line, opens COUNT graphql-transport-ws
subscriptions to queueUpdates (every TYPED_EVERY-th with type UNSIGNED, the rest with no
type), and reports on stdout: ``CONNECTED``, ``SUBSCRIBED`` once every socket had a probe
event, ``GOT <id>`` once every socket had event <id>, and on ``STOP`` (stdin) one line
``RESULT {id: [seconds from publish to receipt, …]}`` plus duplicates and errors.
"""

from __future__ import annotations

import asyncio
import json
import sys
import time

import websockets

QUERY = ("subscription($t: QueueType) { queueUpdates(type: $t) "
         "{ kind userId fromQueue toQueue score reason occurredAt } }")
HANDSHAKES_AT_ONCE = 50


def say(line: str) -> None:
    sys.stdout.write(line + "\n")
    sys.stdout.flush()


class Tally:
    """Arrivals per event; a reason is ``probe`` or ``bench <id> <time.time() at publish>``."""

    def __init__(self, sockets: int):
        self.sockets = sockets
        self.latencies: dict[str, list[float]] = {}
        self.probed: set[int] = set()
        self.connected = 0
        self.duplicates = 0
        self.errors: list[str] = []
        self._seen: set[tuple[int, str]] = set()

    def opened(self) -> None:
        self.connected += 1
        if self.connected == self.sockets:
            say("CONNECTED")

    def arrived(self, index: int, reason: str, now: float) -> None:
        if reason == "probe":
            if index not in self.probed:
                self.probed.add(index)
                if len(self.probed) == self.sockets:
                    say("SUBSCRIBED")
            return
        _, event_id, sent = reason.split(" ")
        if (index, event_id) in self._seen:
            self.duplicates += 1
            return
        self._seen.add((index, event_id))
        got = self.latencies.setdefault(event_id, [])
        got.append(now - float(sent))
        if len(got) == self.sockets:
            say(f"GOT {event_id}")


async def subscriber(index: int, url: str, token: str, queue_type: str | None,
                     tally: Tally, gate: asyncio.Semaphore) -> None:
    async with gate:
        ws = await websockets.connect(url, subprotocols=["graphql-transport-ws"],
                                      max_queue=None, open_timeout=120, ping_interval=None)
        await ws.send(json.dumps({"type": "connection_init",
                                  "payload": {"Authorization": f"Bearer {token}"}}))
        ack = json.loads(await ws.recv())
        if ack["type"] != "connection_ack":
            tally.errors.append(str(ack))
            return
        await ws.send(json.dumps({"id": "1", "type": "subscribe", "payload": {
            "query": QUERY, "variables": {"t": queue_type}}}))
    tally.opened()
    async for raw in ws:
        now = time.time()
        message = json.loads(raw)
        if message["type"] == "next":
            tally.arrived(index, message["payload"]["data"]["queueUpdates"]["reason"], now)
        else:
            tally.errors.append(str(message)[:300])


async def main(url: str, count: int, typed_every: int) -> None:
    tokens = sys.stdin.readline().split()
    tally = Tally(count)
    gate = asyncio.Semaphore(HANDSHAKES_AT_ONCE)
    tasks = [asyncio.create_task(subscriber(
        i, url, tokens[i % len(tokens)],
        "UNSIGNED" if typed_every and i % typed_every == 0 else None, tally, gate))
        for i in range(count)]
    loop = asyncio.get_running_loop()
    while (await loop.run_in_executor(None, sys.stdin.readline)).strip() != "STOP":
        pass
    failed = [repr(t.exception())[:200] for t in tasks if t.done() and t.exception()]
    for task in tasks:
        task.cancel()
    await asyncio.gather(*tasks, return_exceptions=True)
    say("RESULT " + json.dumps({"latencies": tally.latencies, "duplicates": tally.duplicates,
                                "errors": tally.errors[:5] + failed[:5]}))


if __name__ == "__main__":
    asyncio.run(main(sys.argv[1], int(sys.argv[2]), int(sys.argv[3])))
