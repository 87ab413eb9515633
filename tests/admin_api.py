"""An API client for the supervisors' and admins' operations of
contracts/operations/admin.graphql, sent as the frontend sends them."""

from __future__ import annotations

import uuid
from contextlib import asynccontextmanager

import httpx
from graphql import OperationDefinitionNode, parse, print_ast

from graphql_api.app import create_app
from service_layer.agents import create_agent
from tests.contracts import OPERATIONS
from tests.queue_env import NOW, queue_env

PASSWORD = "a long enough password"
_CONTRACT = parse((OPERATIONS / "admin.graphql").read_text())
LOGIN = ("mutation($e: String!, $p: String!) { login(email: $e, password: $p) { __typename "
         "... on LoginSucceeded { token passwordChangeRequired agent { id lastLoginAt } } "
         "... on LoginFailed { message } } }")
STATUS = "mutation { setAgentStatus(status: AVAILABLE) { status } }"


def contract_operation(name: str) -> str:
    """One operation of the contract file, as the frontend sends it."""
    (found,) = [d for d in _CONTRACT.definitions
                if isinstance(d, OperationDefinitionNode) and d.name.value == name]
    return print_ast(found)


class Api:
    def __init__(self, services):
        self.services = services
        self.http = httpx.AsyncClient(transport=httpx.ASGITransport(app=create_app(services)),
                                      base_url="http://t")

    async def raw(self, query: str, variables: dict | None = None,
                  token: str | None = None) -> dict:
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        response = await self.http.post("/graphql", json={
            "query": query, "variables": variables or {}}, headers=headers)
        return response.json()

    async def contract(self, operation: str, variables: dict, token: str | None) -> dict:
        return await self.raw(contract_operation(operation), variables, token)

    async def op(self, operation: str, variables: dict, token: str) -> dict:
        """One of the contract's own operations; its data, failing on any error."""
        body = await self.contract(operation, variables, token)
        assert "errors" not in body, body
        return body["data"]

    async def ok(self, query: str, token: str | None = None, variables=None) -> dict:
        body = await self.raw(query, variables, token)
        assert "errors" not in body, body
        return body["data"]

    async def person(self, role: str = "AGENT", name: str = "Agent") -> tuple[str, str, str]:
        """A new account logged in: (id, token, e-mail)."""
        email = f"{uuid.uuid4().hex[:8]}@example.com"
        await create_agent(self.services.uow(), self.services.hasher,
                           policy=self.services.password_policy, email=email,
                           password=PASSWORD, name=name, role=role, at=NOW)
        data = await self.login(email, PASSWORD)
        return data["agent"]["id"], data["token"], email

    async def login(self, email: str, password: str) -> dict:
        return (await self.ok(LOGIN, variables={"e": email, "p": password}))["login"]


@asynccontextmanager
async def admin_env():
    """(services, replica rows, clock, Api) over a queue_env of their own."""
    async with queue_env() as (services, rows, clock):
        api = Api(services)
        try:
            yield services, rows, clock, api
        finally:
            await api.http.aclose()


def error_code(body: dict) -> tuple[str, str | None]:
    """The first error's code and reason."""
    extensions = body["errors"][0]["extensions"]
    return extensions["code"], extensions.get("reason")
