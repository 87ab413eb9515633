"""A GraphQL fuzz over the app's own schema, shared by the suite and ``bench/bench_fuzz.py``.

hypothesis-graphql writes queries and mutations for one root field at a time (it writes no
subscriptions); each is posted through the real ASGI app once per role, with a token of
that role or none. Any HTTP status of 500 or more, or any ``INTERNAL_SERVER_ERROR``, is
a failure, kept with the operation, its variables, the role and the server's traceback.

The dialler is one of its own (fresh databases, fixed clock, Twilio faked at its HTTP
boundary), so every mutation may change whatever it likes.
"""

from __future__ import annotations

import asyncio
import contextlib
import copy
import logging
import re
import string
import uuid
from collections import Counter
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta, timezone

import graphql
import httpx
import hypothesis_graphql as hgql
from hypothesis import HealthCheck, Phase, settings
from hypothesis import strategies as st
from hypothesis_graphql import nodes

from domain.agents.model import Agent
from domain.agents.sessions import SESSION_ENDED, Principal
from domain.scoring.rules import DEFAULT_RULE_SET_DOCUMENT
from graphql_api.app import create_app
from graphql_api.schema import schema as app_schema
from service_layer.agents import create_agent
from tests.integration.test_sms import TWILIO, FakeTwilioHttp, use_fake_twilio
from tests.queue_env import NOW, queue_env

ROLES: tuple[str | None, ...] = ("AGENT", "SUPERVISOR", "ADMIN", "INTEGRATION", None)
PASSWORD = "fuzz password long enough"
INTERNAL = "INTERNAL_SERVER_ERROR"
SDL = app_schema.as_str()
SCHEMA = graphql.build_schema(SDL)
# The fuzz is after the code behind the limits, so its budgets are wide; the limits
# themselves are tested in test_rate_limits.py.
WIDE_LIMITS = dict(rate_requests_per_agent_per_minute=1_000_000,
                   rate_requests_per_address_per_minute=1_000_000,
                   rate_sms_per_agent_per_minute=100_000, rate_sms_per_agent_per_day=100_000,
                   rate_sms_per_user_per_minute=100_000, rate_sms_per_user_per_day=100_000,
                   rate_links_per_agent_per_minute=100_000,
                   rate_links_per_agent_per_day=100_000,
                   rate_links_per_user_per_minute=100_000,
                   rate_links_per_user_per_day=100_000, magic_link_rate_per_hour=100)
VOICE = dict(twilio_twiml_app_sid="AP" + "b" * 32, twilio_api_key_sid="SK" + "c" * 32,
             twilio_api_key_secret="fuzz-api-key-secret-" + "s" * 24)
PROFILE = "graphql-fuzz"
settings.register_profile(
    PROFILE, max_examples=8, derandomize=True, database=None, deadline=None,
    phases=(Phase.explicit, Phase.generate),  # failures are collected, never shrunk
    suppress_health_check=(HealthCheck.too_slow, HealthCheck.function_scoped_fixture,
                           HealthCheck.filter_too_much, HealthCheck.data_too_large))
_NAME = re.compile(r"[_A-Za-z][_0-9A-Za-z]*\Z")
_RAISED = re.compile(r"[A-Za-z_][\w.]*(Error|Exception|Exit|Interrupt)\b")  # "x.YError: …"
_POOL_CAP = 400  # harvested values kept, newest last


def root_fields() -> list[tuple[str, str]]:
    """(operation kind, field name) of every query and mutation root field."""
    return [(kind, name) for kind, root in (("query", SCHEMA.query_type),
                                            ("mutation", SCHEMA.mutation_type))
            for name in sorted(root.fields)]


def subscription_fields() -> list[str]:
    return sorted(SCHEMA.subscription_type.fields) if SCHEMA.subscription_type else []


# --- values the operations are made of ---

