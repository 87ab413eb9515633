"""Who may go on acting (Standing), which sockets a notice touches, and the per-process
registry of open sockets: closes by notice and by sweep, one read per sweep (fakes only)."""

from __future__ import annotations

import asyncio
import contextlib
import uuid
from datetime import UTC, datetime, timedelta
from types import SimpleNamespace

import pytest

from domain.agents.model import Role
from domain.agents.ports import PresenceStore
from domain.agents.presence import DISABLED, IDLE, LOGGED_OUT, PASSWORD_RESET, ROLE_CHANGED
from domain.agents.sessions import (
    AGENT_DISABLED,
    AGENT_GONE,
    SESSION_ENDED,
    AccessChanged,
    Principal,
    Standing,
)
from graphql_api.live_sockets import LiveSockets, close_for
from infrastructure.redis.event_bus import event_decoder, serialise
from infrastructure.redis.fanout import Channel

decode_access_changed = event_decoder(AccessChanged)  # what the bus feeds its listeners

NOW = datetime(2026, 11, 24, 10, 0, tzinfo=UTC)
LATER = NOW + timedelta(hours=1)


def principal(role: Role = Role.AGENT, session: bool = True, expires_at=LATER) -> Principal:
    return Principal(uuid.uuid4(), role, uuid.uuid4() if session else None, expires_at)


# -- Standing -----------------------------------------------------------------------------------


@pytest.mark.parametrize(("standing", "refusal"), [
    (Standing(Role.AGENT, active=True, session_live=True), None),
    (Standing(None), AGENT_GONE),
    (Standing(Role.AGENT, active=False, session_live=True), AGENT_DISABLED),
    (Standing(Role.AGENT, active=True, session_live=False), SESSION_ENDED),
    (Standing(Role.AGENT, active=False, session_live=False), AGENT_DISABLED),
])
def test_a_standing_names_why_its_token_is_refused(standing, refusal):
    assert standing.refusal() == refusal


def test_a_request_acts_in_the_agents_current_role_keeping_everything_else():
    token = principal(Role.SUPERVISOR)
    now = Standing(Role.AGENT, active=True, session_live=True).apply_to(token)
    assert (now.role, now.agent_id, now.session_id, now.expires_at) == (
        Role.AGENT, token.agent_id, token.session_id, token.expires_at)
    same = Standing(Role.SUPERVISOR, active=True, session_live=True)
    assert same.apply_to(token) is token


def test_expiry_is_known_only_from_a_verified_token():
    assert principal(expires_at=NOW).expired(NOW)
    assert not principal(expires_at=LATER).expired(NOW)
    assert not principal(expires_at=None).expired(NOW)


def test_a_notice_touches_its_sessions_or_every_socket_of_its_agents():
    one, other = principal(), principal()
    ended = AccessChanged(LOGGED_OUT, (one.agent_id,), (one.session_id,))
    assert ended.touches(one.agent_id, one.session_id)
    assert not ended.touches(one.agent_id, uuid.uuid4())  # the same agent's other session
    assert not ended.touches(other.agent_id, one.session_id)
    agent_wide = AccessChanged(ROLE_CHANGED, (one.agent_id,))
    assert agent_wide.touches(one.agent_id, None) and agent_wide.touches(one.agent_id, uuid.uuid4())


def test_a_notice_survives_the_event_bus_and_garbage_is_ignored():
    change = AccessChanged(IDLE, (uuid.uuid4(), uuid.uuid4()), (uuid.uuid4(),), NOW)
    decoded = decode_access_changed(serialise(change))
    assert (decoded.why, decoded.agent_ids, decoded.session_ids) == (
        change.why, change.agent_ids, change.session_ids)
    for garbage in (b"not json", b"[]", b'{"why": "IDLE"}',
                    b'{"why": "IDLE", "agent_ids": ["nope"], "session_ids": []}'):
        assert decode_access_changed(garbage) is None


def test_every_reason_closes_with_4401_a_role_change_too():
    """A role change ends the sessions: the client logs in again rather than reconnect."""
    for why in (LOGGED_OUT, IDLE, DISABLED, SESSION_ENDED, AGENT_GONE, AGENT_DISABLED,
                ROLE_CHANGED, PASSWORD_RESET, "TOKEN_EXPIRED", "something new"):
        assert close_for(why)[0] == 4401
    assert close_for(ROLE_CHANGED) == (4401, "session ended: role changed")
    assert close_for(LOGGED_OUT) == (4401, "session ended: logged out")


# -- the registry -------------------------------------------------------------------------------


class Store(PresenceStore):
    """Standings from a dict; counts the reads."""

    def __init__(self):
        self.now: dict[tuple, Standing] = {}
        self.reads: list[set] = []

    async def standing(self, agent_id, session_id):
        return self.now[(agent_id, session_id)]

    async def standings(self, keys):
        self.reads.append(set(keys))
        return {key: self.now[key] for key in keys}

    async def touch(self, *args, **kwargs):
        raise NotImplementedError

    async def end_sessions(self, *args, **kwargs):
        raise NotImplementedError

    async def move_status(self, *args, **kwargs):
        raise NotImplementedError


