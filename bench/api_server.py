"""One API process for benchmarks: settings from the environment, uvicorn on a port.

    DATABASE_URL=… REDIS_URL=… .venv/bin/python -m bench.api_server PORT [WS]
Prints one line ``READY <pid> <agent token> <supervisor token>`` once it serves (tokens
carry no session, so they stay valid), then serves until SIGTERM or SIGINT.

Experiments, off unless set, for changes outside the bench that are measured before they
are made: BENCH_FRESH_MEMOS=1 gives each subscription event's executor its own memos
(graphql-core shares them with the subscription's executor, keyed by lists made anew per
event, so they grow by an entry per event per subscriber); BENCH_GC_FREEZE=1 moves what
start-up made out of the collector's sight (settle_heap, as ``dialler serve`` does, runs
anyway); BENCH_WS_DEFLATE=1 turns per-message deflate back on (``dialler serve`` has it
off); BENCH_SHARED_RESULTS=0 executes every subscriber's event on its own, as before plain
subscription results were shared (graphql_api/execution.py).
"""

from __future__ import annotations

import asyncio
import contextlib
import gc
import os
import signal
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import uvicorn  # noqa: E402

from bench.common import token_for_new_agent  # noqa: E402
from domain.agents.model import Role  # noqa: E402
from graphql_api.app import create_app  # noqa: E402
from infrastructure.bootstrap import bootstrap  # noqa: E402
from infrastructure.logging import configure_logging  # noqa: E402
from infrastructure.runtime import settle_heap  # noqa: E402
from infrastructure.settings import Settings  # noqa: E402


class GcTimer:
    """Time the collector spends per generation: a pause shows as whatever frame allocated."""

    def __init__(self) -> None:
        self.seconds, self.runs, self._started = [0.0] * 3, [0] * 3, 0.0
        gc.callbacks.append(self._on)

    def _on(self, phase: str, info: dict) -> None:
        if phase == "start":
            self._started = time.perf_counter()
        else:
            self.seconds[info["generation"]] += time.perf_counter() - self._started
            self.runs[info["generation"]] += 1

    def line(self) -> str:
        return "GC " + " ".join(f"gen{g}={self.runs[g]}x/{self.seconds[g]:.2f}s"
                                for g in range(3))


# graphql-core's and graphql_api/execution.py's memos keyed by id() of per-event lists.
MEMOS = ("_relevant_sub_fields", "_planned", "_subtrees")


def fresh_memos() -> None:
    from graphql_api.execution import DiallerExecutionContext

    shared = DiallerExecutionContext.build_per_event_executor

    def per_event(self, payload):
        executor = shared(self, payload)
        for memo in MEMOS:
            if hasattr(executor, memo):
                setattr(executor, memo, {})
        return executor

    DiallerExecutionContext.build_per_event_executor = per_event


async def serve(port: int, ws: str) -> None:
    settings = Settings()
    gc_timer = GcTimer()
    configure_logging(settings.log_level)
    if os.environ.get("BENCH_FRESH_MEMOS") == "1":
        fresh_memos()
    if os.environ.get("BENCH_SHARED_RESULTS") == "0":
        from graphql_api.execution import DiallerExecutionContext

        DiallerExecutionContext._plan_event = lambda self: None
    services = await bootstrap(settings)
    app = create_app(services)
    settle_heap()  # what ``dialler serve`` does once it has started up
    if os.environ.get("BENCH_GC_FREEZE") == "1":
        gc.collect()
        gc.freeze()
    server = uvicorn.Server(uvicorn.Config(
        app, host="127.0.0.1", port=port, log_config=None, access_log=False,
        lifespan="off", ws=ws, backlog=4096,
        ws_per_message_deflate=os.environ.get("BENCH_WS_DEFLATE", "0") == "1"))
    server.capture_signals = contextlib.nullcontext  # we stop it ourselves, then close
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, lambda: setattr(server, "should_exit", True))
    serving = asyncio.create_task(server.serve())
    try:
        while not server.started and not serving.done():  # noqa: ASYNC110 - only this flag
            await asyncio.sleep(0.02)
        await services.events.wait_connected()
        agent, supervisor = [await token_for_new_agent(services, role)
                             for role in (Role.AGENT, Role.SUPERVISOR)]
        print(f"READY {os.getpid()} {agent} {supervisor}", flush=True)
        await serving
    finally:
        print(gc_timer.line(), flush=True)
        await services.close()


if __name__ == "__main__":
    asyncio.run(serve(int(sys.argv[1]), sys.argv[2] if len(sys.argv) > 2 else "auto"))
