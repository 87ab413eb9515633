"""The per-request context: services, who is asking, and fresh DataLoaders."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from functools import cached_property

from strawberry.fastapi import BaseContext

from domain.agents.model import Agent
from domain.agents.ports import AgentProfiles, InvalidToken
from domain.agents.sessions import TOKEN_EXPIRED, Principal, refusal_message
from domain.audit.model import RequestReads
from domain.errors import ServiceBusy
from graphql_api.dataloaders import Loaders
from graphql_api.errors import Busy, Unauthenticated
from infrastructure.bootstrap import Services


def bearer_token(authorization: str | None) -> str | None:
    """The token of an ``Authorization: Bearer …`` value (scheme in any case)."""
    if not authorization:
        return None
    scheme, _, token = authorization.strip().partition(" ")
    return token.strip() or None if scheme.lower() == "bearer" else None


class CallerFirst(AgentProfiles):
    """Agent reads that answer for the request's own agent without a statement."""

    def __init__(self, profiles: AgentProfiles, caller: Agent | None):
        self._profiles, self._caller = profiles, caller

    async def get(self, agent_id: uuid.UUID) -> Agent | None:
        if self._caller is not None and self._caller.id == agent_id:
            return self._caller
        return await self._profiles.get(agent_id)


class RequestContext(BaseContext):
    def __init__(self, services: Services, authorization: str | None = None,
                 client_ip: str | None = None, user_agent: str | None = None):
        super().__init__()
        self.services = services
        self.authorization = authorization
        self.client_ip = client_ip
        self.user_agent = user_agent
        # Set by the websocket protocols from connection_init's payload.
        self.connection_params: dict | None = None
        self._busy: ServiceBusy | None = None
        self._caller: Agent | None = None

    @cached_property
    def loaders(self) -> Loaders:
        return Loaders(self.services)

    @cached_property
    def audit_reads(self) -> RequestReads:
        """The users this request has recorded as read (graphql_api.audit), each once."""
        return RequestReads()

    def release(self) -> None:
        """Lets go of what the request read, once it has answered. graphql-core's executor
        keeps the context in a reference cycle, so the loaders' caches (a queue page: every
        user, claim and requirement on it) would otherwise live on until the cyclic
        collector runs, and make it run more often and for longer."""
        loaders = self.__dict__.pop("loaders", None)
        if loaders is not None:
            loaders.clear()

    def refresh_loaders(self) -> None:
        """A websocket's context lives as long as the socket: each event gets fresh loaders
        (and records its reads anew)."""
        self.__dict__.pop("loaders", None)
        self.audit_reads.start_over()

    def authenticate_connection(self) -> Principal:
        """At connection_init: the token from the payload (key in any case) or the upgrade."""
        for key, value in (self.connection_params or {}).items():
            if key.lower() == "authorization" and isinstance(value, str):
                self.authorization = value
                self.__dict__.pop("_auth", None)
        return self.require_principal()

    @cached_property
    def _auth(self) -> Principal | InvalidToken | None:
        if self.authorization is None:
            return None
        token = bearer_token(self.authorization)
        if token is None:
            return InvalidToken("INVALID_TOKEN",
                                "the Authorization header must be 'Bearer <token>'")
        try:
            return self.services.tokens.verify(token)
        except InvalidToken as exc:
            return exc

    @property
    def principal(self) -> Principal | None:
        auth = self._auth
        return auth if isinstance(auth, Principal) else None

    @property
    def refused_because(self) -> str | None:
        """The stable reason a token given is refused (SESSION_ENDED, …), or None."""
        auth = self._auth
        return auth.code if isinstance(auth, InvalidToken) else None

    async def check_session(self) -> None:
        """The token's agent as they are now, in one read: a session that ended (logout,
        idle) or an agent disabled stops working at once, everywhere, and a changed role
        holds from the next request. A websocket calls this again for each operation."""
        self._busy = self._caller = None
        principal = self.principal
        if principal is None:
            return
        if principal.expired(datetime.now(UTC)):  # a websocket outliving its token
            self._auth = InvalidToken(TOKEN_EXPIRED, "the token has expired; log in again")
            return
        try:
            standing = await self.services.presence.standing(principal)
        except ServiceBusy as exc:  # answered as SERVICE_BUSY when the principal is needed
            self._busy = exc
            return
        refusal = standing.refusal()
        self._auth = InvalidToken(refusal, refusal_message(refusal)) if refusal \
            else standing.apply_to(principal)
        self._caller = None if refusal else standing.agent

    @property
    def password_change_due(self) -> bool:
        """The caller logged in with a temporary password and has not chosen their own."""
        return self._caller is not None and self._caller.must_change_password

    @property
    def agents(self) -> AgentProfiles:
        """Agents as they are now; the caller's own row as the session check read it."""
        return CallerFirst(self.services.agent_profiles, self._caller)

    def require_principal(self) -> Principal:
        if self._busy is not None:
            raise Busy(f"the service is busy ({self._busy}); try again shortly",
                       self._busy.retry_after_seconds)
        auth = self._auth
        if auth is None:
            raise Unauthenticated("authentication required: send 'Authorization: Bearer <token>'",
                                  reason="MISSING_TOKEN")
        if isinstance(auth, InvalidToken):
            raise Unauthenticated(str(auth), reason=auth.code)
        return auth
