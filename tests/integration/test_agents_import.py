"""`dialler agents import` against the real dialler database, and what the CLI imports."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
import uuid
from pathlib import Path

import pytest
from sqlalchemy import text
from typer.testing import CliRunner

from cli.main import app
from service_layer.agent_import import import_agents, parse_agents_csv
from service_layer.agents import LoginFailed, LoginSucceeded, login
from tests.conftest import TEST_SECRET

pytestmark = pytest.mark.integration
ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def env(cli_env):
    return cli_env


@pytest.fixture
def domain() -> str:
    """A fresh e-mail domain per test, so tests never see each other's agents."""
    return f"{uuid.uuid4().hex[:8]}.example.com"


async def invoke(*args: str):
    """Runs the CLI in a thread: it starts its own event loop."""
    return await asyncio.get_running_loop().run_in_executor(None, CliRunner().invoke, app,
                                                            list(args))


def write_csv(tmp_path: Path, text_: str, name: str = "agents.csv") -> str:
    path = tmp_path / name
    path.write_text(text_)
    return str(path)


async def agents_of(services, domain: str) -> dict[str, tuple]:
    async with services.engine.connect() as conn:
        rows = (await conn.execute(text(
            "SELECT email, name, role, queue_types, password_hash FROM agents "
            "WHERE email LIKE :d"), {"d": f"%@{domain}"})).all()
    return {r.email: (r.name, r.role, r.queue_types, r.password_hash) for r in rows}


async def can_log_in(services, email: str, password: str) -> bool:
    outcome = await login(services.uow(), services.hasher, services.tokens, email=email,
                          password=password, at=services.clock())
    return isinstance(outcome, LoginSucceeded)


async def test_good_rows_are_created_with_their_roles_types_and_passwords(
        env, services, tmp_path, domain):
    path = write_csv(tmp_path, f"""email,name,role,queue_types,password
Ann@{domain},Ann Able,agent,UNSIGNED;OUTSTANDING_REQUESTS,correct horse battery
bob@{domain}, Bob Baker ,SUPERVISOR,,another long password
""")
    result = await invoke("agents", "import", path)
    assert result.exit_code == 0, result.output
    assert "created 2, updated 0, unchanged 0" in result.output
    found = await agents_of(services, domain)
    assert {e: v[:3] for e, v in found.items()} == {
        f"ann@{domain}": ("Ann Able", "AGENT", ["OUTSTANDING_REQUESTS", "UNSIGNED"]),
        f"bob@{domain}": ("Bob Baker", "SUPERVISOR", None)}
    assert await can_log_in(services, f"ANN@{domain}", "correct horse battery")
    assert await can_log_in(services, f"bob@{domain}", "another long password")


async def test_bad_rows_are_each_named_by_line_and_nothing_is_written(
        env, services, tmp_path, domain):
    path = write_csv(tmp_path, f"""email,name,role,queue_types,password
good@{domain},Good,AGENT,,correct horse battery
not-an-email,Name,AGENT,,
x@{domain},,BOSS,NIGHTS,short
GOOD@{domain},Twice,AGENT,,
y@{domain},Too Few,AGENT
""")
    result = await invoke("agents", "import", path)
    assert result.exit_code == 2
    out = " ".join(result.output.split())
    assert f"{path}:3: email 'not-an-email' is not a valid e-mail address" in out
    assert f"{path}:4: name must be 1 to 200 characters" in out
    assert "password must be at least 10 characters" in out
    assert "role 'BOSS' is not one of" in out and "queue type 'NIGHTS' is not one of" in out
    assert f"{path}:5: e-mail 'good@{domain}' is also on line 2" in out
    assert f"{path}:6: 3 fields where the header has 5" in out
    assert f"{path}:2:" not in out
    assert "nothing imported: 4 problem(s)" in out
    assert await agents_of(services, domain) == {}


async def test_a_bad_header_is_refused_before_any_row(env, tmp_path, domain):
    path = write_csv(tmp_path, f"email,name,passwrod\na@{domain},A,secret secret\n")
    result = await invoke("agents", "import", path)
    out = " ".join(result.output.split())
    assert result.exit_code == 2
    assert "unknown column 'passwrod'" in out and "column 'role' is missing" in out


async def test_reimport_updates_in_place_and_keeps_what_the_file_leaves_out(
        env, services, tmp_path, domain):
    first = write_csv(tmp_path, f"""email,name,role,queue_types,password
ann@{domain},Ann,AGENT,UNSIGNED,correct horse battery
bob@{domain},Bob,AGENT,CALLBACK,bob's first password
cat@{domain},Cat,AGENT,,
""")
    assert (await invoke("agents", "import", first)).exit_code == 0
    hashes = {e: v[3] for e, v in (await agents_of(services, domain)).items()}

    again = await invoke("agents", "import", first)
    assert again.exit_code == 0, again.output
    assert "created 0, updated 0, unchanged 3" in again.output
    assert {e: v[3] for e, v in (await agents_of(services, domain)).items()} == hashes

    # No password column: passwords kept. No queue_types column: queue types kept.
    second = write_csv(tmp_path, f"""email,name,role
ANN@{domain},Ann Renamed,SUPERVISOR
bob@{domain},Bob,AGENT
""", "second.csv")
    result = await invoke("agents", "import", second)
    assert result.exit_code == 0, result.output
    assert "created 0, updated 1, unchanged 1" in result.output
    found = await agents_of(services, domain)
    assert len(found) == 3
    assert found[f"ann@{domain}"][:3] == ("Ann Renamed", "SUPERVISOR", ["UNSIGNED"])
    assert found[f"bob@{domain}"][2] == ["CALLBACK"]
    assert await can_log_in(services, f"ann@{domain}", "correct horse battery")

    # A new password replaces the old one; an empty queue_types cell means every type.
    third = write_csv(tmp_path, f"""email,name,role,queue_types,password
bob@{domain},Bob,AGENT,,bob's second password
""", "third.csv")
    assert "updated 1" in (await invoke("agents", "import", third)).output
    assert (await agents_of(services, domain))[f"bob@{domain}"][2] is None
    assert await can_log_in(services, f"bob@{domain}", "bob's second password")
    assert not await can_log_in(services, f"bob@{domain}", "bob's first password")


