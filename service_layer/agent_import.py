"""Creating or updating many agents from one CSV file: every row valid, or nothing written.

A row's e-mail is its identity. An existing agent keeps their password when the row
gives none (and their queue types when the file has no queue_types column); a new agent
without one gets no usable password. Passwords are the slow part (argon2, tens of ms
each): they are hashed or checked in parallel threads, outside the write transaction.
"""

from __future__ import annotations

import asyncio
import csv
import io
import os
import uuid
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import datetime

from domain.agents.model import (
    NO_PASSWORD,
    Agent,
    InvalidAgent,
    Role,
    check_agent,
    new_agent,
    parse_queue_types,
)
from domain.agents.passwords import PasswordPolicy
from domain.agents.ports import PasswordHasher, PresenceStore
from domain.agents.presence import ROLE_CHANGED
from domain.events import EventPublisher
from domain.unit_of_work import UnitOfWork
from service_layer.agent_admin import end_access
from service_layer.import_files import InvalidImport, records

REQUIRED_COLUMNS = ("email", "name", "role")
OPTIONAL_COLUMNS = ("queue_types", "password")
Progress = Callable[[int], object]


@dataclass(frozen=True, slots=True)
class ImportRow:
    """One valid row: its line in the file and the agent it describes."""

    line: int
    email: str
    name: str
    role: Role
    queue_types: frozenset[str] | None
    password: str | None  # None: not given
    queue_types_given: bool = True


@dataclass
class ImportReport:
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    without_password: list[str] = field(default_factory=list)
    role_changed: list[uuid.UUID] = field(default_factory=list)  # existing agents only


# -- reading the file ---------------------------------------------------------------------------


def parse_agents_csv(text: str, policy: PasswordPolicy) -> list[ImportRow]:
    """The file's rows, checked by the agents' own rules (passwords against ``policy``);
    raises InvalidImport naming each."""
    lines = csv.reader(io.StringIO(text, newline=""), strict=True)
    problems: list[tuple[int, str]] = []
    try:
        columns = _columns(next(lines, None))
        rows = list(_rows(lines, columns, problems, policy))
    except csv.Error as exc:  # unbalanced quotes and the like: the rest cannot be trusted
        raise InvalidImport([*problems, (lines.line_num, f"not readable as CSV: {exc}")]) from None
    if not rows and not problems:
        problems.append((1, "the file names no agents"))
    if problems:
        raise InvalidImport(sorted(problems))
    return rows


def _columns(header: list[str] | None) -> list[str]:
    known = (*REQUIRED_COLUMNS, *OPTIONAL_COLUMNS)
    names = [h.strip().lower() for h in header or []]
    wrong = [f"unknown column {n!r}" for n in names if n not in known]
    wrong += [f"column {n!r} appears twice" for n in sorted(set(names)) if names.count(n) > 1]
    wrong += [f"column {n!r} is missing" for n in REQUIRED_COLUMNS if n not in names]
    if wrong:
        raise InvalidImport([(1, f"{w} (the first line names the columns: "
                                 f"{', '.join(known)})") for w in wrong])
    return names


def _rows(lines, columns: list[str], problems: list[tuple[int, str]], policy: PasswordPolicy):
    first_seen: dict[str, int] = {}
    for line, cells in records(lines):
        try:
            row = _row(line, columns, cells, policy)
        except InvalidAgent as exc:
            problems.append((line, str(exc)))
            continue
        if row.email in first_seen:
            problems.append((line, f"e-mail {row.email!r} is also on line {first_seen[row.email]}"))
            continue
        first_seen[row.email] = line
        yield row


def _row(line: int, columns: list[str], cells: list[str], policy: PasswordPolicy) -> ImportRow:
    if len(cells) != len(columns):
        raise InvalidAgent(f"{len(cells)} fields where the header has {len(columns)}")
    values = dict(zip(columns, cells, strict=True))
    if any("\x00" in value for value in cells):
        raise InvalidAgent("a field holds a NUL character")
    password = values.get("password") or None  # never stripped: spaces may be part of it
    problems, types = [], None
    try:
        email, name, role = check_agent(values["email"], values["name"],
                                        values["role"].strip(), password, policy)
    except InvalidAgent as exc:
        problems.append(str(exc))
    try:
        types = parse_queue_types(values.get("queue_types"))
    except InvalidAgent as exc:
        problems.append(str(exc))
    if problems:
        raise InvalidAgent("; ".join(problems))
    return ImportRow(line, email, name, role, types, password, "queue_types" in values)


