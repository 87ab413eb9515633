"""`dialler serve` with nothing configured: the whole system on the embedded default."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path

import httpx
import pytest

from tests.services import free_port
from tests.waiting import wait_until_sync

pytestmark = pytest.mark.integration
ROOT = Path(__file__).resolve().parents[2]
DIALLER = str(Path(sys.executable).with_name("dialler"))
CONFIG_VARS = ("DATABASE_URL", "REPLICA_DATABASE_URL", "REDIS_URL", "JWT_SECRET",
               "SQS_QUEUE_URL", "AWS_ENDPOINT_URL")


@pytest.fixture
def bare_env(tmp_path):
    env = {k: v for k, v in os.environ.items() if k not in CONFIG_VARS}
    env["DIALLER_DATA_DIR"] = str(tmp_path / "data")
    return env


def _wait_healthy(url: str, proc: subprocess.Popen, timeout: float = 120) -> None:
    def ready() -> bool:
        assert proc.poll() is None, proc.stderr.read().decode()[-3000:]
        try:
            return httpx.get(url + "/ready", timeout=2).status_code == 200
        except httpx.HTTPError:
            return False

    wait_until_sync(ready, "dialler serve ready", timeout=timeout, interval=0.1)


def _graphql(url: str, query: str, variables=None, token=None) -> dict:
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    response = httpx.post(url + "/graphql", json={"query": query, "variables": variables or {}},
                          headers=headers, timeout=10)
    return response.json()


QUEUE_HEAD = "{ queue(type: UNSIGNED, first: 1) { edges { node { user { id } } } } }"
WHERE = "query($u: ID!) { explainScore(userId: $u) { queueType } }"


def _a_demo_change_moves_a_queue(url: str, token: str, cwd: Path, env: dict) -> None:
    """`dialler demo change` emits a CDC message; the in-process worker moves the user."""
    def queue_head() -> list:
        return _graphql(url, QUEUE_HEAD, token=token)["data"]["queue"]["edges"]

    # The first rebuild runs at start-up.
    edges = wait_until_sync(queue_head, "a user queued", timeout=60, interval=0.1)
    user = edges[0]["node"]["user"]["id"]
    changed = subprocess.run([DIALLER, "demo", "change", user, "--signed"], cwd=cwd, env=env,
                             capture_output=True, timeout=60)
    assert changed.returncode == 0, changed.stderr.decode()[-2000:]
    def left() -> bool:
        head = queue_head()
        return not head or head[0]["node"]["user"]["id"] != user

    wait_until_sync(left, f"user {user} left the UNSIGNED queue", timeout=60, interval=0.1)


def test_serve_on_a_bare_machine_lets_a_new_user_log_in_and_read_a_context(bare_env, tmp_path):
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    proc = subprocess.Popen([DIALLER, "serve", "--port", str(port)], cwd=tmp_path,
                            env=bare_env, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    try:
        _wait_healthy(url, proc)
        email, password = (tmp_path / "data" / "demo_login").read_text().split("\n")[:2]
        login = _graphql(url, "mutation($e: String!, $p: String!) { login(email: $e, "
                              "password: $p) { ... on LoginSucceeded { token } } }",
                         {"e": email, "p": password})
        token = login["data"]["login"]["token"]
        context = _graphql(url, "{ userContext(userId: 1) { user { id } claims { id } } }",
                           token=token)
        assert context["data"]["userContext"]["user"]["id"] == "1"

        # A second process (the CLI) reaches the embedded PostgreSQL that serve started.
        created = subprocess.run(
            [DIALLER, "agents", "create", "--email", "new@example.com", "--name", "New",
             "--password", "another long password"], cwd=tmp_path, env=bare_env,
            capture_output=True, timeout=60)
        assert created.returncode == 0, created.stderr.decode()[-2000:]
        again = _graphql(url, 'mutation { login(email: "new@example.com", password: '
                              '"another long password") { __typename } }')
        assert again["data"]["login"]["__typename"] == "LoginSucceeded"
        _a_demo_change_moves_a_queue(url, token, tmp_path, bare_env)
    finally:
        proc.send_signal(signal.SIGTERM)
        try:
            out, err = proc.communicate(timeout=30)
        except subprocess.TimeoutExpired:
            proc.kill()
            out, err = proc.communicate()
    assert b"GraphiQL: http://localhost:" in err + out