class Pool:
    """Values seen in answers (ids by what they name, cursors), offered back to the fuzz:
    an argument named for a kind (``userId``, ``email``, ``after``, …) is sometimes
    given one of that kind."""

    def __init__(self) -> None:
        self.kinds: dict[str, list[str]] = {}
        self.ids: list[str] = []  # every id, of whatever kind

    def add(self, kind: str, value: object) -> None:
        _keep(self.kinds.setdefault(kind, []), str(value))
        if kind not in _STRING_KINDS:
            _keep(self.ids, str(value))

    def of(self, kind: str) -> list[str]:
        return self.kinds.get(kind, [])

    def harvest(self, data: object, parent: str = "") -> None:
        """Takes every id, and every cursor, from an answer's data."""
        if isinstance(data, list):
            for item in data:
                self.harvest(item, parent)
            return
        if not isinstance(data, dict):
            return
        for key, value in data.items():
            if isinstance(value, dict | list):
                self.harvest(value, parent if key in _GENERIC_KEYS else key)
            elif value is None or isinstance(value, bool):
                continue
            elif key == "id":
                self.add(_kind_of(parent), value)
            elif key.endswith("Id"):
                self.add(_kind_of(key[:-2]), value)
            elif key.endswith("ursor") and isinstance(value, str):
                self.add("cursor", value)


# What an id's nearest named parent says it is.
_KIND_OF_KEY = {"me": "agent", "setAgentStatus": "agent", "setAgentQueueTypes": "agent",
                "activateRuleSet": "ruleSet", "variant": "ruleSet", "control": "ruleSet",
                "cancelCallback": "callback", "variantRuleSet": "ruleSet",
                "userContext": "user", "userContexts": "user"}
_GENERIC_KEYS = {"node", "nodes", "edges", "items", "entries"}
_STRING_KINDS = {"email", "password", "cursor"}
# The kind of value an argument (or input field) of this name wants.
_ARGUMENT_KINDS = {"userId": "user", "userIds": "user", "agentId": "agent",
                   "variantRuleSetId": "ruleSet", "assignmentId": "assignment",
                   "callId": "call", "email": "email", "password": "password",
                   "after": "cursor"}
_ROOT_ID_KINDS = {"cancelCallback": "callback", "activateRuleSet": "ruleSet",
                  "experiment": "experiment"}


_near_now = st.datetimes(min_value=(NOW - timedelta(days=30)).replace(tzinfo=None),
                        max_value=(NOW + timedelta(days=30)).replace(tzinfo=None),
                        timezones=st.just(UTC)).map(datetime.isoformat)
# Values in range for arguments of these names: past the first check, into the use case.
_SENSIBLE = {"first": st.integers(min_value=1, max_value=500),
             "share": st.floats(min_value=0.01, max_value=0.99),
             "from": _near_now, "to": _near_now, "at": _near_now, "callbackAt": _near_now}


def _kind_of(key: str) -> str:
    kind = _KIND_OF_KEY.get(key, key)
    return kind[:-1] if kind.endswith("s") and len(kind) > 3 else kind


