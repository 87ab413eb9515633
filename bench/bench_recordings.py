"""Time to first byte of a recording played through GET /recordings/{callId}.

    .venv/bin/python bench/bench_recordings.py --plays 200 --size-mb 2 --twilio-ms 0

One API process (uvicorn, in this process) over real TCP; Twilio is faked at its HTTP
boundary (httpx's MockTransport, 64 KiB chunks after ``--twilio-ms`` of its own first-byte
delay), so the figures are the dialler's part: the session check, the call's read, the
access rule, the audit record and the proxying. Prints the sizes, then p50/p99 of the time
to the first byte and to the last, for whole plays and for a seek (a Range from the middle).
"""

from __future__ import annotations

import argparse
import asyncio
import dataclasses
import sys
import time
import uuid
from datetime import UTC, datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import httpx  # noqa: E402
import uvicorn  # noqa: E402

from bench.common import databases, drop, new_agent, percentiles, settings_for  # noqa: E402
from domain.agents.model import Role  # noqa: E402
from graphql_api.app import create_app  # noqa: E402
from infrastructure.bootstrap import bootstrap  # noqa: E402
from infrastructure.twilio.recordings import TwilioRecordingMedia  # noqa: E402
from service_layer.recordings import Recordings  # noqa: E402
from tests.services import free_port  # noqa: E402

ACCOUNT, TOKEN = "AC" + "1" * 32, "0123456789abcdef" * 2
CHUNK = 64 * 1024


class Chunks(httpx.AsyncByteStream):
    def __init__(self, body: bytes, delay: float):
        self.body, self.delay = body, delay

    async def __aiter__(self):
        await asyncio.sleep(self.delay)
        for start in range(0, len(self.body), CHUNK):
            yield self.body[start:start + CHUNK]


def fake_twilio(audio: bytes, delay: float):
    def answer(request: httpx.Request) -> httpx.Response:
        asked = request.headers.get("range")
        if not asked:
            return httpx.Response(200, stream=Chunks(audio, delay), headers={
                "content-type": "audio/mpeg", "content-length": str(len(audio))})
        first = int(asked.removeprefix("bytes=").split("-")[0])
        part = audio[first:]
        return httpx.Response(206, stream=Chunks(part, delay), headers={
            "content-type": "audio/mpeg", "content-length": str(len(part)),
            "content-range": f"bytes {first}-{len(audio) - 1}/{len(audio)}"})

    return answer


async def play(client: httpx.AsyncClient, url: str, headers: dict) -> tuple[float, float]:
    started = time.perf_counter()
    first = None
    async with client.stream("GET", url, headers=headers) as response:
        assert response.status_code in (200, 206), response.status_code
        async for _ in response.aiter_raw():
            first = first or time.perf_counter()
    return first - started, time.perf_counter() - started


async def main(args: argparse.Namespace) -> None:
    replica, dialler, ours = await databases(50)
    settings = settings_for(replica, dialler, twilio_account_sid=ACCOUNT,
                            twilio_auth_token=TOKEN)
    services = await bootstrap(settings)
    audio = bytes(range(256)) * (args.size_mb * 4096)
    media = TwilioRecordingMedia(ACCOUNT, TOKEN, transport=httpx.MockTransport(
        fake_twilio(audio, args.twilio_ms / 1000)))
    playing = dataclasses.replace(services, recordings=Recordings(
        services.recordings.store, media, services.access_rule, services.audit_writer,
        services.clock))
    port = free_port()
    server = uvicorn.Server(uvicorn.Config(create_app(playing), host="127.0.0.1", port=port,
                                           log_level="warning", lifespan="off"))
    serving = asyncio.create_task(server.serve())
    try:
        while not server.started:  # noqa: ASYNC110 - uvicorn offers a flag, no event
            await asyncio.sleep(0.05)
        _, token = await new_agent(services, Role.SUPERVISOR)
        call_id = uuid.uuid4()
        async with services.pg.acquire() as conn:
            await conn.execute(
                "INSERT INTO calls (id, twilio_sid, direction, status, user_id, started_at, "
                "recording_sid, recording_url) VALUES ($1, $2, 'OUTBOUND', 'COMPLETED', 1, $3, "
                "$4, 'https://api.twilio.com/x')", call_id, "CA" + uuid.uuid4().hex,
                datetime.now(UTC), "RE" + "7" * 32)
        url = f"http://127.0.0.1:{port}/recordings/{call_id}"
        auth = {"Authorization": f"Bearer {token}"}
        print(f"recording {len(audio):,} bytes, {args.plays} plays each way, fake Twilio "
              f"first byte after {args.twilio_ms} ms, {CHUNK // 1024} KiB chunks", flush=True)
        async with httpx.AsyncClient(timeout=30) as client:
            await play(client, url, auth)  # warm: pools, prepared statements
            for name, headers in (("whole", auth),
                                  ("seek to the middle", {**auth,
                                                          "Range": f"bytes={len(audio) // 2}-"})):
                times = [await play(client, url, headers) for _ in range(args.plays)]
                print(f"{name}: first byte {percentiles([t[0] for t in times])}")
                print(f"{name}: last byte  {percentiles([t[1] for t in times])}")
    finally:
        server.should_exit = True
        await serving
        await media.close()
        await services.close()
        await drop(replica, dialler, ours, settings.redis_key_prefix)


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--plays", type=int, default=200)
    parser.add_argument("--size-mb", type=int, default=2, dest="size_mb")
    parser.add_argument("--twilio-ms", type=float, default=0.0, dest="twilio_ms")
    asyncio.run(main(parser.parse_args()))