# -- passwords ----------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class _Password:
    """What a row's password means for its agent: a new hash, or the one they have."""

    new_hash: str | None = None
    kept_hash: str | None = None


def _settle(hasher: PasswordHasher, password: str, current: Agent | None) -> _Password:
    """Hash a new password; an agent's own (still current) one is kept, not hashed again."""
    if current is not None and current.password_hash != NO_PASSWORD and hasher.verify(
            current.password_hash, password) and not hasher.needs_rehash(current.password_hash):
        return _Password(kept_hash=current.password_hash)
    return _Password(new_hash=hasher.hash(password))


async def _in_threads(calls: Sequence[Callable[[], object]], progress: Progress) -> list:
    """Run calls on every core (argon2 releases the GIL while it hashes)."""
    loop = asyncio.get_running_loop()
    workers = max(1, min(len(calls), len(os.sched_getaffinity(0))))
    with ThreadPoolExecutor(max_workers=workers, thread_name_prefix="argon2") as pool:
        futures = [loop.run_in_executor(pool, call) for call in calls]
        for done in asyncio.as_completed(futures):
            await done
            progress(1)
    return [f.result() for f in futures]


async def _settle_all(hasher: PasswordHasher, rows: list[ImportRow], before: dict[str, Agent],
                      progress: Progress) -> dict[str, _Password]:
    given = [r for r in rows if r.password is not None]
    calls = [lambda r=r: _settle(hasher, r.password, before.get(r.email)) for r in given]
    results = await _in_threads(calls, progress)
    return {row.email: result for row, result in zip(given, results, strict=True)}


# -- writing ------------------------------------------------------------------------------------


def progress_total(rows: list[ImportRow]) -> int:
    """The steps ``import_agents`` reports: one per password hashed or checked, one per row
    written (all at once, at commit)."""
    return sum(r.password is not None for r in rows) + len(rows)


async def import_agents(uow_factory: Callable[[], UnitOfWork], hasher: PasswordHasher,
                        sessions: PresenceStore, rows: list[ImportRow], *, at: datetime,
                        progress: Progress = lambda n: None,
                        events: EventPublisher | None = None) -> ImportReport:
    """Create or update every row's agent in one transaction; re-importing changes nothing.

    Agents whose role changed are logged out, their leads released and their live sockets
    closed (announced on ``events``; without it, each API process's sweep closes the
    sockets within its period)."""
    emails = [r.email for r in rows]
    async with uow_factory() as uow:
        before = await uow.agents.get_by_emails(emails)
    passwords = await _settle_all(hasher, rows, before, progress)
    async with uow_factory() as uow:
        current = await uow.agents.get_by_emails(emails, for_update=True)
        report = ImportReport()
        for row in rows:
            _apply(uow, row, current.get(row.email), passwords.get(row.email), at, report)
        await uow.commit()
    progress(len(rows))
    await end_access(sessions, events, report.role_changed, ROLE_CHANGED, at)
    return report


def _apply(uow: UnitOfWork, row: ImportRow, agent: Agent | None, password: _Password | None,
           at: datetime, report: ImportReport) -> None:
    new_hash = password.new_hash if password else None
    if agent is None:
        if password is not None and new_hash is None:
            raise _changed_meanwhile(row)
        agent = new_agent(row.email, row.name, row.role, new_hash or NO_PASSWORD, at)
        agent.queue_types = row.queue_types
        uow.agents.add(agent)
        report.created += 1
    elif _update(agent, row, password, report):
        report.updated += 1
    else:
        report.unchanged += 1
    if agent.password_hash == NO_PASSWORD:
        report.without_password.append(agent.email)


def _changed_meanwhile(row: ImportRow) -> InvalidImport:
    return InvalidImport([(row.line, f"the agent {row.email} changed while the file was being "
                                     "imported; nothing was written: import it again")])


def _update(agent: Agent, row: ImportRow, password: _Password | None,
            report: ImportReport) -> bool:
    """Bring an existing agent to the row; True when anything changed."""
    if password is not None and password.kept_hash not in (None, agent.password_hash):
        raise _changed_meanwhile(row)
    if row.role is not agent.role:
        report.role_changed.append(agent.id)
    before = (agent.name, agent.role, agent.queue_types, agent.password_hash)
    agent.name, agent.role = row.name, row.role
    if row.queue_types_given:
        agent.queue_types = row.queue_types
    if password is not None and password.new_hash is not None:
        agent.password_hash = password.new_hash  # the file's password is no temporary one
        agent.must_change_password, agent.password_expires_at = False, None
    return (agent.name, agent.role, agent.queue_types, agent.password_hash) != before