class Events:
    """The event bus's listening side, in memory."""

    def __init__(self):
        self.channel = Channel()

    @contextlib.asynccontextmanager
    async def listen(self, event_type, view=None):
        assert event_type is AccessChanged
        yield self.channel.reader(decode_access_changed, view)


class Socket:
    def __init__(self, who: Principal):
        self.principal = who
        self.closed_with: tuple[int, str] | None = None
        self.ended = asyncio.Event()

    async def end(self, code: int, reason: str) -> None:
        self.closed_with = (code, reason)
        self.ended.set()


@pytest.fixture
def world():
    from service_layer.sessions import Presence

    store, events = Store(), Events()
    presence = Presence(store, events, None, None, None, lambda: NOW)
    services = SimpleNamespace(presence=presence, events=events,
                               settings=SimpleNamespace(live_socket_sweep_seconds=60))
    return LiveSockets(clock=lambda: NOW), store, services


def live(store: Store, socket: Socket, role: Role | None = None, **standing) -> Socket:
    p = socket.principal
    store.now[(p.agent_id, p.session_id)] = Standing(
        role or p.role, standing.get("active", True), standing.get("session_live", True))
    return socket


async def closed(*sockets: Socket) -> list[tuple[int, str]]:
    await asyncio.wait_for(asyncio.gather(*(s.ended.wait() for s in sockets)), 2)
    return [s.closed_with for s in sockets]


async def test_one_read_sweeps_every_socket_and_closes_only_those_refused(world):
    registry, store, services = world
    fine = [live(store, Socket(principal())) for _ in range(5)]
    logged_out = live(store, Socket(principal()), session_live=False)
    disabled = live(store, Socket(principal(session=False)), active=False)
    demoted = live(store, Socket(principal(Role.SUPERVISOR)), Role.AGENT)
    expired = Socket(principal(expires_at=NOW))  # no standing: must not be read at all
    for socket in (*fine, logged_out, disabled, demoted, expired):
        registry.open(socket, services)
    assert await registry.sweep() == 4
    assert await closed(logged_out, disabled, demoted, expired) == [
        (4401, "session ended"), (4401, "agent disabled"), (4401, "session ended: role changed"),
        (4401, "token expired")]
    (read,) = store.reads
    assert len(read) == 8 and (expired.principal.agent_id, expired.principal.session_id) \
        not in read
    assert all(s.closed_with is None for s in fine) and len(registry) == 5
    await registry.sweep()
    assert len(store.reads) == 2 and len(store.reads[1]) == 5  # closed ones are not read again
    for socket in fine:
        registry.closed(socket)


async def test_a_sweep_with_every_token_expired_reads_nothing(world):
    registry, store, services = world
    socket = Socket(principal(expires_at=NOW - timedelta(seconds=1)))
    registry.open(socket, services)
    await registry.sweep()
    assert await closed(socket) == [(4401, "token expired")] and store.reads == []


async def test_a_notice_closes_the_sockets_it_names_at_once_without_a_read(world):
    registry, store, services = world
    agent = principal()
    same_session = Socket(agent)
    other_session = Socket(Principal(agent.agent_id, agent.role, uuid.uuid4(), LATER))
    someone_else = Socket(principal())
    for socket in (same_session, other_session, someone_else):
        registry.open(socket, services)
    while not registry.listening:  # noqa: ASYNC110 - the listener starts on the next turn
        await asyncio.sleep(0)
    services.events.channel.put(serialise(AccessChanged(LOGGED_OUT, (agent.agent_id,),
                                                        (agent.session_id,), NOW)))
    assert await closed(same_session) == [(4401, "session ended: logged out")]
    assert other_session.closed_with is None and someone_else.closed_with is None
    assert registry.on_access_changed(AccessChanged(ROLE_CHANGED, (agent.agent_id,))) == 1
    assert await closed(other_session) == [(4401, "session ended: role changed")]
    assert store.reads == [] and len(registry) == 1
    registry.closed(someone_else)
    await asyncio.sleep(0)
    assert not registry.listening  # nothing open: the listener stops


async def test_a_failed_read_closes_nothing_and_the_next_sweep_tries_again(world):
    registry, store, services = world
    services.settings.live_socket_sweep_seconds = 0.01
    socket = live(store, Socket(principal()), session_live=False)
    failures = []
    read = store.standings

    async def flaky(keys):
        if not failures:
            failures.append(keys)
            raise ConnectionError("database restarting")
        return await read(keys)

    store.standings = flaky
    registry.open(socket, services)
    assert await closed(socket) == [(4401, "session ended")]
    assert len(failures) == 1 and len(store.reads) >= 1  # one read failed, the next closed it