async def test_a_new_agent_without_a_password_cannot_log_in_until_one_is_set(
        env, services, tmp_path, domain):
    path = write_csv(tmp_path, f"email,name,role,password\nnopw@{domain},No Password,AGENT,\n")
    result = await invoke("agents", "import", path)
    assert result.exit_code == 0, result.output
    out = " ".join(result.output.split())
    assert "1 agent(s) have no password and cannot log in until one is set" in out
    assert f"nopw@{domain}" in out
    for attempt in ("", "anything at all", "not-a-real-password"):
        outcome = await login(services.uow(), services.hasher, services.tokens,
                              email=f"nopw@{domain}", password=attempt, at=services.clock())
        assert isinstance(outcome, LoginFailed)
    later = write_csv(tmp_path, f"email,name,role,password\nnopw@{domain},No Password,AGENT,"
                                "finally a password\n", "later.csv")
    assert "updated 1" in (await invoke("agents", "import", later)).output
    assert await can_log_in(services, f"nopw@{domain}", "finally a password")


async def test_the_full_unit_of_work_imports_the_same_way(services, domain):
    """The use case needs only the port: SQLAlchemy's unit of work serves it too."""
    rows = parse_agents_csv(f"email,name,role,password\nfull@{domain},Full,ADMIN,"
                            "correct horse battery\n", services.password_policy)
    store = services.presence.store
    first = await import_agents(services.uow, services.hasher, store, rows, at=services.clock())
    second = await import_agents(services.uow, services.hasher, store, rows,
                                 at=services.clock())
    assert (first.created, second.unchanged) == (1, 1)
    assert await can_log_in(services, f"full@{domain}", "correct horse battery")


LIGHT_CHECK = """
import os, sys
from cli.main import main
try:
    main()
except SystemExit as exit:
    code = exit.code
heavy = ("strawberry", "moto", "boto3", "aioboto3", "fakeredis", "redis", "uvicorn",
         "fastapi", "sqlalchemy", "sqlmodel", "alembic", "asyncmy", "twilio",
         "graphql_api", "sync_worker", "infrastructure.bootstrap", "infrastructure.embedded",
         "infrastructure.runtime", "infrastructure.replica", "service_layer.queues",
         *os.environ["ALSO_HEAVY"].split())
loaded = sorted({m for m in sys.modules for h in heavy if m == h or m.startswith(h + ".")})
print("LOADED", code, loaded)
"""


def loaded_modules(*args: str, env: dict | None = None,
                   also: tuple[str, ...] = ()) -> tuple[object, str]:
    """The exit code of the console script given args, and which heavy modules (the
    machinery above, plus ``also``) it loaded."""
    done = subprocess.run([sys.executable, "-c", LIGHT_CHECK, *args], cwd=ROOT,
                          capture_output=True, text=True, timeout=120,
                          env={**os.environ, **(env or {}), "ALSO_HEAVY": " ".join(also)})
    line = next(x for x in done.stdout.splitlines() if x.startswith("LOADED"))
    code, loaded = line.split(" ", 2)[1:]
    return code, loaded


def test_dialler_help_imports_no_heavy_machinery():
    for args in (["--help"], ["agents", "--help"], ["agents", "import", "--help"]):
        code, loaded = loaded_modules(*args)
        assert (code, loaded) == ("0", "[]"), args


def test_agents_create_starts_only_postgres_and_the_hasher(settings, domain):
    """Only its own command's module; its one line of output needs no rich; and creating
    is not logging in (no rate limits)."""
    code, loaded = loaded_modules(
        "agents", "create", "--email", f"light@{domain}", "--name", "Light",
        "--password", "a long enough password",
        env={"DATABASE_URL": settings.database_url,
             "REPLICA_DATABASE_URL": settings.replica_database_url,
             "REDIS_URL": settings.redis_url, "JWT_SECRET": TEST_SECRET},
        also=("cli.db", "cli.queue", "cli.sync", "cli.demo_change", "rich",
              "service_layer.rate_limits", "domain.limits"))
    assert (code, loaded) == ("0", "[]")


def test_on_the_embedded_default_account_commands_start_and_leave_postgres(tmp_path):
    """No serve running: each command starts the embedded server, migrates it, stops it."""
    config = ("DATABASE_URL", "REPLICA_DATABASE_URL", "REDIS_URL", "JWT_SECRET")
    env = {k: v for k, v in os.environ.items() if k not in config}
    env["DIALLER_DATA_DIR"] = str(tmp_path / "data")
    dialler = str(Path(sys.executable).with_name("dialler"))

    def run(*args: str) -> subprocess.CompletedProcess:
        done = subprocess.run([dialler, *args], cwd=tmp_path, env=env, capture_output=True,
                              text=True, timeout=180)
        assert done.returncode == 0, done.stderr[-2000:]
        return done

    run("agents", "create", "--email", "first@example.com", "--name", "First",
        "--password", "a long enough password")
    path = write_csv(tmp_path, "email,name,role\nfirst@example.com,First,AGENT\n"
                               "second@example.com,Second,AGENT\n")
    assert "created 1, updated 0, unchanged 1" in run("agents", "import", path).stderr
    assert not (tmp_path / "data" / "postgres.json").exists()  # the server was stopped