def _keep(values: list[str], value: str) -> None:
    if value in values:
        return
    values.append(value)
    if len(values) > _POOL_CAP:
        del values[len(values) // 2]  # the seeds at the front stay


def _from_pool(values: list[str]) -> st.SearchStrategy[str]:
    """One of the pool's values as it is when drawn (the pool grows as the fuzz runs)."""
    return st.integers(min_value=0, max_value=2**16).map(
        lambda i: values[i % len(values)] if values else "")


_junk_text = st.text(max_size=40)
_odd_strings = st.sampled_from(["", " ", "\x00", "-1", "0", "null", "NaN", "1e309",
                                "9" * 40, "' OR 1=1 --", "%s", "{}", "[]", "💥" * 3,
                                "a" * 5000])


def node(value: object) -> graphql.ValueNode:
    """A literal for a JSON-like value."""
    if value is None:
        return nodes.Null
    if isinstance(value, bool):
        return nodes.Boolean(value)
    if isinstance(value, int):
        return nodes.Int(value)
    if isinstance(value, float):
        return nodes.Float(value)
    if isinstance(value, dict):
        return nodes.Object([graphql.ObjectFieldNode(name=graphql.NameNode(value=str(k)),
                                                     value=node(v)) for k, v in value.items()])
    if isinstance(value, list):
        return nodes.List([node(v) for v in value])
    return nodes.String(value)


_json_leaf = st.one_of(st.none(), st.booleans(), st.integers(), st.text(max_size=20),
                       st.floats(allow_nan=False, allow_infinity=False))
json_values = st.recursive(
    _json_leaf, lambda inner: st.one_of(st.lists(inner, max_size=4),
                                        st.dictionaries(st.text(max_size=12), inner,
                                                        max_size=4)),
    max_leaves=12)


@st.composite
def rule_documents(draw: st.DrawFn) -> dict:
    """The default rule set with one part replaced, removed or left as it is."""
    document = copy.deepcopy(DEFAULT_RULE_SET_DOCUMENT)
    parent: object = document
    for _ in range(draw(st.integers(min_value=0, max_value=3))):
        keys = list(parent) if isinstance(parent, dict) else list(range(len(parent))) \
            if isinstance(parent, list) else []
        if not keys:
            break
        key = draw(st.sampled_from(keys))
        change = draw(st.sampled_from(["descend", "replace", "remove", "keep"]))
        if change == "descend" and isinstance(parent[key], dict | list):
            parent = parent[key]
        elif change == "replace":
            parent[key] = draw(json_values | st.sampled_from(
                [1e300, -1e300, 10**30, -(10**30), 0, -1, 366 * 24 * 60, "never", []]))
            break
        elif change == "remove":
            del parent[key]
            break
    return document


def _datetimes() -> st.SearchStrategy[str]:
    zones = st.sampled_from([UTC, timezone(timedelta(hours=14)),
                             timezone(-timedelta(hours=12)), timezone(timedelta(minutes=330))])
    near = st.datetimes(min_value=datetime(2026, 1, 1), max_value=datetime(2027, 12, 31),
                        timezones=zones | st.none())
    anywhen = st.datetimes(timezones=zones | st.none())
    edges = st.sampled_from(["0001-01-01T00:00:00+00:00", "0001-01-01T00:00:00+14:00",
                             "9999-12-31T23:59:59-12:00", "9999-12-31T23:59:59.999999+00:00",
                             NOW.isoformat(), "2026-11-24", "2026-11-24T10:00:00Z",
                             "2026-02-30T10:00:00+00:00"])
    return st.one_of(near.map(datetime.isoformat), anywhen.map(datetime.isoformat), edges,
                     _junk_text)


def custom_scalars(pool: Pool) -> dict[str, st.SearchStrategy[graphql.ValueNode]]:
    """Every scalar of the schema: sensible, extreme and junk values alike."""
    ids = st.one_of(_from_pool(pool.ids), st.uuids().map(str), _junk_text, _odd_strings)
    int_ids = st.integers(min_value=-(2**70), max_value=2**70)
    words = st.text(alphabet=string.ascii_letters + string.digits + " .,-'", min_size=1,
                    max_size=40)
    # Plain words pass the first checks; with a NUL or another control character they
    # test what the checks let through to the database.
    spiked = st.tuples(words, st.sampled_from(["\x00", "\x1b", "\u202e", "\ufeff", "\r\n"]),
                       words).map("".join)
    strings = st.one_of(st.text(), _odd_strings, words, spiked)
    ints = st.one_of(st.integers(min_value=-2, max_value=600),
                     st.sampled_from([2**31 - 1, -(2**31), 10_000, 100_001]),
                     st.integers(min_value=-(2**31), max_value=2**31 - 1))
    return {
        "Int": ints.map(nodes.Int),
        "ID": st.one_of(ids.map(nodes.String), int_ids.map(nodes.Int)),
        "String": strings.map(nodes.String),
        "DateTime": _datetimes().map(nodes.String),
        "Date": st.one_of(st.dates().map(date.isoformat), _junk_text,
                          st.just("2026-02-29")).map(nodes.String),
        "Decimal": st.one_of(st.decimals().map(str), _junk_text, _odd_strings,
                             st.just("1e999999999")).map(nodes.String),
        "JSON": st.one_of(rule_documents(), json_values).map(node),
    }


# --- operations ---

@dataclass(frozen=True)
class Operation:
    root: str  # "query.userContext", "mutation.login", …
    query: str
    variables: dict


def operations(kind: str, root: str, pool: Pool, mode: hgql.Mode = hgql.Mode.POSITIVE
               ) -> st.SearchStrategy[Operation]:
    """Operations selecting ``root``, some arguments sent as variables (the other path of
    scalar parsing), the rest as literals. NEGATIVE: each breaks the schema once."""
    build = hgql.queries if kind == "query" else hgql.mutations
    documents = build(SDL, fields=[root], custom_scalars=custom_scalars(pool),
                      print_ast=lambda document: document, mode=mode)

    @st.composite
    def made(draw: st.DrawFn) -> Operation:
        document = graphql.visit(draw(documents), _Informed(draw, pool, root))
        arguments = _count_arguments(document)
        hoisted = draw(st.lists(st.booleans(), min_size=arguments, max_size=arguments))
        query, variables = hoist_arguments(document, hoisted)
        return Operation(f"{kind}.{root}", query, variables)

    return made()


class _Informed(graphql.Visitor):
    """Gives some arguments named for a kind (``userId``, ``email``, …) a value of that
    kind from the pool: junk alone rarely reaches past the first check."""

    def __init__(self, draw: st.DrawFn, pool: Pool, root: str):
        super().__init__()
        self.draw, self.pool, self.root = draw, pool, root

    def enter_argument(self, argument: graphql.ArgumentNode, *_args):
        value = self._known(argument.name.value, argument.value)
        return None if value is None else graphql.ArgumentNode(name=argument.name, value=value)

    def enter_object_field(self, field: graphql.ObjectFieldNode, *_args):
        value = self._known(field.name.value, field.value)
        return None if value is None else graphql.ObjectFieldNode(name=field.name, value=value)

    def _known(self, name: str, value: graphql.ValueNode) -> graphql.ValueNode | None:
        # What is drawn depends on the document only, never on the pool's contents (which
        # grow as the fuzz runs): hypothesis replays draws and insists they match.
        kind = _ROOT_ID_KINDS.get(self.root) if name == "id" else _ARGUMENT_KINDS.get(name)
        sensible = _SENSIBLE.get(name)
        if (kind is None and sensible is None) or isinstance(value, graphql.NullValueNode):
            return None
        if not self.draw(st.booleans()):
            return None
        if sensible is not None:
            return node(self.draw(sensible))
        many = isinstance(value, graphql.ListValueNode)
        picks = self.draw(st.lists(st.integers(min_value=0, max_value=2**16), min_size=1,
                                   max_size=5 if many else 1))
        known = self.pool.of(kind)
        if not known:
            return None
        chosen = [known[i % len(known)] for i in picks]
        return node(chosen if many else chosen[0])


def _count_arguments(document: graphql.DocumentNode) -> int:
    counter = _ArgumentCounter()
    graphql.visit(document, counter)
    return counter.count


class _ArgumentCounter(graphql.Visitor):
    def __init__(self) -> None:
        super().__init__()
        self.count = 0

    def enter_argument(self, *_args) -> None:
        self.count += 1


class _Hoister(graphql.Visitor):
    """Replaces chosen arguments by variables of the argument's declared type."""

    def __init__(self, type_info: graphql.TypeInfo, chosen: list[bool]):
        super().__init__()
        self.type_info, self.chosen = type_info, iter(chosen)
        self.variables: dict = {}
        self.definitions: list[graphql.VariableDefinitionNode] = []

    def enter_argument(self, argument: graphql.ArgumentNode, *_args):
        definition = self.type_info.get_argument()
        wanted = next(self.chosen, False)
        if definition is None or not (wanted or not _printable(argument.value)):
            return None
        name = f"v{len(self.variables)}"
        self.variables[name] = graphql.value_from_ast_untyped(argument.value)
        variable = graphql.VariableNode(name=graphql.NameNode(value=name))
        self.definitions.append(graphql.VariableDefinitionNode(
            variable=variable, type=graphql.parse_type(str(definition.type))))
        return graphql.ArgumentNode(name=argument.name, value=variable)


def _printable(value: graphql.ValueNode) -> bool:
    """False when a literal cannot be written as GraphQL (an object key that is no name)."""
    if isinstance(value, graphql.ObjectValueNode):
        return all(_NAME.match(f.name.value) and _printable(f.value) for f in value.fields)
    if isinstance(value, graphql.ListValueNode):
        return all(_printable(v) for v in value.values)
    return True


def hoist_arguments(document: graphql.DocumentNode, chosen: list[bool]
                    ) -> tuple[str, dict]:
    type_info = graphql.TypeInfo(SCHEMA)
    hoister = _Hoister(type_info, chosen)
    edited = graphql.visit(document, graphql.TypeInfoVisitor(type_info, hoister))
    if hoister.definitions:
        (operation,) = edited.definitions
        edited = graphql.DocumentNode(definitions=(graphql.OperationDefinitionNode(
            operation=operation.operation, name=operation.name,
            variable_definitions=tuple(hoister.definitions),
            directives=operation.directives, selection_set=operation.selection_set),))
    return graphql.print_ast(edited), hoister.variables


# --- the server under fuzz ---

@dataclass
class Failure:
    root: str
    role: str | None
    query: str
    variables: dict
    status: int
    errors: list
    tracebacks: list[str]

    def signature(self) -> str:
        """What groups failures of one cause: the root field and the exception raised."""
        lines = self.tracebacks[-1].splitlines() if self.tracebacks else []
        raised = [line for line in lines if _RAISED.match(line)]
        return f"{self.root}: {raised[-1] if raised else f'HTTP {self.status}'}"

    def describe(self) -> str:
        text = (f"{self.root} as {self.role or 'no token'} -> HTTP {self.status}\n"
                f"query: {_short(self.query)}\nvariables: {_short(repr(self.variables))}\n"
                f"errors: {_short(repr(self.errors))}")
        return text + "".join(f"\nserver traceback:\n{t}" for t in self.tracebacks)


def _short(text: str, most: int = 3000) -> str:
    return text if len(text) <= most else f"{text[:most]}… ({len(text)} characters)"


@dataclass
class Tally:
    examples: Counter = field(default_factory=Counter)  # by role
    roots: Counter = field(default_factory=Counter)
    codes: Counter = field(default_factory=Counter)  # error codes seen, by code
    answers: Counter = field(default_factory=Counter)  # by (root, first code or "data")
    failures: list[Failure] = field(default_factory=list)


class _ErrorLogs(logging.Handler):
    """Keeps the tracebacks the schema logs as "unexpected error" (the request's own), and
    every other error logged meanwhile (background work such as a rescore)."""

    def __init__(self) -> None:
        super().__init__(logging.ERROR)
        self.seen: list[str] = []
        self.others: list[tuple[str, str]] = []  # (logger, event and traceback)

    def emit(self, record: logging.LogRecord) -> None:
        event = record.msg if isinstance(record.msg, dict) else {"event": record.getMessage()}
        text = str(event.get("exception") or "")
        if not text and record.exc_info:
            text = logging.Formatter().formatException(record.exc_info)
        if event.get("event") == "unexpected error":
            self.seen.append(text or str(event))
        else:
            self.others.append((record.name, f"{event.get('event')}\n{text}".strip()))


class Target:
    """The app over a dialler of its own, with an account of each role."""

    def __init__(self, services, rows, twilio: FakeTwilioHttp):
        self.services, self.rows, self.twilio = services, rows, twilio
        app = create_app(services)
        self.http = httpx.AsyncClient(transport=httpx.ASGITransport(app=app),
                                      base_url="http://fuzz")
        # The fuzz's own failed logins (a known e-mail, a drawn password) back off its
        # address; the harness signs in again from another.
        self.own_address = httpx.AsyncClient(
            transport=httpx.ASGITransport(app=app,
                                          client=("198.51.100.7", 4000)),
            base_url="http://fuzz")
        self.pool = Pool()
        self.emails: dict[str, str] = {}
        self.agents: dict[str, Agent] = {}
        self.tokens: dict[str | None, str | None] = {None: None}
        self.tally = Tally()
        self.unexpected = _ErrorLogs()

    async def post(self, query: str, variables: dict, role: str | None) -> httpx.Response:
        token = self.tokens[role]
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        return await self.http.post("/graphql", json={"query": query, "variables": variables},
                                    headers=headers)

    async def try_operation(self, operation: Operation) -> None:
        """Posts the operation as every role; failures go to the tally."""
        self.tally.roots[operation.root] += 1
        for role in ROLES:
            self.tally.examples[role] += 1
            self.unexpected.seen.clear()
            response = await self.post(operation.query, operation.variables, role)
            body = _json(response)
            errors = body.get("errors") or []
            codes = [(e.get("extensions") or {}).get("code") for e in errors]
            self.tally.codes.update(c or "no code" for c in codes)
            self.tally.answers[operation.root, (codes or ["data"])[0] or "no code"] += 1
            if response.status_code >= 500 or INTERNAL in codes or self.unexpected.seen:
                self.tally.failures.append(Failure(
                    operation.root, role, operation.query, operation.variables,
                    response.status_code, errors, list(self.unexpected.seen)))
            self.pool.harvest(body.get("data"))
            if role and any((e.get("extensions") or {}).get("reason") == SESSION_ENDED
                            for e in errors):
                await self.sign_in(role)  # the fuzz logged this role out: a fresh session

    async def sign_in(self, role: str) -> None:
        """A token from Login (with a session); INTEGRATION's is minted, as in production."""
        if role == "INTEGRATION":
            agent = self.agents[role]
            self.tokens[role] = self.services.tokens.issue(Principal(agent.id, agent.role)).token
            return
        login = ("mutation($e: String!, $p: String!) { login(email: $e, password: $p) { "
                 "... on LoginSucceeded { token } ... on LoginFailed { message } } }")
        response = await self.own_address.post(
            "/graphql", json={"query": login,
                              "variables": {"e": self.emails[role], "p": PASSWORD}})
        self.tokens[role] = _json(response)["data"]["login"]["token"]

    async def add_accounts(self) -> None:
        for role in ROLES:
            if role is None:
                continue
            email = f"fuzz-{role.lower()}-{uuid.uuid4().hex[:6]}@example.com"
            agent = await create_agent(self.services.uow(), self.services.hasher,
                                       policy=self.services.password_policy, email=email,
                                       password=PASSWORD, name=f"Fuzz {role.title()}",
                                       role=role, at=NOW)
            self.emails[role], self.agents[role] = email, agent
            self.pool.add("agent", agent.id)
            self.pool.add("email", email)
            await self.sign_in(role)
        self.pool.add("password", PASSWORD)

    async def add_users(self, count: int = 8) -> None:
        """Replica users (some signed, some with an address and a car), in built queues."""
        for n in range(count):
            user = await self.rows.user(phone_number=f"07911 {100_000 + n:06d}",
                                        signature=7 if n % 3 == 0 else None)
            if n % 2:
                await self.rows.address(user)
            claim = await self.rows.claim(user)
            if n % 3 == 0:
                await self.rows.requirement(claim)
            if n % 4 == 1:
                await self.rows.vehicle_package(claim)
            self.pool.add("user", user)
        await self.services.queues.rebuild()

    async def add_work(self) -> None:
        """The AGENT works on a user (a lease, a text, a personal callback), a supervisor
        books another's callback: ids of each kind for the fuzz to use."""
        leased = await self.seed("AGENT", "mutation { nextLead(type: UNSIGNED) { ... on "
                                          "LeadAssigned { assignment { id user { id } } } } }")
        user = leased["nextLead"]["assignment"]["user"]["id"]
        other = next(u for u in self.pool.of("user") if u != user)
        await self.seed("ADMIN", "{ ruleSets { id } }")
        await self.seed("AGENT", 'mutation($u: ID!) { sendSms(userId: $u, body: "Hello") { '
                                 "... on SmsQueued { message { id } } } }", u=user)
        book = ("mutation($u: ID!, $at: DateTime!, $p: Boolean) { scheduleCallback(userId: $u, "
                "at: $at, personal: $p) { ... on CallbackScheduled { callback { id } } } }")
        await self.seed("AGENT", book, u=user, at=(NOW + timedelta(hours=2)).isoformat(), p=True)
        await self.seed("SUPERVISOR", book, u=other, at=(NOW + timedelta(hours=3)).isoformat(),
                        p=False)

    async def seed(self, role: str, query: str, **variables) -> dict:
        """Data of one operation the set-up needs; its ids go to the pool."""
        body = _json(await self.post(query, variables, role))
        assert not body.get("errors"), body
        self.pool.harvest(body["data"])
        return body["data"]


def _json(response: httpx.Response) -> dict:
    try:
        body = response.json()
    except ValueError:
        return {}
    return body if isinstance(body, dict) else {}


@contextlib.asynccontextmanager
async def fuzz_target() -> AsyncIterator[Target]:
    """A Target over fresh databases; errors logged while it lives are captured."""
    async with queue_env(**TWILIO, **VOICE, **WIDE_LIMITS) as (services, rows, _clock):
        twilio = FakeTwilioHttp(latency=0)
        use_fake_twilio(services, twilio)
        target = Target(services, rows, twilio)
        logger = logging.getLogger()
        logger.addHandler(target.unexpected)
        try:
            await target.add_users()
            await target.add_accounts()
            await target.add_work()
            yield target
        finally:
            logger.removeHandler(target.unexpected)
            await target.http.aclose()
            await target.own_address.aclose()


class OwnLoop:
    """Runs coroutines on an event loop of the fuzz's own (hypothesis tests are sync)."""

    def __init__(self) -> None:
        self.loop = asyncio.new_event_loop()

    def run(self, coroutine):
        return self.loop.run_until_complete(coroutine)

    def close(self) -> None:
        self.loop.run_until_complete(self.loop.shutdown_asyncgens())
        self.loop.close()
